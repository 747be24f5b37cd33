#include "edge/edge_model.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "common/sha256.h"

namespace edgeloop::edge {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

// Reads the whole file once: the hash and the parser must see the same bytes, or a file
// replaced between the two would pass the check with other content.
Result<std::vector<uint8_t>> ReadModelFile(const std::string& path) {
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    const int err = errno;
    const std::string msg = fmt::format("cannot open model '{}': {}", path, std::strerror(err));
    return err == ENOENT ? NotFound(msg) : FailedPrecondition(msg);
  }
  std::vector<uint8_t> bytes;
  uint8_t buf[1 << 16];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) {
    if (bytes.size() + n > model::kMaxModelBytes) {
      return InvalidArgument(fmt::format("model '{}' is larger than the {} MiB limit", path,
                                         model::kMaxModelBytes >> 20));
    }
    bytes.insert(bytes.end(), buf, buf + n);
  }
  if (std::ferror(f.get())) return DataLoss(fmt::format("read error on model '{}'", path));
  return bytes;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The median of a reference histogram (centre of the bin holding the middle count), or 0: a
// typical row makes a better probe than zeros, which a log or ratio feature may never take.
double HistogramMedian(const model::Histogram& h) {
  double total = 0;
  for (double c : h.counts) total += c;
  if (!(total > 0) || h.edges.size() != h.counts.size() + 1) return 0;
  double seen = 0;
  for (size_t i = 0; i < h.counts.size(); ++i) {
    seen += h.counts[i];
    if (seen >= total / 2) {
      const double mid = 0.5 * (h.edges[i] + h.edges[i + 1]);
      return std::isfinite(mid) ? mid : 0;
    }
  }
  return 0;
}

std::string ModelName(const model::ModelMetadata& m) {
  auto it = m.params.find("name");
  if (it != m.params.end() && it->is_string() && !it->get<std::string>().empty()) {
    return it->get<std::string>();
  }
  return m.trainer.empty() ? "model" : m.trainer;
}

}  // namespace

Result<std::shared_ptr<const EdgeModel>> EdgeModel::Load(
    const ModelSpec& spec, std::span<const std::string> available_features) {
  EL_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadModelFile(spec.path));
  return FromBytes(bytes, spec.path, spec.expected_sha256, available_features);
}

Result<std::shared_ptr<const EdgeModel>> EdgeModel::FromBytes(
    std::span<const uint8_t> bytes, const std::string& source, const std::string& expected_sha256,
    std::span<const std::string> available_features) {
  std::shared_ptr<EdgeModel> m(new EdgeModel());
  m->sha256_ = Sha256Hex(bytes);
  if (m->sha256_.empty()) return Internal("SHA-256 of model '" + source + "' failed");
  if (!expected_sha256.empty() && Lower(expected_sha256) != m->sha256_) {
    return InvalidArgument(fmt::format("model '{}': sha256 mismatch: expected {}, file has {}",
                                       source, Lower(expected_sha256), m->sha256_));
  }
  EL_ASSIGN_OR_RETURN(m->onnx_, model::OnnxModel::FromBytes(bytes, source));
  auto meta = model::ReadMetadata(m->onnx_.proto());
  if (!meta.ok()) {
    return meta.status().WithContext("model '" + source + "' has no usable Edgeloop metadata");
  }
  m->metadata_ = std::move(meta).value();
  const model::ModelMetadata& md = m->metadata_;
  if (md.task != "anomaly") {
    return InvalidArgument(
        fmt::format("model '{}' is a '{}' model; the edge pipeline scores with anomaly models",
                    source, md.task));
  }
  if (md.score_output.empty()) {
    return InvalidArgument("model '" + source + "' names no score output in its metadata");
  }
  if (!std::isfinite(md.threshold) || !(md.threshold > 0)) {
    return InvalidArgument(fmt::format(
        "model '{}' has threshold {}; a finite threshold > 0 is needed to normalise its score",
        source, md.threshold));
  }
  const auto& outputs = m->onnx_.outputs();
  auto out_it = std::find_if(outputs.begin(), outputs.end(),
                             [&](const model::ValueInfo& v) { return v.name == md.score_output; });
  if (out_it == outputs.end()) {
    return InvalidArgument(fmt::format("model '{}': score output '{}' is not a graph output",
                                       source, md.score_output));
  }
  m->score_output_ = static_cast<size_t>(out_it - outputs.begin());

  // Input schema: one float [batch, F] input whose columns are the metadata features.
  const auto& inputs = m->onnx_.inputs();
  const int64_t f = static_cast<int64_t>(md.features.size());
  if (inputs.size() != 1 || inputs[0].dtype != model::DType::kFloat || inputs[0].shape.rank != 2 ||
      inputs[0].shape[1] != f || f == 0) {
    return InvalidArgument(fmt::format(
        "model '{}' must have one float input [batch, {}] matching its {} metadata features",
        source, f, f));
  }
  std::vector<std::string> missing;
  for (const model::FeatureSpec& spec : md.features) {
    auto it = std::find(available_features.begin(), available_features.end(), spec.name);
    if (it == available_features.end()) {
      missing.push_back(spec.name);
    } else {
      m->input_index_.push_back(static_cast<size_t>(it - available_features.begin()));
    }
  }
  if (!missing.empty()) {
    return InvalidArgument(fmt::format("model '{}' needs features the pipeline lacks: {}", source,
                                       fmt::join(missing, ", ")));
  }
  m->available_.assign(available_features.begin(), available_features.end());
  m->input_shape_ = {1, f};
  m->version_ = ModelName(md) + "@" + m->sha256_.substr(0, 12);

  m->probe_row_.assign(available_features.size(), 0.0);
  if (md.reference_histograms.size() == md.features.size()) {
    for (size_t j = 0; j < m->input_index_.size(); ++j) {
      m->probe_row_[m->input_index_[j]] = HistogramMedian(md.reference_histograms[j]);
    }
  }
  std::shared_ptr<const EdgeModel> shared = m;
  EL_ASSIGN_OR_RETURN(Scorer probe, Scorer::Create(shared));
  auto score = probe.Score(m->probe_row_);
  if (!score.ok()) return score.status().WithContext("model '" + source + "' probe row");
  return shared;
}

Status EdgeModel::CheckFeatures(std::span<const std::string> features) const {
  if (std::equal(features.begin(), features.end(), available_.begin(), available_.end())) {
    return Status::Ok();
  }
  return FailedPrecondition(
      fmt::format("model {} was loaded for features [{}], the pipeline has [{}]", version_,
                  fmt::join(available_, ", "), fmt::join(features, ", ")));
}

Result<EdgeModel::Scorer> EdgeModel::Scorer::Create(std::shared_ptr<const EdgeModel> model) {
  if (!model) return InvalidArgument("no model to score with");
  EL_ASSIGN_OR_RETURN(model::InferenceSession session,
                      model::InferenceSession::Create(model->onnx_, /*max_batch=*/1));
  return Scorer(std::move(model), std::move(session));
}

EdgeModel::Scorer::Scorer(std::shared_ptr<const EdgeModel> model, model::InferenceSession session)
    : model_(std::move(model)),
      session_(std::move(session)),
      input_(model_->input_index_.size()),
      outputs_(session_.num_outputs()) {}

Result<double> EdgeModel::Scorer::Score(std::span<const double> pipeline_features) {
  const EdgeModel& m = *model_;
  if (pipeline_features.size() != m.available_.size()) {
    return InvalidArgument(fmt::format("{} features given, model {} was loaded for {}",
                                       pipeline_features.size(), m.version_, m.available_.size()));
  }
  for (size_t j = 0; j < input_.size(); ++j) {
    const double v = pipeline_features[m.input_index_[j]];
    if (!std::isfinite(v)) {
      return InvalidArgument(fmt::format("feature '{}' is {}", m.metadata_.features[j].name, v));
    }
    input_[j] = static_cast<float>(v);
  }
  const model::TensorRef in{model::DType::kFloat, m.input_shape_, input_.data()};
  EL_RETURN_IF_ERROR(session_.Run({&in, 1}, outputs_));
  const model::TensorRef& out = outputs_[m.score_output_];
  int64_t elements = 1;
  for (int64_t d : out.shape) elements *= d;
  if (out.dtype != model::DType::kFloat || elements < 1 || out.data == nullptr) {
    return Internal(fmt::format("model {}: score output '{}' is not a float tensor with a value",
                                m.version_, m.metadata_.score_output));
  }
  const double score = static_cast<const float*>(out.data)[0];
  if (!std::isfinite(score)) {
    return InvalidArgument(fmt::format("model {} produced a non-finite score", m.version_));
  }
  return score;
}

}  // namespace edgeloop::edge
