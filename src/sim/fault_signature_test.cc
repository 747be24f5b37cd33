// Each machine fault shows the signature physics dictates: bearing defects as impacts at their
// kinematic frequency in the envelope spectrum (with 1x or FTF sidebands where the defect moves
// through the load zone), imbalance at 1x, misalignment at 2x and 3x, looseness as 1/2x
// sub-harmonics and many harmonics.
#include <gtest/gtest.h>

#include <vector>

#include "sim/machine_simulator.h"
#include "sim/sim_test_util.h"

namespace edgeloop::sim {
namespace {

using std::chrono::seconds;
using test_util::Amplitude;
using test_util::kStart;
using test_util::PumpSpec;

// A fault at full severity from the first sample.
MachineSpec WithFault(FaultKind kind) {
  MachineSpec spec = PumpSpec();
  spec.faults.push_back({kind, kStart, Duration::zero()});
  return spec;
}

std::vector<float> Vibration(const MachineSpec& spec, uint64_t seed, Duration total) {
  MachineSimulator sim(spec, seed, kStart);
  std::vector<float> all;
  while (sim.Now() < kStart + total) {
    std::vector<SampleBatch> out;
    sim.Step(std::chrono::milliseconds(500), out);
    for (const SampleBatch& b : out) {
      if (b.channel == kVibrationChannel) all.insert(all.end(), b.values.begin(), b.values.end());
    }
  }
  return all;
}

std::vector<double> ToDouble(const std::vector<float>& x) { return {x.begin(), x.end()}; }

// Squared high-passed signal with its mean removed: the shaft components vanish, the ringing of
// the structural resonance after each impact remains (a simple envelope).
std::vector<double> Envelope(const std::vector<float>& x) {
  std::vector<double> e(x.size() - 1);
  double mean = 0;
  for (size_t i = 1; i < x.size(); ++i) {
    const double d = static_cast<double>(x[i]) - x[i - 1];
    e[i - 1] = d * d;
    mean += e[i - 1];
  }
  mean /= static_cast<double>(e.size());
  for (double& v : e) v -= mean;
  return e;
}

// Frequency of the largest envelope line within +-`width` (relative) of `f_hz`.
double PeakNear(const std::vector<double>& env, double f_hz, double width, double fs) {
  double best = 0, best_f = 0;
  for (double f = f_hz * (1 - width); f <= f_hz * (1 + width); f += 0.1) {
    if (double a = Amplitude(env, f, fs); a > best) best = a, best_f = f;
  }
  return best_f;
}

struct Sidebands {
  double line = 0;   // amplitude at the defect frequency
  double ratio = 0;  // mean of the two sidebands at +-`offset` over the line
};
Sidebands EnvelopeSidebands(const std::vector<double>& env, double f_hz, double offset, double fs) {
  Sidebands s;
  s.line = Amplitude(env, f_hz, fs);
  s.ratio = (Amplitude(env, f_hz - offset, fs) + Amplitude(env, f_hz + offset, fs)) / 2 / s.line;
  return s;
}

class BearingSignatureTest : public ::testing::Test {
 protected:
  const double fs_ = 25600;
  const MachineFrequencies f_ = ComputeMachineFrequencies(Bearing6205(), 1770);
};

TEST_F(BearingSignatureTest, OuterRaceImpactsAtBpfoWithoutModulation) {
  const auto env = Envelope(Vibration(WithFault(FaultKind::kOuterRace), 1, seconds(4)));
  EXPECT_NEAR(PeakNear(env, f_.bpfo_hz, 0.15, fs_), f_.bpfo_hz, 0.01 * f_.bpfo_hz);
  // A fixed defect in a fixed load zone: no sidebands at 1x or FTF.
  EXPECT_LT(EnvelopeSidebands(env, f_.bpfo_hz, f_.shaft_hz, fs_).ratio, 0.2);
  EXPECT_LT(EnvelopeSidebands(env, f_.bpfo_hz, f_.ftf_hz, fs_).ratio, 0.2);
}

TEST_F(BearingSignatureTest, InnerRaceImpactsAtBpfiModulatedByShaftRotation) {
  const auto env = Envelope(Vibration(WithFault(FaultKind::kInnerRace), 2, seconds(4)));
  EXPECT_NEAR(PeakNear(env, f_.bpfi_hz, 0.15, fs_), f_.bpfi_hz, 0.01 * f_.bpfi_hz);
  // The defect turns with the shaft through the load zone: sidebands at +-1x.
  const Sidebands s = EnvelopeSidebands(env, f_.bpfi_hz, f_.shaft_hz, fs_);
  EXPECT_GT(s.ratio, 0.3);
  EXPECT_LT(EnvelopeSidebands(env, f_.bpfi_hz, 0.5 * f_.shaft_hz, fs_).ratio, 0.25);
  // The envelope also carries the modulation itself: a 1x line.
  EXPECT_GT(Amplitude(env, f_.shaft_hz, fs_), 0.3 * s.line);
}

TEST_F(BearingSignatureTest, RollingElementImpactsAtTwiceBsfModulatedByTheCage) {
  const auto env = Envelope(Vibration(WithFault(FaultKind::kRollingElement), 3, seconds(4)));
  const double f = 2 * f_.bsf_hz;
  EXPECT_NEAR(PeakNear(env, f, 0.05, fs_), f, 0.01 * f);
  // The ball travels with the cage through the load zone: sidebands at +-FTF, not at +-1x.
  const double cage = EnvelopeSidebands(env, f, f_.ftf_hz, fs_).ratio;
  const double shaft = EnvelopeSidebands(env, f, f_.shaft_hz, fs_).ratio;
  EXPECT_GT(cage, 0.3);
  EXPECT_LT(shaft, 0.25);
  EXPECT_GT(cage, 2 * shaft);
  // Strikes alternate between the races with different strength: a line at BSF too.
  EXPECT_GT(Amplitude(env, f_.bsf_hz, fs_), 3 * Amplitude(env, 1.13 * f_.bsf_hz, fs_));
}

TEST_F(BearingSignatureTest, HealthyBearingHasNoDefectLines) {
  const auto env = Envelope(Vibration(PumpSpec(), 1, seconds(4)));
  const auto faulty = Envelope(Vibration(WithFault(FaultKind::kOuterRace), 1, seconds(4)));
  EXPECT_LT(Amplitude(env, f_.bpfo_hz, fs_), 0.02 * Amplitude(faulty, f_.bpfo_hz, fs_));
}

struct Orders {
  double half, x1, x1_5, x2, x3, x4, x5;
};
Orders Measure(const MachineSpec& spec, uint64_t seed) {
  const auto x = ToDouble(Vibration(spec, seed, seconds(2)));
  const double fr = spec.asset.shaft_rpm / 60, fs = spec.vibration_rate_hz;
  const auto a = [&](double order) { return Amplitude(x, order * fr, fs, /*hann=*/true); };
  return {a(0.5), a(1), a(1.5), a(2), a(3), a(4), a(5)};
}

TEST(ShaftFaultSignatureTest, ImbalanceRaisesOneTimesOnly) {
  const Orders healthy = Measure(PumpSpec(), 4),
               faulty = Measure(WithFault(FaultKind::kImbalance), 4);
  // Healthy 1x: 0.15 g x (0.8 + 0.4 x load 0.7).
  EXPECT_NEAR(healthy.x1, 0.162, 0.01);
  EXPECT_GT(faulty.x1, 2.5 * healthy.x1);
  EXPECT_NEAR(faulty.x2, healthy.x2, 0.1 * healthy.x2);
  EXPECT_LT(faulty.half, 0.005);
}

TEST(ShaftFaultSignatureTest, MisalignmentRaisesTwoAndThreeTimes) {
  const Orders healthy = Measure(PumpSpec(), 5);
  const Orders faulty = Measure(WithFault(FaultKind::kMisalignment), 5);
  EXPECT_GT(faulty.x2, 5 * healthy.x2);
  EXPECT_GT(faulty.x3, 0.1);
  EXPECT_LT(healthy.x3, 0.005);
  EXPECT_NEAR(faulty.x1, healthy.x1, 0.05 * healthy.x1);
  EXPECT_GT(faulty.x2, faulty.x1) << "2x dominating 1x is the classic misalignment pattern";
}

TEST(ShaftFaultSignatureTest, LoosenessAddsSubHarmonicsAndManyHarmonics) {
  const Orders healthy = Measure(PumpSpec(), 6);
  const Orders faulty = Measure(WithFault(FaultKind::kLooseness), 6);
  EXPECT_LT(healthy.half, 0.003);
  EXPECT_LT(healthy.x1_5, 0.003);
  EXPECT_GT(faulty.half, 0.04);
  EXPECT_GT(faulty.x1_5, 0.04);
  // The truncation spreads energy over the harmonics, where the healthy machine has little.
  EXPECT_GT(faulty.x3, 0.02);
  EXPECT_GT(faulty.x4, 0.01);
  EXPECT_GT(faulty.x5, 0.005);
  EXPECT_LT(healthy.x4, 0.002);
  EXPECT_LT(healthy.x5, 0.002);
}

TEST(ShaftFaultSignatureTest, SeveralFaultsAtOnce) {
  MachineSpec spec = WithFault(FaultKind::kMisalignment);
  spec.faults.push_back({FaultKind::kOuterRace, kStart, Duration::zero()});
  const Orders o = Measure(spec, 7);
  EXPECT_GT(o.x3, 0.1);
  const auto env = Envelope(Vibration(spec, 7, seconds(2)));
  const MachineFrequencies f = ComputeMachineFrequencies(Bearing6205(), 1770);
  EXPECT_NEAR(PeakNear(env, f.bpfo_hz, 0.15, 25600), f.bpfo_hz, 0.01 * f.bpfo_hz);
}

TEST(ShaftFaultSignatureTest, SignatureGrowsWithSeverity) {
  MachineSpec spec = PumpSpec();
  // Imbalance from t = 0, full after 4 s: 1x at 1 s is smaller than at 4 s.
  spec.faults.push_back({FaultKind::kImbalance, kStart, seconds(4), GrowthCurve::kLinear});
  spec.imbalance_g = 0;  // only the fault's share
  const auto x = ToDouble(Vibration(spec, 8, seconds(4)));
  const size_t n = 25600 / 2;
  const std::vector<double> early(x.begin() + 3 * n / 2, x.begin() + 5 * n / 2);  // 0.75..1.25 s
  const std::vector<double> late(x.end() - n, x.end());                           // 3.5..4 s
  const double a_early = Amplitude(early, 29.5, 25600), a_late = Amplitude(late, 29.5, 25600);
  EXPECT_NEAR(a_early, 0.6 * 0.25, 0.02);
  EXPECT_NEAR(a_late, 0.6 * 0.94, 0.04);
}

}  // namespace
}  // namespace edgeloop::sim
