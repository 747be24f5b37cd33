// InspectModel: what the hub learns from an uploaded ONNX artifact before it becomes a registry
// version. The bytes are untrusted (anyone with an ml-engineer token can upload), so the model
// goes through the same loader the edge uses (model::OnnxModel::FromBytes: size, protobuf,
// opsets, operators, graph, shapes), and a model the edge could not load is refused here with
// the loader's message instead of failing later on every node.
//
// Edgeloop metadata (model/model_metadata.h) is optional: a model trained elsewhere has none and
// is registered with metadata "{}". Metadata that is present but invalid is refused, as is an
// anomaly model whose metadata names a score output the graph does not have.
//
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/hub_types.h"

namespace edgeloop::registry {

// A graph input or output as the registry shows it.
struct TensorInfo {
  std::string name;
  std::string dtype;           // "float", "int64", ...
  std::vector<int64_t> shape;  // -1 for the symbolic batch dim; empty when not declared
};

struct InspectedModel {
  std::string sha256;  // lowercase hex of the whole artifact
  int64_t size = 0;    // bytes
  int64_t opset = 0;   // default-domain opset
  std::string producer;
  bool has_metadata = false;
  nlohmann::json metadata = nlohmann::json::object();  // MetadataToJson, or {} without
  std::string trainer;                                 // from metadata, "" without
  std::string task;                                    // from metadata, "" without
  std::vector<std::string> feature_names;              // from metadata
  std::optional<double> threshold;                     // from metadata, when finite
  std::vector<TensorInfo> inputs;
  std::vector<TensorInfo> outputs;
};

// Inspects `bytes`. kOutOfRange when larger than `max_bytes` (the hub's upload limit, checked
// before parsing anything); kInvalidArgument, with the loader's message, for anything that is not
// a model the edge runtime can load; kInternal only if hashing itself fails.
Result<InspectedModel> InspectModel(std::span<const uint8_t> bytes, size_t max_bytes);

// The registry record of an inspected model: sha256, size, trainer and metadata_json filled;
// version, id and created are assigned by the store.
store::ModelVersion ToModelVersion(const InspectedModel& model, int64_t tenant,
                                   const std::string& name);

// {"sha256","size","opset","producer","trainer","task","features","threshold","inputs",
// "outputs"}: the summary the API shows next to a version (threshold null when absent).
nlohmann::json InspectedToJson(const InspectedModel& model);

// The summary of a stored version from its metadata_json alone (no artifact needed): trainer,
// task, features, threshold. Tolerates "{}" and malformed JSON (an empty summary).
nlohmann::json MetadataSummary(const std::string& metadata_json);

}  // namespace edgeloop::registry
