// Isolation forest (Liu, Ting, Zhou 2008): an unsupervised anomaly detector for feature rows.
//
// Each tree isolates a random subsample of ψ rows by splitting on a random feature at a random
// value between that feature's minimum and maximum in the node, up to the height limit
// ceil(log2 ψ). Anomalies are isolated in few splits, so their path length h(x) is short. A leaf
// holding `size` training rows at `depth` contributes h = depth + c(size), where
// c(n) = 2 H(n-1) - 2 (n-1) / n is the average path length of an unsuccessful binary-search-tree
// search; the score is s(x) = 2^(-E[h(x)] / c(ψ)), in (0, 1], higher = more anomalous (about 0.5
// and below for normal rows).
//
// The trees are a TreeEnsemble whose leaves hold depth + c(size), so the ONNX export is one
// TreeEnsembleRegressor (AVERAGE) giving E[h(x)], a Mul by -ln 2 / c(ψ) and an Exp.
//
// Training is deterministic for a given seed (our own sampling on std::mt19937_64, no
// implementation-defined distributions). The result is a plain value; const use from several
// threads is safe.
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

struct IsolationForestOptions {
  int trees = 100;      // t, number of isolation trees (1..10000)
  int subsample = 256;  // ψ, rows per tree (>= 2); capped at the number of training rows
  uint64_t seed = 1;    // seeds std::mt19937_64; same seed and data give the same forest
  // Expected share of training rows at or above the alarm threshold (the false-alarm rate on
  // data like the training data), in [0, 0.5); 0 puts the threshold at the largest score.
  double contamination = 0.01;
};

struct TrainedIsolationForest {
  IsolationForestOptions options;
  TreeEnsemble ensemble;   // one target, kAverage; leaves hold depth + c(size) → E[h(x)]
  int subsample = 0;       // ψ actually used
  int height_limit = 0;    // ceil(log2 ψ)
  double c_subsample = 0;  // c(ψ), the path-length normaliser
  double threshold = 0;    // score >= threshold alarms
  // Everything the exported model carries except created_at and producer_version, which
  // ExportIsolationForest fills. Callers may refine it (feature units, source) before export.
  model::ModelMetadata metadata;

  // E[h(x)] of one row of ensemble.num_features values.
  double MeanPathLength(std::span<const double> row) const;
  // s(x) = 2^(-E[h(x)] / c(ψ)) of one row.
  double Score(std::span<const double> row) const;
  // Scores of every row of `data` (same feature order as training).
  std::vector<double> Score(const Dataset& data) const;
};

// c(n) = 2 H(n-1) - 2 (n-1) / n, with c(n) = 0 for n <= 1 (H = harmonic number).
double AveragePathLength(double n);

// Fails on fewer than 2 rows, non-finite values or values outside the float range, and options
// outside their documented ranges.
Result<TrainedIsolationForest> TrainIsolationForest(const Dataset& data,
                                                    const IsolationForestOptions& options);

// ONNX bytes: input `features` float [N, F], output `score` float [N, 1]; metadata with the
// threshold, parameters, training metrics, window and 20-bin reference histograms.
Result<std::string> ExportIsolationForest(const TrainedIsolationForest& forest);

}  // namespace edgeloop::train
