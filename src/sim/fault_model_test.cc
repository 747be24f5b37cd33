// Degradation curves, fault names and operating profiles.
#include "sim/fault_model.h"

#include <gtest/gtest.h>

#include <cmath>

#include "sim/operating_profile.h"

namespace edgeloop::sim {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

const Timestamp kStart = FromNanos(1767592800'000'000'000);

FaultSpec Fault(GrowthCurve curve, double k) {
  FaultSpec f;
  f.kind = FaultKind::kInnerRace;
  f.onset = kStart + hours(24);  // defects develop over days
  f.growth = hours(48);
  f.curve = curve;
  f.curve_k = k;
  return f;
}

TEST(FaultModelTest, CurvesStartAtOnsetAndReachFullSeverityAfterGrowth) {
  for (auto [curve, k] : {std::pair{GrowthCurve::kLinear, 0.0},
                          {GrowthCurve::kExponential, 5.0},
                          {GrowthCurve::kPower, 2.0},
                          {GrowthCurve::kPower, 0.5}}) {
    const FaultSpec f = Fault(curve, k);
    EXPECT_EQ(FaultSeverity(f, kStart), 0);
    EXPECT_EQ(FaultSeverity(f, f.onset - seconds(1)), 0);
    EXPECT_EQ(FaultSeverity(f, f.onset), 0);
    EXPECT_DOUBLE_EQ(FaultSeverity(f, f.onset + f.growth), 1);
    EXPECT_DOUBLE_EQ(FaultSeverity(f, f.onset + f.growth + hours(100)), 1);
    double previous = 0;
    for (int h = 0; h <= 48; ++h) {
      const double s = FaultSeverity(f, f.onset + hours(h));
      EXPECT_GE(s, previous) << GrowthCurveName(curve) << " must never heal";
      previous = s;
    }
  }
}

TEST(FaultModelTest, CurveShapesAtHalfGrowth) {
  const auto half = [](const FaultSpec& f) { return FaultSeverity(f, f.onset + hours(24)); };
  EXPECT_NEAR(half(Fault(GrowthCurve::kLinear, 0)), 0.5, 1e-12);
  EXPECT_NEAR(half(Fault(GrowthCurve::kExponential, 5)), std::expm1(2.5) / std::expm1(5), 1e-12);
  EXPECT_NEAR(half(Fault(GrowthCurve::kExponential, 5)), 0.0759, 1e-3);  // slow start, runaway
  EXPECT_NEAR(half(Fault(GrowthCurve::kPower, 2)), 0.25, 1e-12);
  EXPECT_NEAR(half(Fault(GrowthCurve::kPower, 0.5)), std::sqrt(0.5), 1e-12);
  // k -> 0 of the exponential curve is linear.
  EXPECT_NEAR(half(Fault(GrowthCurve::kExponential, 0)), 0.5, 1e-12);
  // No growth time: full severity at onset.
  FaultSpec sudden = Fault(GrowthCurve::kLinear, 0);
  sudden.growth = Duration::zero();
  EXPECT_EQ(FaultSeverity(sudden, sudden.onset), 1);
}

TEST(FaultModelTest, NamesRoundTrip) {
  for (FaultKind k : {FaultKind::kOuterRace, FaultKind::kInnerRace, FaultKind::kRollingElement,
                      FaultKind::kImbalance, FaultKind::kMisalignment, FaultKind::kLooseness}) {
    auto parsed = ParseFaultKind(FaultKindName(k));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, k);
    EXPECT_GT(DefaultMagnitudeG(k), 0);
  }
  EXPECT_FALSE(ParseFaultKind("cracked_rotor").ok());
  EXPECT_NE(ParseFaultKind("x").status().message().find("outer_race"), std::string::npos);
  EXPECT_EQ(*ParseGrowthCurve("exponential"), GrowthCurve::kExponential);
  EXPECT_FALSE(ParseGrowthCurve("sigmoid").ok());
  EXPECT_TRUE(IsBearingFault(FaultKind::kRollingElement));
  EXPECT_FALSE(IsBearingFault(FaultKind::kLooseness));
}

TEST(OperatingProfileTest, ModesRampAndCycle) {
  OperatingProfile p;
  EXPECT_EQ(p.At(123, 1500).speed_rpm, 1500);
  EXPECT_EQ(p.At(123, 1500).load, 0.7);
  p.modes = {{seconds(60), 1500, 0.5}, {seconds(60), 3000, 1.0}};
  p.ramp = seconds(10);
  ASSERT_TRUE(p.Validate().ok());
  EXPECT_EQ(p.At(0, 0).speed_rpm, 1500);  // the first mode starts at its set point
  EXPECT_EQ(p.At(59, 0).speed_rpm, 1500);
  EXPECT_DOUBLE_EQ(p.At(65, 0).speed_rpm, 2250);  // halfway up the ramp
  EXPECT_DOUBLE_EQ(p.At(65, 0).load, 0.75);
  EXPECT_EQ(p.At(90, 0).speed_rpm, 3000);
  EXPECT_DOUBLE_EQ(p.At(125, 0).speed_rpm, 2250);  // cycling: ramps back down
  EXPECT_EQ(p.At(150, 0).speed_rpm, 1500);
  p.cycle = false;
  EXPECT_EQ(p.At(150, 0).speed_rpm, 3000);  // holds the last mode
  EXPECT_EQ(p.At(1e6, 0).load, 1.0);

  OperatingProfile bad;
  bad.modes = {{seconds(0), 1500, 0.5}};
  EXPECT_FALSE(bad.Validate().ok());
  bad.modes = {{seconds(1), -5, 0.5}};
  EXPECT_FALSE(bad.Validate().ok());
  bad.modes = {{seconds(1), 1500, 3}};
  EXPECT_FALSE(bad.Validate().ok());
}

}  // namespace
}  // namespace edgeloop::sim
