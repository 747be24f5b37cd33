#include "model/baseline_detector.h"

#include <algorithm>
#include <cmath>

namespace edgeloop::model {
namespace {

// Median of `v` (reorders it). Empty input has no median: NaN.
double Median(std::vector<double>& v) {
  if (v.empty()) return std::nan("");
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + mid, v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) m = (m + *std::max_element(v.begin(), v.begin() + mid)) / 2;
  return m;
}

// 1.4826 makes the MAD a consistent estimator of the standard deviation for normal data.
constexpr double kMadToSigma = 1.4826;

}  // namespace

Status Validate(const BaselineDetectorConfig& config) {
  if (config.warmup_windows < 3) {
    return InvalidArgument("detector warm-up needs at least 3 windows, got " +
                           std::to_string(config.warmup_windows));
  }
  if (!(config.relative_scale_floor >= 0) || !(config.absolute_scale_floor > 0)) {
    return InvalidArgument("detector scale floors must be >= 0 (relative) and > 0 (absolute)");
  }
  return Status::Ok();
}

BaselineDetector::BaselineDetector(std::vector<std::string> feature_names,
                                   BaselineDetectorConfig config)
    : names_(std::move(feature_names)), config_(config), warmup_(names_.size()) {}

Result<std::optional<DetectorScore>> BaselineDetector::Observe(std::span<const double> features) {
  if (features.size() != names_.size()) {
    return InvalidArgument("detector expects " + std::to_string(names_.size()) + " features, got " +
                           std::to_string(features.size()));
  }
  if (!ready_) {
    for (size_t i = 0; i < features.size(); ++i) {
      if (std::isfinite(features[i])) warmup_[i].push_back(features[i]);
    }
    if (++learned_ >= config_.warmup_windows) Fit();
    return std::optional<DetectorScore>();
  }
  DetectorScore best;
  for (size_t i = 0; i < features.size(); ++i) {
    if (!std::isfinite(features[i]) || !std::isfinite(medians_[i])) continue;
    const double z = (features[i] - medians_[i]) / scales_[i];
    if (std::abs(z) > best.score) {
      best.score = std::abs(z);
      best.top_feature = i;
      best.top_z = z;
    }
  }
  return std::optional<DetectorScore>(best);
}

void BaselineDetector::Fit() {
  medians_.assign(names_.size(), std::nan(""));
  scales_.assign(names_.size(), config_.absolute_scale_floor);
  for (size_t i = 0; i < names_.size(); ++i) {
    std::vector<double>& values = warmup_[i];
    if (values.empty()) continue;  // never seen: this feature is not scored
    const double median = Median(values);
    for (double& v : values) v = std::abs(v - median);
    const double mad = Median(values);
    medians_[i] = median;
    scales_[i] = std::max({kMadToSigma * mad, config_.relative_scale_floor * std::abs(median),
                           config_.absolute_scale_floor});
  }
  warmup_.clear();
  warmup_.shrink_to_fit();
  ready_ = true;
}

}  // namespace edgeloop::model
