// SimSource: the in-process machine simulator as a live data source of the edge daemon.
//
// It runs one sim::MachineSimulator per asset on its own thread and delivers 100 ms of samples
// per asset per step to the sink. Time: simulated samples are stamped on the gateway's clock.
// With speed <= 1 the stream is live (slowed down below 1). With speed > 1 the simulation starts
// `backlog` in the past and runs `speed` times faster than the clock until it has caught up with
// the present; from then on it stays live: a gateway never receives samples from the future, which
// its quality gate would rightly refuse. Start/Stop from the owner's thread; counters() and name()
// from any thread.
#pragma once

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/asset.h"
#include "common/clock.h"
#include "ingest/source.h"
#include "sim/fault_model.h"

namespace edgeloop::edge {

struct SimSourceOptions {
  std::string name = "sim";
  std::vector<Asset> assets;
  uint64_t seed = 1;
  double speed = 1;                                // simulated seconds per clock second, (0, 10000]
  Duration backlog = std::chrono::minutes(10);     // history played first when speed > 1
  Duration step = std::chrono::milliseconds(100);  // samples per delivery, per asset
  std::string fault_asset;                         // "" = every machine stays healthy
  sim::FaultKind fault = sim::FaultKind::kOuterRace;
  Duration fault_onset = std::chrono::seconds(60);  // after the simulation's start
  Duration fault_growth = std::chrono::seconds(120);
  double vibration_rate_hz = 25600;
};

class SimSource final : public ingest::Source {
 public:
  // InvalidArgument for no assets, a speed outside (0, 10000], a fault asset that is not simulated.
  static Result<std::unique_ptr<SimSource>> Create(SimSourceOptions options, Clock& clock);
  ~SimSource() override;

  Status Start(ingest::BatchSink sink) override;
  void Stop() override;
  std::string name() const override { return options_.name; }
  ingest::SourceCounters counters() const override;

 private:
  SimSource(SimSourceOptions options, Clock& clock) : options_(std::move(options)), clock_(clock) {}
  void Run(ingest::BatchSink sink);

  const SimSourceOptions options_;
  Clock& clock_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::atomic<uint64_t> messages_{0}, values_{0};
};

}  // namespace edgeloop::edge
