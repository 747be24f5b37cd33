// Time rules through the gate: order, duplicates, future, gaps, rate, skew; known answers.
#include <gtest/gtest.h>

#include "quality/gate_test_util.h"
#include "quality/quality_gate.h"

namespace edgeloop::quality {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test::Batch;
using test::EventsOf;
using test::kT0;
using test::RulesOf;

// A temperature batch with explicit per-sample times (seconds after kT0).
SampleBatch Stamped(std::vector<double> times_s, float value = 40) {
  SampleBatch b = Batch(ChannelKind::kTemperature, 1, kT0, {});
  for (double t : times_s) {
    b.timestamps.push_back(kT0 + FromSeconds(t));
    b.values.push_back(value += 0.01f);  // never stuck
  }
  b.start = b.timestamps.front();
  return b;
}

SampleBatch Vib(Duration start, size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = 0.01f * static_cast<float>(i % 7);
  return Batch(ChannelKind::kVibration, 1000, kT0 + start, v);
}

TEST(QualityTimeRulesTest, ExplicitTimestampsOutOfOrderAndDuplicates) {
  SimulatedClock clock(kT0 + seconds(10));
  QualityGate gate(QualityConfig{}, clock);
  EXPECT_TRUE(gate.Check(Stamped({0, 1, 2})).empty());
  // t = 1 again (a re-sent reading), 1.5 (late), 3 (fine), 2.5 (late again, within one batch).
  const auto rules = RulesOf(gate.Check(Stamped({1, 1.5, 3, 2.5})), 4);
  EXPECT_EQ(rules,
            (std::vector<std::string>{"duplicate_timestamp", "out_of_order", "", "out_of_order"}));
  EXPECT_TRUE(gate.TakeEvents().empty());
}

TEST(QualityTimeRulesTest, EvenlySpacedBatchesResentLateOrAfterAGap) {
  SimulatedClock clock(kT0 + seconds(10));
  QualityGate gate(QualityConfig{}, clock);
  const SampleBatch a = Vib(milliseconds(0), 10);
  EXPECT_TRUE(gate.Check(a).empty());
  EXPECT_TRUE(gate.Check(Vib(milliseconds(10), 10)).empty());
  const auto resent = gate.Check(a);
  ASSERT_EQ(resent.size(), 1u);
  EXPECT_EQ(resent[0].rule, Rule::kDuplicateTimestamp);
  EXPECT_EQ(resent[0].count, 10u);
  EXPECT_TRUE(gate.TakeEvents().empty());

  EXPECT_TRUE(gate.Check(Vib(milliseconds(25), 10)).empty());  // 20..24 ms missing
  auto gaps = EventsOf(gate.TakeEvents(), Rule::kGap);
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].start, kT0 + milliseconds(20));
  EXPECT_EQ(gaps[0].end, kT0 + milliseconds(25));
  EXPECT_EQ(gaps[0].detail.rfind("5 sample(s) missing", 0), 0u) << gaps[0].detail;

  // The missing samples arrive late: out of order (not duplicates: they were never delivered);
  // a batch that overlaps the end of the timeline is split: only its old part is flagged.
  const auto late = gate.Check(Vib(milliseconds(20), 5));
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].rule, Rule::kOutOfOrder);
  EXPECT_EQ(late[0].count, 5u);
  const auto overlap = RulesOf(gate.Check(Vib(milliseconds(33), 4)), 4);
  EXPECT_EQ(overlap,
            (std::vector<std::string>{"duplicate_timestamp", "duplicate_timestamp", "", ""}));
}

TEST(QualityTimeRulesTest, FutureTimestampsAgainstReceiveTimeElseTheClock) {
  SimulatedClock clock(kT0);
  QualityGate gate(QualityConfig{}, clock);
  // 10 s ahead of the gateway clock, tolerance 5 s.
  SampleBatch ahead = Vib(seconds(10), 4);
  const auto runs = gate.Check(ahead);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].rule, Rule::kFutureTimestamp);
  EXPECT_EQ(runs[0].count, 4u);
  // Future samples stay out of the timeline: the next on-time batch is not "out of order".
  EXPECT_TRUE(gate.Check(Vib(milliseconds(0), 4)).empty());
  // With a receive time the clock is not asked (skew checking off to isolate the rule).
  QualityConfig c;
  c.clock.check_skew = false;
  QualityGate gate2(c, clock);
  ahead.received = kT0 + seconds(10) + milliseconds(3);
  EXPECT_TRUE(gate2.Check(ahead).empty());
  // A batch crossing the limit: only its late part is in the future.
  SampleBatch crossing = Vib(seconds(5) - milliseconds(2), 4);
  EXPECT_EQ(RulesOf(QualityGate(QualityConfig{}, clock).Check(crossing), 4),
            (std::vector<std::string>{"", "", "", "future_timestamp"}));
}

TEST(QualityTimeRulesTest, GapAndRateDeviationEventsForPolledReadings) {
  SimulatedClock clock(kT0 + seconds(1000));
  QualityGate gate(QualityConfig{}, clock);
  EXPECT_TRUE(gate.Check(Stamped({0, 1, 2, 5, 6})).empty());
  auto gaps = EventsOf(gate.TakeEvents(), Rule::kGap);
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].start, kT0 + seconds(3));
  EXPECT_EQ(gaps[0].end, kT0 + seconds(5));
  EXPECT_EQ(gaps[0].channel, "c");

  // Polled every 1.05 s for 2 minutes against a nominal 1 Hz: -4.8 %, beyond the 2 % tolerance.
  std::vector<double> slow;
  for (int i = 0; i < 120; ++i) slow.push_back(10 + 1.05 * i);
  gate.Check(Stamped(slow));
  auto rate = EventsOf(gate.TakeEvents(), Rule::kRateDeviation);
  // Two windows: the first still holds three on-time intervals from before the gap.
  ASSERT_EQ(rate.size(), 2u);
  EXPECT_NE(rate[1].detail.find("nominal 1 Hz (-4.76 %)"), std::string::npos) << rate[1].detail;
  // On time: no event.
  std::vector<double> ok;
  for (int i = 0; i < 120; ++i) ok.push_back(200 + i);
  gate.Check(Stamped(ok));
  EXPECT_TRUE(EventsOf(gate.TakeEvents(), Rule::kRateDeviation).empty());
}

TEST(QualityTimeRulesTest, ClockSkewNeedsConsecutiveLateBatchesButOneEarlyOne) {
  SimulatedClock clock(kT0);
  QualityGate gate(QualityConfig{}, clock);
  const auto batch = [](int second, Duration latency) {
    SampleBatch b = Vib(seconds(second), 1000);
    b.received = b.End() + latency;
    return b;
  };
  int t = 0;
  for (; t < 3; ++t) EXPECT_TRUE(gate.Check(batch(t, milliseconds(50))).empty());
  // Received 10 s after its end: maybe a delay, maybe a clock 10 s behind. Five in a row = skew.
  for (int i = 0; i < 4; ++i, ++t) EXPECT_TRUE(gate.Check(batch(t, seconds(10))).empty());
  auto skewed = gate.Check(batch(t++, seconds(10)));
  ASSERT_EQ(skewed.size(), 1u);
  EXPECT_EQ(skewed[0].rule, Rule::kClockSkew);
  auto events = EventsOf(gate.TakeEvents(), Rule::kClockSkew);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(events[0].ongoing);
  EXPECT_EQ(events[0].start, kT0 + seconds(3)) << "the episode began with the first late batch";
  EXPECT_NE(events[0].detail.find("behind the receive time by 10.000 s"), std::string::npos);
  EXPECT_TRUE(gate.Snapshot()[0].skew_active);
  // One batch on time ends it.
  EXPECT_TRUE(gate.Check(batch(t++, milliseconds(50))).empty());
  events = EventsOf(gate.TakeEvents(), Rule::kClockSkew);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0].ongoing);
  // Received 3 s before it ended: impossible for a correct clock, flagged at once.
  auto early = gate.Check(batch(t++, -seconds(3)));
  ASSERT_EQ(early.size(), 1u);
  EXPECT_EQ(early[0].rule, Rule::kClockSkew);
  EXPECT_EQ(EventsOf(gate.TakeEvents(), Rule::kClockSkew).size(), 1u);
}

}  // namespace
}  // namespace edgeloop::quality
