#include "registry/model_inspect.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include "common/sha256.h"
#include "model/model_metadata.h"
#include "model/onnx_model.h"
#include "model/tensor.h"

namespace edgeloop::registry {
namespace {

using nlohmann::json;

// Names inside an uploaded model are arbitrary bytes; the API answers JSON, whose serializer
// refuses invalid UTF-8. Replacing bad sequences once here keeps every later dump safe.
json Utf8Safe(const json& j) {
  return json::parse(j.dump(-1, ' ', false, json::error_handler_t::replace));
}
std::string Utf8Safe(const std::string& s) { return Utf8Safe(json(s)).get<std::string>(); }

TensorInfo Describe(const model::ValueInfo& v) {
  TensorInfo t;
  t.name = Utf8Safe(v.name);
  t.dtype = model::DTypeName(static_cast<int32_t>(v.dtype));
  for (int i = 0; i < v.shape.rank; ++i) t.shape.push_back(v.shape[i]);
  return t;
}

json TensorsToJson(const std::vector<TensorInfo>& tensors) {
  json out = json::array();
  for (const auto& t : tensors) {
    out.push_back({{"name", t.name}, {"dtype", t.dtype}, {"shape", t.shape}});
  }
  return out;
}

}  // namespace

Result<InspectedModel> InspectModel(std::span<const uint8_t> bytes, size_t max_bytes) {
  if (bytes.size() > max_bytes) {
    return OutOfRange("model of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                      std::to_string(max_bytes) + " bytes");
  }
  if (bytes.empty()) return InvalidArgument("model is empty (0 bytes)");
  auto loaded = model::OnnxModel::FromBytes(bytes, "upload");
  if (!loaded.ok()) {
    // Whatever the loader's code, a model it refuses is a bad upload, not a hub failure.
    return InvalidArgument("not a model the edge runtime can load: " + loaded.status().message());
  }
  const model::OnnxModel& m = *loaded;

  InspectedModel out;
  out.sha256 = Sha256Hex(bytes);
  if (out.sha256.empty()) return Internal("SHA-256 of the uploaded model failed");
  out.size = static_cast<int64_t>(bytes.size());
  out.opset = m.opset();
  out.producer = Utf8Safe(m.proto().producer_name() + (m.proto().producer_version().empty()
                                                           ? std::string()
                                                           : " " + m.proto().producer_version()));
  for (const auto& v : m.inputs()) out.inputs.push_back(Describe(v));
  for (const auto& v : m.outputs()) out.outputs.push_back(Describe(v));

  auto meta = model::ReadMetadata(m.proto());
  if (!meta.ok()) {
    if (meta.status().code() == StatusCode::kNotFound) return out;  // a foreign model
    return InvalidArgument("edgeloop metadata of the model is invalid: " + meta.status().message());
  }
  const model::ModelMetadata& md = *meta;
  if (md.task == "anomaly" && !md.score_output.empty() &&
      std::none_of(m.outputs().begin(), m.outputs().end(),
                   [&](const model::ValueInfo& v) { return v.name == md.score_output; })) {
    return InvalidArgument("edgeloop metadata names score output '" + Utf8Safe(md.score_output) +
                           "', which is not a graph output");
  }
  out.has_metadata = true;
  out.metadata = Utf8Safe(model::MetadataToJson(md));
  out.trainer = Utf8Safe(md.trainer);
  out.task = Utf8Safe(md.task);
  for (const auto& f : md.features) out.feature_names.push_back(Utf8Safe(f.name));
  if (std::isfinite(md.threshold)) out.threshold = md.threshold;
  return out;
}

store::ModelVersion ToModelVersion(const InspectedModel& model, int64_t tenant,
                                   const std::string& name) {
  store::ModelVersion v;
  v.tenant = tenant;
  v.name = name;
  v.sha256 = model.sha256;
  v.size = model.size;
  v.trainer = model.trainer;
  v.metadata_json = model.metadata.dump();
  return v;
}

json InspectedToJson(const InspectedModel& model) {
  return {{"sha256", model.sha256},
          {"size", model.size},
          {"opset", model.opset},
          {"producer", model.producer},
          {"trainer", model.trainer},
          {"task", model.task},
          {"features", model.feature_names},
          {"threshold", model.threshold ? json(*model.threshold) : json(nullptr)},
          {"inputs", TensorsToJson(model.inputs)},
          {"outputs", TensorsToJson(model.outputs)}};
}

json MetadataSummary(const std::string& metadata_json) {
  json out = {{"trainer", ""}, {"task", ""}, {"features", json::array()}, {"threshold", nullptr}};
  const json m = json::parse(metadata_json, nullptr, /*allow_exceptions=*/false);
  if (!m.is_object()) return out;
  if (auto it = m.find("trainer"); it != m.end() && it->is_string()) out["trainer"] = *it;
  if (auto it = m.find("task"); it != m.end() && it->is_string()) out["task"] = *it;
  if (auto it = m.find("threshold"); it != m.end() && it->is_number()) out["threshold"] = *it;
  if (auto it = m.find("features"); it != m.end() && it->is_array()) {
    for (const auto& f : *it) {
      if (f.is_object() && f.contains("name") && f["name"].is_string()) {
        out["features"].push_back(f["name"]);
      }
    }
  }
  return out;
}

}  // namespace edgeloop::registry
