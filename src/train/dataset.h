// Dataset: a table of feature rows (and optional labels) for the trainers, read from the same
// CSV/MAT files `edgeloop analyze` reads.
//
// Rows are stored row-major as doubles; `features` names the columns in order, and that order is
// the feature schema written into every exported model. Rows with a non-finite feature are kept
// out at load (counted in `dropped_rows`) because one NaN would poison a covariance or a split.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "ingest/signal_file.h"
#include "model/model_metadata.h"

namespace edgeloop::train {

struct Dataset {
  std::string source;
  std::vector<std::string> features;
  std::vector<double> x;         // rows() x cols(), row-major
  std::vector<double> labels;    // one per row when a label column was chosen, else empty
  std::vector<Timestamp> times;  // per row when the file has a time column, else empty
  int64_t dropped_rows = 0;

  size_t rows() const { return features.empty() ? 0 : x.size() / features.size(); }
  size_t cols() const { return features.size(); }
  std::span<const double> row(size_t i) const { return {x.data() + i * cols(), cols()}; }
  double at(size_t i, size_t j) const { return x[i * cols() + j]; }
  // Rows [begin, end) as a new dataset (same schema).
  Dataset Slice(size_t begin, size_t end) const;
  // The training window written into model metadata.
  model::TrainingWindow Window() const;
};

struct DatasetOptions {
  std::string label;                  // label column ("" = unlabelled)
  std::vector<std::string> exclude;   // columns that are neither features nor the label
  std::vector<std::string> features;  // when non-empty: exactly these, in this order
};

// Every numeric column except the time column, the label and `exclude` becomes a feature, in
// file order. Errors name the missing column and list the ones available.
Result<Dataset> DatasetFromTable(const ingest::SignalTable& table, const DatasetOptions& options);
Result<Dataset> ReadDataset(const std::string& path, const DatasetOptions& options);

// Concatenates datasets with identical feature lists (e.g. the files of one benchmark folder).
Result<Dataset> Concat(const std::vector<Dataset>& parts);

}  // namespace edgeloop::train
