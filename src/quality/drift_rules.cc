#include "quality/drift_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace edgeloop::quality::internal {
int64_t SecondOf(Timestamp t) {
  const int64_t ns = ToNanos(t);
  return ns >= 0 ? ns / 1'000'000'000 : (ns - 999'999'999) / 1'000'000'000;
}

void LevelTracker::Add(Timestamp t, float value, ChannelKind kind, double rate_hz,
                       const OnLevel& on_level) {
  const double v = value;
  AddSum(SecondOf(t), kind == ChannelKind::kVibration ? v * v : v, 1, kind, rate_hz, on_level);
}

void LevelTracker::AddSum(int64_t second, double sum, uint64_t count, ChannelKind kind,
                          double rate_hz, const OnLevel& on_level) {
  if (has_ && second != second_) {
    const double needed = std::max(1.0, 0.25 * rate_hz_);
    if (static_cast<double>(count_) >= needed) {
      const double mean = sum_ / static_cast<double>(count_);
      on_level(second_, kind_ == ChannelKind::kVibration ? std::sqrt(mean) : mean);
    }
    has_ = false;
  }
  if (!has_) {
    has_ = true;
    second_ = second;
    sum_ = 0;
    count_ = 0;
    kind_ = kind;
    rate_hz_ = rate_hz;
  }
  sum_ += sum;
  count_ += count;
}

DriftDetector::Change DriftDetector::Update(int64_t second, double level, const DriftSettings& s) {
  last_level_ = level;
  relative_ = s.relative;
  if (!baseline_) {
    learn_sum_ += level;
    if (++learn_count_ >= static_cast<uint64_t>(std::ceil(s.baseline_s))) {
      baseline_ = learn_sum_ / static_cast<double>(learn_count_);
    }
    return Change::kNone;
  }
  double d = level - *baseline_;
  if (s.relative) {
    // A relative deviation needs a reference away from zero; a dead baseline cannot drift.
    if (std::abs(*baseline_) < 1e-12) return Change::kNone;
    d = level / *baseline_ - 1;
  }
  last_deviation_ = d;
  if (pos_ == 0) pos_start_ = second;
  if (neg_ == 0) neg_start_ = second;
  pos_ = std::max(0.0, pos_ + d - s.allowance);
  neg_ = std::max(0.0, neg_ - d - s.allowance);
  if (!active_) {
    if (pos_ > s.threshold || neg_ > s.threshold) {
      active_ = true;
      episode_start_ = pos_ > s.threshold ? pos_start_ : neg_start_;
      in_band_ = 0;
      return Change::kBegan;
    }
    return Change::kNone;
  }
  in_band_ = std::abs(d) <= s.allowance ? in_band_ + 1 : 0;
  if (static_cast<double>(in_band_) >= s.recovery_s) {
    active_ = false;
    pos_ = neg_ = 0;
    return Change::kEnded;
  }
  return Change::kNone;
}

std::string DriftDetector::Describe(std::string_view what) const {
  if (relative_) {
    return fmt::format("{} {:.4g} vs baseline {:.4g} ({:+.1f} %)", what, last_level_, baseline(),
                       100 * last_deviation_);
  }
  return fmt::format("{} {:.4g} vs baseline {:.4g} ({:+.3g})", what, last_level_, baseline(),
                     last_deviation_);
}

}  // namespace edgeloop::quality::internal
