// The simulator and the analysis agree: each of the six faults that `sim` puts into a machine is
// the fault that `dsp` diagnoses, and the envelope finds a race defect's frequency within 1 % of
// the kinematics.
// (The dsp unit tests use their own synthetic signals; this checks the two real subsystems.)
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "common/asset.h"
#include "dsp/signal_analyzer.h"
#include "sim/machine_presets.h"
#include "sim/machine_simulator.h"

namespace edgeloop {
namespace {

struct Case {
  sim::FaultKind fault;
  dsp::Condition expected;
};

class SimDiagnosisTest : public ::testing::TestWithParam<Case> {};

TEST_P(SimDiagnosisTest, SimulatedFaultIsDiagnosedWithItsDefectFrequency) {
  const Case& c = GetParam();
  auto spec = sim::TypicalMachine("motor", "motor-1");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  const Timestamp t0 = FromNanos(1767592800'000'000'000);
  spec->faults.push_back({c.fault, t0, Duration(0), sim::GrowthCurve::kLinear, 2, 0});
  sim::MachineSimulator machine(*spec, 42, t0);
  std::vector<float> vib;
  for (int i = 0; i < 8; ++i) {
    std::vector<SampleBatch> out;
    machine.Step(std::chrono::seconds(1), out);
    for (const SampleBatch& b : out) {
      if (b.kind == ChannelKind::kVibration)
        vib.insert(vib.end(), b.values.begin(), b.values.end());
    }
  }
  dsp::MachineContext ctx;
  ctx.sample_rate_hz = spec->vibration_rate_hz;
  ctx.shaft_hz = spec->asset.shaft_rpm / 60;
  ctx.bearing = ComputeBearingOrders(spec->asset.bearing);
  auto analysis = dsp::AnalyzeSignal(std::span<const float>(vib), ctx);
  ASSERT_TRUE(analysis.ok()) << analysis.status().ToString();
  EXPECT_EQ(analysis->diagnosis.condition, c.expected)
      << "diagnosed " << dsp::ConditionName(analysis->diagnosis.condition) << " for simulated "
      << sim::FaultKindName(c.fault);

  const dsp::EnvelopePeak* peak = nullptr;
  if (c.fault == sim::FaultKind::kOuterRace) peak = &analysis->envelope.bpfo;
  if (c.fault == sim::FaultKind::kInnerRace) peak = &analysis->envelope.bpfi;
  if (peak) {
    const double error = (peak->measured_hz - peak->theoretical_hz) / peak->theoretical_hz;
    EXPECT_LT(std::abs(error), 0.01) << peak->measured_hz << " Hz vs " << peak->theoretical_hz;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Faults, SimDiagnosisTest,
    ::testing::Values(Case{sim::FaultKind::kOuterRace, dsp::Condition::kOuterRace},
                      Case{sim::FaultKind::kInnerRace, dsp::Condition::kInnerRace},
                      Case{sim::FaultKind::kRollingElement, dsp::Condition::kRollingElement},
                      Case{sim::FaultKind::kImbalance, dsp::Condition::kImbalance},
                      Case{sim::FaultKind::kMisalignment, dsp::Condition::kMisalignment},
                      Case{sim::FaultKind::kLooseness, dsp::Condition::kLooseness}),
    [](const ::testing::TestParamInfo<Case>& info) {
      return std::string(sim::FaultKindName(info.param.fault));
    });

TEST(SimDiagnosisTest, HealthySimulatedMachineIsHealthy) {
  auto spec = sim::TypicalMachine("pump", "pump-1");
  ASSERT_TRUE(spec.ok());
  const Timestamp t0 = FromNanos(1767592800'000'000'000);
  sim::MachineSimulator machine(*spec, 7, t0);
  std::vector<float> vib;
  std::vector<SampleBatch> out;
  machine.Step(std::chrono::seconds(8), out);
  for (const SampleBatch& b : out) {
    if (b.kind == ChannelKind::kVibration) vib.insert(vib.end(), b.values.begin(), b.values.end());
  }
  dsp::MachineContext ctx;
  ctx.sample_rate_hz = spec->vibration_rate_hz;
  ctx.shaft_hz = spec->asset.shaft_rpm / 60;
  ctx.bearing = ComputeBearingOrders(spec->asset.bearing);
  auto analysis = dsp::AnalyzeSignal(std::span<const float>(vib), ctx);
  ASSERT_TRUE(analysis.ok());
  EXPECT_EQ(analysis->diagnosis.condition, dsp::Condition::kHealthy);
}

}  // namespace
}  // namespace edgeloop
