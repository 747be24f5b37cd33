// Recall and false-flag rate of the quality gate on simulated data with injected sensor faults.
//
// Clean data: 3 machines' vibration (25.6 kHz, 40 s each, 250 ms batches, implicit times) and
// 4 machines' bearing temperature (1 Hz, 2 h each, one reading per batch with its own poll time,
// +/-50 ms jitter) plus a redundant twin sensor per machine; every batch has a receive time
// (20-300 ms after its end). Temperature-only machines run their accelerometer at 100 Hz, which
// keeps the test fast and does not change the temperature signal. The gate runs with its
// defaults, except: single-sensor drift is turned on for both kinds (off by default), with
// baselines that fit the short streams, and the temperature twins are a redundant pair.
//
// False flags: every flag on the clean data is false. Sample rules: flagged samples / samples;
// gap and rate_deviation (events only): events / batches.
// Recall, per rule:
//  - sample-level faults (nan, out_of_range, spikes, stuck, duplicate, out-of-order, future
//    times): faulty samples flagged with the expected rule / faulty samples. For stuck, the first
//    min_run - 1 samples of a flatline are left out: by the rule's definition nothing tells them
//    from a steady reading (the detection latency).
//  - event-level faults (dropout -> gap, clock skew -> clock_skew, drift -> calibration_drift):
//    injected episodes with an event of the expected rule emitted while the gate checked the
//    episode's batches (gap: the first batch after the hole; skew: the shifted batches; drift:
//    the ramp and hold, i.e. before the sensor is recalibrated) / episodes.
// Thresholds: recall >= 0.95 per rule, false-flag rate < 0.5 % per rule. Seeded, deterministic.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <span>
#include <tuple>

#include "quality/quality_gate.h"
#include "sim/machine_simulator.h"
#include "sim/sensor_faults.h"

namespace edgeloop::quality {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;
const Timestamp kT0 = FromNanos(1767592800'000'000'000);
constexpr char kTwin[] = "temp_bearing_b";

// One channel's batches in delivery order, with the (true) time each is delivered.
struct Feed {
  std::span<const SampleBatch> batches;  // not owned
  std::vector<Timestamp> at;
};
Feed MakeFeed(std::span<const SampleBatch> batches) {
  Feed f{batches, {}};
  for (const SampleBatch& b : batches) f.at.push_back(b.received.value());
  return f;
}

struct FeedResult {
  std::vector<uint8_t> flags;  // per sample of all batches; batch b starts at offset[b]
  std::vector<size_t> offset;
  std::vector<std::pair<size_t, QualityEvent>> events;  // with the feed's batch index

  uint8_t Flag(size_t batch, size_t i) const { return flags[offset[batch] + i]; }
};

// Delivers the feeds' batches to one gate in time order, the gate's clock following.
std::vector<FeedResult> Deliver(const QualityConfig& config, const std::vector<Feed>& feeds) {
  SimulatedClock clock(kT0 - hours(1));
  QualityGate gate(config, clock);
  std::vector<FeedResult> out(feeds.size());
  std::vector<size_t> pos(feeds.size(), 0);
  std::map<std::string, size_t> feed_of;
  for (size_t f = 0; f < feeds.size(); ++f) {
    size_t total = 0;
    for (const SampleBatch& b : feeds[f].batches) {
      out[f].offset.push_back(total);
      total += b.values.size();
    }
    out[f].flags.assign(total, internal::kUnflagged);
    if (!feeds[f].batches.empty()) {
      feed_of[feeds[f].batches[0].asset + "/" + feeds[f].batches[0].channel] = f;
    }
  }
  while (true) {
    size_t f = feeds.size();
    for (size_t g = 0; g < feeds.size(); ++g) {
      if (pos[g] < feeds[g].batches.size() &&
          (f == feeds.size() || feeds[g].at[pos[g]] < feeds[f].at[pos[f]])) {
        f = g;
      }
    }
    if (f == feeds.size()) break;
    const SampleBatch& b = feeds[f].batches[pos[f]];
    if (clock.Now() < feeds[f].at[pos[f]]) clock.AdvanceTo(feeds[f].at[pos[f]]);
    uint8_t* flags = out[f].flags.data() + out[f].offset[pos[f]];
    for (const QuarantineRun& r : gate.Check(b)) {
      std::fill_n(flags + r.first, r.count, static_cast<uint8_t>(r.rule));
    }
    ++pos[f];
    for (QualityEvent& e : gate.TakeEvents()) {
      const size_t g = feed_of.at(e.asset + "/" + e.channel);
      out[g].events.emplace_back(pos[g] == 0 ? 0 : pos[g] - 1, std::move(e));
    }
  }
  return out;
}

// --- clean data -------------------------------------------------------------------------------

sim::MachineSpec Spec(const std::string& id, double rpm, int vanes, double imbalance,
                      double noise) {
  sim::MachineSpec s;
  s.asset = {id, "pump", rpm, Bearing6205()};
  s.vanes = vanes;
  s.imbalance_g = imbalance;
  s.noise_g = noise;
  return s;
}

std::vector<SampleBatch> CleanVibration(const sim::MachineSpec& spec, uint64_t seed) {
  sim::MachineSimulator m(spec, seed, kT0);
  std::vector<SampleBatch> all, vib;
  while (m.Now() < kT0 + seconds(40)) m.Step(milliseconds(250), all);
  for (SampleBatch& b : all) {
    if (b.kind == ChannelKind::kVibration) vib.push_back(std::move(b));
  }
  sim::SetReceiveTimes(vib, milliseconds(20), milliseconds(300), seed + 100);
  return vib;
}

std::vector<SampleBatch> CleanTemperature(sim::MachineSpec spec, uint64_t seed) {
  spec.vibration_rate_hz = 100;  // not used here; keeps the simulation cheap
  spec.resonance_hz = 30;
  sim::MachineSimulator m(spec, seed, kT0);
  std::vector<SampleBatch> all, temp;
  while (m.Now() < kT0 + hours(2)) m.Step(seconds(60), all);
  for (const SampleBatch& b : all) {
    if (b.kind != ChannelKind::kTemperature) continue;
    for (size_t i = 0; i < b.values.size(); ++i) {  // one reading per batch, as polled
      SampleBatch one = b;
      one.start = b.TimeOf(i);
      one.values = {b.values[i]};
      temp.push_back(std::move(one));
    }
  }
  sim::AddPollTimestamps(temp, milliseconds(50), seed + 200);
  sim::SetReceiveTimes(temp, milliseconds(20), milliseconds(300), seed + 300);
  return temp;
}

double Rms(const std::vector<SampleBatch>& batches) {
  double sum = 0;
  uint64_t n = 0;
  for (const SampleBatch& b : batches) {
    for (float v : b.values) sum += static_cast<double>(v) * v;
    n += b.values.size();
  }
  return std::sqrt(sum / static_cast<double>(n));
}

QualityConfig TestConfig() {
  QualityConfig c;
  c.vibration.drift = {true, 10, true, 0.06, 0.6, 10};
  c.temperature.drift = {true, 300, false, 2.0, 30, 30};
  c.redundant_pairs = {{sim::kTemperatureChannel, kTwin}};
  return c;
}

// --- bookkeeping ------------------------------------------------------------------------------

struct Row {
  uint64_t injected = 0;
  uint64_t detected = 0;
};
struct Table {
  // (rule, fault, kind) -> counts
  std::map<std::tuple<Rule, std::string, std::string>, Row> rows;
  std::array<uint64_t, kRuleCount> clean_flags{};
  uint64_t clean_samples = 0;
  uint64_t clean_batches = 0;
};

// Counts sample-level recall of `faults` (delivered as feed 0 of `result`).
void CountSamples(const sim::InjectedFaults& faults, const FeedResult& result, Rule rule,
                  size_t skip_per_episode, Row& row) {
  for (const sim::FaultEpisode& e : faults.episodes) {
    size_t seen = 0;
    for (const sim::FaultyRun& r : e.samples) {
      for (size_t i = r.first; i < r.first + r.count; ++i) {
        if (seen++ < skip_per_episode) continue;
        ++row.injected;
        row.detected += result.Flag(r.batch, i) == static_cast<uint8_t>(rule);
      }
    }
  }
}

// Counts event-level recall: an event of `rule` (an episode's beginning) while the gate checked
// the episode's batches; `detail` must occur in the event's text when given.
void CountEpisodes(const sim::InjectedFaults& faults, const FeedResult& result, Rule rule,
                   const std::string& detail, Row& row) {
  for (const sim::FaultEpisode& e : faults.episodes) {
    ++row.injected;
    for (const auto& [batch, ev] : result.events) {
      const bool beginning = ev.rule == Rule::kGap || ev.ongoing;
      if (ev.rule == rule && beginning && batch >= e.first_batch && batch <= e.last_batch &&
          (detail.empty() || ev.detail.find(detail) != std::string::npos)) {
        ++row.detected;
        break;
      }
    }
  }
}

void CountClean(const std::vector<Feed>& feeds, const std::vector<FeedResult>& results, Table& t) {
  for (size_t f = 0; f < feeds.size(); ++f) {
    t.clean_batches += feeds[f].batches.size();
    t.clean_samples += results[f].flags.size();
    for (uint8_t r : results[f].flags) {
      if (r != internal::kUnflagged) ++t.clean_flags[r];
    }
    for (const auto& [batch, ev] : results[f].events) {
      if (ev.rule == Rule::kGap || ev.rule == Rule::kRateDeviation) {
        ++t.clean_flags[static_cast<size_t>(ev.rule)];
      }
    }
  }
}

// --- the experiment ---------------------------------------------------------------------------

class SensorFaultRecallTest : public ::testing::Test {
 protected:
  // Runs `faulty` (the injected channel) together with `others` (clean channels of the asset).
  FeedResult RunFaulty(const sim::InjectedFaults& faulty, std::vector<Feed> others,
                       const std::vector<Timestamp>* at = nullptr) {
    Feed f = at ? Feed{faulty.batches, *at} : MakeFeed(faulty.batches);
    others.insert(others.begin(), std::move(f));
    return Deliver(config_, others)[0];
  }

  void Vibration(const std::vector<SampleBatch>& clean, uint64_t seed) {
    const std::string kind = "vibration";
    const std::vector<SampleBatch> section(clean.begin(), clean.begin() + 40);  // 10 s
    const double rms = Rms(section);
    auto row = [&](Rule r, const char* fault) -> Row& { return table_.rows[{r, fault, kind}]; };

    auto nan = sim::InjectNan(section, {20, 1, 100}, seed + 1);
    CountSamples(nan, RunFaulty(nan, {}), Rule::kNotFinite, 0, row(Rule::kNotFinite, "nan"));
    auto oor = sim::InjectOutOfRange(section, {20, 1, 5, 60, 200}, seed + 2);
    CountSamples(oor, RunFaulty(oor, {}), Rule::kOutOfRange, 0,
                 row(Rule::kOutOfRange, "out-of-range"));
    auto stuck = sim::InjectStuck(section, {10, 500, 3000}, seed + 3);
    CountSamples(stuck, RunFaulty(stuck, {}), Rule::kStuck, config_.vibration.stuck.min_run - 1,
                 row(Rule::kStuck, "stuck"));
    auto spikes = sim::InjectSpikes(section, {100, 3, 15 * rms, 40 * rms}, seed + 4);
    CountSamples(spikes, RunFaulty(spikes, {}), Rule::kSpike, 0, row(Rule::kSpike, "spikes"));
    auto dup = sim::InjectDuplicates(section, {5}, seed + 5);
    CountSamples(dup, RunFaulty(dup, {}), Rule::kDuplicateTimestamp, 0,
                 row(Rule::kDuplicateTimestamp, "duplicate"));
    auto ooo = sim::InjectOutOfOrder(section, {5}, seed + 6);
    CountSamples(ooo, RunFaulty(ooo, {}), Rule::kOutOfOrder, 0,
                 row(Rule::kOutOfOrder, "out-of-order"));
    auto skew = sim::InjectClockSkew(
        section, {2, milliseconds(1500), milliseconds(3500), seconds(5), seconds(30), false},
        seed + 7);
    CountEpisodes(skew, RunFaulty(skew, {}), Rule::kClockSkew, "", row(Rule::kClockSkew, "skew"));
    Future(section, {2, milliseconds(1500), milliseconds(3500), seconds(10), seconds(60), true},
           seed + 8, row(Rule::kFutureTimestamp, "skew, no receive time"));
    auto drop = sim::InjectDropouts(section, {10, microseconds(200), milliseconds(500)}, seed + 9);
    CountEpisodes(drop, RunFaulty(drop, {}), Rule::kGap, "", row(Rule::kGap, "dropout"));

    sim::DriftParams drift{1, seconds(10), seconds(15), seconds(5), 0.3, 0};
    auto gain = sim::InjectDrift(clean, drift, seed + 10);
    CountEpisodes(gain, RunFaulty(gain, {}), Rule::kCalibrationDrift, "",
                  row(Rule::kCalibrationDrift, "drift: gain"));
    drift.gain = 0;
    drift.offset = 0.3;
    auto offset = sim::InjectDrift(clean, drift, seed + 11);
    CountEpisodes(offset, RunFaulty(offset, {}), Rule::kCalibrationDrift, "",
                  row(Rule::kCalibrationDrift, "drift: offset"));
  }

  void Temperature(const std::vector<SampleBatch>& clean, const std::vector<SampleBatch>& twin,
                   uint64_t seed) {
    const std::string kind = "temperature";
    auto row = [&](Rule r, const char* fault) -> Row& { return table_.rows[{r, fault, kind}]; };
    const Feed twin_feed = MakeFeed(twin);
    const auto with_twin = [&] { return std::vector<Feed>{twin_feed}; };

    auto nan = sim::InjectNan(clean, {20, 1, 5}, seed + 1);
    CountSamples(nan, RunFaulty(nan, with_twin()), Rule::kNotFinite, 0,
                 row(Rule::kNotFinite, "nan"));
    auto oor = sim::InjectOutOfRange(clean, {20, 1, 3, 200, 1000}, seed + 2);
    CountSamples(oor, RunFaulty(oor, with_twin()), Rule::kOutOfRange, 0,
                 row(Rule::kOutOfRange, "out-of-range"));
    auto stuck = sim::InjectStuck(clean, {10, 120, 300}, seed + 3);
    CountSamples(stuck, RunFaulty(stuck, with_twin()), Rule::kStuck,
                 config_.temperature.stuck.min_run - 1, row(Rule::kStuck, "stuck"));
    auto spikes = sim::InjectSpikes(clean, {50, 2, 3, 10}, seed + 4);
    CountSamples(spikes, RunFaulty(spikes, with_twin()), Rule::kSpike, 0,
                 row(Rule::kSpike, "spikes"));
    auto dup = sim::InjectDuplicates(clean, {20}, seed + 5);
    CountSamples(dup, RunFaulty(dup, with_twin()), Rule::kDuplicateTimestamp, 0,
                 row(Rule::kDuplicateTimestamp, "duplicate"));
    auto ooo = sim::InjectOutOfOrder(clean, {20}, seed + 6);
    CountSamples(ooo, RunFaulty(ooo, with_twin()), Rule::kOutOfOrder, 0,
                 row(Rule::kOutOfOrder, "out-of-order"));
    auto skew = sim::InjectClockSkew(
        clean, {10, seconds(60), seconds(180), seconds(5), seconds(60), false}, seed + 7);
    CountEpisodes(skew, RunFaulty(skew, with_twin()), Rule::kClockSkew, "",
                  row(Rule::kClockSkew, "skew"));
    Future(clean, {10, seconds(60), seconds(180), seconds(10), seconds(60), true}, seed + 8,
           row(Rule::kFutureTimestamp, "skew, no receive time"), with_twin());
    auto drop = sim::InjectDropouts(clean, {20, seconds(2), seconds(30)}, seed + 9);
    CountEpisodes(drop, RunFaulty(drop, with_twin()), Rule::kGap, "", row(Rule::kGap, "dropout"));

    sim::DriftParams drift{12, seconds(300), seconds(120), seconds(60), 0.12, 0};
    auto gain = sim::InjectDrift(clean, drift, seed + 10);
    CountEpisodes(gain, RunFaulty(gain, with_twin()), Rule::kCalibrationDrift, "",
                  row(Rule::kCalibrationDrift, "drift: gain"));
    drift.gain = 0;
    drift.offset = 4;
    auto offset = sim::InjectDrift(clean, drift, seed + 11);
    CountEpisodes(offset, RunFaulty(offset, with_twin()), Rule::kCalibrationDrift, "",
                  row(Rule::kCalibrationDrift, "drift: offset"));
    // The twin drifts by 3 degC: caught by comparing the pair.
    drift.offset = 3;
    auto pair = sim::InjectDrift(twin, drift, seed + 12);
    CountEpisodes(pair, RunFaulty(pair, {MakeFeed(clean)}), Rule::kCalibrationDrift,
                  std::string(sim::kTemperatureChannel) + " - " + kTwin,
                  row(Rule::kCalibrationDrift, "drift: redundant pair"));
  }

  // Clock ahead and no receive time: the gate compares with its clock (the true time).
  void Future(const std::vector<SampleBatch>& clean, const sim::SkewParams& p, uint64_t seed,
              Row& row, std::vector<Feed> others = {}) {
    auto ahead = sim::InjectClockSkew(clean, p, seed);
    std::vector<Timestamp> at;
    for (SampleBatch& b : ahead.batches) {
      at.push_back(b.received.value());
      b.received.reset();
    }
    CountSamples(ahead, RunFaulty(ahead, std::move(others), &at), Rule::kFutureTimestamp, 0, row);
  }

  const QualityConfig config_ = TestConfig();
  Table table_;
};

TEST_F(SensorFaultRecallTest, EveryFaultTypeIsCaughtAndCleanDataPasses) {
  const std::vector<sim::MachineSpec> vib_machines = {Spec("pump-1", 1770, 5, 0.15, 0.05),
                                                      Spec("motor-2", 2970, 0, 0.10, 0.04),
                                                      Spec("fan-3", 990, 6, 0.25, 0.06)};
  const std::vector<sim::MachineSpec> temp_machines = {
      Spec("pump-4", 1770, 5, 0.15, 0.05), Spec("motor-5", 2970, 0, 0.1, 0.05),
      Spec("fan-6", 990, 6, 0.2, 0.05), Spec("compressor-7", 1480, 0, 0.2, 0.05)};
  uint64_t seed = 1000;
  for (const sim::MachineSpec& spec : vib_machines) {
    const std::vector<SampleBatch> clean = CleanVibration(spec, seed);
    const std::vector<Feed> feeds = {MakeFeed(clean)};
    CountClean(feeds, Deliver(config_, feeds), table_);
    Vibration(clean, seed);
    seed += 1000;
  }
  for (const sim::MachineSpec& spec : temp_machines) {
    const std::vector<SampleBatch> clean = CleanTemperature(spec, seed);
    const std::vector<SampleBatch> twin = sim::MakeRedundantChannel(clean, kTwin, 0.3, 0.05, seed);
    const std::vector<Feed> feeds = {MakeFeed(clean), MakeFeed(twin)};
    CountClean(feeds, Deliver(config_, feeds), table_);
    Temperature(clean, twin, seed);
    seed += 1000;
  }

  // Per rule: the rows, then the rule's recall over all of them and its false-flag rate.
  std::printf("\n%-20s %-24s %-12s %9s %9s %7s | %12s %15s\n", "rule", "injected fault", "kind",
              "injected", "detected", "recall", "clean flags", "false-flag rate");
  std::printf("%s\n", std::string(116, '-').c_str());
  for (size_t r = 0; r < kRuleCount; ++r) {
    const auto rule = static_cast<Rule>(r);
    Row total;
    for (const auto& [key, row] : table_.rows) {
      if (std::get<0>(key) != rule) continue;
      std::printf("%-20s %-24s %-12s %9llu %9llu %7.3f |\n", std::string(RuleName(rule)).c_str(),
                  std::get<1>(key).c_str(), std::get<2>(key).c_str(),
                  static_cast<unsigned long long>(row.injected),
                  static_cast<unsigned long long>(row.detected),
                  static_cast<double>(row.detected) / static_cast<double>(row.injected));
      total.injected += row.injected;
      total.detected += row.detected;
    }
    const bool events_only = rule == Rule::kGap || rule == Rule::kRateDeviation;
    const double opportunities =
        static_cast<double>(events_only ? table_.clean_batches : table_.clean_samples);
    const double false_rate = static_cast<double>(table_.clean_flags[r]) / opportunities;
    const double recall = total.injected == 0 ? 1.0
                                              : static_cast<double>(total.detected) /
                                                    static_cast<double>(total.injected);
    std::printf("%-20s %-24s %-12s %9llu %9llu %7.3f | %12llu %13.4f %% %s\n",
                std::string(RuleName(rule)).c_str(), "= all", events_only ? "(events)" : "",
                static_cast<unsigned long long>(total.injected),
                static_cast<unsigned long long>(total.detected), recall,
                static_cast<unsigned long long>(table_.clean_flags[r]), 100 * false_rate,
                events_only ? "of batches" : "of samples");
    EXPECT_GE(recall, 0.95) << RuleName(rule);
    EXPECT_LT(false_rate, 0.005) << RuleName(rule);
    if (rule != Rule::kRateDeviation) {  // rate errors are not a fault type here: unit-tested
      EXPECT_GT(total.injected, 0u) << RuleName(rule);
    }
  }
  std::printf("clean data: %llu samples in %llu batches\n",
              static_cast<unsigned long long>(table_.clean_samples),
              static_cast<unsigned long long>(table_.clean_batches));
}

}  // namespace
}  // namespace edgeloop::quality

namespace edgeloop::quality {
namespace {

// Machine faults are not sensor faults: a fully developed bearing defect, whose impacts ring the
// structure, must pass the gate untouched (else the gate would hide what the models look for).
TEST(QualityMachineFaultTest, BearingImpactsAreNotSensorFaults) {
  for (double resonance_hz : {2500.0, 3500.0, 4500.0}) {
    sim::MachineSpec spec = Spec("pump-9", 1770, 5, 0.15, 0.05);
    spec.resonance_hz = resonance_hz;
    spec.fault = sim::BearingFault{kT0, seconds(1), 2.5};
    sim::MachineSimulator m(spec, 77, kT0);
    SimulatedClock clock(kT0 + hours(1));
    QualityGate gate(QualityConfig{}, clock);
    while (m.Now() < kT0 + seconds(10)) {
      std::vector<SampleBatch> batches;
      m.Step(milliseconds(100), batches);
      for (const SampleBatch& b : batches) gate.Check(b);
    }
    EXPECT_EQ(gate.flagged_total(), 0u) << resonance_hz << " Hz";
    EXPECT_TRUE(gate.TakeEvents().empty());
  }
}

}  // namespace
}  // namespace edgeloop::quality
