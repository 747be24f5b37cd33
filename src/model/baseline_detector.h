// BaselineDetector: learns what "normal" looks like for one asset during a warm-up period and
// then scores each feature vector by how far it lies from that baseline.
//
// Per feature it stores the median and a robust scale (1.4826 x the median absolute deviation,
// which equals the standard deviation for Gaussian data but ignores outliers in the warm-up).
// The score of a vector is the largest absolute robust z-score over its features; the feature
// that produced it is reported so an alert can say why. The scale has a floor relative to the
// median: very steady features (e.g. RMS over 25 600 samples) would otherwise turn harmless
// load changes of a few percent into huge z-scores.
//
// Non-finite feature values are ignored both when learning and when scoring.
// Owned and called by one thread at a time.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"

namespace edgeloop::model {

struct BaselineDetectorConfig {
  size_t warmup_windows = 20;          // feature vectors learned before scoring starts
  double relative_scale_floor = 0.05;  // scale >= this x |median|
  double absolute_scale_floor = 1e-9;  // scale >= this, for features whose median is ~0
};

Status Validate(const BaselineDetectorConfig& config);

struct DetectorScore {
  double score = 0;        // max |z| over the features
  size_t top_feature = 0;  // index of the feature with the largest |z|
  double top_z = 0;        // signed z of that feature
};

class BaselineDetector {
 public:
  BaselineDetector(std::vector<std::string> feature_names, BaselineDetectorConfig config);

  // Learns from `features` while warming up (returns nullopt), scores afterwards.
  // `features` must have one value per feature name, else InvalidArgument.
  Result<std::optional<DetectorScore>> Observe(std::span<const double> features);

  bool ready() const { return ready_; }
  size_t windows_learned() const { return learned_; }
  const std::vector<std::string>& feature_names() const { return names_; }
  const std::vector<double>& medians() const { return medians_; }
  const std::vector<double>& scales() const { return scales_; }

  // A short, stable identifier stored with every score and alert (lineage).
  static constexpr char kVersion[] = "baseline-robust-z/1";

 private:
  void Fit();

  std::vector<std::string> names_;
  BaselineDetectorConfig config_;
  std::vector<std::vector<double>> warmup_;  // per feature, the finite values seen in warm-up
  size_t learned_ = 0;
  bool ready_ = false;
  std::vector<double> medians_;
  std::vector<double> scales_;
};

}  // namespace edgeloop::model
