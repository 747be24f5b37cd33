#include "drift/page_hinkley.h"

#include <algorithm>
#include <cmath>

namespace edgeloop::drift {

Result<PageHinkley> PageHinkley::Create(const PageHinkleyOptions& options) {
  if (!std::isfinite(options.delta) || options.delta < 0) {
    return InvalidArgument("page-hinkley delta must be finite and >= 0");
  }
  if (!std::isfinite(options.lambda) || !(options.lambda > 0)) {
    return InvalidArgument("page-hinkley lambda must be finite and > 0");
  }
  if (!(options.alpha > 0 && options.alpha <= 1)) {
    return InvalidArgument("page-hinkley alpha must be in (0, 1]");
  }
  if (options.min_samples < (options.relative ? 2 : 0)) {
    return InvalidArgument("page-hinkley min_samples must be >= 2 in relative mode, >= 0 else");
  }
  return PageHinkley(options);
}

void PageHinkley::Reset() {
  n_ = 0;
  mean_ = m2_ = 0;
  scale_ = 1;
  up_ = up_min_ = down_ = down_max_ = 0;
}

PhAlarm PageHinkley::Update(double x) {
  if (!std::isfinite(x)) return PhAlarm::kNone;
  ++n_;
  double d = x - mean_;
  mean_ += d / static_cast<double>(n_);
  if (n_ <= options_.min_samples) {
    m2_ += d * (x - mean_);
    if (n_ == options_.min_samples && options_.relative) {
      double sd = std::sqrt(m2_ / static_cast<double>(n_ - 1));
      // A constant warm-up would make every later wiggle infinite evidence; a tiny floor
      // relative to the level keeps the detector meaningful (any real change still alarms).
      scale_ = std::max(sd, 1e-9 * std::max(1.0, std::abs(mean_)));
    }
    return PhAlarm::kNone;
  }
  const double delta = options_.delta * scale_;
  const double lambda = options_.lambda * scale_;
  up_ = options_.alpha * up_ + (x - mean_ - delta);
  down_ = options_.alpha * down_ + (x - mean_ + delta);
  up_min_ = std::min(up_min_, up_);
  down_max_ = std::max(down_max_, down_);
  PhAlarm alarm = PhAlarm::kNone;
  if (up_ - up_min_ > lambda) {
    alarm = PhAlarm::kIncrease;
    last_alarm_statistic_ = IncreaseStatistic();
  } else if (down_max_ - down_ > lambda) {
    alarm = PhAlarm::kDecrease;
    last_alarm_statistic_ = DecreaseStatistic();
  }
  if (alarm != PhAlarm::kNone) Reset();
  return alarm;
}

double PageHinkley::IncreaseStatistic() const { return (up_ - up_min_) / scale_; }
double PageHinkley::DecreaseStatistic() const { return (down_max_ - down_) / scale_; }

}  // namespace edgeloop::drift
