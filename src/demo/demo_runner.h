// RunDemo: a whole plant on one machine, on simulated time.
//
// Builds one simulated machine per configured asset (one of them, chosen by the seed, develops a
// bearing fault part-way through; another gets sensor glitches), one EdgeAgent per gateway with
// its own SQLite store in the data folder, and drives them: every step the simulator produces the
// next slice of samples, which go to the gateways' queues; the simulated clock advances, paced
// to `speed` times real time (or as fast as the gateways keep up). Progress is reported through
// a callback; the result is a summary of what happened, checked against the ground truth.
// Call from one thread; the gateways run on threads of their own.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "demo/plant_config.h"
#include "edge/asset_pipeline.h"

namespace edgeloop::demo {

struct DemoOptions {
  Duration duration = std::chrono::minutes(10);  // simulated time
  double speed = 60;                             // simulated seconds per real second; 0 = max
  uint64_t seed = 1;
  std::string data_dir = "edgeloop-data";
  Duration step = std::chrono::milliseconds(100);  // simulated time per driver step
  // 2026-01-05T06:00:00Z, a Monday's early shift: fixed so that runs are reproducible.
  Timestamp start = FromNanos(1767592800'000'000'000);
};

struct AssetOutcome {
  std::string gateway;
  std::string asset;
  std::string kind;
  std::optional<Timestamp> fault_onset;  // ground truth: set for the faulty asset
  std::string fault_kind;                // ground truth: e.g. "inner_race"
  bool has_sensor_glitches = false;      // ground truth: sensor glitches were injected
  edge::AssetStats stats;
};

struct DemoProgress {
  Duration simulated{0};
  Duration total{0};
  Duration wall{0};
  std::vector<AssetOutcome> assets;
  uint64_t backpressure_waits = 0;
};

struct DemoSummary {
  uint64_t seed = 0;
  Timestamp start;
  Duration simulated{0};
  Duration wall{0};
  bool cancelled = false;
  double vibration_rate_hz = 0;
  std::vector<AssetOutcome> assets;
  std::vector<std::string> store_paths;
  uint64_t backpressure_waits = 0;
  uint64_t batches_refused = 0;

  uint64_t TotalSamples() const;
  uint64_t TotalWindows() const;
  // The faulty asset's outcome.
  const AssetOutcome* Faulty() const;
  // Assets without a fault that raised at least one alert.
  std::vector<const AssetOutcome*> FalseAlarms() const;
  // True when the faulty asset alerted after its onset and no healthy asset alerted.
  bool DetectedCleanly() const;
};

using ProgressCallback = std::function<void(const DemoProgress&)>;

// Runs the demo. `cancel`, when set to true from another thread or a signal handler, ends the
// run early with a summary of what was done so far.
Result<DemoSummary> RunDemo(const PlantConfig& plant, const DemoOptions& options,
                            const ProgressCallback& progress,
                            const std::atomic<bool>* cancel = nullptr);

}  // namespace edgeloop::demo
