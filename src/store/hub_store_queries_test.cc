// Conformance tests of the read-side aggregates: feature downsampling, feature names, window
// counts, quality counts, drift, heartbeat summaries, shadow statistics (both engines, see
// hub_store_test_fixture.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/hub_store_test_data.h"
#include "store/hub_store_test_fixture.h"

namespace edgeloop::store {
namespace {

using testdata::EnrollNode;
using testdata::IngestOne;
using testdata::kT0;

constexpr int kWindows = 1000;
constexpr TimeMs kStep = 1000;  // one window per second

HubWindowRecord Window(const std::string& asset, TimeMs start, const nlohmann::json& features,
                       std::optional<double> score) {
  return HubWindowRecord{.asset = asset,
                         .start = start,
                         .end = start + kStep,
                         .status = "scored",
                         .detector = "pump-pca@0123456789ab",
                         .score = score,
                         .top_feature = "x",
                         .features_json = features.dump()};
}

// pump-1 on gw-1: window i starts at kT0 + i s with x = i, y = null, z = i on even i only, and
// score = i / 10. Four batches of 250.
void IngestRamp(HubStore& store, int64_t tenant) {
  for (int b = 0; b < 4; ++b) {
    DecodedBatch batch{.seq = b + 1, .payload_bytes = 1000, .created = kT0};
    for (int i = b * 250; i < (b + 1) * 250; ++i) {
      nlohmann::json f = {{"x", i}, {"y", nullptr}};
      if (i % 2 == 0) f["z"] = i;
      batch.windows.push_back(Window("pump-1", kT0 + i * kStep, f, i / 10.0));
    }
    IngestOne(store, tenant, "gw-1", batch);
  }
}

// What QueryFeature must answer, computed here from the ramp: value(i) or nullopt.
template <typename ValueFn>
std::vector<FeatureBucket> Expected(TimeMs from, TimeMs to, int buckets, ValueFn value) {
  std::map<int64_t, FeatureBucket> by_bucket;
  for (int i = 0; i < kWindows; ++i) {
    const TimeMs start = kT0 + i * kStep;
    std::optional<double> v = value(i);
    if (start < from || start >= to || !v) continue;
    const int64_t k = (start - from) * buckets / (to - from);
    FeatureBucket& fb = by_bucket[k];
    if (fb.count == 0) {
      fb.start = from + k * (to - from) / buckets;
      fb.min = fb.max = *v;
    }
    fb.count++;
    fb.mean += *v;  // a sum until the end
    fb.min = std::min(fb.min, *v);
    fb.max = std::max(fb.max, *v);
  }
  std::vector<FeatureBucket> out;
  for (auto& [k, fb] : by_bucket) {
    fb.mean /= static_cast<double>(fb.count);
    out.push_back(fb);
  }
  return out;
}

void ExpectBuckets(const Result<std::vector<FeatureBucket>>& got,
                   const std::vector<FeatureBucket>& want) {
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE("bucket " + std::to_string(i));
    EXPECT_EQ((*got)[i].start, want[i].start);
    EXPECT_EQ((*got)[i].count, want[i].count);
    EXPECT_NEAR((*got)[i].mean, want[i].mean, 1e-9);
    EXPECT_NEAR((*got)[i].min, want[i].min, 1e-9);
    EXPECT_NEAR((*got)[i].max, want[i].max, 1e-9);
  }
}

TEST_P(HubStoreConformance, QueryFeatureDownsamplesIntoEqualBuckets) {
  const int64_t t = MakeTenant("acme");
  EnrollNode(store(), t, "gw-1");
  IngestRamp(store(), t);
  const TimeMs to = kT0 + kWindows * kStep;

  Result<std::vector<FeatureBucket>> x = store().QueryFeature(t, "pump-1", "x", kT0, to, 10);
  ASSERT_TRUE(x.ok()) << x.status().ToString();
  ASSERT_EQ(x->size(), 10u);
  for (int k = 0; k < 10; ++k) {
    EXPECT_EQ((*x)[k].start, kT0 + k * 100 * kStep);
    EXPECT_EQ((*x)[k].count, 100);
    EXPECT_DOUBLE_EQ((*x)[k].mean, 100.0 * k + 49.5);
    EXPECT_DOUBLE_EQ((*x)[k].min, 100.0 * k);
    EXPECT_DOUBLE_EQ((*x)[k].max, 100.0 * k + 99);
  }
  ExpectBuckets(x, Expected(kT0, to, 10, [](int i) { return std::optional<double>(i); }));

  // "score" reads the score column; z exists on half the windows; y is always null.
  ExpectBuckets(store().QueryFeature(t, "pump-1", "score", kT0, to, 10),
                Expected(kT0, to, 10, [](int i) { return std::optional<double>(i / 10.0); }));
  auto z = [](int i) { return i % 2 == 0 ? std::optional<double>(i) : std::nullopt; };
  ExpectBuckets(store().QueryFeature(t, "pump-1", "z", kT0, to, 10), Expected(kT0, to, 10, z));
  EXPECT_EQ(store().QueryFeature(t, "pump-1", "z", kT0, to, 10).value().at(0).count, 50);
  EXPECT_TRUE(store().QueryFeature(t, "pump-1", "y", kT0, to, 10).value().empty());
  EXPECT_TRUE(store().QueryFeature(t, "pump-1", "nope", kT0, to, 10).value().empty());
  EXPECT_TRUE(store().QueryFeature(t, "pump-9", "x", kT0, to, 10).value().empty());

  // An uneven range and bucket count, with the half-open ends.
  const TimeMs from = kT0 + 123'456;
  const TimeMs until = kT0 + 876'000;  // the window starting here is out
  auto xi = [](int i) { return std::optional<double>(i); };
  ExpectBuckets(store().QueryFeature(t, "pump-1", "x", from, until, 7),
                Expected(from, until, 7, xi));
  Result<std::vector<FeatureBucket>> edge = store().QueryFeature(t, "pump-1", "x", from, until, 1);
  ASSERT_TRUE(edge.ok());
  ASSERT_EQ(edge->size(), 1u);
  EXPECT_EQ((*edge)[0].min, 124);
  EXPECT_EQ((*edge)[0].max, 875);
}

TEST_P(HubStoreConformance, QueryFeatureClampsBucketsAndRefusesBadRanges) {
  const int64_t t = MakeTenant("acme");
  EnrollNode(store(), t, "gw-1");
  IngestRamp(store(), t);
  const TimeMs to = kT0 + kWindows * kStep;

  Result<std::vector<FeatureBucket>> one = store().QueryFeature(t, "pump-1", "x", kT0, to, 0);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].start, kT0);
  EXPECT_EQ((*one)[0].count, kWindows);
  EXPECT_DOUBLE_EQ((*one)[0].mean, 499.5);
  EXPECT_EQ(store().QueryFeature(t, "pump-1", "x", kT0, to, -3).value().size(), 1u);

  // 1e6 buckets clamp to 10000 of 100 ms: each window alone in its bucket.
  Result<std::vector<FeatureBucket>> fine =
      store().QueryFeature(t, "pump-1", "x", kT0, to, 1'000'000);
  ASSERT_TRUE(fine.ok()) << fine.status().ToString();
  ASSERT_EQ(fine->size(), static_cast<size_t>(kWindows));
  for (int i = 0; i < kWindows; i += 111) {
    EXPECT_EQ((*fine)[i].start, kT0 + i * kStep);
    EXPECT_EQ((*fine)[i].count, 1);
    EXPECT_DOUBLE_EQ((*fine)[i].mean, i);
  }

  EXPECT_EQ(store().QueryFeature(t, "pump-1", "x", to, to, 10).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store().QueryFeature(t, "pump-1", "x", to, kT0, 10).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store().QueryFeature(t, "pump-1", "", kT0, to, 10).status().code(),
            StatusCode::kInvalidArgument);
  // A range whose bucket arithmetic would overflow 64 bits is refused, not wrapped.
  EXPECT_EQ(store()
                .QueryFeature(t, "pump-1", "x", std::numeric_limits<int64_t>::min() / 2,
                              std::numeric_limits<int64_t>::max() / 2, 10)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  // The widest range that fits still answers.
  Result<std::vector<FeatureBucket>> wide =
      store().QueryFeature(t, "pump-1", "x", 0, std::numeric_limits<int64_t>::max(), 1);
  ASSERT_TRUE(wide.ok()) << wide.status().ToString();
  ASSERT_EQ(wide->size(), 1u);
  EXPECT_EQ((*wide)[0].count, kWindows);
}

TEST_P(HubStoreConformance, FeatureNamesAndWindowCounts) {
  const int64_t t = MakeTenant("acme");
  EnrollNode(store(), t, "gw-1");
  EnrollNode(store(), t, "gw-2");
  // The newer window arrives first: names come from the latest start, not the latest insert.
  DecodedBatch b1{.seq = 1, .payload_bytes = 10, .created = kT0};
  b1.windows = {Window("fan-1", kT0 + 5000, {{"c", 1.0}, {"d", 2.0}}, 0.5)};
  IngestOne(store(), t, "gw-2", b1);
  DecodedBatch b2{.seq = 2, .payload_bytes = 10, .created = kT0};
  b2.windows = {Window("fan-1", kT0 + 1000, {{"a", 1.0}, {"b", 2.0}}, 0.5),
                Window("fan-1", kT0 + 2000, {{"a", 1.0}, {"b", 2.0}}, std::nullopt)};
  IngestOne(store(), t, "gw-2", b2);
  DecodedBatch b3{.seq = 1, .payload_bytes = 10, .created = kT0};
  b3.windows = {Window("pump-1", kT0, {{"rms", 1.0}, {"kurtosis", 3.0}, {"crest", 2.0}}, 0.1)};
  IngestOne(store(), t, "gw-1", b3);

  EXPECT_EQ(store().FeatureNames(t, "fan-1").value(), (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(store().FeatureNames(t, "pump-1").value(),
            (std::vector<std::string>{"crest", "kurtosis", "rms"}));
  EXPECT_TRUE(store().FeatureNames(t, "pump-9").value().empty());

  EXPECT_EQ(store().CountWindows(t, "gw-1").value(), 1);
  EXPECT_EQ(store().CountWindows(t, "gw-2").value(), 3);
  EXPECT_EQ(store().CountWindows(t, "").value(), 4);
  EXPECT_EQ(store().CountWindows(t, "gw-9").value(), 0);
  // A null score is left out of the score mean.
  Result<std::vector<FeatureBucket>> score =
      store().QueryFeature(t, "fan-1", "score", kT0, kT0 + 10'000, 1);
  ASSERT_TRUE(score.ok());
  ASSERT_EQ(score->size(), 1u);
  EXPECT_EQ((*score)[0].count, 2);
}

TEST_P(HubStoreConformance, QualityCountsGroupByAssetChannelRule) {
  const int64_t t = MakeTenant("acme");
  EnrollNode(store(), t, "gw-1");
  auto q = [](const std::string& asset, const std::string& channel, const std::string& rule,
              TimeMs start, bool ongoing) {
    return HubQualityEventRecord{.asset = asset,
                                 .channel = channel,
                                 .rule = rule,
                                 .start = start,
                                 .end = ongoing ? std::nullopt : std::optional<TimeMs>(start + 500),
                                 .ongoing = ongoing,
                                 .detail = "test"};
  };
  DecodedBatch b{.seq = 1, .payload_bytes = 10, .created = kT0};
  b.quality = {
      q("pump-1", "vib_x", "gap", kT0 + 100, false), q("pump-1", "vib_x", "gap", kT0 + 300, true),
      q("pump-1", "vib_x", "gap", kT0 + 200, false), q("pump-1", "vib_x", "stuck", kT0 + 400, true),
      q("pump-1", "temp", "gap", kT0 + 500, false),  q("fan-1", "vib_x", "gap", kT0 + 600, true),
      q("pump-1", "vib_x", "gap", kT0 - 1, true),      // before the range
      q("pump-1", "vib_x", "gap", kT0 + 1000, true)};  // at `to`: out
  IngestOne(store(), t, "gw-1", b);

  Result<std::vector<QualityCount>> counts = store().QualityCounts(t, kT0, kT0 + 1000);
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  ASSERT_EQ(counts->size(), 4u);
  auto check = [&](size_t i, const std::string& asset, const std::string& channel,
                   const std::string& rule, int64_t events, int64_t ongoing, TimeMs last) {
    SCOPED_TRACE(asset + "/" + channel + "/" + rule);
    EXPECT_EQ((*counts)[i].asset, asset);
    EXPECT_EQ((*counts)[i].channel, channel);
    EXPECT_EQ((*counts)[i].rule, rule);
    EXPECT_EQ((*counts)[i].events, events);
    EXPECT_EQ((*counts)[i].ongoing, ongoing);
    EXPECT_EQ((*counts)[i].last, last);
  };
  check(0, "fan-1", "vib_x", "gap", 1, 1, kT0 + 600);
  check(1, "pump-1", "temp", "gap", 1, 0, kT0 + 500);
  check(2, "pump-1", "vib_x", "gap", 3, 1, kT0 + 300);
  check(3, "pump-1", "vib_x", "stuck", 1, 1, kT0 + 400);

  EXPECT_TRUE(store().QualityCounts(t, kT0 + 2000, kT0 + 3000).value().empty());
  EXPECT_EQ(store().QualityCounts(t, kT0 + 1, kT0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store().QualityCounts(t, kT0 - 10, kT0 + 2000).value().at(2).events, 5);
}

TEST_P(HubStoreConformance, DriftAndShadowStatsNewestFirst) {
  const int64_t t = MakeTenant("acme");
  EnrollNode(store(), t, "gw-1");
  DecodedBatch b{.seq = 1, .payload_bytes = 10, .created = kT0};
  for (int i = 0; i < 5; ++i) {
    b.drift.push_back(DriftRecord{.asset = i % 2 == 0 ? "pump-1" : "fan-1",
                                  .model = "pump-pca@0123456789ab",
                                  .kind = "feature_psi",
                                  .feature = "rms",
                                  .value = 0.1 * (i + 1),
                                  .threshold = 0.25,
                                  .window_count = 100 + i,
                                  .time = kT0 + i * 1000});
    b.shadow_stats.push_back(
        HubShadowStatsRecord{.asset = i % 2 == 0 ? "pump-1" : "fan-1",
                             .production = "pump-pca@aaaaaaaaaaaa",
                             .shadow = "pump-pca@bbbbbbbbbbbb",
                             .period_end = kT0 + i * 1000,
                             .stats_json = nlohmann::json({{"n", i}, {"agreement", 0.9}}).dump()});
  }
  IngestOne(store(), t, "gw-1", b);

  Result<std::vector<DriftRecord>> drift = store().ListDrift(t, "pump-1", kT0, kT0 + 10'000, 10);
  ASSERT_TRUE(drift.ok()) << drift.status().ToString();
  ASSERT_EQ(drift->size(), 3u);
  EXPECT_EQ((*drift)[0].time, kT0 + 4000);
  EXPECT_EQ((*drift)[1].time, kT0 + 2000);
  EXPECT_EQ((*drift)[2].time, kT0);
  const DriftRecord& d = (*drift)[0];
  EXPECT_EQ(d.asset, "pump-1");
  EXPECT_EQ(d.model, "pump-pca@0123456789ab");
  EXPECT_EQ(d.kind, "feature_psi");
  EXPECT_EQ(d.feature, "rms");
  EXPECT_DOUBLE_EQ(d.value, 0.5);
  EXPECT_DOUBLE_EQ(d.threshold, 0.25);
  EXPECT_EQ(d.window_count, 104);
  EXPECT_EQ(store().ListDrift(t, "", kT0, kT0 + 10'000, 10).value().size(), 5u);
  EXPECT_EQ(store().ListDrift(t, "", kT0, kT0 + 10'000, 2).value().size(), 2u);
  EXPECT_EQ(store().ListDrift(t, "", kT0, kT0 + 10'000, 0).value().size(), 1u);  // clamped
  Result<std::vector<DriftRecord>> window = store().ListDrift(t, "", kT0 + 1000, kT0 + 3000, 10);
  ASSERT_TRUE(window.ok());
  ASSERT_EQ(window->size(), 2u);
  EXPECT_EQ((*window)[0].time, kT0 + 2000);
  EXPECT_EQ((*window)[1].time, kT0 + 1000);
  EXPECT_EQ(store().ListDrift(t, "", kT0 + 1, kT0, 10).status().code(),
            StatusCode::kInvalidArgument);

  Result<std::vector<HubShadowStatsRecord>> shadow = store().ListShadowStats(t, "fan-1", 10);
  ASSERT_TRUE(shadow.ok()) << shadow.status().ToString();
  ASSERT_EQ(shadow->size(), 2u);
  EXPECT_EQ((*shadow)[0].period_end, kT0 + 3000);
  EXPECT_EQ((*shadow)[1].period_end, kT0 + 1000);
  EXPECT_EQ((*shadow)[0].asset, "fan-1");
  EXPECT_EQ((*shadow)[0].production, "pump-pca@aaaaaaaaaaaa");
  EXPECT_EQ((*shadow)[0].shadow, "pump-pca@bbbbbbbbbbbb");
  EXPECT_EQ(nlohmann::json::parse((*shadow)[0].stats_json),
            nlohmann::json({{"n", 3}, {"agreement", 0.9}}));
  Result<std::vector<HubShadowStatsRecord>> newest = store().ListShadowStats(t, "", 1);
  ASSERT_TRUE(newest.ok());
  ASSERT_EQ(newest->size(), 1u);
  EXPECT_EQ((*newest)[0].period_end, kT0 + 4000);
  EXPECT_EQ(store().ListShadowStats(t, "", 1000).value().size(), 5u);
  EXPECT_TRUE(store().ListShadowStats(t, "pump-9", 10).value().empty());
}

TEST_P(HubStoreConformance, HeartbeatSummariesPerNode) {
  const int64_t t = MakeTenant("acme");
  EnrollNode(store(), t, "gw-1");
  EnrollNode(store(), t, "gw-2");
  auto hb = [](TimeMs time, double uptime) {
    return HeartbeatRecord{.time = time,
                           .version = "0.7.0",
                           .uptime_s = 60,
                           .inference_uptime = uptime,
                           .windows_decided = 10};
  };
  DecodedBatch b1{.seq = 1, .payload_bytes = 10, .created = kT0};
  b1.heartbeats = {hb(kT0 + 10'000, 1.0), hb(kT0 + 20'000, 0.9), hb(kT0 + 30'000, 0.5),
                   hb(kT0 + 90'000, 0.0)};  // after the range
  IngestOne(store(), t, "gw-1", b1);
  DecodedBatch b2{.seq = 1, .payload_bytes = 10, .created = kT0};
  b2.heartbeats = {hb(kT0 + 15'000, 0.99), hb(kT0 - 5'000, 0.1)};  // the second before it
  IngestOne(store(), t, "gw-2", b2);

  Result<std::vector<HeartbeatSummary>> s = store().HeartbeatSummaries(t, kT0, kT0 + 60'000);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->size(), 2u);
  EXPECT_EQ((*s)[0].node, "gw-1");
  EXPECT_EQ((*s)[0].heartbeats, 3);
  EXPECT_NEAR((*s)[0].mean_inference_uptime, (1.0 + 0.9 + 0.5) / 3, 1e-12);
  EXPECT_DOUBLE_EQ((*s)[0].min_inference_uptime, 0.5);
  EXPECT_EQ((*s)[0].first, kT0 + 10'000);
  EXPECT_EQ((*s)[0].last, kT0 + 30'000);
  EXPECT_EQ((*s)[1].node, "gw-2");
  EXPECT_EQ((*s)[1].heartbeats, 1);
  EXPECT_DOUBLE_EQ((*s)[1].mean_inference_uptime, 0.99);
  EXPECT_EQ((*s)[1].first, kT0 + 15'000);
  EXPECT_EQ((*s)[1].last, kT0 + 15'000);

  EXPECT_TRUE(store().HeartbeatSummaries(t, kT0 + 100'000, kT0 + 200'000).value().empty());
  EXPECT_EQ(store().HeartbeatSummaries(t, kT0 + 1, kT0).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(HubStoreConformance, QueriesTenantIsolation) {
  const int64_t a = MakeTenant("acme");
  const int64_t b = MakeTenant("bolt");
  EnrollNode(store(), a, "gw-1");
  EnrollNode(store(), b, "gw-1");
  DecodedBatch batch{.seq = 1, .payload_bytes = 10, .created = kT0};
  batch.windows = {Window("pump-1", kT0, {{"x", 1.0}}, 0.5)};
  batch.quality = {HubQualityEventRecord{
      .asset = "pump-1", .channel = "vib_x", .rule = "gap", .start = kT0, .ongoing = true}};
  batch.drift = {DriftRecord{.asset = "pump-1", .kind = "feature_psi", .time = kT0}};
  batch.shadow_stats = {HubShadowStatsRecord{
      .asset = "pump-1", .production = "p", .shadow = "s", .period_end = kT0, .stats_json = "{}"}};
  batch.heartbeats = {HeartbeatRecord{.time = kT0, .inference_uptime = 1.0}};
  IngestOne(store(), a, "gw-1", batch);

  ASSERT_EQ(store().QueryFeature(a, "pump-1", "x", kT0, kT0 + 1, 1).value().size(), 1u);
  EXPECT_TRUE(store().QueryFeature(b, "pump-1", "x", kT0, kT0 + 1, 1).value().empty());
  EXPECT_TRUE(store().QueryFeature(b, "pump-1", "score", kT0, kT0 + 1, 1).value().empty());
  EXPECT_TRUE(store().FeatureNames(b, "pump-1").value().empty());
  EXPECT_EQ(store().CountWindows(b, "").value(), 0);
  EXPECT_EQ(store().CountWindows(b, "gw-1").value(), 0);
  ASSERT_EQ(store().QualityCounts(a, kT0, kT0 + 1).value().size(), 1u);
  EXPECT_TRUE(store().QualityCounts(b, kT0, kT0 + 1).value().empty());
  ASSERT_EQ(store().ListDrift(a, "", kT0, kT0 + 1, 10).value().size(), 1u);
  EXPECT_TRUE(store().ListDrift(b, "", kT0, kT0 + 1, 10).value().empty());
  ASSERT_EQ(store().HeartbeatSummaries(a, kT0, kT0 + 1).value().size(), 1u);
  EXPECT_TRUE(store().HeartbeatSummaries(b, kT0, kT0 + 1).value().empty());
  ASSERT_EQ(store().ListShadowStats(a, "", 10).value().size(), 1u);
  EXPECT_TRUE(store().ListShadowStats(b, "", 10).value().empty());
}

}  // namespace
}  // namespace edgeloop::store
