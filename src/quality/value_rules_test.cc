// Stuck and spike rules through the gate, on hand-made batches with known answers.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "quality/gate_test_util.h"
#include "quality/quality_gate.h"

namespace edgeloop::quality {
namespace {

using std::chrono::seconds;
using test::Batch;
using test::kT0;
using test::RulesOf;

// Values that never repeat and have no outliers: 0.1 g noise around a slow sine.
std::vector<float> Noise(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 0.05);
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) {
    v[i] = static_cast<float>(0.2 * std::sin(0.01 * static_cast<double>(i)) +
                              std::clamp(normal(rng), -0.15, 0.15));
  }
  return v;
}

QualityConfig OnlyValueRules() {
  QualityConfig c;
  c.vibration.stuck.min_run = 5;
  c.temperature.stuck.min_run = 5;
  c.clock.check_future = false;
  return c;
}

TEST(QualityStuckRuleTest, FlagsTheWholeRunOnceItIsLongEnoughWithinABatch) {
  SimulatedClock clock(kT0);
  QualityGate gate(OnlyValueRules(), clock);
  std::vector<float> v = Noise(20, 1);
  for (size_t i = 8; i < 15; ++i) v[i] = 0.25f;     // 7 equal readings
  v[11] = std::numeric_limits<float>::quiet_NaN();  // a NaN inside does not break the run
  const auto rules = RulesOf(gate.Check(Batch(ChannelKind::kVibration, 1000, kT0, v)), v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string expected = i == 11 ? "not_finite" : (i >= 8 && i < 15 ? "stuck" : "");
    EXPECT_EQ(rules[i], expected) << i;
  }
  // A run one shorter than min_run passes.
  std::vector<float> w = Noise(20, 2);
  for (size_t i = 3; i < 7; ++i) w[i] = 0.3f;
  EXPECT_TRUE(gate.Check(Batch(ChannelKind::kVibration, 1000, kT0 + seconds(1), w)).empty());
}

TEST(QualityStuckRuleTest, RunContinuesAcrossBatchBoundaries) {
  SimulatedClock clock(kT0);
  QualityGate gate(OnlyValueRules(), clock);
  std::vector<float> a = Noise(10, 3);
  for (size_t i = 7; i < 10; ++i) a[i] = 21.5f;  // 3 equal readings end batch a
  std::vector<float> b = Noise(6, 4);
  for (size_t i = 0; i < 4; ++i) b[i] = 21.5f;  // ... 4 more begin batch b
  EXPECT_TRUE(gate.Check(Batch(ChannelKind::kVibration, 1000, kT0, a)).empty());
  const auto rules = RulesOf(
      gate.Check(Batch(ChannelKind::kVibration, 1000, kT0 + std::chrono::milliseconds(10), b)),
      b.size());
  // The run reaches 5 at b[1]: b[0..3] are flagged; a[7..9] were already passed on.
  EXPECT_EQ(rules, (std::vector<std::string>{"stuck", "stuck", "stuck", "stuck", "", ""}));
}

TEST(QualitySpikeRuleTest, WaveformSpikeIsFlaggedAloneAndTheBatchTailWaitsForNoOne) {
  SimulatedClock clock(kT0);
  QualityGate gate(OnlyValueRules(), clock);
  std::vector<float> v = Noise(400, 5);
  v[100] += 3.0f;  // single-sample spike
  v[200] -= 2.0f;  // two-sample spike
  v[201] -= 2.5f;
  v[398] += 3.0f;  // in the last half_window: not judged (no right side)
  const auto rules = RulesOf(gate.Check(Batch(ChannelKind::kVibration, 1000, kT0, v)), v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const bool spike = i == 100 || i == 200 || i == 201;
    EXPECT_EQ(rules[i], spike ? "spike" : "") << i;
  }
  // Across the boundary: a spike at the start of the next batch has its left neighbours.
  std::vector<float> w = Noise(100, 6);
  w[1] += 3.0f;
  const auto next = RulesOf(
      gate.Check(Batch(ChannelKind::kVibration, 1000, kT0 + std::chrono::milliseconds(400), w)),
      w.size());
  EXPECT_EQ(next[1], "spike");
  EXPECT_EQ(std::count(next.begin(), next.end(), "spike"), 1);
}

TEST(QualitySpikeRuleTest, RingingImpactIsNotASpike) {
  // A bearing impact rings a structural resonance for many samples: a real signal, not a sensor
  // fault. Two-pole resonators as in the simulator (damping 0.05) at the demo's resonances.
  for (double resonance_hz : {2500.0, 3200.0, 3500.0, 4500.0}) {
    SimulatedClock clock(kT0);
    QualityGate gate(OnlyValueRules(), clock);
    const double fs = 25600, zeta = 0.05, w0 = 2 * 3.14159265358979 * resonance_hz;
    const double r = std::exp(-zeta * w0 / fs);
    const double a1 = 2 * r * std::cos(w0 * std::sqrt(1 - zeta * zeta) / fs), a2 = -r * r;
    std::vector<float> v = Noise(2000, 7);
    double y1 = 0, y2 = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      const double impulse = (i % 250 == 100) ? 1.5 + 0.004 * static_cast<double>(i) : 0;
      const double y = a1 * y1 + a2 * y2 + impulse;
      y2 = y1;
      y1 = y;
      v[i] += static_cast<float>(y);
    }
    EXPECT_TRUE(gate.Check(Batch(ChannelKind::kVibration, fs, kT0, v)).empty()) << resonance_hz;
  }
}

TEST(QualitySpikeRuleTest, ScalarSpikeAgainstPreviousReadingsOneReadingPerBatch) {
  SimulatedClock clock(kT0);
  QualityGate gate(OnlyValueRules(), clock);
  std::vector<std::string> rules;
  for (int i = 0; i < 40; ++i) {
    float value = 40.0f + 0.05f * static_cast<float>(i % 3);
    if (i == 20) value = 45;  // spike
    if (i >= 30) value += 3;  // a real step: flagged until the history has taken it in
    const auto runs = gate.Check(Batch(ChannelKind::kTemperature, 1, kT0 + seconds(i), {value}));
    rules.push_back(RulesOf(runs, 1)[0]);
  }
  for (int i = 0; i < 40; ++i) {
    const bool spike = i == 20 || (i >= 30 && i < 35);  // half_window = 5 readings of the step
    EXPECT_EQ(rules[i], spike ? "spike" : "") << i;
  }
}

}  // namespace
}  // namespace edgeloop::quality
