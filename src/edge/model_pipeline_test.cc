// AssetPipeline with production and shadow ONNX models: alerts, shadow statistics, hot swap.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "edge/asset_pipeline.h"
#include "edge/model_slot.h"
#include "edge/model_test_util.h"

namespace edgeloop::edge {
namespace {

using std::chrono::seconds;
using testing::AsBytes;
using testing::kClock;
using testing::kT0;
using testing::PumpSpec;

std::vector<std::string> PipelineFeatures() {
  return (*AssetPipeline::Create(PumpSpec().asset, PipelineConfig{}, kClock))->feature_names();
}

std::shared_ptr<const EdgeModel> LoadModel(const std::string& bytes) {
  auto m = EdgeModel::FromBytes(AsBytes(bytes), "test.onnx", "", PipelineFeatures());
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? *m : nullptr;
}

// Two PCA models trained on different healthy runs (shared by the tests: training takes time).
class ModelPipelineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    a_ = new std::shared_ptr<const EdgeModel>(LoadModel(testing::TrainPcaModel(21)));
    b_ = new std::shared_ptr<const EdgeModel>(LoadModel(testing::TrainPcaModel(22)));
  }
  static void TearDownTestSuite() {
    delete a_;
    delete b_;
  }
  static std::unique_ptr<AssetPipeline> Pipeline(std::shared_ptr<ModelSlots> slots) {
    PipelineConfig config;
    config.models = std::move(slots);
    auto p = AssetPipeline::Create(PumpSpec().asset, config, kClock);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? std::move(p).value() : nullptr;
  }
  static std::shared_ptr<const EdgeModel>* a_;
  static std::shared_ptr<const EdgeModel>* b_;
};
std::shared_ptr<const EdgeModel>* ModelPipelineTest::a_ = nullptr;
std::shared_ptr<const EdgeModel>* ModelPipelineTest::b_ = nullptr;

struct Collected {
  std::vector<store::WindowRecord> windows;
  std::vector<PipelineOutput::AlertChange> alerts;
};
Collected Collect(AssetPipeline& p, const sim::MachineSpec& spec, int secs, uint64_t seed) {
  Collected c;
  testing::Feed(p, spec, secs, seed, [&](PipelineOutput& out) {
    for (auto& w : out.windows) c.windows.push_back(std::move(w));
    for (auto& a : out.alert_changes) c.alerts.push_back(std::move(a));
  });
  return c;
}

TEST_F(ModelPipelineTest, ProductionModelScoresHealthyDataWithoutAlerts) {
  ASSERT_TRUE(*a_ && *b_);
  auto p = Pipeline(std::make_shared<ModelSlots>(*a_));
  Collected c = Collect(*p, PumpSpec(), 30, /*seed=*/3);
  ASSERT_EQ(c.windows.size(), 30u);
  EXPECT_EQ(p->stats().windows_scored, 30u) << "no warm-up: the model is already trained";
  EXPECT_EQ(p->stats().windows_learning, 0u);
  EXPECT_EQ(p->stats().alerts_opened, 0u);
  EXPECT_TRUE(c.alerts.empty());
  EXPECT_EQ(p->stats().model_version, (*a_)->version());
  for (const auto& w : c.windows) {
    EXPECT_EQ(w.detector, (*a_)->version());
    EXPECT_EQ(w.status, store::WindowStatus::kScored);
    EXPECT_EQ(w.features.size(), PipelineFeatures().size());
  }
  EXPECT_EQ(p->shadow_stats().n(), 0u) << "no shadow model";
}

TEST_F(ModelPipelineTest, ProductionModelAlertsOnBearingFaultWithEvidence) {
  sim::MachineSpec spec = PumpSpec();
  spec.fault = sim::BearingFault{kT0 + seconds(15), seconds(10), 2.0};
  auto p = Pipeline(std::make_shared<ModelSlots>(*a_));
  Collected c = Collect(*p, spec, 35, /*seed=*/4);
  ASSERT_GE(c.alerts.size(), 1u);
  const PipelineOutput::AlertChange& open = c.alerts[0];
  EXPECT_EQ(open.decision, AlertLogic::Decision::kOpen);
  EXPECT_GT(open.alert.opened, kT0 + seconds(15));
  EXPECT_EQ(open.alert.detector, (*a_)->version());
  EXPECT_GE(open.alert.peak_score, 1.0) << "normalized: 1 is the model's threshold";
  EXPECT_EQ(open.evidence_waveform.size(), 25600u) << "the window that opened the alert";
  EXPECT_EQ(open.evidence_channel, sim::kVibrationChannel);
  EXPECT_EQ(open.evidence_rate_hz, 25600);
  EXPECT_EQ(open.evidence_start + seconds(1), open.alert.opened);
  int false_alarms = 0;
  for (const auto& w : c.windows) false_alarms += w.end <= kT0 + seconds(15) && *w.score >= 1.0;
  EXPECT_LE(false_alarms, 1) << "healthy windows before the onset stay below the threshold";
}

TEST_F(ModelPipelineTest, ShadowNeverAlertsAndIdenticalShadowAgreesFully) {
  auto slots = std::make_shared<ModelSlots>(*a_, *a_);
  auto p = Pipeline(slots);
  sim::MachineSpec spec = PumpSpec();
  spec.fault = sim::BearingFault{kT0 + seconds(10), seconds(5), 2.0};
  Collected c = Collect(*p, spec, 25, /*seed=*/5);
  const ShadowStats& s = p->shadow_stats();
  EXPECT_EQ(s.n(), 25u);
  EXPECT_DOUBLE_EQ(s.agreement(), 1.0);
  ASSERT_TRUE(s.correlation().has_value());
  EXPECT_NEAR(*s.correlation(), 1.0, 1e-12);
  EXPECT_DOUBLE_EQ(s.mean_abs_normalized_difference(), 0.0);
  EXPECT_GT(s.production_alert_rate(), 0.0) << "the fault is seen by both";
  // One alert from production only: a shadow alarming on the same windows adds none.
  EXPECT_EQ(p->stats().alerts_opened, 1u);
  EXPECT_EQ(p->stats().shadow_version, (*a_)->version());
}

TEST_F(ModelPipelineTest, ShadowStatsMatchAnIndependentScorer) {
  auto p = Pipeline(std::make_shared<ModelSlots>(*a_, *b_));
  auto shadow = EdgeModel::Scorer::Create(*b_);
  auto prod = EdgeModel::Scorer::Create(*a_);
  ASSERT_TRUE(shadow.ok() && prod.ok());
  sim::MachineSpec spec = PumpSpec();
  spec.fault = sim::BearingFault{kT0 + seconds(8), seconds(8), 1.5};
  Collected c = Collect(*p, spec, 20, /*seed=*/6);
  ShadowStats expected;
  for (const auto& w : c.windows) {
    std::vector<double> row;
    for (const auto& [name, v] : w.features) row.push_back(v);
    const double x = *prod->Score(row), y = *shadow->Score(row);
    EXPECT_NEAR(prod->Normalized(x), *w.score, 1e-12) << "the record carries the production score";
    expected.Add(x, prod->Normalized(x), y, shadow->Normalized(y));
  }
  const ShadowStats& s = p->shadow_stats();
  ASSERT_EQ(s.n(), 20u);
  EXPECT_DOUBLE_EQ(s.agreement(), expected.agreement());
  EXPECT_DOUBLE_EQ(s.shadow_alert_rate(), expected.shadow_alert_rate());
  EXPECT_NEAR(*s.correlation(), *expected.correlation(), 1e-12);
  EXPECT_LT(*s.correlation(), 1.0) << "different models";
  EXPECT_EQ(s.ToJson()["shadow_version"], (*b_)->version());
}

TEST_F(ModelPipelineTest, UnusableSwapKeepsTheOldModelAndProductionCannotBeEmptied) {
  auto slots = std::make_shared<ModelSlots>(*a_);
  auto p = Pipeline(slots);
  EXPECT_FALSE(slots->production.Swap(nullptr).ok());
  // A model loaded for another feature list cannot index this pipeline's vector.
  std::vector<std::string> other = PipelineFeatures();
  other.push_back("extra");
  auto mismatched = EdgeModel::FromBytes(AsBytes(testing::TrainPcaModel(23, 30)), "m", "", other);
  ASSERT_TRUE(mismatched.ok()) << mismatched.status().ToString();
  ASSERT_TRUE(slots->production.Swap(*mismatched).ok());
  Collect(*p, PumpSpec(), 5, 7);
  EXPECT_EQ(p->stats().windows_scored, 5u);
  EXPECT_EQ(p->stats().model_swap_errors, 1u);
  EXPECT_EQ(p->stats().model_version, (*a_)->version());

  PipelineConfig config;
  config.models = std::make_shared<ModelSlots>(*mismatched);
  EXPECT_FALSE(AssetPipeline::Create(PumpSpec().asset, config, kClock).ok());
}

TEST_F(ModelPipelineTest, WindowTheModelCannotScoreIsRejectedAndCounted) {
  // This model needs the temperature; without temperature readings the feature is NaN.
  auto with_temp = LoadModel(testing::TrainPcaModel(24, 60, PipelineFeatures()));
  ASSERT_TRUE(with_temp);
  auto p = Pipeline(std::make_shared<ModelSlots>(with_temp));
  sim::MachineSimulator machine(PumpSpec(), 10, kT0);
  PipelineOutput out;
  std::vector<store::WindowRecord> windows;
  std::vector<SampleBatch> batches;
  while (machine.Now() < kT0 + seconds(6)) {
    batches.clear();
    machine.Step(std::chrono::milliseconds(250), batches);
    for (const SampleBatch& b : batches) {
      if (b.kind == ChannelKind::kTemperature) continue;
      ASSERT_TRUE(p->Process(b, out).ok());
      for (auto& w : out.windows) windows.push_back(std::move(w));
      out.Clear();
    }
  }
  ASSERT_EQ(windows.size(), 6u);
  for (const auto& w : windows) {
    EXPECT_EQ(w.status, store::WindowStatus::kRejected);
    EXPECT_FALSE(w.score.has_value());
    EXPECT_EQ(w.detector, with_temp->version());
  }
  EXPECT_EQ(p->stats().windows_score_errors, 6u);
  EXPECT_EQ(p->stats().windows_rejected, 6u);
  EXPECT_EQ(p->stats().windows_scored, 0u);
}

// One thread feeds windows continuously while another swaps the production model 50 times:
// every window is scored, by one model or the other, and the swaps are seen.
TEST_F(ModelPipelineTest, HotSwapUnderLoadScoresEveryWindow) {
  constexpr int kWindows = 80;
  constexpr int kSwaps = 50;
  auto slots = std::make_shared<ModelSlots>(*a_, *b_);
  auto p = Pipeline(slots);
  std::atomic<int> windows_done{0};
  std::set<std::string> versions;
  uint64_t rejected = 0;
  std::thread feeder([&] {
    testing::Feed(*p, PumpSpec(), kWindows, /*seed=*/8, [&](PipelineOutput& out) {
      for (const auto& w : out.windows) {
        versions.insert(w.detector);
        rejected += w.status != store::WindowStatus::kScored;
      }
      windows_done.fetch_add(static_cast<int>(out.windows.size()));
    });
  });
  std::thread swapper([&] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
    for (int i = 0; i < kSwaps; ++i) {
      // Paced by the feeder's progress (not by sleeping) so the swaps spread over the run.
      while (windows_done.load() < i * kWindows / (2 * kSwaps) &&
             std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
      }
      EXPECT_TRUE(slots->production.Swap(i % 2 == 0 ? *b_ : *a_).ok());
      EXPECT_TRUE(slots->shadow.Swap(i % 2 == 0 ? *a_ : *b_).ok());
    }
  });
  feeder.join();
  swapper.join();
  const AssetStats& st = p->stats();
  EXPECT_EQ(windows_done.load(), kWindows);
  EXPECT_EQ(st.windows_scored, static_cast<uint64_t>(kWindows)) << "no window left unscored";
  EXPECT_EQ(rejected, 0u);
  EXPECT_EQ(st.windows_score_errors, 0u);
  EXPECT_EQ(st.model_swap_errors, 0u);
  RecordProperty("model_swaps_seen", static_cast<int>(st.model_swaps));
  EXPECT_GE(st.model_swaps, 1u);
  EXPECT_LE(st.model_swaps, static_cast<uint64_t>(kSwaps));
  EXPECT_EQ(versions, (std::set<std::string>{(*a_)->version(), (*b_)->version()}));
  EXPECT_EQ(slots->production.Get().model, *a_) << "the last swap installed a";
  EXPECT_GT(slots->production.generation(), static_cast<uint64_t>(kSwaps));
}

}  // namespace
}  // namespace edgeloop::edge
