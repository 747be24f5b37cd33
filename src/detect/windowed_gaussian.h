// NAB's "windowed Gaussian" baseline: the mean and standard deviation of a sliding window of past
// values define a normal distribution, and each new value is scored by how far into its tails it
// falls. Cheap and predictable; the reference point every other streaming detector must beat.
#pragma once

#include <cstddef>
#include <vector>

#include "detect/detector.h"

namespace edgeloop::detect {

struct WindowedGaussianOptions {
  // Past values the distribution is estimated from. 1000 is the value NAB tuned on its corpus.
  size_t window = 1000;
  // false: two-sided score erf(|z|/√2) = 1 − 2·Q(|z|), so spikes up and drops down both score
  // near 1. true: NAB's published behaviour, score = Q(z) = P(X > x), which is near 1 only for
  // values far *below* the mean (rises score near 0). Kept to compare with NAB's published row.
  bool nab_one_sided = false;
};

// Owns its window (O(window) doubles); Update is O(1) amortised (running sums, recomputed
// exactly once per window to stop rounding drift). Single-threaded: one object per stream.
//
// Non-finite input (NaN, ±inf) scores 0 and is not learned: the window and statistics are left
// exactly as they were, so a dropout cannot poison later scores. Finite values beyond ±1e150 are
// clamped there so that squares and sums stay finite.
class WindowedGaussianDetector final : public StreamingDetector {
 public:
  explicit WindowedGaussianDetector(WindowedGaussianOptions options = {});

  double Update(Timestamp t, double value) override;

  // Current window statistics (for tests and diagnostics).
  double mean() const { return mean_; }
  double stddev() const { return std_; }
  size_t size() const { return count_; }

 private:
  void Push(double x);
  void Recompute();
  void RefreshMoments();

  WindowedGaussianOptions options_;
  std::vector<double> ring_;  // the window; oldest value at head_ once full
  size_t head_ = 0;
  size_t count_ = 0;
  // Sums of (x − shift_) over the window; shifting by a recent mean keeps the variance formula
  // free of catastrophic cancellation for data far from zero.
  double shift_ = 0;
  double sum_ = 0;
  double sum_sq_ = 0;
  size_t pushes_since_recompute_ = 0;
  // Length of the current run of identical values, to recognise an exactly constant window.
  double run_value_ = 0;
  size_t run_length_ = 0;
  double mean_ = 0;
  double std_ = 1;
};

}  // namespace edgeloop::detect
