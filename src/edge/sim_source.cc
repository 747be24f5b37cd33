#include "edge/sim_source.h"

#include <fmt/format.h>

#include <algorithm>

#include "sim/machine_simulator.h"

namespace edgeloop::edge {

Result<std::unique_ptr<SimSource>> SimSource::Create(SimSourceOptions options, Clock& clock) {
  if (options.assets.empty())
    return InvalidArgument("sim source '" + options.name + "': no assets");
  if (!(options.speed > 0) || options.speed > 10000) {
    return InvalidArgument(fmt::format("sim source '{}': speed {} is outside (0, 10000]",
                                       options.name, options.speed));
  }
  if (options.step <= Duration::zero()) {
    return InvalidArgument("sim source '" + options.name + "': step must be positive");
  }
  if (!options.fault_asset.empty() &&
      std::none_of(options.assets.begin(), options.assets.end(),
                   [&](const Asset& a) { return a.id == options.fault_asset; })) {
    return InvalidArgument("sim source '" + options.name + "': fault asset '" +
                           options.fault_asset + "' is not one of its assets");
  }
  return std::unique_ptr<SimSource>(new SimSource(std::move(options), clock));
}

SimSource::~SimSource() { Stop(); }

Status SimSource::Start(ingest::BatchSink sink) {
  if (thread_.joinable())
    return FailedPrecondition("sim source '" + options_.name + "' started twice");
  stop_ = false;
  thread_ = std::thread([this, sink = std::move(sink)] { Run(sink); });
  return Status::Ok();
}

void SimSource::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

ingest::SourceCounters SimSource::counters() const {
  ingest::SourceCounters c;
  c.messages = messages_;
  c.values = values_;
  return c;
}

void SimSource::Run(ingest::BatchSink sink) {
  const Timestamp wall_start = clock_.Now();
  const Timestamp sim_start = options_.speed > 1 ? wall_start - options_.backlog : wall_start;
  std::vector<sim::MachineSimulator> machines;
  uint64_t seed = options_.seed;
  for (const Asset& asset : options_.assets) {
    sim::MachineSpec spec;
    spec.asset = asset;
    spec.vibration_rate_hz = options_.vibration_rate_hz;
    if (asset.id == options_.fault_asset) {
      sim::FaultSpec f;
      f.kind = options_.fault;
      f.onset = sim_start + options_.fault_onset;
      f.growth = options_.fault_growth;
      f.curve = sim::GrowthCurve::kPower;
      spec.faults.push_back(f);
    }
    machines.emplace_back(spec, seed++, sim_start);
  }
  while (!stop_) {
    const Timestamp sim_now = machines.front().Now();
    // Where the simulation may be by now: `speed` times the elapsed clock time, never ahead of
    // the clock itself.
    const Duration elapsed = clock_.Now() - wall_start;
    const Timestamp allowed = std::min(
        sim_start + std::chrono::duration_cast<Duration>(elapsed * options_.speed), clock_.Now());
    if (sim_now + options_.step > allowed) {
      // Sleep in slices so Stop() stays prompt.
      const Duration wait = std::min<Duration>(
          std::chrono::milliseconds(50), std::chrono::duration_cast<Duration>(
                                             (sim_now + options_.step - allowed) / options_.speed));
      clock_.SleepFor(std::max<Duration>(wait, std::chrono::milliseconds(1)));
      continue;
    }
    std::vector<SampleBatch> group;
    for (sim::MachineSimulator& m : machines) m.Step(options_.step, group);
    uint64_t values = 0;
    for (const SampleBatch& b : group) values += b.values.size();
    if (!sink(std::move(group))) break;
    ++messages_;
    values_ += values;
  }
}

}  // namespace edgeloop::edge
