#include "model/model_metadata.h"

#include <algorithm>
#include <cmath>

namespace edgeloop::model {
namespace {

using nlohmann::json;

// A JSON number that may be NaN: JSON has no NaN, so it is written as null.
json Number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

Status Expect(bool ok, const std::string& what) {
  return ok ? Status::Ok() : InvalidArgument("model metadata: " + what);
}

Result<std::vector<double>> Doubles(const json& j, const std::string& key) {
  if (!j.is_array()) return InvalidArgument("model metadata: '" + key + "' must be an array");
  std::vector<double> out;
  out.reserve(j.size());
  for (const auto& v : j) {
    if (!v.is_number()) {
      return InvalidArgument("model metadata: '" + key + "' must hold numbers");
    }
    out.push_back(v.get<double>());
  }
  return out;
}

std::string String(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

json MetadataToJson(const ModelMetadata& m) {
  json features = json::array();
  for (const auto& f : m.features) features.push_back({{"name", f.name}, {"unit", f.unit}});
  json hists = json::array();
  for (const auto& h : m.reference_histograms) {
    hists.push_back({{"edges", h.edges}, {"counts", h.counts}});
  }
  return json{{"version", kMetadataVersion},
              {"trainer", m.trainer},
              {"task", m.task},
              {"features", features},
              {"score_output", m.score_output},
              {"threshold", Number(m.threshold)},
              {"class_labels", m.class_labels},
              {"class_names", m.class_names},
              {"params", m.params},
              {"metrics", m.metrics},
              {"training",
               {{"source", m.training.source},
                {"rows", m.training.rows},
                {"first", m.training.first},
                {"last", m.training.last}}},
              {"reference_histograms", hists},
              {"reference_spectrum", m.reference_spectrum},
              {"reference_spectrum_bin_hz", m.reference_spectrum_bin_hz},
              {"created_at", m.created_at},
              {"producer_version", m.producer_version}};
}

Result<ModelMetadata> MetadataFromJson(const json& j) {
  EL_RETURN_IF_ERROR(Expect(j.is_object(), "not a JSON object"));
  auto version = j.find("version");
  EL_RETURN_IF_ERROR(Expect(version != j.end() && version->is_number_integer(), "no version"));
  if (version->get<int64_t>() > kMetadataVersion) {
    return InvalidArgument("model metadata version " + std::to_string(version->get<int64_t>()) +
                           " is newer than this edgeloop understands (" +
                           std::to_string(kMetadataVersion) + ")");
  }
  ModelMetadata m;
  m.trainer = String(j, "trainer");
  m.task = String(j, "task");
  m.score_output = String(j, "score_output");
  m.created_at = String(j, "created_at");
  m.producer_version = String(j, "producer_version");
  if (auto it = j.find("features"); it != j.end()) {
    EL_RETURN_IF_ERROR(Expect(it->is_array(), "'features' must be an array"));
    for (const auto& f : *it) {
      EL_RETURN_IF_ERROR(Expect(f.is_object() && f.contains("name") && f["name"].is_string(),
                                "every feature needs a string 'name'"));
      m.features.push_back({f["name"].get<std::string>(), String(f, "unit")});
    }
  }
  if (auto it = j.find("threshold"); it != j.end() && !it->is_null()) {
    EL_RETURN_IF_ERROR(Expect(it->is_number(), "'threshold' must be a number"));
    m.threshold = it->get<double>();
  }
  if (auto it = j.find("class_labels"); it != j.end()) {
    EL_ASSIGN_OR_RETURN(auto labels, Doubles(*it, "class_labels"));
    for (double v : labels) m.class_labels.push_back(static_cast<int64_t>(v));
  }
  if (auto it = j.find("class_names"); it != j.end()) {
    EL_RETURN_IF_ERROR(Expect(it->is_array(), "'class_names' must be an array"));
    for (const auto& s : *it) {
      EL_RETURN_IF_ERROR(Expect(s.is_string(), "'class_names' must hold strings"));
      m.class_names.push_back(s.get<std::string>());
    }
  }
  if (auto it = j.find("params"); it != j.end()) m.params = *it;
  if (auto it = j.find("metrics"); it != j.end()) m.metrics = *it;
  if (auto it = j.find("training"); it != j.end() && it->is_object()) {
    m.training.source = String(*it, "source");
    m.training.first = String(*it, "first");
    m.training.last = String(*it, "last");
    if (auto r = it->find("rows"); r != it->end() && r->is_number_integer()) {
      m.training.rows = r->get<int64_t>();
    }
  }
  if (auto it = j.find("reference_histograms"); it != j.end()) {
    EL_RETURN_IF_ERROR(Expect(it->is_array(), "'reference_histograms' must be an array"));
    for (const auto& h : *it) {
      EL_RETURN_IF_ERROR(Expect(h.is_object() && h.contains("edges") && h.contains("counts"),
                                "a histogram needs 'edges' and 'counts'"));
      Histogram hist;
      EL_ASSIGN_OR_RETURN(hist.edges, Doubles(h["edges"], "edges"));
      EL_ASSIGN_OR_RETURN(hist.counts, Doubles(h["counts"], "counts"));
      EL_RETURN_IF_ERROR(Expect(hist.edges.size() == hist.counts.size() + 1,
                                "a histogram needs one more edge than counts"));
      EL_RETURN_IF_ERROR(Expect(std::is_sorted(hist.edges.begin(), hist.edges.end()),
                                "histogram edges must be ascending"));
      m.reference_histograms.push_back(std::move(hist));
    }
    EL_RETURN_IF_ERROR(
        Expect(m.reference_histograms.empty() || m.reference_histograms.size() == m.features.size(),
               "there must be one reference histogram per feature"));
  }
  if (auto it = j.find("reference_spectrum"); it != j.end()) {
    EL_ASSIGN_OR_RETURN(m.reference_spectrum, Doubles(*it, "reference_spectrum"));
  }
  if (auto it = j.find("reference_spectrum_bin_hz"); it != j.end() && it->is_number()) {
    m.reference_spectrum_bin_hz = it->get<double>();
  }
  return m;
}

Result<ModelMetadata> ReadMetadata(const onnx::ModelProto& proto) {
  for (const auto& prop : proto.metadata_props()) {
    if (prop.key() != kMetadataKey) continue;
    json j = json::parse(prop.value(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return InvalidArgument("model metadata: 'edgeloop' is not valid JSON");
    return MetadataFromJson(j);
  }
  return NotFound("model has no edgeloop metadata");
}

void WriteMetadata(const ModelMetadata& m, onnx::ModelProto* proto) {
  auto* props = proto->mutable_metadata_props();
  for (int i = props->size() - 1; i >= 0; --i) {
    if (props->Get(i).key() == kMetadataKey) props->DeleteSubrange(i, 1);
  }
  auto* p = proto->add_metadata_props();
  p->set_key(kMetadataKey);
  p->set_value(MetadataToJson(m).dump());
}

Histogram MakeHistogram(const std::vector<double>& values, int bins) {
  double lo = INFINITY, hi = -INFINITY;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  Histogram h;
  if (!(lo <= hi)) return h;  // no finite values
  if (lo == hi || bins < 1) {
    h.edges = {lo - 0.5, lo + 0.5};
    h.counts = {0};
    for (double v : values) h.counts[0] += std::isfinite(v) ? 1 : 0;
    return h;
  }
  h.edges.resize(static_cast<size_t>(bins) + 1);
  for (int i = 0; i <= bins; ++i) h.edges[static_cast<size_t>(i)] = lo + (hi - lo) * i / bins;
  h.counts.assign(static_cast<size_t>(bins), 0);
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    int b = static_cast<int>((v - lo) / (hi - lo) * bins);
    h.counts[static_cast<size_t>(std::clamp(b, 0, bins - 1))] += 1;
  }
  return h;
}

}  // namespace edgeloop::model
