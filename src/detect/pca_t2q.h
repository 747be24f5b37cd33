// `pca_t2q`: SKAB's "T²+Q (PCA)" baseline as a streaming multivariate detector.
//
// Fit trains a PCA (train::TrainPca) on the fit rows: standardized on them, the smallest number
// of components explaining `explained_variance`, Hotelling's T² and the Q (squared prediction
// error) statistic with their theoretical control limits at `confidence`. Score takes each new
// row's T² and Q, smooths each by the median of the last `median_window` rows (as SKAB's
// pipeline does: isolated spikes do not alarm), and alarms when either median passes its limit.
// The limits come from the fit rows alone: no labels and no test data are used.
//
// score = r / (1 + r), r = max(median T² / T²_lim, median Q / Q_lim), so score 0.5 is the
// control limit and alarm == (r > 1).
//
// Missing values: a non-finite entry in a scored row is replaced by that column's fit mean (the
// row then counts as normal in that column); the model is never updated by scoring.
//
// Single-threaded object: one per stream. Owns the model and two rings of median_window doubles.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "detect/detector.h"
#include "train/pca.h"

namespace edgeloop::detect {

struct PcaT2QOptions {
  // SKAB's published pipeline: 85 % variance, limits at p = 0.999, rolling median of 5 rows.
  double explained_variance = 0.85;
  double confidence = 0.999;
  size_t median_window = 5;  // 1 = no smoothing
};

class PcaT2QDetector final : public MultivariateDetector {
 public:
  explicit PcaT2QDetector(PcaT2QOptions options = {});

  // Needs at least 2 columns, more rows than columns plus one, finite values and some
  // non-constant column; errors from the PCA trainer (e.g. a rank too low) pass through.
  Status Fit(std::span<const double> rows, size_t cols) override;
  MultivariateScore Score(Timestamp t, std::span<const double> row) override;

  // The trained model (valid after a successful Fit).
  const train::TrainedPca& model() const { return model_; }

 private:
  void Push(double t2, double q);

  PcaT2QOptions options_;
  train::TrainedPca model_;
  bool fitted_ = false;
  size_t cols_ = 0;
  // The last median_window T² and Q values (ring), seeded with the last fit rows.
  std::vector<double> t2_ring_, q_ring_;
  size_t head_ = 0, filled_ = 0;
  std::vector<double> row_;   // scratch: the row with missing values imputed
  std::vector<double> sort_;  // scratch for the medians
};

}  // namespace edgeloop::detect
