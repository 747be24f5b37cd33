// Gradient-boosted trees for fault classification, trained with XGBoost and exported as an
// ONNX-ML TreeEnsembleClassifier.
//
// Labels are the dataset's label column: integral values (e.g. fault codes), mapped to class
// ids 0..C-1 in ascending order of value; the ONNX model's `label` output and the metadata's
// class_labels give the original values back. Two classes train binary:logistic, more train
// multi:softprob. The last `validation_fraction` of the rows (in file order: time series are not
// shuffled, so validation is "the future") is held out and scored for metadata.metrics.
//
// The booster is converted to a TreeEnsemble (see xgboost_convert.h), which is what the trained
// model's own Predict uses and what is exported, so the edge runs exactly what was validated.
// Missing feature values (NaN) are allowed, in training and prediction; they follow the default
// direction XGBoost learned for each split. A TrainedGbdt is a plain value: const use from
// several threads is safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/model_metadata.h"
#include "train/dataset.h"
#include "train/tree_ensemble.h"

namespace edgeloop::train {

struct GbdtOptions {
  int rounds = 100;        // boosting rounds (one tree per class and round), 1..10000
  int max_depth = 6;       // 1..20
  double eta = 0.3;        // learning rate, (0, 1]
  int nthread = 1;         // XGBoost training threads (>= 1)
  uint64_t seed = 0;       // XGBoost's seed (used by subsample)
  double subsample = 1.0;  // row share sampled per tree, (0, 1]
  // Share of the rows (the last ones) held out for the validation metrics, [0, 0.9]; 0 leaves
  // metadata.metrics without validation figures.
  double validation_fraction = 0.2;
  std::string tree_method = "hist";  // XGBoost tree_method: "hist", "approx" or "exact"
};

struct TrainedGbdt {
  GbdtOptions options;
  // num_targets == class count; post transform kLogistic (binary) or kSoftmax.
  TreeEnsemble ensemble;
  std::vector<int64_t> class_labels;  // label value of class id k, ascending
  std::string booster;                // the XGBoost model it came from, UBJSON
  // Everything the exported model carries except created_at and producer_version, which
  // ExportGbdt fills. Callers may refine it (feature units, class names) before export.
  model::ModelMetadata metadata;

  // Class probabilities (in class_labels order) of one row; NaN features are missing values.
  std::vector<double> PredictProba(std::span<const double> row) const;
  // The label value with the highest probability (the first on ties, as ONNX ArgMax).
  int64_t Predict(std::span<const double> row) const;
};

// Fails without a label column, on non-integral labels, fewer than 2 distinct labels, too few
// training rows, options outside their ranges, and any XGBoost error (with XGBoost's message).
Result<TrainedGbdt> TrainGbdt(const Dataset& data, const GbdtOptions& options);

// ONNX bytes: input `features` float [N, F]; outputs `label` int64 [N] (a class_labels value)
// and `probabilities` float [N, C].
Result<std::string> ExportGbdt(const TrainedGbdt& gbdt);

}  // namespace edgeloop::train
