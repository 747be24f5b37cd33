#include "quality/quality_gate.h"

#include <gtest/gtest.h>

#include <limits>

namespace edgeloop::quality {
namespace {

SampleBatch Batch(ChannelKind kind, std::vector<float> values) {
  SampleBatch b;
  b.asset = "a";
  b.channel = "c";
  b.kind = kind;
  b.sample_rate_hz = 1000;
  b.values = std::move(values);
  return b;
}

TEST(QualityGateTest, CleanDataPassesUntouched) {
  QualityGate gate{QualityConfig{}};
  EXPECT_TRUE(gate.Check(Batch(ChannelKind::kVibration, {0.1f, -0.3f, 49.9f, -49.9f})).empty());
  EXPECT_EQ(gate.samples_checked(), 4u);
  EXPECT_EQ(gate.flagged_total(), 0u);
}

TEST(QualityGateTest, FlagsNonFiniteValuesAsRuns) {
  constexpr float kNan = std::numeric_limits<float>::quiet_NaN();
  constexpr float kInf = std::numeric_limits<float>::infinity();
  QualityGate gate{QualityConfig{}};
  auto runs = gate.Check(Batch(ChannelKind::kVibration, {0, kNan, kNan, kInf, 1, -kInf}));
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].first, 1u);
  EXPECT_EQ(runs[0].count, 3u);
  EXPECT_EQ(runs[0].rule, Rule::kNotFinite);
  EXPECT_EQ(runs[1].first, 5u);
  EXPECT_EQ(gate.flagged(Rule::kNotFinite), 4u);
}

TEST(QualityGateTest, RangeDependsOnChannelKind) {
  QualityGate gate{QualityConfig{}};
  // 60 is a plausible temperature but an impossible acceleration for a 50 g sensor.
  auto vib = gate.Check(Batch(ChannelKind::kVibration, {60}));
  ASSERT_EQ(vib.size(), 1u);
  EXPECT_EQ(vib[0].rule, Rule::kOutOfRange);
  EXPECT_EQ(vib[0].first_value, 60);
  EXPECT_TRUE(gate.Check(Batch(ChannelKind::kTemperature, {60})).empty());
  auto hot = gate.Check(Batch(ChannelKind::kTemperature, {999, 998, 20}));
  ASSERT_EQ(hot.size(), 1u);
  EXPECT_EQ(hot[0].count, 2u);
  EXPECT_EQ(gate.flagged(Rule::kOutOfRange), 3u);
  EXPECT_EQ(RuleName(Rule::kOutOfRange), "out_of_range");
}

TEST(QualityGateTest, RulesSwitchingStartsANewRun) {
  QualityGate gate{QualityConfig{}};
  auto runs =
      gate.Check(Batch(ChannelKind::kVibration, {std::numeric_limits<float>::quiet_NaN(), 100.0f}));
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].rule, Rule::kNotFinite);
  EXPECT_EQ(runs[1].rule, Rule::kOutOfRange);
}

TEST(QualityConfigTest, RejectsEmptyRanges) {
  QualityConfig c;
  c.vibration_g = {5, -5};
  Status s = Validate(c);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("vibration_g"), std::string::npos);
  EXPECT_TRUE(Validate(QualityConfig{}).ok());
}

}  // namespace
}  // namespace edgeloop::quality
