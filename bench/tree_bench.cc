// Tree-ensemble inference throughput: our ONNX interpreter on exported models against XGBoost's
// own prediction of the very same boosters on the very same rows.
//
// XGBoost is the reference because it is what trained the model and what a hub without
// Edgeloop would run: "ours / XGBoost" says whether the edge pays for running the exported
// ONNX instead of libxgboost, independently of how fast this machine is. Both sides run on one
// thread (our interpreter has no threads; XGBoost gets nthread=1) and get the rows as dense
// row-major floats; XGBoost through XGBoosterPredictFromDense (in-place prediction, its
// fastest path for a C caller).
//
// The models are trained in a child process before anything else happens, so the peak RSS
// reported for "load + plan + run" of the exported model is the edge's footprint and not
// XGBoost's training memory.
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "bench_util.h"
#include "model/interpreter.h"
#include "model/onnx_model.h"
#include "train/dataset.h"
#include "train/gbdt.h"
#include "train/isolation_forest.h"
#include "train/xgboost_booster.h"

namespace edgeloop::bench {
namespace {

constexpr size_t kFeatures = 24;
constexpr size_t kClasses = 3;
constexpr int kDepth = 6;
constexpr int kRounds[] = {100, 300};  // boosting rounds: x 3 classes = 300 and 900 trees
constexpr int64_t kBatches[] = {1, 64, 1024};
constexpr size_t kTrainRows = 8000;
constexpr size_t kPoolRows = 4096;  // rows the benchmarks cycle through
constexpr int kForestTrees = 100;

// 24 standard-normal features; the class is the argmax of three noisy non-linear scores, so
// the boosted trees grow to their full depth instead of stopping after a few clean splits.
train::Dataset Synthetic(size_t rows, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0.0, 1.0);
  train::Dataset d;
  d.source = "synthetic";
  for (size_t j = 0; j < kFeatures; ++j) d.features.push_back("f" + std::to_string(j));
  std::vector<double> x(kFeatures);
  for (size_t i = 0; i < rows; ++i) {
    for (double& v : x) v = z(rng);
    size_t best = 0;
    double best_score = -INFINITY;
    for (size_t k = 0; k < kClasses; ++k) {
      const double s = x[k] + 0.6 * x[k + 3] * x[k + 7] + 0.4 * std::sin(3 * x[k + 11]) +
                       0.3 * x[k + 15] * std::fabs(x[k + 19]) + 0.5 * z(rng);
      if (s > best_score) {
        best_score = s;
        best = k;
      }
    }
    d.x.insert(d.x.end(), x.begin(), x.end());
    d.labels.push_back(static_cast<double>(best));
  }
  return d;
}

// What the child process hands back: per GBDT size the exported ONNX and the XGBoost booster,
// and the exported isolation forest.
struct Models {
  std::map<int, std::string> gbdt_onnx;     // by rounds
  std::map<int, std::string> gbdt_booster;  // by rounds, UBJSON
  std::string forest_onnx;
};

Models* g_models = nullptr;
std::vector<float>* g_rows = nullptr;

Result<Models> TrainModels() {
  const train::Dataset data = Synthetic(kTrainRows, 1);
  Models m;
  for (int rounds : kRounds) {
    train::GbdtOptions o;
    o.rounds = rounds;
    o.max_depth = kDepth;
    o.validation_fraction = 0;
    EL_ASSIGN_OR_RETURN(train::TrainedGbdt g, train::TrainGbdt(data, o));
    EL_ASSIGN_OR_RETURN(m.gbdt_onnx[rounds], train::ExportGbdt(g));
    m.gbdt_booster[rounds] = std::move(g.booster);
  }
  train::IsolationForestOptions fo;
  fo.trees = kForestTrees;
  EL_ASSIGN_OR_RETURN(train::TrainedIsolationForest forest, train::TrainIsolationForest(data, fo));
  EL_ASSIGN_OR_RETURN(m.forest_onnx, train::ExportIsolationForest(forest));
  return m;
}

void WriteString(FILE* f, const std::string& s) {
  const uint64_t n = s.size();
  std::fwrite(&n, sizeof(n), 1, f);
  std::fwrite(s.data(), 1, s.size(), f);
}

bool ReadString(FILE* f, std::string* s) {
  uint64_t n = 0;
  if (std::fread(&n, sizeof(n), 1, f) != 1 || n > (uint64_t{1} << 31)) return false;
  s->resize(n);
  return std::fread(s->data(), 1, n, f) == n;
}

// Trains in a forked child (XGBoost's training memory never touches this process) and reads
// the serialized models back through a pipe.
Result<Models> TrainModelsInChild() {
  int fds[2];
  if (pipe(fds) != 0) return IoError(std::string("pipe: ") + std::strerror(errno));
  const pid_t pid = fork();
  if (pid < 0) return IoError(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    close(fds[0]);
    FILE* out = fdopen(fds[1], "wb");
    auto models = TrainModels();
    if (!models.ok()) {
      std::fprintf(stderr, "training failed: %s\n", models.status().ToString().c_str());
      _exit(1);
    }
    for (int rounds : kRounds) {
      WriteString(out, models->gbdt_onnx[rounds]);
      WriteString(out, models->gbdt_booster[rounds]);
    }
    WriteString(out, models->forest_onnx);
    std::fclose(out);
    _exit(0);
  }
  close(fds[1]);
  FILE* in = fdopen(fds[0], "rb");
  Models m;
  bool ok = true;
  for (int rounds : kRounds) {
    ok = ok && ReadString(in, &m.gbdt_onnx[rounds]) && ReadString(in, &m.gbdt_booster[rounds]);
  }
  ok = ok && ReadString(in, &m.forest_onnx);
  std::fclose(in);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!ok || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Internal("the training child process failed");
  }
  return m;
}

Result<model::OnnxModel> LoadOnnx(const std::string& bytes) {
  return model::OnnxModel::FromBytes({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()},
                                     "bench.onnx");
}

// Our interpreter on `onnx`, `batch` rows per Run, cycling through the row pool.
void RunOurs(benchmark::State& state, const std::string& onnx, int64_t batch) {
  auto m = LoadOnnx(onnx);
  if (!m.ok()) return state.SkipWithError(m.status().ToString().c_str());
  auto session = model::InferenceSession::Create(*m, static_cast<size_t>(batch));
  if (!session.ok()) return state.SkipWithError(session.status().ToString().c_str());
  std::vector<model::TensorRef> out(session->num_outputs());
  const int64_t shape[] = {batch, static_cast<int64_t>(kFeatures)};
  size_t offset = 0;
  for (auto _ : state) {
    model::TensorRef in{model::DType::kFloat, shape, g_rows->data() + offset * kFeatures};
    Status s = session->Run({&in, 1}, out);
    if (!s.ok()) return state.SkipWithError(s.ToString().c_str());
    benchmark::DoNotOptimize(out[0].data);
    offset = (offset + static_cast<size_t>(batch)) % kPoolRows;
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

void BM_GbdtOurs(benchmark::State& state) {
  RunOurs(state, g_models->gbdt_onnx[static_cast<int>(state.range(0))], state.range(1));
}

void BM_GbdtXgboost(benchmark::State& state) {
  const int64_t batch = state.range(1);
  auto booster = train::XgbBooster::Load(g_models->gbdt_booster[static_cast<int>(state.range(0))]);
  if (!booster.ok()) return state.SkipWithError(booster.status().ToString().c_str());
  if (Status s = booster->SetParam("nthread", "1"); !s.ok()) {
    return state.SkipWithError(s.ToString().c_str());
  }
  const auto n = static_cast<size_t>(batch) * kFeatures;
  // One untimed call: XGBoost configures the learner lazily on its first prediction.
  if (auto r = booster->PredictDense({g_rows->data(), n}, kFeatures); !r.ok()) {
    return state.SkipWithError(r.status().ToString().c_str());
  }
  size_t offset = 0;
  for (auto _ : state) {
    auto r = booster->PredictDense({g_rows->data() + offset * kFeatures, n}, kFeatures);
    if (!r.ok()) return state.SkipWithError(r.status().ToString().c_str());
    benchmark::DoNotOptimize(r->data());
    offset = (offset + static_cast<size_t>(batch)) % kPoolRows;
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

void BM_IsolationForestOurs(benchmark::State& state) {
  RunOurs(state, g_models->forest_onnx, state.range(0));
}

void GbdtArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"rounds", "batch"});
  for (int r : kRounds) {
    for (int64_t batch : kBatches) b->Args({r, batch});
  }
  b->Unit(benchmark::kMicrosecond);
}
BENCHMARK(BM_GbdtOurs)->Apply(GbdtArgs);
BENCHMARK(BM_GbdtXgboost)->Apply(GbdtArgs);
BENCHMARK(BM_IsolationForestOurs)
    ->ArgName("batch")
    ->Arg(1)
    ->Arg(64)
    ->Arg(1024)
    ->Unit(benchmark::kMicrosecond);

double MiB(double kib) { return kib / 1024.0; }

// VmRSS of this process in KiB (0 if /proc is unavailable).
double CurrentRssKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atof(line.c_str() + 6);
  }
  return 0.0;
}

// Load + plan (max batch 1024) + one Run of the largest GBDT, then the process's peak RSS.
std::string MeasureFootprint() {
  const int rounds = kRounds[1];
  const double before_kib = CurrentRssKib();
  auto m = LoadOnnx(g_models->gbdt_onnx[rounds]);
  if (!m.ok()) return "footprint: " + m.status().ToString();
  auto session = model::InferenceSession::Create(*m, 1024);
  if (!session.ok()) return "footprint: " + session.status().ToString();
  std::vector<model::TensorRef> out(session->num_outputs());
  const int64_t shape[] = {1024, static_cast<int64_t>(kFeatures)};
  model::TensorRef in{model::DType::kFloat, shape, g_rows->data()};
  if (Status s = session->Run({&in, 1}, out); !s.ok()) return "footprint: " + s.ToString();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  char buf[400];
  std::snprintf(buf, sizeof(buf),
                "peak RSS after load + plan + run of the %d-tree GBDT (batch 1024): %.1f MiB | "
                "RSS before loading it: %.1f MiB | ONNX file %.2f MiB | planned buffers %.1f KiB",
                rounds * static_cast<int>(kClasses), MiB(static_cast<double>(usage.ru_maxrss)),
                MiB(before_kib),
                static_cast<double>(g_models->gbdt_onnx[rounds].size()) / 1048576.0,
                static_cast<double>(session->planned_bytes()) / 1024.0);
  return buf;
}

}  // namespace
}  // namespace edgeloop::bench

int main(int argc, char** argv) {
  namespace eb = edgeloop::bench;
  // Before anything else: the child trains, this process only ever runs inference.
  auto models = eb::TrainModelsInChild();
  if (!models.ok()) {
    std::fprintf(stderr, "%s\n", models.status().ToString().c_str());
    return 1;
  }
  eb::g_models = new eb::Models(std::move(models).value());
  const edgeloop::train::Dataset pool = eb::Synthetic(eb::kPoolRows, 2);
  eb::g_rows = new std::vector<float>(pool.x.begin(), pool.x.end());
  const std::string footprint = eb::MeasureFootprint();

  if (!eb::InitBenchmarks(argc, argv)) return 1;
  eb::MedianCapturingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  for (int rounds : eb::kRounds) {
    for (int64_t batch : eb::kBatches) {
      const std::string a = "rounds:" + std::to_string(rounds) + "/batch:" + std::to_string(batch);
      const double ours = reporter.ItemsPerSecond("BM_GbdtOurs/" + a);
      const double xgb = reporter.ItemsPerSecond("BM_GbdtXgboost/" + a);
      if (ours <= 0 || xgb <= 0) continue;
      const double ratio = ours / xgb;
      std::printf(
          "gbdt %d trees (%d rounds x %zu classes, depth %d, %zu features), batch %4lld: ours "
          "%.0f rows/s | XGBoost PredictFromDense nthread=1 %.0f rows/s | ours/XGBoost = %.2f "
          "(goal >= 2: %s; floor 1: %s)\n",
          rounds * static_cast<int>(eb::kClasses), rounds, eb::kClasses, eb::kDepth, eb::kFeatures,
          static_cast<long long>(batch), ours, xgb, ratio, ratio >= 2 ? "met" : "MISSED",
          ratio >= 1 ? "ok" : "BELOW");
    }
  }
  for (int64_t batch : eb::kBatches) {
    const double ours =
        reporter.ItemsPerSecond("BM_IsolationForestOurs/batch:" + std::to_string(batch));
    if (ours <= 0) continue;
    std::printf("iforest %d trees (psi 256, %zu features), batch %4lld: ours %.0f rows/s\n",
                eb::kForestTrees, eb::kFeatures, static_cast<long long>(batch), ours);
  }
  std::printf("%s\n", footprint.c_str());
  return 0;
}
