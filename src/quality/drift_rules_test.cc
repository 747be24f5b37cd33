// Calibration drift through the gate: against a learned baseline and against a redundant twin.
#include <gtest/gtest.h>

#include <cmath>

#include "quality/gate_test_util.h"
#include "quality/quality_gate.h"

namespace edgeloop::quality {
namespace {

using std::chrono::seconds;
using test::Batch;
using test::EventsOf;
using test::kT0;
using test::RulesOf;

SampleBatch Reading(const std::string& channel, int second, double value) {
  return Batch(ChannelKind::kTemperature, 1, kT0 + seconds(second), {static_cast<float>(value)},
               channel);
}

TEST(QualityDriftRuleTest, BaselineCusumDetectsARampAndRecoversAfterRecalibration) {
  QualityConfig c;
  c.temperature.drift = {true, 60, false, 2.0, 30, 30};
  c.temperature.spike.enabled = false;  // the recalibration step would otherwise be a spike
  SimulatedClock clock(kT0);
  QualityGate gate(c, clock);
  std::vector<std::string> rules;
  for (int t = 0; t < 300; ++t) {
    clock.AdvanceTo(kT0 + seconds(t));
    double v = 40 + 0.01 * (t % 3);
    if (t >= 100 && t < 200) v += 0.05 * (t - 100);  // the gain/offset creeps up 3 degC/min
    rules.push_back(RulesOf(gate.Check(Reading("t", t, v)), 1)[0]);
  }
  // CUSUM: d - 2 > 0 from t = 141 on; sum 0.025 m (m + 1) passes 30 at m = 35 (t = 175); that
  // second's level is known when the reading of t = 176 arrives.
  const auto first = std::find(rules.begin(), rules.end(), "calibration_drift") - rules.begin();
  EXPECT_GE(first, 174);
  EXPECT_LE(first, 178);
  for (int t = 0; t < first; ++t) EXPECT_EQ(rules[t], "") << t;
  // Back at the baseline from t = 200: 30 seconds within the allowance end the episode.
  const auto last = std::find(rules.rbegin(), rules.rend(), "calibration_drift") - rules.rbegin();
  const int last_flagged = 299 - static_cast<int>(last);
  EXPECT_GE(last_flagged, 225);
  EXPECT_LE(last_flagged, 235);
  for (int t = static_cast<int>(first); t <= last_flagged; ++t) {
    EXPECT_EQ(rules[t], "calibration_drift") << t;
  }
  const auto events = EventsOf(gate.TakeEvents(), Rule::kCalibrationDrift);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(events[0].ongoing);
  EXPECT_GE(events[0].start, kT0 + seconds(135)) << "change point: where the CUSUM left zero";
  EXPECT_LE(events[0].start, kT0 + seconds(145));
  EXPECT_NE(events[0].detail.find("vs baseline 40.01"), std::string::npos) << events[0].detail;
  EXPECT_FALSE(events[1].ongoing);
  EXPECT_EQ(gate.Snapshot()[0].events[static_cast<size_t>(Rule::kCalibrationDrift)], 2u);
}

TEST(QualityDriftRuleTest, RedundantPairIgnoresCommonProcessChangesAndCatchesOneSensor) {
  QualityConfig c;
  c.redundant_pairs = {{"t", "t_b"}};
  c.temperature.pair_drift.baseline_s = 30;  // allowance 1 degC, threshold 20 degC s
  SimulatedClock clock(kT0);
  QualityGate gate(c, clock);
  int flagged_a = 0, flagged_b = 0, first_flag = -1;
  for (int t = 0; t < 200; ++t) {
    clock.AdvanceTo(kT0 + seconds(t));
    // Both sensors see the machine warm up and cool down by 2 degC: not a drift.
    const double process = 40 + 2 * std::sin(t / 30.0) + 0.01 * (t % 3);
    const double drift_b = t >= 100 ? 0.05 * (t - 100) : 0;
    const bool a = !gate.Check(Reading("t", t, process)).empty();
    const bool b = !gate.Check(Reading("t_b", t, process + 0.3 + drift_b)).empty();
    flagged_a += a;
    flagged_b += b;
    if ((a || b) && first_flag < 0) first_flag = t;
  }
  // d - 1 > 0 from t = 121; 0.025 m (m + 1) passes 20 at m = 28: t = 148 (+1 to be known).
  EXPECT_GE(first_flag, 147);
  EXPECT_LE(first_flag, 151);
  // The pair's second s is compared when the later twin (t_b) finishes it: t_b is flagged from
  // that reading on, t from its next one. A pair cannot tell which sensor drifted: both are out.
  EXPECT_EQ(flagged_b, 200 - first_flag);
  EXPECT_EQ(flagged_a, 200 - first_flag - 1);
  auto events = EventsOf(gate.TakeEvents(), Rule::kCalibrationDrift);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].channel == "t" ? events[1].channel : events[0].channel, "t_b");
  EXPECT_NE(events[0].detail.find("t - t_b"), std::string::npos) << events[0].detail;

  // After a technician recalibrates, re-baselining ends the episode; learning starts again.
  ASSERT_TRUE(gate.Rebaseline("a", "t_b").ok());
  events = EventsOf(gate.TakeEvents(), Rule::kCalibrationDrift);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0].ongoing);
  EXPECT_TRUE(gate.Check(Reading("t", 200, 40)).empty());
  EXPECT_TRUE(gate.Check(Reading("t_b", 200, 45.3)).empty());
  for (const ChannelQuality& q : gate.Snapshot()) EXPECT_FALSE(q.drift_active) << q.channel;
}

}  // namespace
}  // namespace edgeloop::quality
