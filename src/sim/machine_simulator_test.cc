#include "sim/machine_simulator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <span>

#include "sim/sim_test_util.h"

namespace edgeloop::sim {
namespace {

using std::chrono::seconds;
using test_util::Amplitude;
using test_util::kStart;
using test_util::PumpSpec;

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

TEST(MachineSimulatorTest, OutputDoesNotDependOnHowTheRunIsCutIntoSteps) {
  MachineSpec spec = PumpSpec();
  spec.faults.push_back(
      {FaultKind::kInnerRace, kStart + std::chrono::milliseconds(700), seconds(1)});
  spec.profile.modes = {{seconds(1), 1770, 0.7}, {seconds(2), 2400, 0.9}};
  spec.profile.ramp = std::chrono::milliseconds(500);
  MachineSimulator a(spec, 9, kStart), b(spec, 9, kStart);
  // 7.5 ms = 192 samples: steps end inside the simulator's 128-sample blocks.
  EXPECT_EQ(Collect(a, seconds(3), seconds(1), kVibrationChannel),
            Collect(b, seconds(3), std::chrono::microseconds(7500), kVibrationChannel));
  MachineSimulator c(spec, 9, kStart), d(spec, 9, kStart);
  EXPECT_EQ(Collect(c, seconds(30), seconds(3), kTemperatureChannel),
            Collect(d, seconds(30), std::chrono::milliseconds(150), kTemperatureChannel));
}

TEST(MachineSimulatorTest, FaultyMachineEqualsHealthyOneBeforeOnset) {
  MachineSpec faulty = PumpSpec();
  faulty.faults.push_back({FaultKind::kRollingElement, kStart + seconds(1), seconds(1)});
  MachineSimulator a(PumpSpec(), 4, kStart), b(faulty, 4, kStart);
  EXPECT_EQ(Collect(a, seconds(1), seconds(1), kVibrationChannel),
            Collect(b, seconds(1), seconds(1), kVibrationChannel));
  EXPECT_NE(Collect(a, seconds(1), seconds(1), kVibrationChannel),
            Collect(b, seconds(1), seconds(1), kVibrationChannel));
}

TEST(MachineSimulatorTest, SpeedChangesMoveTheShaftLinesAndTheDefectFrequencies) {
  MachineSpec spec = PumpSpec();
  spec.vibration_rate_hz = 12800;
  spec.profile.modes = {{seconds(4), 1500, 0.7}, {seconds(4), 3000, 0.7}};
  spec.profile.ramp = seconds(1);
  spec.profile.cycle = false;
  spec.faults.push_back({FaultKind::kOuterRace, kStart, Duration::zero()});
  MachineSimulator sim(spec, 11, kStart);
  std::vector<ProcessReading> process;
  std::vector<float> x;
  while (sim.Now() < kStart + seconds(8)) {
    std::vector<SampleBatch> out;
    sim.Step(std::chrono::milliseconds(250), out, &process);
    for (const auto& b : out) {
      if (b.channel == kVibrationChannel) x.insert(x.end(), b.values.begin(), b.values.end());
    }
  }
  const double fs = spec.vibration_rate_hz;
  const float* slow = x.data() + static_cast<size_t>(1 * fs);  // 1..4 s at 25 Hz
  const float* fast = x.data() + static_cast<size_t>(5 * fs);  // 5..8 s at 50 Hz
  const size_t n = static_cast<size_t>(3 * fs);
  const double slow_1x = Amplitude(std::span(slow, n), 25, fs);
  EXPECT_NEAR(slow_1x, 0.162 * (1500.0 / 1770) * (1500.0 / 1770), 0.015);
  EXPECT_LT(Amplitude(std::span(fast, n), 25, fs), 0.005) << "no line left at the old 1x";
  // Centrifugal force ~ speed^2: twice the speed, four times the 1x amplitude.
  EXPECT_NEAR(Amplitude(std::span(fast, n), 50, fs) / slow_1x, 4, 0.4);

  // The bearing defect frequency doubles too (envelope of the high-passed signal).
  const double bpfo_order = ComputeBearingOrders(Bearing6205()).bpfo;
  const auto envelope_line = [&](const float* seg, double f) {
    std::vector<float> e(n - 1);
    for (size_t i = 1; i < n; ++i) e[i - 1] = (seg[i] - seg[i - 1]) * (seg[i] - seg[i - 1]);
    const float mean = std::accumulate(e.begin(), e.end(), 0.0f) / e.size();
    for (float& v : e) v -= mean;
    return Amplitude(e, f, fs);
  };
  EXPECT_GT(envelope_line(slow, 25 * bpfo_order), 5 * envelope_line(slow, 37.5 * bpfo_order));
  EXPECT_GT(envelope_line(fast, 50 * bpfo_order), 5 * envelope_line(fast, 25 * bpfo_order));

  // The speed channel reports what the shaft does.
  ASSERT_EQ(process.size(), 8u);
  EXPECT_NEAR(process[2].speed_rpm, 1500, 3);
  EXPECT_NEAR(process[7].speed_rpm, 3000, 3);
}

TEST(MachineSimulatorTest, TemperatureLagsAndCurrentFollowsLoad) {
  MachineSpec spec = PumpSpec();
  spec.vibration_rate_hz = 256;  // only the process channels matter here
  spec.resonance_hz = 60;
  spec.vanes = 0;
  spec.profile.modes = {{seconds(600), 1770, 0.2}, {seconds(1200), 1770, 1.0}};
  spec.profile.cycle = false;
  MachineSimulator sim(spec, 12, kStart);
  std::vector<ProcessReading> p;
  std::vector<SampleBatch> out;
  sim.Step(seconds(1800), out, &p);
  ASSERT_EQ(p.size(), 1800u);
  for (const SampleBatch& b : out) {
    if (b.channel == kTemperatureChannel) {
      EXPECT_EQ(b.values[599], static_cast<float>(p[599].temperature_c));
    }
  }
  // Light load: ambient 24 + 20 x 0.2; full load: 24 + 20 x 1.0 after the lag (tau = 300 s).
  EXPECT_NEAR(p[590].temperature_c, 28, 1);
  EXPECT_LT(p[620].temperature_c - p[590].temperature_c, 2) << "the housing heats up slowly";
  EXPECT_NEAR(p[1799].temperature_c, 24 + 20 - 16 * std::exp(-1190.0 / 300), 1);
  EXPECT_GT(p[1200].temperature_c, p[900].temperature_c);
  // Current: 9 A no-load + 19 A x load, at once.
  EXPECT_NEAR(p[590].current_a, 9 + 19 * 0.2, 1);
  EXPECT_NEAR(p[620].current_a, 28, 1.2);
  EXPECT_NEAR(p[1799].current_a, 28, 1.2);
  EXPECT_NEAR(p[1000].speed_rpm, 1770, 3);
}

TEST(MachineSimulatorTest, ValidatesSpecs) {
  EXPECT_TRUE(ValidateMachineSpec(PumpSpec()).ok());
  MachineSpec s = PumpSpec();
  s.resonance_hz = 20000;
  EXPECT_FALSE(ValidateMachineSpec(s).ok());
  s = PumpSpec();
  s.asset.shaft_rpm = 0;
  EXPECT_FALSE(ValidateMachineSpec(s).ok());
  s = PumpSpec();
  s.faults.push_back({FaultKind::kLooseness, kStart, seconds(-1)});
  EXPECT_FALSE(ValidateMachineSpec(s).ok());
}

}  // namespace
}  // namespace edgeloop::sim
