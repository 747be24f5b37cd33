// ARTime: an adaptive-resonance-theory anomaly detector for univariate streams (Mark Hampton,
// 2021; 74.9 standard score on NAB, the best published there). Re-implemented from the
// description and reference code of ARTimeNAB.jl.
//
// The stream is downsampled, discretized and turned into wavelet + level features
// (artime_features.h). A dual-vigilance fuzzy ART (dual_vigilance_art.h) learns categories of
// those features online. An input that matches no category within the lower vigilance starts a
// new cluster; that novelty is reported as an anomaly unless it follows a recent anomaly or a
// burst of new categories (masking), with a confidence from how far the match falls below the
// two vigilance levels and how different the newest level is. Both vigilance levels adapt: the
// initial level is fitted on the probation period (replayed in batch once it is complete), the
// upper one follows the running mean match, the lower one tracks the minimum recent match,
// rising slowly and falling by the recent shortfall, never below the mean match of past
// anomalies.
//
// Scores are 0 except on the samples that complete a downsampling block; 0 throughout the
// probation period. Cost: O(probation) memory during probation, then O(max_categories · window)
// memory and O(max_categories · window / step) time per sample (the ART scan runs once per
// block). Single-threaded: one object per stream.
//
// Non-finite input (NaN, ±inf) scores 0 and is skipped entirely (it does not count as a sample,
// so downsampling blocks stay aligned on real data); finite values are clamped to ±1e150.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "detect/artime_features.h"
#include "detect/detector.h"
#include "detect/dual_vigilance_art.h"

namespace edgeloop::detect {

struct ArtimeOptions {
  size_t window = 8;                  // levels per feature window (power of two)
  size_t windows_per_probation = 13;  // sets the downsampling step from the probation length
  int levels = 80;
  double chomp = 0.075;
  double initial_vigilance = 0.80;  // vigilance of the ART used to fit the initial level
  // Memory bound per stream. ARTime itself never forgets; NAB files stay far below this (see
  // README), a months-long edge stream recycles its least recently used categories.
  size_t max_categories = 4096;
};

class ArtimeDetector final : public StreamingDetector {
 public:
  // info.min/max: the expected value range (NAB: the file's range). info.probation: warm-up
  // samples; 0 means the NAB maximum of 750, shorter than 4·window is lengthened to that.
  explicit ArtimeDetector(const StreamInfo& info, ArtimeOptions options = {});

  double Update(Timestamp t, double value) override;

  // Diagnostics.
  size_t categories() const { return art_.categories(); }
  double lower_vigilance() const { return art_.lower(); }
  double upper_vigilance() const { return art_.upper(); }
  size_t step() const { return step_; }

 private:
  double ProcessFeatures();
  double Detect(std::span<const double> features, int64_t i);
  void AdaptVigilance(int64_t i);
  double Confidence(double similarity, double energy) const;
  double FitInitialVigilance() const;

  ArtimeOptions options_;
  size_t step_ = 1;
  int64_t trend_window_ = 0;
  int64_t mask_after_anomaly_ = 0;
  ArtimeFeatures features_;
  DualVigilanceArt art_;
  std::vector<double> probation_features_;  // trend_window_ × dim, freed after the replay

  int64_t last_anomaly_i_ = 0;
  double last_anomaly_similarity_ = 0;
  int64_t last_vigilance_update_i_ = 0;
  bool mask_after_new_cluster_ = false;
  int64_t no_new_cluster_count_ = 0;
  // Past anomalies' similarities: only their mean and the newest are used.
  double anomaly_similarity_sum_ = 0;
  int64_t anomaly_count_ = 0;
  double last_anomaly_min_similarity_ = 0;
  // Running mean of every match similarity.
  double similarity_sum_ = 0;
  int64_t similarity_count_ = 0;
  // Recent similarities (trend_window/2 + 1) and shortfalls below the upper vigilance
  // (trend_window + 1), as rings.
  std::vector<double> recent_similarity_;
  std::vector<double> recent_shortfall_;
  size_t recent_similarity_head_ = 0;
  size_t recent_shortfall_head_ = 0;
};

}  // namespace edgeloop::detect
