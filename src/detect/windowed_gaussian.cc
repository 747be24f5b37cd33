#include "detect/windowed_gaussian.h"

#include <algorithm>
#include <cmath>

namespace edgeloop::detect {
namespace {

// Beyond this magnitude values are clamped: 1000 squared differences of ±1e150 still sum to a
// finite double, so one absurd reading cannot turn the statistics into inf/NaN.
constexpr double kMaxMagnitude = 1e150;
// NAB replaces a zero standard deviation (constant window) with this, so that the first value
// that differs from a flat line scores as maximally surprising.
constexpr double kZeroStdReplacement = 1e-6;

}  // namespace

WindowedGaussianDetector::WindowedGaussianDetector(WindowedGaussianOptions options)
    : options_(options) {
  options_.window = std::max<size_t>(options_.window, 1);
  ring_.resize(options_.window);
}

double WindowedGaussianDetector::Update(Timestamp /*t*/, double value) {
  if (!std::isfinite(value)) return 0.0;
  const double x = std::clamp(value, -kMaxMagnitude, kMaxMagnitude);
  double score = 0.0;
  // Like NAB, the value is scored against the window *before* it joins it; the very first value
  // has nothing to be compared with and scores 0.
  if (count_ > 0) {
    const double z = (x - mean_) / std_;
    score = options_.nab_one_sided ? 0.5 * std::erfc(z / std::sqrt(2.0))
                                   : std::erf(std::fabs(z) / std::sqrt(2.0));
  }
  Push(x);
  if (!(score >= 0.0)) return 0.0;  // unreachable for finite state; keeps the contract anyway
  return std::min(score, 1.0);
}

void WindowedGaussianDetector::Push(double x) {
  if (count_ == 0) shift_ = x;
  if (run_length_ > 0 && x == run_value_) {
    ++run_length_;
  } else {
    run_value_ = x;
    run_length_ = 1;
  }
  const double d = x - shift_;
  if (count_ < ring_.size()) {
    ring_[count_++] = x;
    sum_ += d;
    sum_sq_ += d * d;
  } else {
    const double old = ring_[head_] - shift_;
    ring_[head_] = x;
    head_ = (head_ + 1) % ring_.size();
    sum_ += d - old;
    sum_sq_ += d * d - old * old;
  }
  // Running sums accumulate rounding error over a long stream; one exact pass per window keeps
  // the cost O(1) amortised and the error bounded.
  if (++pushes_since_recompute_ >= ring_.size()) {
    Recompute();
  } else {
    RefreshMoments();
  }
}

void WindowedGaussianDetector::Recompute() {
  pushes_since_recompute_ = 0;
  double total = 0;
  for (size_t i = 0; i < count_; ++i) total += ring_[i];
  shift_ = total / static_cast<double>(count_);
  sum_ = 0;
  sum_sq_ = 0;
  for (size_t i = 0; i < count_; ++i) {
    const double d = ring_[i] - shift_;
    sum_ += d;
    sum_sq_ += d * d;
  }
  RefreshMoments();
}

void WindowedGaussianDetector::RefreshMoments() {
  // A window of identical values has exactly zero spread; the running sums may leave a rounding
  // residue (e.g. 1e-30) there, which would make the next tiny difference look like 10 sigma.
  if (run_length_ >= count_) {
    mean_ = run_value_;
    std_ = kZeroStdReplacement;
    return;
  }
  const double n = static_cast<double>(count_);
  const double mean_offset = sum_ / n;
  mean_ = shift_ + mean_offset;
  // Population variance, as numpy.std computes it in NAB's detector.
  const double variance = std::max(0.0, sum_sq_ / n - mean_offset * mean_offset);
  std_ = std::sqrt(variance);
  if (std_ == 0.0) std_ = kZeroStdReplacement;
}

}  // namespace edgeloop::detect
