// ExportPca: the ONNX graph and metadata of a trained PCA T²/Q model (see pca.h).
#include <cmath>
#include <vector>

#include "train/onnx_builder.h"
#include "train/pca.h"

namespace edgeloop::train {
namespace {

std::vector<float> ToFloats(const std::vector<double>& v) { return {v.begin(), v.end()}; }

Status CheckShapes(const TrainedPca& m) {
  const size_t f = m.features.size();
  const auto k = static_cast<size_t>(m.components);
  if (f < 2 || k < 1 || k >= f || m.mean.size() != f || m.scale.size() != f ||
      m.loadings.size() != f * k || m.inv_eigenvalues.size() != k ||
      (!m.histograms.empty() && m.histograms.size() != f)) {
    return InvalidArgument(
        "PCA model is inconsistent (features, components and parameter "
        "sizes disagree)");
  }
  if (!(m.t2_limit > 0 && m.q_limit > 0 && std::isfinite(m.t2_limit) && std::isfinite(m.q_limit))) {
    return InvalidArgument("PCA model has no valid control limits");
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> ExportPca(const TrainedPca& m) {
  EL_RETURN_IF_ERROR(CheckShapes(m));
  const auto f = static_cast<int64_t>(m.features.size());
  const int64_t k = m.components;
  const auto fu = static_cast<size_t>(f), ku = static_cast<size_t>(k);

  // The eigenvalues are folded into the two matrices (in double, then rounded once):
  //   whitened = x_s · W,  W[j, c] = P[j, c] / √λ_c    so T² = Σ whitened²
  //   residual = x_s - whitened · R,  R[c, j] = √λ_c P[j, c]   and Q = Σ residual²
  // Whitened scores all have unit variance on the training data, which also suits the
  // per-tensor activation ranges of the int8 export (train/quantize.h). The scaling stays a
  // Sub and a Div: x - mean is exact in float32 when x is near the mean, and folding the mean
  // into a bias would cancel catastrophically for features far from zero.
  std::vector<float> whiten(fu * ku), reconstruct(ku * fu);
  for (size_t j = 0; j < fu; ++j) {
    for (size_t c = 0; c < ku; ++c) {
      const double p = m.loadings[j * ku + c];
      const double sqrt_lambda = 1 / std::sqrt(m.inv_eigenvalues[c]);
      whiten[j * ku + c] = static_cast<float>(p / sqrt_lambda);
      reconstruct[c * fu + j] = static_cast<float>(sqrt_lambda * p);
    }
  }
  const int64_t axis_one[] = {1};

  OnnxBuilder b("edgeloop_pca");
  b.AddInput("features", model::DType::kFloat, {-1, f});
  b.AddNode("Sub", {"features", b.AddFloats("mean", {f}, ToFloats(m.mean))}, {"centered"});
  b.AddNode("Div", {"centered", b.AddFloats("scale", {f}, ToFloats(m.scale))}, {"standardized"});
  b.AddNode("MatMul", {"standardized", b.AddFloats("whiten", {f, k}, whiten)}, {"whitened"});
  b.AddNode("ReduceSumSquare", {"whitened"}, {"t2"})
      .Attr("axes", std::span<const int64_t>(axis_one))
      .Attr("keepdims", int64_t{1});
  b.AddNode("MatMul", {"whitened", b.AddFloats("reconstruct", {k, f}, reconstruct)},
            {"reconstruction"});
  b.AddNode("Sub", {"standardized", "reconstruction"}, {"residual"});
  b.AddNode("ReduceSumSquare", {"residual"}, {"q"})
      .Attr("axes", std::span<const int64_t>(axis_one))
      .Attr("keepdims", int64_t{1});
  b.AddNode("Div", {"t2", b.AddScalar("t2_limit", static_cast<float>(m.t2_limit))}, {"t2_ratio"});
  b.AddNode("Div", {"q", b.AddScalar("q_limit", static_cast<float>(m.q_limit))}, {"q_ratio"});
  b.AddNode("Max", {"t2_ratio", "q_ratio"}, {"score"});
  b.AddOutput("score", model::DType::kFloat, {-1, 1});
  b.AddOutput("t2", model::DType::kFloat, {-1, 1});
  b.AddOutput("q", model::DType::kFloat, {-1, 1});

  model::ModelMetadata meta;
  meta.trainer = "pca";
  meta.task = "anomaly";
  for (const auto& name : m.features) meta.features.push_back({name, ""});
  meta.score_output = "score";
  meta.threshold = m.threshold;
  meta.params = {{"components", m.components},
                 {"explained_variance", m.explained_variance},
                 {"confidence", m.confidence},
                 {"t2_limit", m.t2_limit},
                 {"q_limit", m.q_limit},
                 {"q_limit_method", m.q_limit_method},
                 {"eigenvalues", m.eigenvalues},
                 {"means", m.mean},
                 {"stds", m.scale},
                 {"constant_features", m.constant_features}};
  meta.metrics = m.metrics;
  meta.training = m.training;
  meta.reference_histograms = m.histograms;
  meta.created_at = UtcNowIso8601();
  meta.producer_version = ProducerVersion();
  return b.Finish(meta);
}

}  // namespace edgeloop::train
