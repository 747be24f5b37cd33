#include "detect/artime_features.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace edgeloop::detect {
namespace {

// Shifts to min 0 and scales to max 1 (left as is when constant), as ARTime does for both the
// level window and its wavelet coefficients.
void MinMaxNormalize(std::span<double> v) {
  const double lo = *std::min_element(v.begin(), v.end());
  for (double& x : v) x -= lo;
  const double hi = *std::max_element(v.begin(), v.end());
  if (hi != 0) {
    for (double& x : v) x /= hi;
  }
}

}  // namespace

void HaarTransform(std::span<double> values, std::span<double> scratch) {
  assert(scratch.size() >= values.size());
  const double inv_sqrt2 = 1.0 / std::sqrt(2.0);
  for (size_t n = values.size(); n >= 2; n /= 2) {
    const size_t half = n / 2;
    for (size_t k = 0; k < half; ++k) {
      scratch[k] = (values[2 * k] + values[2 * k + 1]) * inv_sqrt2;
      scratch[half + k] = (values[2 * k + 1] - values[2 * k]) * inv_sqrt2;
    }
    std::copy(scratch.begin(), scratch.begin() + n, values.begin());
  }
}

ArtimeFeatures::ArtimeFeatures(const ArtimeFeatureOptions& options)
    : options_(options),
      level_histogram_(options.levels + 1, 0),
      recent_(options.window, 0.0),
      features_(2 * options.window, 0.0),
      scratch_(options.window, 0.0) {
  assert(options_.step >= 1 && options_.window >= 2 && options_.levels >= 1);
  assert((options_.window & (options_.window - 1)) == 0);
}

bool ArtimeFeatures::Add(double value) {
  if (in_block_ == 0) {
    block_min_ = block_max_ = value;
    block_sum_ = 0;
  }
  block_sum_ += value;
  block_min_ = std::min(block_min_, value);
  block_max_ = std::max(block_max_, value);
  if (++in_block_ < options_.step) return false;
  in_block_ = 0;
  ++level_count_;
  const double level = Levelize(Downsample());
  std::rotate(recent_.begin(), recent_.begin() + 1, recent_.end());
  recent_.back() = level;
  ComputeFeatures();
  return true;
}

double ArtimeFeatures::Downsample() {
  const double mean = block_sum_ / static_cast<double>(options_.step);
  if (level_count_ == 1) moving_average_ = mean;
  moving_average_ = (moving_average_ + mean) / 2;
  // Keep the block's spike, up or down, so that short excursions survive downsampling.
  double ds = block_max_;
  if (std::fabs(block_max_ - moving_average_) < std::fabs(block_min_ - moving_average_)) {
    ds = block_min_;
  }
  // A spike must stand out by 10 % of the block mean (ARTime's rule, relative to the raw mean).
  if (std::fabs(ds - mean) < 0.1 * mean) ds = mean;
  return ds;
}

double ArtimeFeatures::Levelize(double ds) {
  const double range = options_.max - options_.min;
  ds -= options_.min;
  if (range != 0) ds /= range;
  // Round half to even like Julia's round(Int, x); clamp for values outside the expected range
  // (NAB passes the file's own range, a live stream may exceed its configured one).
  double scaled = ds * options_.levels;
  if (std::isnan(scaled)) scaled = 0;  // inf/inf for an infinite range; never a level
  scaled = std::clamp(scaled, 0.0, double(options_.levels));
  const int level = static_cast<int>(std::nearbyint(scaled));
  const double levels = options_.levels;
  ds = level / levels;

  // Approximate running median: move the median level by at most one occupied level per step.
  ++level_histogram_[level];
  const int64_t median_pos = level_count_ / 2;
  if (level_count_ == 1) median_level_ = level;
  if (median_level_ > level) {
    ++below_median_;
  } else if (median_level_ < level) {
    ++above_median_;
  }
  if (median_pos < above_median_) {
    below_median_ += level_histogram_[median_level_];
    ++median_level_;
    while (median_level_ < options_.levels && level_histogram_[median_level_] == 0) {
      ++median_level_;
    }
    above_median_ -= level_histogram_[median_level_];
  } else if (median_pos < below_median_) {
    above_median_ += level_histogram_[median_level_];
    --median_level_;
    while (median_level_ > 0 && level_histogram_[median_level_] == 0) --median_level_;
    below_median_ -= level_histogram_[median_level_];
  }
  const double median = median_level_ / levels;
  if (std::fabs(ds - median) < options_.chomp) ds = median;
  return ds;
}

void ArtimeFeatures::ComputeFeatures() {
  const size_t w = options_.window;
  if (level_count_ < static_cast<int64_t>(w)) {
    std::fill(features_.begin(), features_.end(), 0.0);
    return;
  }
  std::span<double> shape(features_.data(), w);
  std::copy(recent_.begin(), recent_.end(), shape.begin());
  MinMaxNormalize(shape);
  HaarTransform(shape, scratch_);
  MinMaxNormalize(shape);
  std::copy(recent_.begin(), recent_.end(), features_.begin() + w);
}

}  // namespace edgeloop::detect
