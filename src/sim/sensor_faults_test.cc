#include "sim/sensor_faults.h"

#include <gtest/gtest.h>

#include <cmath>

namespace edgeloop::sim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
const Timestamp kT0 = FromNanos(1767592800'000'000'000);

// `n` contiguous batches of `size` samples at 100 Hz, values 1000 + global index.
std::vector<SampleBatch> Clean(size_t n, size_t size) {
  std::vector<SampleBatch> out;
  for (size_t b = 0; b < n; ++b) {
    SampleBatch batch;
    batch.asset = "a";
    batch.channel = "c";
    batch.kind = ChannelKind::kTemperature;
    batch.sample_rate_hz = 100;
    batch.start = kT0 + SampleOffset(b * size, 100);
    for (size_t i = 0; i < size; ++i)
      batch.values.push_back(static_cast<float>(1000 + b * size + i));
    out.push_back(std::move(batch));
  }
  return out;
}

// True where the ground truth says sample i of batch b is faulty.
bool Faulty(const InjectedFaults& f, size_t b, size_t i) {
  for (const FaultEpisode& e : f.episodes) {
    for (const FaultyRun& r : e.samples) {
      if (r.batch == b && i >= r.first && i < r.first + r.count) return true;
    }
  }
  return false;
}

TEST(SensorFaultsTest, ValueFaultsChangeExactlyTheSamplesTheTruthNames) {
  const auto clean = Clean(20, 50);
  const InjectedFaults nan = InjectNan(clean, {5, 2, 4}, 1);
  const InjectedFaults spikes = InjectSpikes(clean, {5, 2, 10, 20}, 2);
  const InjectedFaults range = InjectOutOfRange(clean, {5, 1, 3, 100, 200}, 3);
  for (const InjectedFaults* f : {&nan, &spikes, &range}) {
    ASSERT_EQ(f->episodes.size(), 5u);
    ASSERT_EQ(f->batches.size(), clean.size());
    for (size_t b = 0; b < clean.size(); ++b) {
      for (size_t i = 0; i < clean[b].values.size(); ++i) {
        const float was = clean[b].values[i], is = f->batches[b].values[i];
        EXPECT_EQ(Faulty(*f, b, i), !(was == is))
            << SensorFaultName(f->type) << " " << b << "/" << i;
      }
    }
  }
  EXPECT_GE(nan.FaultySamples(), 10u);
  EXPECT_LE(nan.FaultySamples(), 20u);
  for (const FaultEpisode& e : spikes.episodes) {
    for (const FaultyRun& r : e.samples) {
      const double d = spikes.batches[r.batch].values[r.first] - clean[r.batch].values[r.first];
      EXPECT_GE(std::abs(d), 10 - 1e-3);
      EXPECT_LE(std::abs(d), 20 + 1e-3);
    }
  }
}

TEST(SensorFaultsTest, StuckHoldsTheFirstValueOfTheEpisode) {
  const auto clean = Clean(10, 100);
  const InjectedFaults f = InjectStuck(clean, {3, 30, 40}, 4);
  ASSERT_EQ(f.episodes.size(), 3u);
  for (const FaultEpisode& e : f.episodes) {
    const FaultyRun& first = e.samples.front();
    const float held = f.batches[first.batch].values[first.first];
    uint64_t n = 0;
    for (const FaultyRun& r : e.samples) {
      for (size_t i = r.first; i < r.first + r.count; ++i, ++n) {
        EXPECT_EQ(f.batches[r.batch].values[i], held);
      }
    }
    EXPECT_GE(n, 30u);
    EXPECT_LE(n, 40u);
  }
}

TEST(SensorFaultsTest, DropoutsRemoveSamplesAndTheTimelineJumps) {
  const auto clean = Clean(20, 100);  // 20 s at 100 Hz
  const InjectedFaults f = InjectDropouts(clean, {4, milliseconds(50), milliseconds(300)}, 5);
  ASSERT_EQ(f.episodes.size(), 4u);
  uint64_t kept = 0;
  for (const SampleBatch& b : f.batches) kept += b.values.size();
  uint64_t removed = 0;
  for (const FaultEpisode& e : f.episodes) {
    removed += static_cast<uint64_t>(std::llround(ToSeconds(e.end - e.start) * 100));
    // The batch after the hole starts where the hole ends, and its predecessor ends at the start.
    const SampleBatch& after = f.batches[e.first_batch];
    EXPECT_EQ(after.start, e.end);
    EXPECT_EQ(f.batches[e.first_batch - 1].End(), e.start);
    EXPECT_EQ(after.values.front(), 1000 + std::llround(ToSeconds(e.end - kT0) * 100));
  }
  EXPECT_EQ(kept + removed, 2000u);
}

TEST(SensorFaultsTest, DeliveryFaultsSwapOrRepeatBatches) {
  const auto clean = Clean(30, 10);
  const InjectedFaults ooo = InjectOutOfOrder(clean, {3}, 6);
  ASSERT_EQ(ooo.batches.size(), 30u);
  for (const FaultEpisode& e : ooo.episodes) {
    const size_t late = e.first_batch;
    EXPECT_LT(ooo.batches[late].start, ooo.batches[late - 1].start)
        << "delivered after a later one";
  }
  const InjectedFaults dup = InjectDuplicates(clean, {3}, 7);
  ASSERT_EQ(dup.batches.size(), 33u);
  for (const FaultEpisode& e : dup.episodes) {
    EXPECT_EQ(dup.batches[e.first_batch].start, dup.batches[e.first_batch - 1].start);
    EXPECT_EQ(dup.batches[e.first_batch].values, dup.batches[e.first_batch - 1].values);
  }
}

TEST(SensorFaultsTest, ClockSkewShiftsTimesButNotReceiveTimes) {
  auto clean = Clean(40, 50);  // 0.5 s per batch
  SetReceiveTimes(clean, milliseconds(10), milliseconds(100), 8);
  AddPollTimestamps(clean, milliseconds(2), 9);
  for (const SampleBatch& b : clean) {
    ASSERT_TRUE(b.received.has_value());
    EXPECT_GE(*b.received - b.End(), milliseconds(10));
    EXPECT_EQ(b.timestamps.size(), b.values.size());
  }
  const InjectedFaults f =
      InjectClockSkew(clean, {2, seconds(1), seconds(2), seconds(5), seconds(6), true}, 10);
  ASSERT_EQ(f.episodes.size(), 2u);
  for (const FaultEpisode& e : f.episodes) {
    for (size_t b = e.first_batch; b <= e.last_batch; ++b) {
      const Duration shift = f.batches[b].timestamps[0] - clean[b].timestamps[0];
      EXPECT_GE(shift, seconds(5));
      EXPECT_LE(shift, seconds(6));
      EXPECT_EQ(f.batches[b].received, clean[b].received);
    }
  }
}

TEST(SensorFaultsTest, DriftRampsGainAndOffsetThenRecalibrates) {
  const auto clean = Clean(100, 10);  // 10 s at 100 Hz
  DriftParams p;
  p.episodes = 2;
  p.skip = seconds(1);
  p.ramp = seconds(2);
  p.hold = seconds(1);
  p.gain = 0.1;
  p.offset = 5;
  const InjectedFaults f = InjectDrift(clean, p, 11);
  ASSERT_EQ(f.episodes.size(), 2u);
  for (const FaultEpisode& e : f.episodes) {
    EXPECT_EQ(e.end - e.start, seconds(3));
    const FaultyRun& last = e.samples.back();
    const size_t i = last.first + last.count - 1;  // in the hold: full gain and offset
    const double was = clean[last.batch].values[i], is = f.batches[last.batch].values[i];
    bool matches = false;  // gain and offset have random signs
    for (double g : {-0.1, 0.1}) {
      for (double o : {-5.0, 5.0}) matches |= std::abs(is - (was * (1 + g) + o)) < 0.2;
    }
    EXPECT_TRUE(matches) << was << " -> " << is;
  }
  EXPECT_EQ(f.batches.back().values, clean.back().values) << "recalibrated after the hold";
  const auto twin = MakeRedundantChannel(clean, "c_b", 0.5, 0.0, 12);
  EXPECT_EQ(twin[3].channel, "c_b");
  EXPECT_FLOAT_EQ(twin[3].values[2], clean[3].values[2] + 0.5f);
}

}  // namespace
}  // namespace edgeloop::sim
