#include "edge/asset_pipeline.h"

#include <gtest/gtest.h>

#include "sim/machine_simulator.h"

namespace edgeloop::edge {
namespace {

using std::chrono::seconds;
const Timestamp kT0 = FromNanos(1767592800'000'000'000);
// The gateway clock the quality gate checks sample times against: past every simulated sample.
const SimulatedClock kClock(kT0 + std::chrono::hours(1));

sim::MachineSpec Spec() {
  sim::MachineSpec spec;
  spec.asset = {"pump-1", "pump", 1770, Bearing6205()};
  spec.vanes = 5;
  return spec;
}

PipelineConfig Config() {
  PipelineConfig c;
  c.detector.warmup_windows = 10;
  return c;
}

// Runs `spec` for `duration` through a pipeline and collects everything it produced.
struct SimRun {
  PipelineOutput all;
  AssetStats stats;
};
SimRun Simulate(const sim::MachineSpec& spec, Duration duration, uint64_t seed) {
  auto pipeline = AssetPipeline::Create(spec.asset, Config(), kClock);
  EXPECT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  sim::MachineSimulator machine(spec, seed, kT0);
  SimRun run;
  PipelineOutput out;
  while (machine.Now() < kT0 + duration) {
    std::vector<SampleBatch> batches;
    machine.Step(std::chrono::milliseconds(250), batches);
    for (const auto& b : batches) {
      EXPECT_TRUE((*pipeline)->Process(b, out).ok());
      for (auto& w : out.windows) run.all.windows.push_back(w);
      for (auto& q : out.quarantine) run.all.quarantine.push_back(q);
      for (auto& a : out.alert_changes) run.all.alert_changes.push_back(a);
      out.Clear();
    }
  }
  run.stats = (*pipeline)->stats();
  return run;
}

TEST(AssetPipelineTest, HealthyMachineLearnsThenScoresWithoutAlerts) {
  SimRun run = Simulate(Spec(), seconds(40), 1);
  EXPECT_EQ(run.stats.windows_learning, 10u);
  EXPECT_EQ(run.stats.windows_scored, 30u);
  EXPECT_EQ(run.stats.alerts_opened, 0u);
  ASSERT_EQ(run.all.windows.size(), 40u);
  const auto& w = run.all.windows.back();
  EXPECT_EQ(w.features.size(),
            (*AssetPipeline::Create(Spec().asset, Config(), kClock))->feature_names().size());
  EXPECT_EQ(w.features.back().first, "temp_c");
  EXPECT_GT(w.features.back().second, 30) << "temperature joined to the vibration window";
  EXPECT_LT(*w.score, 6);
}

TEST(AssetPipelineTest, BearingFaultRaisesAnAlertAfterOnset) {
  sim::MachineSpec spec = Spec();
  spec.fault = sim::BearingFault{kT0 + seconds(20), seconds(15), 2.0};
  SimRun run = Simulate(spec, seconds(45), 2);
  ASSERT_EQ(run.stats.alerts_opened, 1u);
  ASSERT_EQ(run.all.alert_changes.size(), 1u);
  const store::AlertRecord& alert = run.all.alert_changes[0].alert;
  EXPECT_GT(alert.opened, kT0 + seconds(20));
  EXPECT_LT(alert.opened, kT0 + seconds(35));
  EXPECT_GE(alert.peak_score, 6);
  EXPECT_EQ(run.stats.diagnosis, "outer_race") << "the alert says what is wrong";
  EXPECT_EQ(alert.diagnosis.rfind("outer_race (", 0), 0u) << alert.diagnosis;
  EXPECT_FALSE(alert.top_feature.empty());
}

TEST(AssetPipelineTest, GlitchesAreQuarantinedAndTheirWindowsRejectedNotScored) {
  sim::MachineSpec spec = Spec();
  using K = sim::SensorGlitch::Kind;
  spec.glitches = {{K::kSpike, kT0 + seconds(15), sim::kVibrationChannel, 3, 120.0},
                   {K::kNanBurst, kT0 + seconds(22) + std::chrono::milliseconds(500),
                    sim::kVibrationChannel, 40, 0},
                   {K::kSpike, kT0 + seconds(25), sim::kTemperatureChannel, 1, 999.0}};
  SimRun run = Simulate(spec, seconds(30), 3);
  EXPECT_EQ(run.stats.windows_rejected, 2u);
  EXPECT_EQ(run.stats.quarantined_samples, 3u + 40u + 1u);
  EXPECT_EQ(run.stats.alerts_opened, 0u) << "sensor glitches must not look like machine faults";
  ASSERT_EQ(run.all.quarantine.size(), 3u);
  EXPECT_EQ(run.all.quarantine[0].rule, "out_of_range");
  EXPECT_EQ(run.all.quarantine[0].raw, std::vector<float>(3, 120.0f));
  EXPECT_NE(run.all.quarantine[0].detail.find("[-50, 50] g"), std::string::npos);
  EXPECT_EQ(run.all.quarantine[1].rule, "not_finite");
}

TEST(AssetPipelineTest, RefusesForeignOrMismatchedBatches) {
  auto pipeline = AssetPipeline::Create(Spec().asset, Config(), kClock);
  ASSERT_TRUE(pipeline.ok());
  PipelineOutput out;
  SampleBatch b;
  b.asset = "other";
  b.channel = "vib";
  b.sample_rate_hz = 25600;
  b.values = {0.1f};
  EXPECT_EQ((*pipeline)->Process(b, out).code(), StatusCode::kInvalidArgument);
  b.asset = "pump-1";
  b.sample_rate_hz = 12800;
  Status s = (*pipeline)->Process(b, out);
  EXPECT_NE(s.message().find("sample rate 12800 Hz, configured 25600 Hz"), std::string::npos);
}

TEST(AssetPipelineTest, RejectsBadConfig) {
  PipelineConfig c = Config();
  c.window_s = 0;
  auto p = AssetPipeline::Create(Spec().asset, c, kClock);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("window length"), std::string::npos);
}

TEST(AssetPipelineTest, GapsBecomeQualityEventsForTheStore) {
  auto pipeline = AssetPipeline::Create(Spec().asset, Config(), kClock);
  ASSERT_TRUE(pipeline.ok());
  sim::MachineSimulator machine(Spec(), 4, kT0);
  PipelineOutput out;
  std::vector<store::QualityEventRecord> events;
  for (int step = 0; step < 20; ++step) {
    std::vector<SampleBatch> batches;
    machine.Step(std::chrono::milliseconds(500), batches);
    if (step == 9) continue;  // the link drops half a second of data
    for (const SampleBatch& b : batches) {
      ASSERT_TRUE((*pipeline)->Process(b, out).ok());
      events.insert(events.end(), out.quality_events.begin(), out.quality_events.end());
      out.Clear();
    }
  }
  bool vibration_gap = false;
  for (const auto& e : events) {
    if (e.rule == "gap" && e.channel == sim::kVibrationChannel) {
      vibration_gap = true;
      EXPECT_EQ(e.asset, "pump-1");
      EXPECT_GE(e.end - e.start, std::chrono::milliseconds(450));
    }
  }
  EXPECT_TRUE(vibration_gap) << events.size() << " events, none a vibration gap";
}

}  // namespace
}  // namespace edgeloop::edge
