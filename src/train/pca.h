// PCA T²/Q anomaly detector: trainer, scorer, control limits and ONNX export.
//
// Training standardizes every feature, eigen-decomposes the correlation matrix and keeps the k
// leading principal axes P [F, k]. A row x is scored by
//   x_s = (x - mean) / scale,  t = Pᵀ x_s,
//   T² = Σ_i t_i² / λ_i           (Hotelling: distance inside the model plane)
//   Q  = ||x_s - P t||²           (squared prediction error: distance from the plane)
//   score = max(T² / T²_lim, Q / Q_lim)
// so a score of 1.0 is the theoretical control limit at `confidence`. The alarm threshold on
// `score` is that 1.0 until CalibrateThreshold sets it from normal validation data.
//
// Control limits (n training rows, k components, α = confidence):
//   T²_lim = k (n² - 1) / (n (n - k)) · F_α(k, n - k)   (prediction limit for a new observation)
//   Q_lim by Jackson–Mudholkar from θ_i = Σ_{j>k} λ_j^i and z_α; when its h0 = 1 - 2θ1θ3/(3θ2²)
//   is <= 0 (very unequal discarded eigenvalues) the formula is invalid and Box's approximation
//   g·χ²_h(α), g = θ2/θ1, h = θ1²/θ2, is used instead (`q_limit_method` says which).
//
// Precision: the parameters the score uses (mean, scale, loadings, 1/λ) are stored rounded to
// float32, the precision of the exported model, so Score() in double and the ONNX model compute
// the same function and differ only by float32 arithmetic.
//
// Inputs are assumed finite: ReadDataset drops rows with a non-finite value (and counts them);
// TrainPca rejects a hand-built Dataset that still has one, and features whose level or spread
// a float32 model cannot represent (|mean| or spread above 1e15, spread below 1e-15).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/model_metadata.h"
#include "train/dataset.h"

namespace edgeloop::train {

struct PcaOptions {
  // Components kept. 0 (default): the smallest k whose cumulative explained variance reaches
  // `explained_variance`, at least 1. Explicit or not, k is at most F - 1 and below the data's
  // numerical rank, so that some variance is left for Q; an explicit k above that is an error.
  int components = 0;
  double explained_variance = 0.90;  // in (0, 1]
  double confidence = 0.99;          // of both control limits, in (0, 1)
};

struct PcaScore {
  double score = 0;  // max(t2 / t2_limit, q / q_limit)
  double t2 = 0;
  double q = 0;
};

// A trained model: plain data, copyable. The const methods may be called from any thread.
struct TrainedPca {
  std::vector<std::string> features;
  // x_s = (x - mean) / scale. scale is the sample standard deviation, or for a constant column
  // (std <= 1e-6·|mean|, i.e. variation float32 cannot represent, or std == 0) the floor
  // 1e-6·|mean| (1 when the mean is 0): such a column adds nothing to training, and any later
  // change in it shows up in Q instead of dividing by zero.
  std::vector<double> mean;
  std::vector<double> scale;
  std::vector<std::string> constant_features;
  int components = 0;                   // k
  std::vector<double> loadings;         // [F, k] row-major; column i is the i-th principal axis
  std::vector<double> eigenvalues;      // all F, descending: variances of the standardized data
  std::vector<double> inv_eigenvalues;  // k values 1/λ_i as the score uses them
  double explained_variance = 0;        // fraction of the total variance in the k components
  double confidence = 0;
  double t2_limit = 0;
  double q_limit = 0;
  std::string q_limit_method;  // "jackson-mudholkar" or "box"
  model::TrainingWindow training;
  std::vector<model::Histogram> histograms;  // 20 bins per feature, on the training rows
  // Alarm threshold on `score` written into the exported model; 1.0 = the control limits.
  double threshold = 1.0;
  nlohmann::json metrics = nlohmann::json::object();  // validation metrics for the metadata

  // One row of features.size() values, in feature order (aborts on a size mismatch: a bug).
  PcaScore ScoreRow(std::span<const double> row) const;
  // Every row of `data`, whose features must be the model's, in the same order.
  Result<std::vector<PcaScore>> Score(const Dataset& data) const;
};

// The control limits of the header comment, exposed for tests and tools. T2Limit needs
// rows > components >= 1; ComputeQLimit needs some positive discarded eigenvalue.
double T2Limit(int64_t rows, int components, double confidence);
struct QLimit {
  double value = 0;
  std::string method;  // "jackson-mudholkar" or "box"
};
Result<QLimit> ComputeQLimit(std::span<const double> discarded_eigenvalues, double confidence);

// Needs at least 2 features and more rows than features.
Result<TrainedPca> TrainPca(const Dataset& data, const PcaOptions& options = {});

// The same model with mean and scale re-estimated on `reference` (rows of the operating regime
// to be monitored); axes, eigenvalues and limits are kept. This is SKAB's protocol variant
// where the scaler is fitted on the first rows of each experiment: it removes a shift of the
// operating point between the training run and the monitored one, at the price of assuming the
// reference rows are normal. Constant columns keep their floor rule.
Result<TrainedPca> RefitScaling(const TrainedPca& model, const Dataset& reference);

// Sets model->threshold so that a fraction `false_alarm_rate` of `normal` (validation rows that
// are all normal, not used for training) is flagged (ThresholdForFalseAlarmRate), and records
// the calibration in model->metrics["calibration"].
Status CalibrateThreshold(const Dataset& normal, double false_alarm_rate, TrainedPca* model);

// The model as ONNX bytes: input `features` float [N, F]; outputs `score`, `t2`, `q`, float
// [N, 1]; metadata with trainer "pca", task "anomaly", the threshold, parameters, reference
// histograms, training window and metrics. The graph is the formulas above with the
// eigenvalues folded into its two matrices (initializers `mean` [F], `scale` [F], `whiten`
// [F, k], `reconstruct` [k, F], `t2_limit`, `q_limit`):
//   x_s = (features - mean) / scale; whitened = x_s · whiten; t2 = Σ whitened²;
//   q = Σ (x_s - whitened · reconstruct)²; score = max(t2 / t2_limit, q / q_limit)
Result<std::string> ExportPca(const TrainedPca& model);

}  // namespace edgeloop::train
