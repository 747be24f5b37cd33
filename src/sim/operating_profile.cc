#include "sim/operating_profile.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace edgeloop::sim {

Status OperatingProfile::Validate() const {
  if (ramp < Duration::zero()) return InvalidArgument("operating profile: ramp must be >= 0");
  if (!(default_load >= 0 && default_load <= 1.5)) {
    return InvalidArgument("operating profile: default load must lie in [0, 1.5]");
  }
  for (size_t i = 0; i < modes.size(); ++i) {
    const OperatingMode& m = modes[i];
    if (m.duration <= Duration::zero()) {
      return InvalidArgument(fmt::format("operating mode {}: duration must be positive", i));
    }
    if (!(m.speed_rpm >= 0 && m.speed_rpm < 100000)) {
      return InvalidArgument(
          fmt::format("operating mode {}: speed must lie in [0, 100000) rpm", i));
    }
    if (!(m.load >= 0 && m.load <= 1.5)) {
      return InvalidArgument(fmt::format("operating mode {}: load must lie in [0, 1.5]", i));
    }
  }
  return Status::Ok();
}

OperatingPoint OperatingProfile::At(double t_s, double nominal_rpm) const {
  if (modes.empty()) return {nominal_rpm, default_load};
  double total_s = 0;
  for (const OperatingMode& m : modes) total_s += ToSeconds(m.duration);
  t_s = std::max(t_s, 0.0);
  const bool wrapped = cycle && t_s >= total_s;
  if (cycle) {
    t_s = std::fmod(t_s, total_s);
  } else if (t_s >= total_s) {
    return {modes.back().speed_rpm, modes.back().load};
  }
  double mode_start = 0;
  for (size_t i = 0; i < modes.size(); ++i) {
    const OperatingMode& m = modes[i];
    const double d = ToSeconds(m.duration);
    if (t_s < mode_start + d || i + 1 == modes.size()) {
      const OperatingPoint target{m.speed_rpm, m.load};
      // The very first mode starts at its set point; later ones ramp from their predecessor.
      if (i == 0 && !wrapped) return target;
      const OperatingMode& prev = i == 0 ? modes.back() : modes[i - 1];
      const double ramp_s = std::min(ToSeconds(ramp), d);
      const double x = ramp_s > 0 ? std::min(1.0, (t_s - mode_start) / ramp_s) : 1.0;
      return {prev.speed_rpm + (m.speed_rpm - prev.speed_rpm) * x,
              prev.load + (m.load - prev.load) * x};
    }
    mode_start += d;
  }
  return {modes.back().speed_rpm, modes.back().load};
}

}  // namespace edgeloop::sim
