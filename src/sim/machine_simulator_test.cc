#include "sim/machine_simulator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

namespace edgeloop::sim {
namespace {

using std::chrono::seconds;

const Timestamp kStart = FromNanos(1767592800'000'000'000);

MachineSpec PumpSpec() {
  MachineSpec spec;
  spec.asset = {"pump-1", "pump", 1770, Bearing6205()};
  spec.vanes = 6;
  return spec;
}

std::vector<float> Collect(MachineSimulator& sim, Duration total, Duration step,
                           const std::string& channel) {
  std::vector<float> all;
  Timestamp expected_start = sim.Now();
  for (Duration done{0}; done < total; done += step) {
    std::vector<SampleBatch> out;
    sim.Step(step, out);
    for (const SampleBatch& b : out) {
      if (b.channel != channel) continue;
      // Batches of one channel join without gap or overlap.
      EXPECT_LE(std::chrono::abs(b.start - expected_start), std::chrono::nanoseconds(1));
      expected_start = b.End();
      all.insert(all.end(), b.values.begin(), b.values.end());
    }
  }
  return all;
}

double Kurtosis(const std::vector<float>& x) {
  double mean = std::accumulate(x.begin(), x.end(), 0.0) / x.size();
  double m2 = 0, m4 = 0;
  for (float v : x) {
    const double d = v - mean;
    m2 += d * d;
    m4 += d * d * d * d;
  }
  m2 /= x.size();
  m4 /= x.size();
  return m4 / (m2 * m2);
}

TEST(MachineSimulatorTest, ProducesExactSampleCountsAtTheConfiguredRates) {
  MachineSimulator sim(PumpSpec(), 1, kStart);
  auto vib = Collect(sim, seconds(2), std::chrono::milliseconds(100), kVibrationChannel);
  EXPECT_EQ(vib.size(), 2u * 25600u);
  MachineSimulator sim2(PumpSpec(), 1, kStart);
  auto temp = Collect(sim2, seconds(5), std::chrono::milliseconds(100), kTemperatureChannel);
  EXPECT_EQ(temp.size(), 5u);
}

TEST(MachineSimulatorTest, IsDeterministicForASeedAndDiffersAcrossSeeds) {
  MachineSimulator a(PumpSpec(), 7, kStart), b(PumpSpec(), 7, kStart), c(PumpSpec(), 8, kStart);
  auto va = Collect(a, seconds(1), seconds(1), kVibrationChannel);
  auto vb = Collect(b, seconds(1), seconds(1), kVibrationChannel);
  auto vc = Collect(c, seconds(1), seconds(1), kVibrationChannel);
  EXPECT_EQ(va, vb);
  EXPECT_NE(va, vc);
}

TEST(MachineSimulatorTest, HealthySignalIsNearGaussianAndTemperatureIsPlausible) {
  MachineSimulator sim(PumpSpec(), 3, kStart);
  auto vib = Collect(sim, seconds(2), std::chrono::milliseconds(250), kVibrationChannel);
  EXPECT_LT(Kurtosis(vib), 3.5);
  MachineSimulator sim2(PumpSpec(), 3, kStart);
  for (float t : Collect(sim2, seconds(30), seconds(1), kTemperatureChannel)) {
    EXPECT_GT(t, 30);
    EXPECT_LT(t, 45);
  }
}

TEST(MachineSimulatorTest, BearingFaultAddsImpactsAtBpfoAfterOnsetOnly) {
  MachineSpec spec = PumpSpec();
  spec.fault = BearingFault{kStart + seconds(2), seconds(1), 2.0};
  MachineSimulator sim(spec, 5, kStart);
  EXPECT_EQ(sim.Severity(kStart + seconds(1)), 0);
  EXPECT_DOUBLE_EQ(sim.Severity(kStart + seconds(5)), 1);
  EXPECT_NEAR(sim.bpfo_hz(), 3.5848 * 1770 / 60, 0.1);
  auto before = Collect(sim, seconds(2), seconds(1), kVibrationChannel);
  auto quiet = Collect(sim, seconds(1), seconds(1), kVibrationChannel);  // ramping up
  auto after = Collect(sim, seconds(1), seconds(1), kVibrationChannel);
  EXPECT_LT(Kurtosis(before), 3.5);
  EXPECT_GT(Kurtosis(after), 6.0) << "impacts must make the signal impulsive";

  // Impacts recur at the BPFO period: autocorrelation of the squared signal peaks there.
  std::vector<double> energy(after.size());
  for (size_t i = 0; i < after.size(); ++i) energy[i] = after[i] * after[i];
  const double fs = spec.vibration_rate_hz;
  const size_t lag_bpfo = static_cast<size_t>(fs / sim.bpfo_hz());
  auto autocorr = [&](size_t lag) {
    double s = 0;
    for (size_t i = 0; i + lag < energy.size(); ++i) s += energy[i] * energy[i + lag];
    return s;
  };
  double best = 0;
  size_t best_lag = 0;
  for (size_t lag = lag_bpfo / 2; lag < lag_bpfo * 3 / 2; ++lag) {
    if (double v = autocorr(lag); v > best) best = v, best_lag = lag;
  }
  EXPECT_NEAR(static_cast<double>(best_lag), static_cast<double>(lag_bpfo), lag_bpfo * 0.03);
}

TEST(MachineSimulatorTest, InjectsSensorGlitches) {
  MachineSpec spec = PumpSpec();
  spec.glitches.push_back(
      {SensorGlitch::Kind::kNanBurst, kStart + seconds(1), kVibrationChannel, 10});
  spec.glitches.push_back(
      {SensorGlitch::Kind::kSpike, kStart + seconds(2), kTemperatureChannel, 1, 999.0});
  MachineSimulator sim(spec, 1, kStart);
  std::vector<SampleBatch> out;
  for (int i = 0; i < 3; ++i) sim.Step(seconds(1), out);
  int nans = 0, spikes = 0;
  for (const auto& b : out) {
    for (float v : b.values) {
      nans += std::isnan(v);
      spikes += v == 999.0f;
    }
  }
  EXPECT_EQ(nans, 10);
  EXPECT_EQ(spikes, 1);
}

}  // namespace
}  // namespace edgeloop::sim
