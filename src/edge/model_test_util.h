// Test helpers for the model tests: simulated machines through an AssetPipeline, and real PCA
// models trained on the features of healthy simulated windows (train is a test-only dependency).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/clock.h"
#include "edge/asset_pipeline.h"
#include "sim/machine_simulator.h"
#include "train/dataset.h"
#include "train/pca.h"

namespace edgeloop::edge::testing {

inline const Timestamp kT0 = FromNanos(1767592800'000'000'000);
// The gateway clock the quality gate checks sample times against: past every simulated sample.
inline const SimulatedClock kClock(kT0 + std::chrono::hours(2));

inline sim::MachineSpec PumpSpec() {
  sim::MachineSpec spec;
  spec.asset = {"pump-1", "pump", 1770, Bearing6205()};
  spec.vanes = 5;
  return spec;
}

// Runs `seconds` of `spec` (seed `seed`) through `pipeline`, calling `on_output` after every
// Process() with what it produced (cleared afterwards).
template <typename F>
void Feed(AssetPipeline& pipeline, const sim::MachineSpec& spec, int seconds, uint64_t seed,
          F on_output) {
  sim::MachineSimulator machine(spec, seed, kT0);
  PipelineOutput out;
  std::vector<SampleBatch> batches;
  while (machine.Now() < kT0 + std::chrono::seconds(seconds)) {
    batches.clear();
    machine.Step(std::chrono::milliseconds(250), batches);
    for (const SampleBatch& b : batches) {
      Status s = pipeline.Process(b, out);
      ASSERT_TRUE(s.ok()) << s.ToString();
      on_output(out);
      out.Clear();
    }
  }
}

// Features of the windows of a healthy run in baseline mode, restricted to `features` (all of
// the pipeline's when empty); rows with a non-finite value are dropped.
inline train::Dataset HealthyFeatures(int seconds, uint64_t seed,
                                      std::vector<std::string> features = {},
                                      const sim::MachineSpec& spec = PumpSpec()) {
  PipelineConfig config;
  config.detector.warmup_windows = 5;
  auto pipeline = AssetPipeline::Create(spec.asset, config, kClock);
  EXPECT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  train::Dataset data;
  data.source = "sim-seed-" + std::to_string(seed);
  data.features = features.empty() ? (*pipeline)->feature_names() : features;
  Feed(**pipeline, spec, seconds, seed, [&](const PipelineOutput& out) {
    for (const store::WindowRecord& w : out.windows) {
      std::vector<double> row;
      for (const std::string& name : data.features) {
        for (const auto& [n, v] : w.features) {
          if (n == name && std::isfinite(v)) row.push_back(v);
        }
      }
      if (row.size() == data.features.size()) data.x.insert(data.x.end(), row.begin(), row.end());
    }
  });
  return data;
}

// The vibration features (every pipeline feature but the temperature, which drifts while the
// simulated machine warms up).
inline std::vector<std::string> VibrationFeatures() {
  auto pipeline = AssetPipeline::Create(PumpSpec().asset, PipelineConfig{}, kClock);
  std::vector<std::string> names = (*pipeline)->feature_names();
  names.pop_back();  // "temp_c"
  return names;
}

// A PCA model exported to ONNX bytes, trained on `seconds` of healthy data of `seed`, its
// threshold calibrated for a 1 % false-alarm rate on another healthy run. A minute of training
// is too little: the simulated operating point wanders over minutes, and a model that has not
// seen the wander alarms on healthy runs of other seeds.
inline std::string TrainPcaModel(uint64_t seed, int seconds = 200,
                                 std::vector<std::string> features = VibrationFeatures(),
                                 const sim::MachineSpec& spec = PumpSpec()) {
  train::Dataset data = HealthyFeatures(seconds, seed, features, spec);
  train::PcaOptions options;
  options.confidence = 0.999;
  auto trained = train::TrainPca(data, options);
  EXPECT_TRUE(trained.ok()) << trained.status().ToString();
  train::Dataset validation = HealthyFeatures(60, seed + 1000, features, spec);
  Status s = train::CalibrateThreshold(validation, 0.01, &*trained);
  EXPECT_TRUE(s.ok()) << s.ToString();
  auto bytes = train::ExportPca(*trained);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  return *bytes;
}

inline std::span<const uint8_t> AsBytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// A fresh temporary directory, removed at destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "edge_model_XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& bytes) const {
    const std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }

 private:
  std::string path_;
};

}  // namespace edgeloop::edge::testing
