#include "dsp/diagnosis.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace edgeloop::dsp {
namespace {

DiagnosisInputs Quiet() {
  DiagnosisInputs in;
  in.shaft_hz = 30.0;
  in.bpfo = {"bpfo", 107.5, 107.6, 0.01, 3.0, {2.0, 1.0}, 0.0, 0, 6000, false};
  in.bpfi = {"bpfi", 162.5, 162.0, 0.01, 2.0, {1.0, 1.0}, 1.0, 0, 6000, false};
  in.ball = {"2xbsf", 141.4, 141.0, 0.01, 4.0, {0.0, 0.0}, 3.0, 3000, 4000, false};
  in.ftf = {"ftf", 11.9, 11.9, 0.01, 1.0, {0.0, 0.0}, 0.0, 0, 6000, false};
  in.velocity_rms_mm_s = 0.5;
  return in;
}

TEST(DiagnosisTest, ConditionNames) {
  EXPECT_EQ(ConditionName(Condition::kHealthy), "healthy");
  EXPECT_EQ(ConditionName(Condition::kInnerRace), "inner_race");
  EXPECT_EQ(ConditionName(Condition::kOuterRace), "outer_race");
  EXPECT_EQ(ConditionName(Condition::kRollingElement), "rolling_element");
  EXPECT_EQ(ConditionName(Condition::kImbalance), "imbalance");
  EXPECT_EQ(ConditionName(Condition::kMisalignment), "misalignment");
  EXPECT_EQ(ConditionName(Condition::kLooseness), "looseness");
}

TEST(DiagnosisTest, QuietIsHealthyWithEvidenceListed) {
  const Diagnosis d = Diagnose(Quiet());
  EXPECT_EQ(d.condition, Condition::kHealthy);
  EXPECT_GT(d.confidence, 0.5);
  ASSERT_EQ(d.evidence.size(), 5u);  // four envelope families and the velocity
  EXPECT_THAT(d.evidence[0].text, ::testing::HasSubstr("bpfo"));
}

TEST(DiagnosisTest, RaceFaultNeedsFundamentalAndHarmonic) {
  DiagnosisInputs in = Quiet();
  in.bpfi.snr_db = 25.0;
  EXPECT_EQ(Diagnose(in).condition, Condition::kHealthy);  // no harmonic: not enough
  in.bpfi.harmonic_snr_db[0] = 12.0;
  EXPECT_EQ(Diagnose(in).condition, Condition::kInnerRace);
  // 3 x BPFO sits on 2 x BPFI: a strong harmonic without its own fundamental is not an outer race.
  in.bpfo.harmonic_snr_db[1] = 30.0;
  EXPECT_EQ(Diagnose(in).condition, Condition::kInnerRace);
  in.bpfo.snr_db = 35.0;
  EXPECT_EQ(Diagnose(in).condition, Condition::kOuterRace);
}

TEST(DiagnosisTest, BallNeedsLineAndCageSideband) {
  DiagnosisInputs in = Quiet();
  in.ball.snr_db = 20.0;
  EXPECT_EQ(Diagnose(in).condition, Condition::kHealthy);
  in.ball.sideband_snr_db = 14.0;
  EXPECT_EQ(Diagnose(in).condition, Condition::kRollingElement);
}

TEST(DiagnosisTest, MechanicalFaultsOnlyWhenSevere) {
  DiagnosisInputs in = Quiet();
  in.order_velocity_mm_s[0] = 0.6;
  EXPECT_EQ(Diagnose(in).condition, Condition::kHealthy);  // zone A: 1x is just running speed
  in.zone = IsoZone::kC;
  in.velocity_rms_mm_s = 5.0;
  in.order_velocity_mm_s[0] = 6.5;
  EXPECT_EQ(Diagnose(in).condition, Condition::kImbalance);
  in.order_velocity_mm_s[1] = 4.0;
  EXPECT_EQ(Diagnose(in).condition, Condition::kMisalignment);
  in.order_velocity_mm_s[2] = 3.5;
  EXPECT_EQ(Diagnose(in).condition, Condition::kMisalignment) << "3x alone is not looseness";
  in.half_order_velocity_mm_s = 2.0;  // sub-harmonics: the rotor rattles every other turn
  EXPECT_EQ(Diagnose(in).condition, Condition::kLooseness);
  // A bearing fault takes precedence over the mechanical patterns.
  in.bpfo.snr_db = 20.0;
  in.bpfo.harmonic_snr_db[0] = 10.0;
  EXPECT_EQ(Diagnose(in).condition, Condition::kOuterRace);
}

}  // namespace
}  // namespace edgeloop::dsp

namespace edgeloop::dsp {
namespace {

// Looseness fills the envelope with half-orders of the shaft speed; 5.5x lies within the ±2 %
// BPFI search window of a 6205 (5.415x), but bearing lines slip and are never synchronous.
TEST(DiagnosisTest, ShaftSynchronousLinesAreNotBearingEvidence) {
  DiagnosisInputs in;
  in.shaft_hz = 24.75;
  in.bpfi.theoretical_hz = 5.4152 * in.shaft_hz;
  in.bpfi.measured_hz = 5.5 * in.shaft_hz;  // exactly synchronous
  in.bpfi.snr_db = 25.0;
  in.bpfi.harmonic_snr_db[0] = 15.0;
  EXPECT_EQ(Diagnose(in).condition, Condition::kHealthy);
  in.bpfi.measured_hz = 5.43 * in.shaft_hz;  // slipping: a real inner-race line
  EXPECT_EQ(Diagnose(in).condition, Condition::kInnerRace);
}

}  // namespace
}  // namespace edgeloop::dsp
