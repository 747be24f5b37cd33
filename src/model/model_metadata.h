// What Edgeloop writes into every model it exports, and reads back on the edge and the hub.
//
// Stored as one JSON document under the ONNX metadata_props key "edgeloop" (kMetadataKey), so
// any ONNX tool still opens the model and a model trained elsewhere simply has no metadata
// (ReadMetadata then returns NotFound). The document carries what the edge needs to use a model
// safely (feature schema, score output, threshold), what the drift monitor compares against
// (per-feature reference histograms, a reference spectrum), and what the registry shows
// (trainer, parameters, training window, validation metrics).
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"

namespace edgeloop::model {

inline constexpr const char* kMetadataKey = "edgeloop";
inline constexpr int kMetadataVersion = 1;

struct FeatureSpec {
  std::string name;
  std::string unit;  // "" when dimensionless or unknown
};

// Reference distribution of one feature on the training data: counts[i] values fell in
// [edges[i], edges[i+1]); edges.size() == counts.size() + 1.
struct Histogram {
  std::vector<double> edges;
  std::vector<double> counts;
};

struct TrainingWindow {
  std::string source;  // file or dataset id
  int64_t rows = 0;
  std::string first;  // first/last timestamp (as found in the data), "" when unknown
  std::string last;
};

struct ModelMetadata {
  std::string trainer;  // "pca", "iforest", "gbdt", or a foreign producer
  std::string task;     // "anomaly" (score, higher = more anomalous) or "classification"
  std::vector<FeatureSpec> features;  // input columns, in order
  std::string score_output;           // graph output holding the score (anomaly task)
  // score >= threshold is an anomaly; NaN when the model has none.
  double threshold = std::numeric_limits<double>::quiet_NaN();
  std::vector<int64_t> class_labels;     // classification: label ids, in score-column order
  std::vector<std::string> class_names;  // same order; may be empty
  nlohmann::json params = nlohmann::json::object();   // trainer parameters
  nlohmann::json metrics = nlohmann::json::object();  // validation metrics
  TrainingWindow training;
  std::vector<Histogram> reference_histograms;  // one per feature, or empty
  std::vector<double> reference_spectrum;       // optional mean amplitude spectrum
  double reference_spectrum_bin_hz = 0;
  std::string created_at;  // ISO 8601 UTC
  std::string producer_version;
};

nlohmann::json MetadataToJson(const ModelMetadata& m);
// Checks types and consistency (histogram shapes, histogram count == feature count).
Result<ModelMetadata> MetadataFromJson(const nlohmann::json& j);

// Reads the "edgeloop" metadata_props entry; NotFound when absent, InvalidArgument when it is not
// valid metadata.
Result<ModelMetadata> ReadMetadata(const onnx::ModelProto& proto);
// Replaces the "edgeloop" entry (other metadata_props are kept).
void WriteMetadata(const ModelMetadata& m, onnx::ModelProto* proto);

// Equal-width histogram of `values` over [min, max] of the values (a single bin of width 1 when
// all are equal); non-finite values are skipped.
Histogram MakeHistogram(const std::vector<double>& values, int bins);

}  // namespace edgeloop::model
