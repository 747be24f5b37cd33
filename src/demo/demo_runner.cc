#include "demo/demo_runner.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <map>
#include <memory>

#include "demo/demo_hub.h"
#include "demo/gateway_uplink.h"
#include "demo/plant_builder.h"
#include "edge/edge_agent.h"
#include "sim/machine_simulator.h"

namespace edgeloop::demo {
namespace fs = std::filesystem;

uint64_t DemoSummary::TotalSamples() const {
  uint64_t n = 0;
  for (const AssetOutcome& a : assets) n += a.stats.samples;
  return n;
}

uint64_t DemoSummary::TotalWindows() const {
  uint64_t n = 0;
  for (const AssetOutcome& a : assets) {
    n += a.stats.windows_learning + a.stats.windows_scored + a.stats.windows_rejected;
  }
  return n;
}

const AssetOutcome* DemoSummary::Faulty() const {
  for (const AssetOutcome& a : assets) {
    if (a.fault_onset) return &a;
  }
  return nullptr;
}

std::vector<const AssetOutcome*> DemoSummary::FalseAlarms() const {
  std::vector<const AssetOutcome*> out;
  for (const AssetOutcome& a : assets) {
    if (!a.fault_onset && a.stats.alerts_opened > 0) out.push_back(&a);
  }
  return out;
}

bool DemoSummary::DetectedCleanly() const {
  const AssetOutcome* f = Faulty();
  return f && f->stats.first_alert && *f->stats.first_alert >= *f->fault_onset &&
         FalseAlarms().empty();
}

namespace {

// Removes the files a previous demo run left for `gateway`, so every run starts clean.
Status PrepareStore(const fs::path& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    fs::remove(path.string() + suffix, ec);
    if (ec)
      return IoError("cannot remove old demo data '" + path.string() + suffix +
                     "': " + ec.message());
  }
  return Status::Ok();
}

struct Gateway {
  std::unique_ptr<GatewayUplink> uplink;  // declared first: the agent's workers feed it
  std::unique_ptr<edge::EdgeAgent> agent;
  std::vector<size_t> machines;  // indices into the machine list
};

}  // namespace

Result<DemoSummary> RunDemo(const PlantConfig& plant, const DemoOptions& options,
                            const ProgressCallback& progress, const std::atomic<bool>* cancel,
                            const AfterRunCallback& after_run) {
  if (options.duration <= Duration::zero()) return InvalidArgument("duration must be positive");
  if (!(options.speed >= 0)) return InvalidArgument("speed must be >= 0 (0 = as fast as possible)");
  EL_ASSIGN_OR_RETURN(std::vector<PlannedMachine> planned,
                      PlanMachines(plant, options.seed, options.start, options.duration));

  std::error_code ec;
  fs::create_directories(options.data_dir, ec);
  if (ec) return IoError("cannot create data folder '" + options.data_dir + "': " + ec.message());

  DemoSummary summary;
  summary.seed = options.seed;
  summary.start = options.start;
  summary.vibration_rate_hz = plant.pipeline.vibration_rate_hz;

  // The gateways' quality gates read the plant clock (declared first: it must outlive them).
  // Batches carry no receive time, so the gate compares sample times with this clock, which
  // advances only after a step was handed over: the gate's future-timestamp tolerance (5 s by
  // default) covers the step (100 ms), and clock skew is not checked without a receive time.
  SimulatedClock plant_clock(options.start);
  SystemClock wall_clock;
  std::vector<std::string> gateway_ids;
  for (const GatewayConfig& gw : plant.gateways) gateway_ids.push_back(gw.id);
  EL_ASSIGN_OR_RETURN(DemoHub hub, StartDemoHub(options, gateway_ids, wall_clock));
  std::vector<sim::MachineSimulator> machines;
  std::map<std::string, Gateway> gateways;
  for (const GatewayConfig& gw : plant.gateways) {
    const fs::path store_path = fs::path(options.data_dir) / (gw.id + ".db");
    const fs::path outbox_path = fs::path(options.data_dir) / (gw.id + "-outbox.db");
    EL_RETURN_IF_ERROR(PrepareStore(store_path));
    EL_RETURN_IF_ERROR(PrepareStore(outbox_path));
    Gateway& g = gateways[gw.id];
    const int hub_port = hub.hub->port();
    EL_ASSIGN_OR_RETURN(g.uplink, GatewayUplink::Create({.node_id = gw.id,
                                                         .outbox_path = outbox_path.string(),
                                                         .hub_host = "127.0.0.1",
                                                         .hub_port = hub_port,
                                                         .token = hub.node_tokens.at(gw.id)}));
    edge::EdgeAgentConfig config;
    config.node_id = gw.id;
    config.pipeline = plant.pipeline;
    config.store_path = store_path.string();
    config.clock = &plant_clock;
    GatewayUplink* uplink = g.uplink.get();
    config.on_output = [uplink](edge::AssetPipeline&, const edge::PipelineOutput& out) {
      uplink->OnOutput(out);
    };
    for (const AssetConfig& a : gw.assets) config.assets.push_back(a.asset);
    EL_ASSIGN_OR_RETURN(g.agent, edge::EdgeAgent::Create(config));
    summary.store_paths.push_back(store_path.string());
  }
  for (const PlannedMachine& m : planned) {
    gateways[m.gateway].machines.push_back(machines.size());
    machines.emplace_back(m.spec, m.seed, options.start);
    AssetOutcome o;
    o.gateway = m.gateway;
    o.asset = m.spec.asset.id;
    o.kind = m.spec.asset.kind;
    if (!m.spec.faults.empty()) {
      o.fault_onset = m.spec.faults.front().onset;
      o.fault_kind = std::string(sim::FaultKindName(m.spec.faults.front().kind));
    }
    o.has_sensor_glitches = !m.spec.glitches.empty();
    summary.assets.push_back(o);
  }

  // Collects the gateways' current view into `assets`, in plant order.
  const auto collect = [&](std::vector<AssetOutcome>& assets, uint64_t& waits, uint64_t* refused) {
    waits = 0;
    std::map<std::string, edge::AssetStats> stats;
    for (auto& [id, gw] : gateways) {
      edge::EdgeAgentSnapshot snap = gw.agent->Snapshot();
      waits += snap.queue_backpressure_waits;
      if (refused) *refused += snap.batches_refused;
      stats.merge(snap.assets);
    }
    for (AssetOutcome& a : assets) a.stats = stats[a.asset];
  };

  for (auto& [id, gw] : gateways) gw.agent->Start();
  const Timestamp wall_start = wall_clock.Now();
  const Timestamp end = options.start + options.duration;
  Timestamp next_progress = options.start;
  Timestamp next_heartbeat = options.start + options.heartbeat;
  const auto heartbeat = [&] {
    for (auto& [id, gw] : gateways) {
      gw.uplink->Heartbeat(gw.agent->Snapshot(), plant_clock.Now(),
                           ToSeconds(plant_clock.Now() - options.start));
    }
  };
  DemoProgress snapshot;
  snapshot.hub_url = hub.session.url;
  snapshot.total = options.duration;
  snapshot.assets = summary.assets;

  while (plant_clock.Now() < end) {
    if (cancel && cancel->load()) {
      summary.cancelled = true;
      break;
    }
    const Duration step = std::min(options.step, end - plant_clock.Now());
    for (auto& [id, gw] : gateways) {
      std::vector<SampleBatch> group;
      for (size_t i : gw.machines) machines[i].Step(step, group);
      if (!gw.agent->Submit(std::move(group))) return Internal("gateway " + id + " stopped early");
    }
    plant_clock.Advance(step);
    if (plant_clock.Now() >= next_heartbeat) {
      next_heartbeat = plant_clock.Now() + options.heartbeat;
      heartbeat();
    }
    for (auto& [id, gw] : gateways) gw.uplink->Tick();
    const Duration simulated = plant_clock.Now() - options.start;
    if (options.speed > 0) {
      // Pace the plant: simulated time runs `speed` times faster than the wall clock.
      wall_clock.SleepUntil(wall_start + FromSeconds(ToSeconds(simulated) / options.speed));
    }
    if (progress && plant_clock.Now() >= next_progress) {
      next_progress = plant_clock.Now() + std::chrono::seconds(1);
      snapshot.simulated = simulated;
      snapshot.wall = wall_clock.Now() - wall_start;
      collect(snapshot.assets, snapshot.backpressure_waits, nullptr);
      progress(snapshot);
    }
  }

  Status first_error;
  for (auto& [id, gw] : gateways) {
    Status s = gw.agent->Stop();
    if (!s.ok() && first_error.ok()) first_error = s.WithContext("gateway " + id);
  }
  if (!first_error.ok()) return first_error;
  heartbeat();  // the final state, as the daemon sends at an orderly stop
  for (auto& [id, gw] : gateways) {
    if (Status s = gw.uplink->Drain(options.drain_timeout); !s.ok()) {
      spdlog::warn("demo: {}", s.message());
    }
    summary.hub.undelivered_batches += gw.uplink->stats().pending;
  }
  summary.simulated = plant_clock.Now() - options.start;
  summary.wall = wall_clock.Now() - wall_start;
  collect(summary.assets, summary.backpressure_waits, &summary.batches_refused);
  if (progress) {
    snapshot.simulated = summary.simulated;
    snapshot.wall = summary.wall;
    snapshot.assets = summary.assets;
    progress(snapshot);
  }
  EL_ASSIGN_OR_RETURN(HubSummary at_hub, ReadHubSummary(hub));
  at_hub.undelivered_batches = summary.hub.undelivered_batches;
  summary.hub = std::move(at_hub);
  if (after_run) after_run(hub.session, summary);
  hub.hub->Stop();
  return summary;
}

}  // namespace edgeloop::demo
