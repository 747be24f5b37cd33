// Front end of the ARTime detector: turns raw samples into feature vectors for the ART learner.
//
// Steps (after Mark Hampton's ARTime, NAB 2021):
// 1. Downsample: every `step` samples, keep one value for the block: its extreme (max or min,
//    whichever lies further from a running average of block means), unless that extreme is
//    within 10 % of the block mean, in which case the mean.
// 2. Discretize to `levels` + 1 levels of the expected range [min, max] (values outside are
//    clamped to the end levels).
// 3. Snap to the running median level when within `chomp` of it (an O(levels) approximate
//    median over all levels seen), which removes small wobble around the usual level.
// 4. Features of the newest `window` levels: a full-depth Haar wavelet transform of the window
//    (min-max normalised before and after), followed by the raw levels; 2·window values in [0, 1],
//    the newest level last. Before `window` levels exist the features are all zeros.
// Single-threaded; O(levels + window) memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace edgeloop::detect {

struct ArtimeFeatureOptions {
  size_t step = 1;       // downsampling factor (samples per level)
  size_t window = 8;     // levels per feature window; a power of two (Haar transform)
  int levels = 80;       // discretization levels
  double chomp = 0.075;  // snap-to-median distance, in normalised units
  double min = 0;        // expected value range; an empty range skips normalisation
  double max = 0;
};

class ArtimeFeatures {
 public:
  explicit ArtimeFeatures(const ArtimeFeatureOptions& options);

  // Adds a finite sample. Returns true when a block completed; `features()` then holds the
  // new feature vector and `level_count()` has advanced by one.
  bool Add(double value);

  std::span<const double> features() const { return features_; }
  // Levels produced so far (ARTime's downsampled index; 1 after the first completed block).
  int64_t level_count() const { return level_count_; }
  size_t dim() const { return features_.size(); }

 private:
  double Downsample();
  double Levelize(double ds);
  void ComputeFeatures();

  ArtimeFeatureOptions options_;
  // Current block.
  size_t in_block_ = 0;
  double block_sum_ = 0;
  double block_min_ = 0;
  double block_max_ = 0;
  double moving_average_ = 0;
  int64_t level_count_ = 0;
  // Approximate running median over levels.
  std::vector<int64_t> level_histogram_;
  int median_level_ = 0;
  int64_t below_median_ = 0;
  int64_t above_median_ = 0;
  // Newest `window` levels, oldest first.
  std::vector<double> recent_;
  std::vector<double> features_;
  std::vector<double> scratch_;
};

// In-place full-depth orthonormal Haar transform of a power-of-two-length vector, laid out as
// [approximation, coarsest detail, ..., finest details]; detail = (second − first)/√2, the
// convention of WaveLab and Julia's Wavelets.jl.
void HaarTransform(std::span<double> values, std::span<double> scratch);

}  // namespace edgeloop::detect
