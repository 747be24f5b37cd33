#include "dsp/envelope.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

#include "common/asset.h"
#include "dsp/real_fft.h"
#include "dsp/signal_analyzer.h"
#include "dsp/spectral_peaks.h"
#include "dsp/test_signals.h"

namespace edgeloop::dsp {
namespace {

using testing::FaultSignal;
using testing::MakeFaultSignal;

constexpr double kRate = 25600.0;
const BearingOrders kOrders = ComputeBearingOrders(Bearing6205());

MachineContext Context(double shaft_hz) {
  MachineContext c;
  c.sample_rate_hz = kRate;
  c.shaft_hz = shaft_hz;
  c.bearing = kOrders;
  return c;
}

TEST(ComplexFftTest, InverseOfForwardIsNTimesInput) {
  constexpr size_t kN = 64;
  auto fwd = ComplexFft::Create(kN, ComplexFft::Direction::kForward).value();
  auto inv = ComplexFft::Create(kN, ComplexFft::Direction::kInverse).value();
  for (size_t t = 0; t < kN; ++t) {
    fwd.input()[t] = {std::cos(0.3f * t), std::sin(0.1f * t * t)};
  }
  const auto spectrum = fwd.Execute();
  std::copy(spectrum.begin(), spectrum.end(), inv.input().begin());
  const auto back = inv.Execute();
  for (size_t t = 0; t < kN; ++t) {
    EXPECT_NEAR(back[t].real() / kN, fwd.input()[t].real(), 1e-5);
    EXPECT_NEAR(back[t].imag() / kN, fwd.input()[t].imag(), 1e-5);
  }
  EXPECT_FALSE(ComplexFft::Create(1, ComplexFft::Direction::kForward).ok());
}

TEST(EnvelopeTest, AmplitudeModulatedToneGivesModulationDepth) {
  // x = (1 + m cos(2π fm t)) sin(2π fc t): the envelope is 1 + m cos, its square has a line at fm
  // of 2m / (1 + m²/2) relative to its mean.
  constexpr double kM = 0.5;
  constexpr double kFm = 50.0;
  std::vector<float> x(4 * 16384);
  for (size_t t = 0; t < x.size(); ++t) {
    const double tt = t / kRate;
    x[t] = static_cast<float>((1.0 + kM * std::cos(2 * std::numbers::pi * kFm * tt)) *
                              std::sin(2 * std::numbers::pi * 5000.0 * tt));
  }
  auto env = EnvelopeAnalyzer::Create({kRate, 16384, 500.0, false}).value();
  ASSERT_TRUE(env.ComputeSpectrum(x, {4000.0, 6000.0}).ok());
  std::vector<double> scratch(4096);
  const SpectralPeak p = FindPeak(env.spectrum(), env.bin_hz(), 45.0, 55.0, 30.0, scratch);
  EXPECT_NEAR(p.frequency_hz, kFm, 0.05);
  // The line spreads over the Hann main lobe; the peak bin holds its full height only on-bin.
  EXPECT_NEAR(p.amplitude, 2 * kM / (1 + kM * kM / 2), 0.05);
  EXPECT_GT(p.snr_db, 40.0);
}

TEST(EnvelopeTest, SimulatedOuterRaceFoundWithinOnePercent) {
  FaultSignal s;
  s.fault_hz = kOrders.bpfo * s.shaft_hz;  // 105.8 Hz
  s.impact_g = 0.8;
  s.noise_g = 0.3;  // impacts barely visible in the raw signal
  const std::vector<float> x = MakeFaultSignal(s);

  auto env = EnvelopeAnalyzer::Create({kRate, 16384, 1000.0, false}).value();
  const KurtogramCell band = env.SelectBand(x, 3.0 * s.fault_hz).value();
  EXPECT_LE(band.band.low_hz, s.resonance_hz);
  EXPECT_GE(band.band.high_hz, s.resonance_hz);
  EXPECT_GT(band.kurtosis, 1.0);
  ASSERT_TRUE(env.ComputeSpectrum(x, band.band).ok());
  std::vector<double> scratch(8192);
  const SpectralPeak p =
      FindPeak(env.spectrum(), env.bin_hz(), 0.97 * s.fault_hz, 1.03 * s.fault_hz, 40.0, scratch);
  EXPECT_NEAR(p.frequency_hz, s.fault_hz, 0.01 * s.fault_hz);
  EXPECT_GT(p.snr_db, 15.0);

  const Analysis a = AnalyzeSignal(std::span<const float>(x), Context(s.shaft_hz)).value();
  EXPECT_EQ(a.diagnosis.condition, Condition::kOuterRace) << a.diagnosis.evidence[0].text;
  EXPECT_NEAR(a.envelope.bpfo.measured_hz, s.fault_hz, 0.01 * s.fault_hz);
  EXPECT_GT(a.diagnosis.confidence, 0.5);
}

TEST(EnvelopeTest, SimulatedInnerRaceModulatedByShaft) {
  FaultSignal s;
  s.fault_hz = kOrders.bpfi * s.shaft_hz;
  s.modulation_hz = s.shaft_hz;  // the defect turns with the shaft through the load zone
  s.resonance_hz = 4200.0;
  s.impact_g = 0.8;
  const std::vector<float> x = MakeFaultSignal(s);
  const Analysis a = AnalyzeSignal(std::span<const float>(x), Context(s.shaft_hz)).value();
  EXPECT_EQ(a.diagnosis.condition, Condition::kInnerRace) << a.diagnosis.evidence[1].text;
  EXPECT_NEAR(a.envelope.bpfi.measured_hz, s.fault_hz, 0.01 * s.fault_hz);
  EXPECT_GT(a.envelope.bpfi.sideband_snr_db, 6.0);  // ±1x sidebands
}

TEST(EnvelopeTest, SimulatedBallFaultModulatedByCage) {
  FaultSignal s;
  s.fault_hz = 2.0 * kOrders.bsf * s.shaft_hz;
  s.modulation_hz = kOrders.ftf * s.shaft_hz;  // the ball passes through the load zone
  s.resonance_hz = 3800.0;
  s.impact_g = 0.5;
  const std::vector<float> x = MakeFaultSignal(s);
  const Analysis a = AnalyzeSignal(std::span<const float>(x), Context(s.shaft_hz)).value();
  EXPECT_EQ(a.diagnosis.condition, Condition::kRollingElement) << a.diagnosis.evidence[2].text;
  EXPECT_NEAR(a.envelope.ball.measured_hz, s.fault_hz, 0.01 * s.fault_hz);
}

TEST(EnvelopeTest, NoiseAndShaftToneAreHealthy) {
  for (unsigned seed : {1u, 2u, 3u}) {
    FaultSignal s;
    s.seed = seed;
    s.shaft_g = 0.05;
    const std::vector<float> x = MakeFaultSignal(s);
    const Analysis a = AnalyzeSignal(std::span<const float>(x), Context(s.shaft_hz)).value();
    EXPECT_EQ(a.diagnosis.condition, Condition::kHealthy) << "seed " << seed;
  }
}

TEST(EnvelopeTest, RejectsBadConfigAndShortInput) {
  EXPECT_FALSE(EnvelopeAnalyzer::Create({0.0, 16384, 500.0, true}).ok());
  EXPECT_FALSE(EnvelopeAnalyzer::Create({kRate, 100, 500.0, true}).ok());
  EXPECT_FALSE(EnvelopeAnalyzer::Create({kRate, 16384, kRate, true}).ok());
  auto env = EnvelopeAnalyzer::Create({kRate, 1024, 500.0, true}).value();
  std::vector<float> short_x(1000);
  EXPECT_FALSE(env.ComputeSpectrum(short_x, {1000.0, 2000.0}).ok());
  std::vector<float> x(2048, 0.0f);
  EXPECT_FALSE(env.ComputeSpectrum(x, {1000.0, 1010.0}).ok());  // fewer than 4 bins
  x[5] = std::nanf("");
  EXPECT_FALSE(env.ComputeSpectrum(x, {1000.0, 3000.0}).ok());
  MachineContext bad = Context(0.0);
  EXPECT_FALSE(SignalAnalyzer::Create(bad).ok());
}

}  // namespace
}  // namespace edgeloop::dsp
