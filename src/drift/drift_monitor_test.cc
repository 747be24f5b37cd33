#include "drift/drift_monitor.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace edgeloop::drift {
namespace {

constexpr size_t kFeatures = 3;  // "a", "b", "c"

// Reference: 20-bin histograms of 20000 N(0, 1) values per feature, as the trainers record.
model::ModelMetadata Metadata(bool with_spectrum = false) {
  model::ModelMetadata m;
  std::mt19937_64 rng(99);
  std::normal_distribution<double> normal;
  for (const char* name : {"a", "b", "c"}) {
    m.features.push_back({name, ""});
    std::vector<double> values(20000);
    for (double& v : values) v = normal(rng);
    m.reference_histograms.push_back(model::MakeHistogram(values, 20));
  }
  if (with_spectrum) {
    m.reference_spectrum.assign(256, 1e-3);
    m.reference_spectrum[50] += 1;
    m.reference_spectrum_bin_hz = 4.0;
  }
  return m;
}

Timestamp At(int64_t i) { return Timestamp(std::chrono::seconds(1'700'000'000 + i)); }

// Feeds `n` windows with N(0, 1) features, feature `shifted` moved by `shift`σ.
void Feed(DriftMonitor& monitor, std::mt19937_64& rng, int n, int shifted, double shift,
          std::vector<DriftEvent>* events) {
  std::normal_distribution<double> normal;
  for (int i = 0; i < n; ++i) {
    double f[kFeatures];
    for (size_t j = 0; j < kFeatures; ++j) {
      f[j] = normal(rng) + (static_cast<int>(j) == shifted ? shift : 0.0);
    }
    auto out = monitor.Add({.time = At(monitor.window_count()), .features = f});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    events->insert(events->end(), out->begin(), out->end());
  }
}

TEST(DriftMonitorTest, StableFeaturesGiveNoEvents) {
  auto monitor = DriftMonitor::Create("pump-1", Metadata());
  ASSERT_TRUE(monitor.ok()) << monitor.status().ToString();
  std::mt19937_64 rng(1);
  std::vector<DriftEvent> events;
  Feed(*monitor, rng, 6000, -1, 0, &events);
  EXPECT_TRUE(events.empty());
  for (size_t f = 0; f < kFeatures; ++f) {
    EXPECT_LT(monitor->last_psi()[f], 0.1);  // sampling noise ≈ 19/600
    EXPECT_LT(monitor->last_js()[f], 0.02);
  }
}

TEST(DriftMonitorTest, ModeratelyDriftedFeatureGivesOnePsiEvent) {
  auto monitor = DriftMonitor::Create("pump-1", Metadata());
  ASSERT_TRUE(monitor.ok());
  std::mt19937_64 rng(2);
  std::vector<DriftEvent> events;
  Feed(*monitor, rng, 1200, -1, 0, &events);
  ASSERT_TRUE(events.empty());
  // 0.5σ: PSI ≈ 0.3 (above 0.2), JS ≈ 0.05 bit (below 0.1): one event, not one per evaluation.
  Feed(*monitor, rng, 3000, 1, 0.5, &events);
  ASSERT_EQ(events.size(), 1u);
  const DriftEvent& e = events[0];
  EXPECT_EQ(e.kind, DriftKind::kFeaturePsi);
  EXPECT_EQ(DriftKindName(e.kind), "feature_psi");
  EXPECT_EQ(e.feature, "b");
  EXPECT_GT(e.value, 0.2);
  EXPECT_EQ(e.threshold, 0.2);
  // Evaluations run every 60 windows; the shifted share of the 600-window buffer must grow
  // before PSI crosses, but well before the buffer is all shifted.
  EXPECT_GT(e.window_count, 1200);
  EXPECT_LE(e.window_count, 1800);
  EXPECT_EQ(e.window_count % 60, 0);
  EXPECT_EQ(e.time, At(e.window_count - 1));
  EXPECT_GT(monitor->last_psi()[1], 0.2);
  EXPECT_LT(monitor->last_js()[1], 0.1);
  EXPECT_LT(monitor->last_psi()[0], 0.1);
}

TEST(DriftMonitorTest, HysteresisReArmsAfterRecovery) {
  auto monitor = DriftMonitor::Create("pump-1", Metadata());
  ASSERT_TRUE(monitor.ok());
  std::mt19937_64 rng(3);
  std::vector<DriftEvent> events;
  Feed(*monitor, rng, 1200, -1, 0, &events);
  Feed(*monitor, rng, 1200, 2, 3.0, &events);  // severe: PSI and JS, once each
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].feature, "c");
  EXPECT_EQ(events[1].feature, "c");
  EXPECT_EQ(events[0].kind, DriftKind::kFeaturePsi);
  EXPECT_EQ(events[1].kind, DriftKind::kFeatureJs);
  EXPECT_GT(events[1].value, 0.1);
  Feed(*monitor, rng, 1200, -1, 0, &events);  // recovered: no event, statistics re-arm
  EXPECT_EQ(events.size(), 2u);
  Feed(*monitor, rng, 1200, 2, 3.0, &events);  // drifts again: fires again
  EXPECT_EQ(events.size(), 4u);
}

TEST(DriftMonitorTest, NoEvaluationBeforeTheBufferIsFull) {
  auto monitor = DriftMonitor::Create("pump-1", Metadata());
  ASSERT_TRUE(monitor.ok());
  std::mt19937_64 rng(4);
  std::vector<DriftEvent> events;
  Feed(*monitor, rng, 599, 0, 5.0, &events);
  EXPECT_TRUE(events.empty());
  EXPECT_TRUE(std::isnan(monitor->last_psi()[0]));
  Feed(*monitor, rng, 1, 0, 5.0, &events);
  EXPECT_EQ(events.size(), 2u);  // PSI and JS on "a"
}

TEST(DriftMonitorTest, ScorePageHinkleyFiresOnAScoreShift) {
  auto monitor = DriftMonitor::Create("pump-1", Metadata());
  ASSERT_TRUE(monitor.ok());
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  std::vector<DriftEvent> events;
  for (int i = 0; i < 3000; ++i) {
    double f[kFeatures] = {normal(rng), normal(rng), normal(rng)};
    double score = 0.3 + 0.05 * normal(rng) + (i >= 1000 ? 0.1 : 0.0);  // +2σ from 1000 on
    auto out = monitor->Add({.time = At(i), .features = f, .score = score});
    ASSERT_TRUE(out.ok());
    events.insert(events.end(), out->begin(), out->end());
  }
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, DriftKind::kScorePageHinkley);
  EXPECT_EQ(events[0].feature, "increase");
  EXPECT_GT(events[0].value, events[0].threshold);
  EXPECT_GT(events[0].window_count, 1000);
  EXPECT_LE(events[0].window_count, 1100);
}

std::vector<double> Tone(size_t bins, size_t at) {
  std::vector<double> s(bins, 1e-3);
  s[at] += 1;
  return s;
}

TEST(DriftMonitorTest, SpectrumShiftGivesOneEvent) {
  auto monitor = DriftMonitor::Create("pump-1", Metadata(/*with_spectrum=*/true));
  ASSERT_TRUE(monitor.ok());
  std::vector<DriftEvent> events;
  double f[kFeatures] = {0, 0, 0};
  for (int i = 0; i < 480; ++i) {
    // Same tone at 200 Hz on a finer grid first (resampled), then shifted to 260 Hz.
    auto spectrum = i < 240 ? Tone(512, 100) : Tone(512, 130);
    auto out =
        monitor->Add({.time = At(i), .features = f, .spectrum = spectrum, .spectrum_bin_hz = 2.0});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    events.insert(events.end(), out->begin(), out->end());
  }
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, DriftKind::kSpectrumJs);
  EXPECT_EQ(events[0].window_count, 300);
  EXPECT_GT(events[0].value, 0.5);
}

TEST(DriftMonitorTest, ClearErrors) {
  model::ModelMetadata none = Metadata();
  none.reference_histograms.clear();
  auto no_ref = DriftMonitor::Create("p", none);
  EXPECT_EQ(no_ref.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(no_ref.status().message().find("no reference histograms"), std::string::npos);

  model::ModelMetadata fewer = Metadata();
  fewer.reference_histograms.pop_back();
  EXPECT_EQ(DriftMonitor::Create("p", fewer).status().code(), StatusCode::kInvalidArgument);

  model::ModelMetadata bad = Metadata();
  bad.reference_histograms[1].edges[3] = bad.reference_histograms[1].edges[2];
  auto bad_result = DriftMonitor::Create("p", bad);
  EXPECT_EQ(bad_result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_result.status().message().find("'b'"), std::string::npos);

  EXPECT_FALSE(DriftMonitor::Create("p", Metadata(), {.window_capacity = 0}).ok());
  EXPECT_FALSE(DriftMonitor::Create("p", Metadata(), {.psi_threshold = -1}).ok());

  auto monitor = DriftMonitor::Create("p", Metadata());
  ASSERT_TRUE(monitor.ok());
  double two[2] = {0, 0};
  EXPECT_EQ(monitor->Add({.features = two}).status().code(), StatusCode::kInvalidArgument);
  double three[3] = {0, 0, 0};
  std::vector<double> spectrum = {1, 2};
  auto no_spectrum = monitor->Add({.features = three, .spectrum = spectrum, .spectrum_bin_hz = 1});
  EXPECT_EQ(no_spectrum.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(monitor->window_count(), 0);  // rejected observations are not counted

  auto with = DriftMonitor::Create("p", Metadata(true));
  ASSERT_TRUE(with.ok());
  std::vector<double> negative = {1, -2};
  EXPECT_EQ(
      with->Add({.features = three, .spectrum = negative, .spectrum_bin_hz = 1}).status().code(),
      StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace edgeloop::drift
