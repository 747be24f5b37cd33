// RunDemo: a whole plant on one machine, on simulated time, reporting to a real hub.
//
// Starts the hub (src/hub) in-process on `hub_listen` with a SQLite store in the data folder,
// enrolls every gateway through the hub's API over HTTP (enrollment token -> node token), and
// gives each gateway the edge daemon's uplink (batcher -> outbox -> POST /v1/ingest), so every
// window, quality event, alert and heartbeat reaches the hub over real HTTP on 127.0.0.1.
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
  std::string hub_listen = "127.0.0.1:8080";      // port 0: any free port
  std::string hub_db;                             // "" = sqlite:<data_dir>/hub.db
  Duration heartbeat = std::chrono::seconds(10);  // plant time between gateway heartbeats
  // How long to wait, after the run, for the hub to acknowledge every batch.
  std::chrono::milliseconds drain_timeout{30000};
};

// The hub while RunDemo's after_run callback runs.
struct HubSession {
  std::string url;          // "http://127.0.0.1:8080"
  std::string admin_token;  // the demo tenant's admin token (also in <data_dir>/admin.token)
  std::string tenant;
};

// What the hub holds at the end, read back through its API.
struct HubNodeSummary {
  std::string node;
  int64_t batches = 0;
  int64_t windows = 0;  // feature windows stored at the hub
  double inference_uptime = 0;
  std::string status;  // online / stale / never
};
struct HubAlertSummary {
  int64_t id = 0;
  std::string node, asset, severity, state, opened;
  double peak_score = 0;
};
struct HubSummary {
  std::string url;
  std::string admin_token_file;
  std::string db;
  std::vector<HubNodeSummary> nodes;
  std::vector<HubAlertSummary> alerts;
  int64_t undelivered_batches = 0;  // still in gateway outboxes after the drain timeout
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
  std::string hub_url;  // set from the first report on
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
  HubSummary hub;

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
// Runs after the plant stopped and the hub holds everything, before the hub stops.
using AfterRunCallback = std::function<void(const HubSession&, const DemoSummary&)>;

// Runs the demo. `cancel`, when set to true from another thread or a signal handler, ends the
// run early with a summary of what was done so far.
Result<DemoSummary> RunDemo(const PlantConfig& plant, const DemoOptions& options,
                            const ProgressCallback& progress,
                            const std::atomic<bool>* cancel = nullptr,
                            const AfterRunCallback& after_run = nullptr);

}  // namespace edgeloop::demo
