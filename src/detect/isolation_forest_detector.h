// `isolation_forest`: the isolation forest trainer's model (train::TrainIsolationForest) as a
// multivariate detector, SKAB's "Isolation forest" baseline.
//
// Fit grows the forest on the fit rows (defaults: 100 trees of 256 rows, seed 1, so the same
// rows always give the same forest) and takes its alarm threshold from them: the score exceeded
// by `contamination` (1 %) of the fit rows. Score is the forest's s(x) = 2^(-E[h(x)] / c(ψ)) of
// each row on its own (no smoothing: this is the model the edge runs as ONNX), in (0, 1];
// alarm == (score >= threshold).
//
// Missing values: a non-finite entry in a scored row is replaced by that column's fit mean.
//
// Single-threaded object: one per stream. Owns the forest.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "detect/detector.h"
#include "train/isolation_forest.h"

namespace edgeloop::detect {

class IsolationForestDetector final : public MultivariateDetector {
 public:
  explicit IsolationForestDetector(train::IsolationForestOptions options = {});

  // Needs at least 2 rows, finite values within float range and some non-constant column.
  Status Fit(std::span<const double> rows, size_t cols) override;
  MultivariateScore Score(Timestamp t, std::span<const double> row) override;

  // The trained forest (valid after a successful Fit).
  const train::TrainedIsolationForest& forest() const { return forest_; }

 private:
  train::IsolationForestOptions options_;
  train::TrainedIsolationForest forest_;
  bool fitted_ = false;
  size_t cols_ = 0;
  std::vector<double> mean_;  // fit means, for missing values
  std::vector<double> row_;   // scratch
};

}  // namespace edgeloop::detect
