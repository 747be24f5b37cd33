// Sensor-fault injection: turns clean SampleBatches into faulty ones, with the ground truth.
//
// Machine faults (bearing defects, imbalance) live in the simulator; these are faults of the
// measurement chain that the quality gate must catch: dropouts, stuck values, spikes, NaN,
// out-of-range values, calibration drift, clock skew, out-of-order and duplicate delivery.
// Each Inject* function takes the clean batches of ONE channel in time order (as produced by
// MachineSimulator::Step), places `episodes` faults at random (one per equal slice of the
// stream, so they never overlap) and returns the faulty batches plus, per episode, its true time
// span, the output batches where it shows and the faulty samples. Deterministic for a seed.
// Free functions on values; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/sample.h"

namespace edgeloop::sim {

enum class SensorFaultType {
  kDropout,     // samples or whole batches missing: the timeline jumps
  kStuck,       // the sensor repeats one value
  kSpikes,      // isolated excursions of 1 to a few samples
  kNan,         // NaN bursts
  kOutOfRange,  // values beyond what the sensor can produce (saturation, decoder garbage)
  kDrift,       // calibration drift: gain and/or offset ramp, hold, then recalibrated
  kClockSkew,   // the source's clock is off: batch times shifted against the receive time
  kOutOfOrder,  // two neighbouring batches delivered in swapped order
  kDuplicate,   // a batch delivered twice
};
std::string_view SensorFaultName(SensorFaultType type);

// Samples [first, first + count) of output batch `batch`.
struct FaultyRun {
  size_t batch = 0;
  size_t first = 0;
  size_t count = 0;
};

// One injected fault.
struct FaultEpisode {
  Timestamp start;  // true time span (dropout: the missing span; skew: the shifted batches')
  Timestamp end;
  size_t first_batch = 0;  // output batches where it shows, inclusive; dropout: the batch after
  size_t last_batch = 0;   // the hole (where a gate can first see it)
  std::vector<FaultyRun> samples;  // the faulty samples (none for a dropout)
};

struct InjectedFaults {
  SensorFaultType type = SensorFaultType::kNan;
  std::vector<SampleBatch> batches;
  std::vector<FaultEpisode> episodes;

  uint64_t FaultySamples() const;
};

// Sizes of sample-level faults, in samples.
struct BurstParams {
  size_t episodes = 10;
  size_t min_samples = 1;
  size_t max_samples = 1;
};
struct SpikeParams {
  size_t episodes = 10;
  size_t max_width = 1;      // each spike covers 1..max_width samples
  double min_amplitude = 1;  // added to the true value with a random sign
  double max_amplitude = 2;
};
struct OutOfRangeParams {
  size_t episodes = 10;
  size_t min_samples = 1;
  size_t max_samples = 3;
  double min_value = 100;  // magnitude; the sign is random
  double max_value = 200;
};
struct DropoutParams {
  size_t episodes = 10;
  Duration min_duration{std::chrono::milliseconds(10)};
  Duration max_duration{std::chrono::seconds(1)};
};
// value' = value x (1 + gain x f(t)) + offset x f(t), f ramping 0 -> 1 over `ramp`, 1 during
// `hold`, then 0 (recalibrated). The signs of gain and offset are drawn per episode.
struct DriftParams {
  size_t episodes = 3;
  Duration skip{std::chrono::seconds(60)};  // left clean at the start (the gate's baseline)
  Duration ramp{std::chrono::seconds(60)};
  Duration hold{std::chrono::seconds(30)};
  double gain = 0;    // peak relative gain change, e.g. 0.3
  double offset = 0;  // peak offset, in the channel's unit
};
struct SkewParams {
  size_t episodes = 5;
  Duration min_duration{std::chrono::seconds(10)};
  Duration max_duration{std::chrono::seconds(30)};
  Duration min_offset{std::chrono::seconds(5)};   // magnitude; the sign is random unless
  Duration max_offset{std::chrono::seconds(30)};  // ahead_only
  bool ahead_only = false;
};
struct DeliveryParams {
  size_t episodes = 10;
};

InjectedFaults InjectNan(std::span<const SampleBatch> clean, const BurstParams& p, uint64_t seed);
InjectedFaults InjectStuck(std::span<const SampleBatch> clean, const BurstParams& p, uint64_t seed);
InjectedFaults InjectSpikes(std::span<const SampleBatch> clean, const SpikeParams& p,
                            uint64_t seed);
InjectedFaults InjectOutOfRange(std::span<const SampleBatch> clean, const OutOfRangeParams& p,
                                uint64_t seed);
InjectedFaults InjectDropouts(std::span<const SampleBatch> clean, const DropoutParams& p,
                              uint64_t seed);
InjectedFaults InjectDrift(std::span<const SampleBatch> clean, const DriftParams& p, uint64_t seed);
// Shifts the times (start and timestamps) of the batches in each episode; `received` is left
// as it was, so set receive times first (SetReceiveTimes) for a gate to see the skew that way.
InjectedFaults InjectClockSkew(std::span<const SampleBatch> clean, const SkewParams& p,
                               uint64_t seed);
InjectedFaults InjectOutOfOrder(std::span<const SampleBatch> clean, const DeliveryParams& p,
                                uint64_t seed);
InjectedFaults InjectDuplicates(std::span<const SampleBatch> clean, const DeliveryParams& p,
                                uint64_t seed);

// Clean-data helpers, to make simulated batches look like a real source's.
// received = batch.End() + a latency drawn from [min_latency, max_latency].
void SetReceiveTimes(std::vector<SampleBatch>& batches, Duration min_latency, Duration max_latency,
                     uint64_t seed);
// Gives every sample its own time, nominal +/- `jitter` (uniform), as a polled sensor has.
void AddPollTimestamps(std::vector<SampleBatch>& batches, Duration jitter, uint64_t seed);
// A redundant twin of a channel: same signal, renamed, plus `offset` and independent noise.
std::vector<SampleBatch> MakeRedundantChannel(std::span<const SampleBatch> batches,
                                              const std::string& channel, double offset,
                                              double noise_std, uint64_t seed);

}  // namespace edgeloop::sim
