// Page–Hinkley change detector on a stream of scalar scores, both directions.
//
// After a warm-up of `min_samples` values (which only estimates the mean and, in relative mode,
// the standard deviation), every value x_t updates the running mean x̄_t (since the last reset)
// and two cumulative sums
//   up_t   = α·up_{t−1}   + (x_t − x̄_t − δ),  alarm kIncrease when up_t − min(up) > λ
//   down_t = α·down_{t−1} + (x_t − x̄_t + δ),  alarm kDecrease when max(down) − down_t > λ
// δ is the change magnitude tolerated, λ the evidence needed, α <= 1 a forgetting factor (1 = the
// classic test) that lets old evidence fade so a long stationary run cannot pile up a huge
// margin that delays detection. After an alarm the detector resets completely (warm-up again),
// so a persistent shift becomes the new normal instead of alarming on every value.
//
// Relative mode (the default) measures δ and λ in warm-up standard deviations, so one setting
// works for scores of any scale: δ = 0.5, λ = 20 detect a 1σ shift after roughly 40–60 values
// while a stationary Gaussian stream practically never alarms (the CUSUM-equivalent average run
// length with k = 0.5, h = 20 is astronomically long).
//
// Not thread-safe: one owner feeds it.
#pragma once

#include <cstdint>

#include "common/status.h"

namespace edgeloop::drift {

struct PageHinkleyOptions {
  double delta = 0.5;
  double lambda = 20;
  double alpha = 1.0;        // forgetting factor in (0, 1]
  int64_t min_samples = 50;  // warm-up values after each reset (>= 2 in relative mode)
  bool relative = true;      // δ, λ in units of the warm-up standard deviation
};

enum class PhAlarm { kNone, kIncrease, kDecrease };

class PageHinkley {
 public:
  static Result<PageHinkley> Create(const PageHinkleyOptions& options);

  // Feeds one value; non-finite values are ignored (kNone). Resets after an alarm.
  PhAlarm Update(double x);
  void Reset();

  // Current evidence for each direction (0 during warm-up), in the units λ is compared in.
  double IncreaseStatistic() const;
  double DecreaseStatistic() const;
  // The evidence (same units) that triggered the latest alarm; 0 before any alarm.
  double last_alarm_statistic() const { return last_alarm_statistic_; }
  int64_t samples_since_reset() const { return n_; }
  const PageHinkleyOptions& options() const { return options_; }

 private:
  explicit PageHinkley(const PageHinkleyOptions& options) : options_(options) {}

  PageHinkleyOptions options_;
  int64_t n_ = 0;
  double mean_ = 0;
  double m2_ = 0;     // Welford sum of squared deviations (warm-up only)
  double scale_ = 1;  // δ and λ multiplier, fixed at the end of warm-up
  double up_ = 0, up_min_ = 0;
  double down_ = 0, down_max_ = 0;
  double last_alarm_statistic_ = 0;
};

}  // namespace edgeloop::drift
