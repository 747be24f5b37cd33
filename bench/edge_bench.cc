// Edge gateway under load: one EdgeAgent serving 100 channels (50 assets x 25.6 kHz vibration +
// 1 Hz temperature), every asset scored by a production AND a shadow PCA model, fed by 50
// sim::MachineSimulator in 100 ms steps (one Submit per step, as SimSource delivers them).
//
//  1. Memory: VmRSS / VmHWM of the whole process before the agent exists (the reference), right
//     after it was created, during the run (steady = median of the second half's samples) and at
//     its peak; goal: whole process <= 50 MB. The peak is reset (/proc/self/clear_refs) after the
//     models were trained, so it shows the serving phase, not the trainer's.
//  2. Latency: EdgeAgent::Snapshot().latency (Submit of the batch that closes a window -> end of
//     its processing), p50/p99, against the reference measured in the same run: the median time
//     to compute ONE window alone (tight loop of AssetPipeline::Process over one asset's batches,
//     features + both models), 5 repetitions. The ratio p50 / single window is the queueing
//     overhead factor; the share of windows decided later than one window length is the
//     inference "downtime".
//  3. CPU: windows decided per wall second against the real-time requirement (50/s), and per
//     CPU second of the agent's threads (process CPU minus the driver thread's simulation).
//
// Not a Google Benchmark: the load is a paced run of many threads, not a loop.
// Usage: edgeloop_edge_bench [sim_seconds=20] [speed=1 (0 = as fast as the agent takes it)]
//                            [workers=2]
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "edge/asset_pipeline.h"
#include "edge/edge_agent.h"
#include "edge/edge_model.h"
#include "edge/model_slot.h"
#include "sim/machine_simulator.h"
#include "train/dataset.h"
#include "train/pca.h"

namespace edgeloop::bench {
namespace {

using Steady = std::chrono::steady_clock;
constexpr int kAssets = 50;
constexpr auto kStep = std::chrono::milliseconds(100);
constexpr double kRequiredWindowsPerSecond = kAssets;  // one 1 s window per asset per second
constexpr double kGoalMb = 50;
const Timestamp kT0 = FromNanos(1767592800'000'000'000);
// The quality gate refuses samples from the future: its clock is past every simulated sample,
// which also lets the run go faster than real time.
const SimulatedClock kGateClock(kT0 + std::chrono::hours(24));

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct Rss {
  double rss_mb = 0, hwm_mb = 0;
};

// VmRSS and VmHWM of this process, from /proc/self/status (kB).
Rss ReadRss() {
  Rss r;
  std::ifstream in("/proc/self/status");
  std::string key;
  double kb = 0;
  while (in >> key) {
    if (key == "VmRSS:" && in >> kb) r.rss_mb = kb / 1024;
    if (key == "VmHWM:" && in >> kb) r.hwm_mb = kb / 1024;
  }
  return r;
}

double CpuSeconds(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// The 1-minute load average: on a shared box, wall times (not CPU times) depend on it.
std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  in >> one;
  return one + " on " + std::to_string(std::thread::hardware_concurrency()) + " cores";
}

sim::MachineSpec PumpSpec(std::string id) {
  sim::MachineSpec spec;
  spec.asset = {std::move(id), "pump", 1770, Bearing6205()};
  spec.vanes = 5;
  return spec;
}

// Features of `seconds` of a healthy pump in baseline mode, restricted to `features` (the model
// helper of edge/model_test_util.h, without GoogleTest).
Result<train::Dataset> HealthyFeatures(int seconds, uint64_t seed,
                                       const std::vector<std::string>& features) {
  edge::PipelineConfig config;
  config.detector.warmup_windows = 5;
  const sim::MachineSpec spec = PumpSpec("pump-train");
  EL_ASSIGN_OR_RETURN(auto pipeline, edge::AssetPipeline::Create(spec.asset, config, kGateClock));
  train::Dataset data;
  data.source = "sim-seed-" + std::to_string(seed);
  data.features = features;
  sim::MachineSimulator machine(spec, seed, kT0);
  edge::PipelineOutput out;
  std::vector<SampleBatch> batches;
  while (machine.Now() < kT0 + std::chrono::seconds(seconds)) {
    batches.clear();
    machine.Step(std::chrono::milliseconds(250), batches);
    for (const SampleBatch& b : batches) {
      EL_RETURN_IF_ERROR(pipeline->Process(b, out));
      for (const store::WindowRecord& w : out.windows) {
        std::vector<double> row;
        for (const std::string& name : features) {
          for (const auto& [n, v] : w.features) {
            if (n == name && std::isfinite(v)) row.push_back(v);
          }
        }
        if (row.size() == features.size()) data.x.insert(data.x.end(), row.begin(), row.end());
      }
      out.Clear();
    }
  }
  return data;
}

// A PCA model on the vibration features, trained on 200 s of healthy data of `seed` and
// calibrated for 1 % false alarms on 60 s of another seed, loaded for `pipeline_features`.
Result<std::shared_ptr<const edge::EdgeModel>> TrainModel(
    uint64_t seed, const std::vector<std::string>& pipeline_features) {
  std::vector<std::string> vibration(pipeline_features.begin(), pipeline_features.end() - 1);
  EL_ASSIGN_OR_RETURN(train::Dataset data, HealthyFeatures(200, seed, vibration));
  train::PcaOptions options;
  options.confidence = 0.999;
  EL_ASSIGN_OR_RETURN(train::TrainedPca trained, train::TrainPca(data, options));
  EL_ASSIGN_OR_RETURN(train::Dataset validation, HealthyFeatures(60, seed + 1000, vibration));
  EL_RETURN_IF_ERROR(train::CalibrateThreshold(validation, 0.01, &trained));
  EL_ASSIGN_OR_RETURN(std::string bytes, train::ExportPca(trained));
  return edge::EdgeModel::FromBytes({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()},
                                    "pca-seed-" + std::to_string(seed), "", pipeline_features);
}

struct WindowCost {
  double wall_s = 0, cpu_s = 0;  // medians per window
};

// Median seconds (wall and thread CPU) to compute one window alone: 20 s of one asset's 100 ms
// batches, generated beforehand, through a fresh pipeline per repetition.
Result<WindowCost> SingleWindowSeconds(const edge::PipelineConfig& config) {
  sim::MachineSimulator machine(PumpSpec("pump-ref"), 99, kT0);
  std::vector<SampleBatch> batches;
  while (machine.Now() < kT0 + std::chrono::seconds(20)) machine.Step(kStep, batches);
  std::vector<double> per_window, cpu_per_window;
  for (int rep = 0; rep < 5; ++rep) {
    EL_ASSIGN_OR_RETURN(
        auto pipeline, edge::AssetPipeline::Create(PumpSpec("pump-ref").asset, config, kGateClock));
    edge::PipelineOutput out;
    size_t windows = 0;
    const auto t0 = Steady::now();
    const double cpu0 = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
    for (const SampleBatch& b : batches) {
      EL_RETURN_IF_ERROR(pipeline->Process(b, out));
      windows += out.windows.size();
      out.Clear();
    }
    const double s = std::chrono::duration<double>(Steady::now() - t0).count();
    if (windows == 0 || pipeline->stats().windows_scored != windows) {
      return Internal("reference pipeline scored " +
                      std::to_string(pipeline->stats().windows_scored) + " of " +
                      std::to_string(windows) + " windows");
    }
    per_window.push_back(s / windows);
    cpu_per_window.push_back((CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - cpu0) / windows);
  }
  return WindowCost{Median(per_window), Median(cpu_per_window)};
}

int Run(int sim_seconds, double speed, int workers) {
  // Feature names of a model-less pipeline: the order the models are mapped onto.
  std::vector<std::string> features;
  {
    auto probe =
        edge::AssetPipeline::Create(PumpSpec("probe").asset, edge::PipelineConfig{}, kGateClock);
    if (!probe.ok()) return std::fprintf(stderr, "%s\n", probe.status().ToString().c_str()), 1;
    features = (*probe)->feature_names();
  }
  const auto train_t0 = Steady::now();
  auto production = TrainModel(21, features);
  auto shadow = TrainModel(22, features);
  if (!production.ok() || !shadow.ok()) {
    std::fprintf(stderr, "training failed: %s\n",
                 (production.ok() ? shadow.status() : production.status()).ToString().c_str());
    return 1;
  }
  edge::PipelineConfig config;
  config.models = std::make_shared<edge::ModelSlots>(*production, *shadow);
  std::printf(
      "Edge agent: %d assets x (25.6 kHz vibration + 1 Hz temperature) = %d channels, "
      "production %s + shadow %s, %d workers; models trained in %.1f s\n",
      kAssets, 2 * kAssets, (*production)->version().c_str(), (*shadow)->version().c_str(), workers,
      std::chrono::duration<double>(Steady::now() - train_t0).count());

  auto single = SingleWindowSeconds(config);
  if (!single.ok()) return std::fprintf(stderr, "%s\n", single.status().ToString().c_str()), 1;

  const std::string dir =
      (std::filesystem::temp_directory_path() / ("edge_bench_" + std::to_string(::getpid())))
          .string();
  std::filesystem::create_directories(dir);
  std::vector<sim::MachineSimulator> machines;
  edge::EdgeAgentConfig ac;
  ac.node_id = "bench-gw";
  ac.pipeline = config;
  ac.store_path = dir + "/edge.db";
  ac.workers = workers;
  ac.clock = &kGateClock;
  for (int i = 0; i < kAssets; ++i) {
    char id[16];
    std::snprintf(id, sizeof(id), "pump-%02d", i);
    ac.assets.push_back(PumpSpec(id).asset);
    machines.emplace_back(PumpSpec(id), 1000 + i, kT0);
  }

  // Reference: the process with trained models and simulators, before the agent exists.
  const Rss peak_training = ReadRss();
  std::ofstream("/proc/self/clear_refs") << "5";  // resets VmHWM to the current RSS
  const Rss before = ReadRss();
  auto agent = edge::EdgeAgent::Create(ac);
  if (!agent.ok()) return std::fprintf(stderr, "%s\n", agent.status().ToString().c_str()), 1;
  const Rss created = ReadRss();
  (*agent)->Start();

  const double cpu0 = CpuSeconds(CLOCK_PROCESS_CPUTIME_ID);
  const double driver_cpu0 = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
  const auto wall0 = Steady::now();
  std::vector<double> rss_samples;  // one per simulated second
  const int steps = sim_seconds * 10;
  for (int k = 0; k < steps; ++k) {
    if (speed > 0) {
      std::this_thread::sleep_until(
          wall0 + std::chrono::duration_cast<Steady::duration>(k * kStep / speed));
    }
    std::vector<SampleBatch> group;
    for (sim::MachineSimulator& m : machines) m.Step(kStep, group);
    if (!(*agent)->Submit(std::move(group))) break;
    if (k % 10 == 9) rss_samples.push_back(ReadRss().rss_mb);
  }
  const double driver_cpu = CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - driver_cpu0;
  const double feed_wall = std::chrono::duration<double>(Steady::now() - wall0).count();
  const Status stopped = (*agent)->Stop();
  const double wall = std::chrono::duration<double>(Steady::now() - wall0).count();
  const double agent_cpu = CpuSeconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0 - driver_cpu;
  const Rss after = ReadRss();
  const edge::EdgeAgentSnapshot snap = (*agent)->Snapshot();
  // Every simulator starts at kT0, so all 50 windows close in the same step: a worker then
  // computes its whole shard's windows back to back: the last one waits for all of them.
  std::vector<int> shard_sizes(workers, 0);
  for (const Asset& a : ac.assets) ++shard_sizes[(*agent)->ShardOf(a.id)];
  const int largest_shard = *std::max_element(shard_sizes.begin(), shard_sizes.end());
  agent->reset();
  std::filesystem::remove_all(dir);
  if (!stopped.ok()) return std::fprintf(stderr, "agent: %s\n", stopped.ToString().c_str()), 1;

  uint64_t scored = 0, rejected = 0, shadow_scored = 0;
  for (const auto& [id, a] : snap.assets) {
    scored += a.windows_scored;
    rejected += a.windows_rejected;
    shadow_scored += a.last_shadow_score.has_value();
  }
  const std::vector<double> second_half(rss_samples.begin() + rss_samples.size() / 2,
                                        rss_samples.end());
  const double steady = Median(second_half);
  // VmHWM is synced from per-thread counters lazily, so it can trail the latest VmRSS sample.
  double peak = std::max(after.hwm_mb, after.rss_mb);
  for (double r : rss_samples) peak = std::max(peak, r);
  std::printf(
      "Run: %d simulated s in %.1f s wall (feeding %.1f s; %s), %llu batches, "
      "%llu windows (scored %llu, rejected %llu, assets with shadow scores %llu/%d), "
      "%llu backpressure waits\n",
      sim_seconds, wall, feed_wall,
      speed > 0 ? (speed == 1 ? "real-time pace" : "paced faster than real time")
                : "as fast as the agent takes it",
      static_cast<unsigned long long>(snap.batches_processed),
      static_cast<unsigned long long>(snap.windows_decided),
      static_cast<unsigned long long>(scored), static_cast<unsigned long long>(rejected),
      static_cast<unsigned long long>(shadow_scored), kAssets,
      static_cast<unsigned long long>(snap.queue_backpressure_waits));

  std::printf(
      "MEMORY: RSS before agent %.1f MB (reference; peak while training %.1f MB), "
      "after Create %.1f MB (+%.1f)\n",
      before.rss_mb, std::max(peak_training.hwm_mb, peak_training.rss_mb), created.rss_mb,
      created.rss_mb - before.rss_mb);
  std::printf(
      "MEMORY: steady RSS %.1f MB (+%.1f), peak %.1f MB (+%.1f), after Stop %.1f MB; "
      "whole process peak <= %.0f MB: %s\n",
      steady, steady - before.rss_mb, peak, peak - before.rss_mb, after.rss_mb, kGoalMb,
      peak <= kGoalMb ? "met" : "MISSED");

  const double single_ms = single->wall_s * 1e3, single_cpu_ms = single->cpu_s * 1e3;
  const double late_share =
      snap.windows_decided ? static_cast<double>(snap.latency.late) / snap.windows_decided : 0;
  std::printf(
      "LATENCY: one window alone %.3f ms wall, %.3f ms CPU (reference, median of 5); under load "
      "p50 %.2f ms, p99 %.2f ms, max %.2f ms over %llu decisions\n",
      single_ms, single_cpu_ms, snap.latency.p50_ms, snap.latency.p99_ms, snap.latency.max_ms,
      static_cast<unsigned long long>(snap.latency.count));
  std::printf(
      "LATENCY: RATIO p50 / one window %.2f, p99 / one window %.2f (queueing overhead); "
      "windows decided late (> 1 window) %llu of %llu = %.3f %% (inference uptime %.3f %%)"
      "\n",
      snap.latency.p50_ms / single_ms, snap.latency.p99_ms / single_ms,
      static_cast<unsigned long long>(snap.latency.late),
      static_cast<unsigned long long>(snap.windows_decided), 100 * late_share,
      100 * (1 - late_share));
  std::printf(
      "LATENCY: windows close together: the largest shard (%d assets) computes its "
      "windows in ~%.1f ms = %d x one window: p50 waits for about half of them, p99 for all\n",
      largest_shard, largest_shard * single_ms, largest_shard);

  const double per_wall = snap.windows_decided / wall;
  const double per_cpu = agent_cpu > 0 ? snap.windows_decided / agent_cpu : 0;
  std::printf(
      "CPU: %.1f windows/s decided vs %.0f/s required: RATIO %.2f; agent threads used "
      "%.2f cores (%.1f windows per CPU-s: RATIO %.2f of real time on one core); "
      "simulation (driver) %.2f cores; agent CPU per window / one window alone: RATIO %.2f; "
      "load average %s\n",
      per_wall, kRequiredWindowsPerSecond, per_wall / kRequiredWindowsPerSecond, agent_cpu / wall,
      per_cpu, per_cpu / kRequiredWindowsPerSecond, driver_cpu / wall,
      per_cpu > 0 ? 1e3 / per_cpu / single_cpu_ms : 0, LoadAverage().c_str());
  return 0;
}

}  // namespace
}  // namespace edgeloop::bench

int main(int argc, char** argv) {
  const int sim_seconds = argc > 1 ? std::atoi(argv[1]) : 20;
  const double speed = argc > 2 ? std::atof(argv[2]) : 1;
  const int workers = argc > 3 ? std::atoi(argv[3]) : 2;
  if (sim_seconds < 2 || sim_seconds > 3600 || speed < 0 || workers < 1 || workers > 64) {
    std::fprintf(stderr, "usage: %s [sim_seconds 2..3600] [speed >= 0, 0 = unpaced] [workers]\n",
                 argv[0]);
    return 2;
  }
  return edgeloop::bench::Run(sim_seconds, speed, workers);
}
