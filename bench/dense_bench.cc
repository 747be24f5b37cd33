// Dense-model throughput: an exported PCA T²/Q model run by our ONNX interpreter against Eigen
// doing the same float32 arithmetic (center, scale, two matmuls, row reductions) on the same
// batch and the model's own parameters. Eigen is the peer: vectorized, cache-blocked kernels
// and fused elementwise expressions, so the ratio shows what running a dense model through our
// interpreter costs on the edge. See README.md.
#include <benchmark/benchmark.h>
#include <onnx/onnx_pb.h>
#include <sys/resource.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench_util.h"
#include "model/interpreter.h"
#include "model/onnx_model.h"
#include "train/pca.h"

namespace edgeloop {
namespace {

using MatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct Size {
  int features;
  int components;
};
constexpr Size kSizes[] = {{32, 8}, {128, 16}};
constexpr int kBatches[] = {1, 64, 1024};
constexpr int kMaxBatch = 1024;

// Rows with a few latent factors plus noise, so the trained model has a realistic spectrum.
train::Dataset Synthetic(int features, size_t rows, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0, 1);
  const int factors = 4;
  std::vector<double> mix(static_cast<size_t>(features * factors));
  for (double& m : mix) m = g(rng);
  train::Dataset d;
  d.source = "synthetic";
  for (int j = 0; j < features; ++j) d.features.push_back("f" + std::to_string(j));
  for (size_t i = 0; i < rows; ++i) {
    double z[factors];
    for (double& v : z) v = g(rng);
    for (int j = 0; j < features; ++j) {
      double v = 50.0 + 0.3 * g(rng);
      for (int f = 0; f < factors; ++f) v += mix[static_cast<size_t>(j * factors + f)] * z[f];
      d.x.push_back(v);
    }
  }
  return d;
}

// One size: the trained model, its ONNX bytes and an input batch.
struct Fixture {
  train::TrainedPca pca;
  std::string bytes;
  std::vector<float> input;  // kMaxBatch rows
};

Fixture MakeFixture(Size s) {
  Fixture fx;
  train::PcaOptions o;
  o.components = s.components;
  auto pca = train::TrainPca(Synthetic(s.features, 1000, 1), o);
  if (!pca.ok()) {
    std::fprintf(stderr, "training failed: %s\n", pca.status().ToString().c_str());
    std::exit(1);
  }
  fx.pca = std::move(*pca);
  auto bytes = train::ExportPca(fx.pca);
  if (!bytes.ok()) {
    std::fprintf(stderr, "export failed: %s\n", bytes.status().ToString().c_str());
    std::exit(1);
  }
  fx.bytes = std::move(*bytes);
  const train::Dataset rows = Synthetic(s.features, kMaxBatch, 2);
  fx.input.assign(rows.x.begin(), rows.x.end());
  return fx;
}

const Fixture& GetFixture(Size s) {
  static std::map<int, std::unique_ptr<Fixture>> cache;
  auto& slot = cache[s.features];
  if (!slot) slot = std::make_unique<Fixture>(MakeFixture(s));
  return *slot;
}

model::OnnxModel LoadModel(const Fixture& fx) {
  auto m = model::OnnxModel::FromBytes(
      {reinterpret_cast<const uint8_t*>(fx.bytes.data()), fx.bytes.size()}, "pca");
  if (!m.ok()) {
    std::fprintf(stderr, "load failed: %s\n", m.status().ToString().c_str());
    std::exit(1);
  }
  return *m;
}

// An initializer of the exported model as floats (the exporter writes raw_data).
std::vector<float> Initializer(const std::string& bytes, const std::string& name) {
  onnx::ModelProto proto;
  if (proto.ParseFromString(bytes)) {
    for (const auto& t : proto.graph().initializer()) {
      if (t.name() != name) continue;
      std::vector<float> v(t.raw_data().size() / sizeof(float));
      std::memcpy(v.data(), t.raw_data().data(), v.size() * sizeof(float));
      return v;
    }
  }
  std::fprintf(stderr, "exported model has no initializer '%s'\n", name.c_str());
  std::exit(1);
}

// The same computation in Eigen on the model's own float32 parameters (see ExportPca in
// train/pca.h), every buffer allocated once.
class EigenPca {
 public:
  EigenPca(const Fixture& fx, int max_batch) {
    const auto f = static_cast<Eigen::Index>(fx.pca.features.size());
    const auto k = static_cast<Eigen::Index>(fx.pca.components);
    const auto mean = Initializer(fx.bytes, "mean");
    const auto scale = Initializer(fx.bytes, "scale");
    const auto whiten = Initializer(fx.bytes, "whiten");
    const auto reconstruct = Initializer(fx.bytes, "reconstruct");
    mean_ = Eigen::Map<const Eigen::RowVectorXf>(mean.data(), f);
    scale_ = Eigen::Map<const Eigen::RowVectorXf>(scale.data(), f);
    whiten_ = Eigen::Map<const MatrixF>(whiten.data(), f, k);
    reconstruct_ = Eigen::Map<const MatrixF>(reconstruct.data(), k, f);
    t2_limit_ = Initializer(fx.bytes, "t2_limit").at(0);
    q_limit_ = Initializer(fx.bytes, "q_limit").at(0);
    standardized_.resize(max_batch, f);
    whitened_.resize(max_batch, k);
    recon_.resize(max_batch, f);
    t2_.resize(max_batch);
    q_.resize(max_batch);
    score_.resize(max_batch);
  }

  // Scores `n` rows; results in score() (first n entries).
  void Run(const float* x, int n) {
    const auto f = mean_.size();
    Eigen::Map<const MatrixF> in(x, n, f);
    auto xs = standardized_.topRows(n);
    auto whitened = whitened_.topRows(n);
    auto recon = recon_.topRows(n);
    xs = (in.rowwise() - mean_).array().rowwise() / scale_.array();
    whitened.noalias() = xs * whiten_;
    t2_.head(n) = whitened.rowwise().squaredNorm();
    recon.noalias() = whitened * reconstruct_;
    q_.head(n) = (xs - recon).rowwise().squaredNorm();
    score_.head(n) = (t2_.head(n).array() / t2_limit_).max(q_.head(n).array() / q_limit_);
  }
  const Eigen::VectorXf& score() const { return score_; }

 private:
  Eigen::RowVectorXf mean_, scale_;
  MatrixF whiten_, reconstruct_, standardized_, whitened_, recon_;
  Eigen::VectorXf t2_, q_, score_;
  float t2_limit_ = 1, q_limit_ = 1;
};

void BM_Interpreter(benchmark::State& state, Size s, int batch) {
  const Fixture& fx = GetFixture(s);
  const model::OnnxModel m = LoadModel(fx);
  auto session = model::InferenceSession::Create(m, kMaxBatch);
  if (!session.ok()) {
    state.SkipWithError(session.status().ToString().c_str());
    return;
  }
  const int64_t shape[] = {batch, s.features};
  model::TensorRef in{model::DType::kFloat, shape, fx.input.data()};
  model::TensorRef out[3];
  // The interpreter and Eigen must compute the same thing, or the comparison means nothing.
  EigenPca eigen(fx, kMaxBatch);
  eigen.Run(fx.input.data(), batch);
  if (!session->Run({&in, 1}, out).ok()) {
    state.SkipWithError("Run failed");
    return;
  }
  for (int i = 0; i < batch; ++i) {
    const float got = static_cast<const float*>(out[0].data)[i];
    const float want = eigen.score()(i);
    if (std::fabs(got - want) > 1e-4f * std::max(1.0f, std::fabs(want))) {
      state.SkipWithError("interpreter and Eigen disagree");
      return;
    }
  }
  for (auto _ : state) {
    Status st = session->Run({&in, 1}, out);
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(out[0].data);
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

void BM_Eigen(benchmark::State& state, Size s, int batch) {
  const Fixture& fx = GetFixture(s);
  EigenPca eigen(fx, kMaxBatch);
  for (auto _ : state) {
    eigen.Run(fx.input.data(), batch);
    benchmark::DoNotOptimize(eigen.score().data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

std::string CaseName(const char* engine, Size s, int batch) {
  return std::string(engine) + "/F" + std::to_string(s.features) + "_k" +
         std::to_string(s.components) + "/batch" + std::to_string(batch);
}

double PeakRssMiB() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // Linux reports KiB
}

// Peak RSS of the process after loading, planning (max batch 1024) and running the largest
// model once, measured before any benchmark runs so their buffers do not count.
void ReportMemory() {
  const double at_start = PeakRssMiB();
  const Size s = kSizes[std::size(kSizes) - 1];
  const Fixture& fx = GetFixture(s);
  const double after_training = PeakRssMiB();
  const model::OnnxModel m = LoadModel(fx);
  auto session = model::InferenceSession::Create(m, kMaxBatch);
  const int64_t shape[] = {kMaxBatch, s.features};
  model::TensorRef in{model::DType::kFloat, shape, fx.input.data()};
  model::TensorRef out[3];
  if (!session.ok() || !session->Run({&in, 1}, out).ok()) {
    std::fprintf(stderr, "memory check: the model did not run\n");
    std::exit(1);
  }
  std::printf(
      "memory: peak RSS %.1f MiB at start, %.1f MiB after training the F=%d model, %.1f MiB "
      "after load + plan (max batch %d) + run | model %.1f KiB, planned buffers %.1f KiB\n",
      at_start, after_training, s.features, PeakRssMiB(), kMaxBatch,
      static_cast<double>(fx.bytes.size()) / 1024.0,
      static_cast<double>(session->planned_bytes()) / 1024.0);
}

}  // namespace
}  // namespace edgeloop

int main(int argc, char** argv) {
  using edgeloop::CaseName;
  if (!edgeloop::bench::InitBenchmarks(argc, argv)) return 1;

  edgeloop::ReportMemory();
  for (edgeloop::Size s : edgeloop::kSizes) {
    for (int batch : edgeloop::kBatches) {
      benchmark::RegisterBenchmark(CaseName("interpreter", s, batch).c_str(),
                                   edgeloop::BM_Interpreter, s, batch);
      benchmark::RegisterBenchmark(CaseName("eigen", s, batch).c_str(), edgeloop::BM_Eigen, s,
                                   batch);
    }
  }
  // Plain text (no colour codes), so the summary lines can be grepped from logs.
  edgeloop::bench::MedianCapturingReporter reporter(benchmark::ConsoleReporter::OO_None);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  // One line per size and batch: throughput ratio interpreter / Eigen (floor 0.8).
  for (edgeloop::Size s : edgeloop::kSizes) {
    for (int batch : edgeloop::kBatches) {
      const double ours = reporter.ItemsPerSecond(CaseName("interpreter", s, batch));
      const double eigen = reporter.ItemsPerSecond(CaseName("eigen", s, batch));
      if (ours <= 0 || eigen <= 0) continue;
      std::printf(
          "pca F=%d k=%d batch %d: interpreter %.3g rows/s | eigen %.3g rows/s | "
          "interpreter/eigen = %.2f (floor 0.8: %s)\n",
          s.features, s.components, batch, ours, eigen, ours / eigen,
          ours / eigen >= 0.8 ? "met" : "MISSED");
    }
  }
  return 0;
}
