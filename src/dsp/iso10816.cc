#include "dsp/iso10816.h"

#include <cmath>
#include <numbers>

namespace edgeloop::dsp {

IsoZoneLimits Iso10816ZoneLimits(MachineGroup group, Foundation foundation) {
  const bool large = group == MachineGroup::kGroup1 || group == MachineGroup::kGroup3;
  const bool rigid = foundation == Foundation::kRigid;
  if (large) return rigid ? IsoZoneLimits{2.3, 4.5, 7.1} : IsoZoneLimits{3.5, 7.1, 11.0};
  return rigid ? IsoZoneLimits{1.4, 2.8, 4.5} : IsoZoneLimits{2.3, 4.5, 7.1};
}

IsoZone Iso10816Zone(double velocity_rms_mm_s, MachineGroup group, Foundation foundation) {
  const IsoZoneLimits limits = Iso10816ZoneLimits(group, foundation);
  if (velocity_rms_mm_s < limits.ab_mm_s) return IsoZone::kA;
  if (velocity_rms_mm_s < limits.bc_mm_s) return IsoZone::kB;
  if (velocity_rms_mm_s < limits.cd_mm_s) return IsoZone::kC;
  return IsoZone::kD;
}

std::string_view IsoZoneName(IsoZone zone) {
  switch (zone) {
    case IsoZone::kA:
      return "A";
    case IsoZone::kB:
      return "B";
    case IsoZone::kC:
      return "C";
    case IsoZone::kD:
      return "D";
  }
  return "?";
}

double VelocityRmsMmPerS(std::span<const double> accel_power_g2, double bin_hz, double low_hz,
                         double high_hz) {
  double sum = 0.0;  // (m/s)²
  for (size_t k = 1; k < accel_power_g2.size(); ++k) {
    const double f = static_cast<double>(k) * bin_hz;
    if (f < low_hz || f > high_hz) continue;
    const double omega = 2.0 * std::numbers::pi * f;
    const double g_to_ms = kStandardGravity / omega;
    sum += accel_power_g2[k] * g_to_ms * g_to_ms;
  }
  return std::sqrt(sum) * 1000.0;
}

}  // namespace edgeloop::dsp
