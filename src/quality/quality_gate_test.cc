#include "quality/quality_gate.h"

#include <gtest/gtest.h>

#include <limits>

#include "quality/gate_test_util.h"

namespace edgeloop::quality {
namespace {

using test::Batch;
using test::kT0;
using test::RulesOf;
constexpr float kNan = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

SampleBatch Vib(std::vector<float> values) {
  return Batch(ChannelKind::kVibration, 1000, kT0, std::move(values));
}

TEST(QualityGateTest, CleanDataPassesUntouched) {
  SimulatedClock clock(kT0);
  QualityGate gate(QualityConfig{}, clock);
  EXPECT_TRUE(gate.Check(Vib({0.1f, -0.3f, 49.9f, -49.9f})).empty());
  EXPECT_EQ(gate.samples_checked(), 4u);
  EXPECT_EQ(gate.flagged_total(), 0u);
  EXPECT_TRUE(gate.TakeEvents().empty());
  EXPECT_EQ(gate.QualityScore("a", "c"), 1.0);
}

TEST(QualityGateTest, FlagsNonFiniteValuesAsRuns) {
  SimulatedClock clock(kT0);
  QualityGate gate(QualityConfig{}, clock);
  auto runs = gate.Check(Vib({0, kNan, kNan, kInf, 1, -kInf}));
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].first, 1u);
  EXPECT_EQ(runs[0].count, 3u);
  EXPECT_EQ(runs[0].rule, Rule::kNotFinite);
  EXPECT_EQ(runs[1].first, 5u);
  EXPECT_EQ(gate.flagged(Rule::kNotFinite), 4u);
}

TEST(QualityGateTest, RangeDependsOnChannelKind) {
  SimulatedClock clock(kT0);
  QualityGate gate(QualityConfig{}, clock);
  // 60 is a plausible temperature but an impossible acceleration for a 50 g sensor.
  auto vib = gate.Check(Vib({60}));
  ASSERT_EQ(vib.size(), 1u);
  EXPECT_EQ(vib[0].rule, Rule::kOutOfRange);
  EXPECT_EQ(vib[0].first_value, 60);
  const auto temp = [](Timestamp t, std::vector<float> v) {
    return Batch(ChannelKind::kTemperature, 1, t, std::move(v), "t");
  };
  EXPECT_TRUE(gate.Check(temp(kT0, {60})).empty());
  auto hot = gate.Check(temp(kT0 + std::chrono::seconds(1), {999, 998, 60}));
  ASSERT_EQ(hot.size(), 1u);
  EXPECT_EQ(hot[0].count, 2u);
  EXPECT_EQ(gate.flagged(Rule::kOutOfRange), 3u);
  EXPECT_EQ(RuleName(Rule::kOutOfRange), "out_of_range");
}

TEST(QualityGateTest, RulesSwitchingStartsANewRun) {
  SimulatedClock clock(kT0);
  QualityGate gate(QualityConfig{}, clock);
  auto runs = gate.Check(Vib({kNan, 100.0f}));
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].rule, Rule::kNotFinite);
  EXPECT_EQ(runs[1].rule, Rule::kOutOfRange);
}

TEST(QualityGateTest, ReasonCodesAreStable) {
  const std::vector<std::string> expected = {
      "not_finite",          "out_of_range", "clock_skew",    "future_timestamp",
      "duplicate_timestamp", "out_of_order", "stuck",         "spike",
      "calibration_drift",   "gap",          "rate_deviation"};
  ASSERT_EQ(expected.size(), kRuleCount);
  for (size_t i = 0; i < kRuleCount; ++i) EXPECT_EQ(RuleName(static_cast<Rule>(i)), expected[i]);
}

TEST(QualityGateTest, ScoreAndSnapshotCountPerChannel) {
  SimulatedClock clock(kT0);
  QualityGate gate(QualityConfig{}, clock);
  // 10 samples, 2 NaN; then a gap of 10 missing samples at 1 kHz.
  std::vector<float> v(10, 0.1f);
  for (size_t i = 0; i < v.size(); ++i) v[i] += 0.01f * static_cast<float>(i);
  v[3] = kNan;
  v[4] = kNan;
  ASSERT_EQ(gate.Check(Batch(ChannelKind::kVibration, 1000, kT0, v)).size(), 1u);
  EXPECT_DOUBLE_EQ(gate.QualityScore("a", "c"), 0.8);
  gate.Check(Batch(ChannelKind::kVibration, 1000, kT0 + std::chrono::milliseconds(20), v));
  // 20 received + 10 missing, 4 NaN: (30 - 14) / 30.
  EXPECT_NEAR(gate.QualityScore("a", "c"), 16.0 / 30, 1e-12);
  EXPECT_EQ(gate.QualityScore("a", "other"), 1.0);
  const auto snap = gate.Snapshot();
  ASSERT_EQ(snap.size(), 1u);
  EXPECT_EQ(snap[0].samples, 20u);
  EXPECT_EQ(snap[0].missing, 10u);
  EXPECT_EQ(snap[0].flagged[static_cast<size_t>(Rule::kNotFinite)], 4u);
  EXPECT_EQ(snap[0].events[static_cast<size_t>(Rule::kGap)], 1u);
  // The score looks back score_horizon_s only: a minute later the old samples are forgotten.
  clock.Advance(std::chrono::seconds(61));
  gate.Check(Batch(ChannelKind::kVibration, 1000, kT0 + std::chrono::milliseconds(30), v));
  EXPECT_NEAR(gate.QualityScore("a", "c"), 8.0 / 10, 1e-12);
}

TEST(QualityGateTest, DescribesEveryRuleForTheQuarantine) {
  QualityConfig config;
  SampleBatch b = Vib({120, 120, 120});
  EXPECT_EQ(DescribeRun({0, 3, Rule::kOutOfRange, 120}, b, config),
            "3 value(s) outside the physical range [-50, 50] g, first 120");
  EXPECT_EQ(DescribeRun({0, 2, Rule::kNotFinite, kNan}, b, config),
            "2 non-finite value(s) (NaN or Inf)");
  for (size_t r = 0; r < kRuleCount; ++r) {
    EXPECT_FALSE(DescribeRun({0, 1, static_cast<Rule>(r), 0}, b, config).empty());
  }
}

TEST(QualityGateTest, RebaselineNeedsAKnownChannel) {
  SimulatedClock clock(kT0);
  QualityGate gate(QualityConfig{}, clock);
  EXPECT_EQ(gate.Rebaseline("a", "c").code(), StatusCode::kNotFound);
  gate.Check(Vib({0.1f}));
  EXPECT_TRUE(gate.Rebaseline("a", "c").ok());
}

TEST(QualityConfigTest, RejectsBadSettingsWithTheirNames) {
  QualityConfig c;
  c.vibration_g = {5, -5};
  Status s = Validate(c);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("vibration_g"), std::string::npos);
  EXPECT_TRUE(Validate(QualityConfig{}).ok());

  const auto message = [](auto mutate) {
    QualityConfig bad;
    mutate(bad);
    return Validate(bad).message();
  };
  EXPECT_EQ(message([](QualityConfig& q) { q.temperature.spike.half_window = 0; }),
            "quality.temperature.spike.half_window must be in [1, 64], got 0");
  EXPECT_EQ(message([](QualityConfig& q) { q.vibration.stuck.min_run = 1; }),
            "quality.vibration.stuck.min_run must be >= 2, got 1");
  EXPECT_EQ(message([](QualityConfig& q) { q.vibration.timing.gap_factor = 1; }),
            "quality.vibration.timing.gap_factor must be in (1, 1e6], got 1");
  EXPECT_EQ(message([](QualityConfig& q) { q.temperature.drift.threshold = 0; }),
            "quality.temperature.drift.threshold must be > 0, got 0");
  EXPECT_EQ(message([](QualityConfig& q) { q.clock.skew_batches = 0; }),
            "quality.clock.skew_batches must be in [1, 1000], got 0");
  EXPECT_NE(message([](QualityConfig& q) {
              q.redundant_pairs = {{"t", "t"}};
            }).find("two different channels"),
            std::string::npos);
  EXPECT_NE(message([](QualityConfig& q) {
              q.redundant_pairs = {{"t", "u"}, {"u", "v"}};
            }).find("'u' is in more than one pair"),
            std::string::npos);
}

}  // namespace
}  // namespace edgeloop::quality
