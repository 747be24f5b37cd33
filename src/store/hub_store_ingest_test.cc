// Conformance: ingest (dedupe, all record types, alert events out of order, all-or-nothing,
// speed), on every engine.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "store/hub_store_test_fixture.h"
#include "store/hub_store_test_records.h"

namespace edgeloop::store {
namespace {

using hub_test::AlertEvent;
using hub_test::Batch;
using hub_test::EnrollNode;
using hub_test::Heartbeat;
using hub_test::kT0;
using hub_test::NewTenant;
using hub_test::Window;

std::vector<Alert> AlertsOf(HubStore& store, int64_t tenant) {
  Result<std::vector<Alert>> alerts = store.ListAlerts(tenant, AlertFilter{});
  EXPECT_TRUE(alerts.ok()) << alerts.status().ToString();
  return alerts.ok() ? *alerts : std::vector<Alert>{};
}

TEST_P(HubStoreConformance, IngestOfAnUnknownNodeIsNotFound) {
  const int64_t a = NewTenant(store(), "tenant-a");
  const int64_t b = NewTenant(store(), "tenant-b");
  ASSERT_FALSE(EnrollNode(store(), a, "gw-1").empty());
  std::vector<DecodedBatch> batches = {Batch(1, {Window("pump-1", kT0, 0.5)})};
  Result<IngestOutcome> r = store().Ingest(b, "gw-1", 0, batches, kT0);
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(r.status().message(), "node gw-1 not found");
  EXPECT_EQ(store().GetBatch(a, "gw-1", 1).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store().ListAssets(b, "")->empty());
}

TEST_P(HubStoreConformance, IngestStoresEveryRecordType) {
  const int64_t a = NewTenant(store(), "tenant-a");
  ASSERT_FALSE(EnrollNode(store(), a, "gw-1", "plant-north").empty());
  DecodedBatch b = Batch(7, {Window("pump-1", kT0, 0.4), Window("pump-1", kT0 + 1000, 1.7),
                             Window("fan-2", kT0, std::nullopt)});
  b.alerts.push_back(AlertEvent("opened", 1, "pump-1", 1.7));
  b.quality.push_back({.asset = "pump-1",
                       .channel = "vib_x",
                       .rule = "gap",
                       .start = kT0,
                       .end = kT0 + 200,
                       .detail = "200 ms"});
  b.drift.push_back({.asset = "pump-1",
                     .model = "pump@0123456789ab",
                     .kind = "feature_psi",
                     .feature = "rms",
                     .value = 0.3,
                     .threshold = 0.2,
                     .window_count = 100,
                     .time = kT0 + 5000});
  b.shadow_stats.push_back({.asset = "motor-3",
                            .production = "v1",
                            .shadow = "v2",
                            .period_end = kT0 + 10'000,
                            .stats_json = "{\"n\":10,\"agreement\":0.9}"});
  b.heartbeats.push_back(Heartbeat(kT0 + 2000, "0.9.1", 0.5));
  b.heartbeats.push_back(Heartbeat(kT0 + 4000, "0.9.2", 0.97));
  b.heartbeats.push_back(Heartbeat(kT0 + 3000, "0.9.0", 0.1));
  std::vector<DecodedBatch> batches = {b};

  Result<IngestOutcome> r = store().Ingest(a, "gw-1", 3, batches, kT0 + 9000);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->stored, std::vector<int64_t>{7});
  EXPECT_TRUE(r->duplicates.empty());
  EXPECT_EQ(r->rows, 10);

  Result<BatchInfo> info = store().GetBatch(a, "gw-1", 7);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->received, kT0 + 9000);
  EXPECT_EQ(info->created, b.created);
  EXPECT_EQ(info->payload_bytes, b.payload_bytes);
  EXPECT_EQ(info->windows, 3);
  EXPECT_EQ(info->alerts, 1);
  EXPECT_EQ(info->quality, 1);
  EXPECT_EQ(info->drift, 1);
  EXPECT_EQ(info->shadow_stats, 1);
  EXPECT_EQ(info->heartbeats, 3);
  EXPECT_EQ(store().CountWindows(a, "gw-1").value_or(-1), 3);

  // The newest heartbeat by time describes the node, whatever its place in the batch.
  Result<NodeRecord> node = store().GetNode(a, "gw-1");
  ASSERT_TRUE(node.ok());
  EXPECT_EQ(node->last_seen, kT0 + 9000);
  EXPECT_EQ(node->last_heartbeat, kT0 + 4000);
  EXPECT_EQ(node->agent_version, "0.9.2");
  EXPECT_DOUBLE_EQ(node->inference_uptime, 0.97);
  EXPECT_EQ(nlohmann::json::parse(node->models_json),
            nlohmann::json::parse(R"({"pump-bearing/production":"v3"})"));
  EXPECT_EQ(nlohmann::json::parse(node->heartbeat_json)["version"], "0.9.2");
  EXPECT_EQ(node->desired_revision, 4);
  EXPECT_EQ(node->batches, 1);
  EXPECT_EQ(node->max_seq, 7);
  EXPECT_EQ(node->dropped_batches, 3);

  // Every asset a record names exists now, in the node's site.
  Result<std::vector<Asset>> assets = store().ListAssets(a, "plant-north");
  ASSERT_TRUE(assets.ok());
  ASSERT_EQ(assets->size(), 3u);
  EXPECT_EQ((*assets)[0].id, "fan-2");
  EXPECT_EQ((*assets)[1].id, "motor-3");
  EXPECT_EQ((*assets)[2].id, "pump-1");
  EXPECT_EQ((*assets)[2].created, kT0 + 9000);

  std::vector<Alert> alerts = AlertsOf(store(), a);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].node_alert_id, 1);
  EXPECT_EQ(alerts[0].batch_seq, 7);
  EXPECT_EQ(alerts[0].diagnosis, "outer race fault");
  EXPECT_EQ(alerts[0].state, AlertState::kOpen);
}

TEST_P(HubStoreConformance, ResentBatchesAreDuplicatesAndNotStoredTwice) {
  const int64_t a = NewTenant(store(), "tenant-a");
  ASSERT_FALSE(EnrollNode(store(), a, "gw-1").empty());
  std::vector<DecodedBatch> first = {
      Batch(1, {Window("pump-1", kT0, 0.1), Window("pump-1", kT0 + 1000, 0.2)})};
  ASSERT_TRUE(store().Ingest(a, "gw-1", 0, first, kT0 + 1).ok());

  Result<IngestOutcome> again = store().Ingest(a, "gw-1", 0, first, kT0 + 2);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->stored.empty());
  EXPECT_EQ(again->duplicates, std::vector<int64_t>{1});
  EXPECT_EQ(again->rows, 0);

  // Mixed: the known batch is skipped, the new one stored; request order does not matter.
  std::vector<DecodedBatch> mixed = {Batch(2, {Window("pump-1", kT0 + 2000, 0.3)}), first[0]};
  Result<IngestOutcome> r = store().Ingest(a, "gw-1", 0, mixed, kT0 + 3);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->stored, std::vector<int64_t>{2});
  EXPECT_EQ(r->duplicates, std::vector<int64_t>{1});
  EXPECT_EQ(r->rows, 1);

  EXPECT_EQ(store().CountWindows(a, "gw-1").value_or(-1), 3);
  Result<NodeRecord> node = store().GetNode(a, "gw-1");
  EXPECT_EQ(node->batches, 2);
  EXPECT_EQ(node->duplicates, 2);
  EXPECT_EQ(node->max_seq, 2);
  EXPECT_EQ(node->last_seen, kT0 + 3);
  EXPECT_EQ(store().GetBatch(a, "gw-1", 1)->received, kT0 + 1);  // the first arrival's
}

TEST_P(HubStoreConformance, ConcurrentResendsStoreABatchOnce) {
  const int64_t a = NewTenant(store(), "tenant-a");
  ASSERT_FALSE(EnrollNode(store(), a, "gw-1").empty());
  std::vector<DecodedBatch> batches = {Batch(5, {Window("pump-1", kT0, 0.1)})};
  std::atomic<int> stored{0}, duplicate{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      Result<IngestOutcome> r = store().Ingest(a, "gw-1", 0, batches, kT0);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      stored += static_cast<int>(r->stored.size());
      duplicate += static_cast<int>(r->duplicates.size());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(stored.load(), 1);
  EXPECT_EQ(duplicate.load(), 3);
  EXPECT_EQ(store().CountWindows(a, "gw-1").value_or(-1), 1);
  EXPECT_EQ(store().GetNode(a, "gw-1")->duplicates, 3);
}

TEST_P(HubStoreConformance, AlertEventsOutOfOrderBuildOneAlert) {
  const int64_t a = NewTenant(store(), "tenant-a");
  ASSERT_FALSE(EnrollNode(store(), a, "gw-1").empty());
  // The batch that cleared the alert arrives first (seq 5), then the one that opened it (3).
  DecodedBatch cleared = Batch(5);
  cleared.alerts.push_back(AlertEvent("cleared", 7, "pump-1", 2.0));
  std::vector<DecodedBatch> call1 = {cleared};
  ASSERT_TRUE(store().Ingest(a, "gw-1", 0, call1, kT0 + 100).ok());
  std::vector<Alert> alerts = AlertsOf(store(), a);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].cleared, kT0 + 60'000);
  EXPECT_EQ(alerts[0].batch_seq, 5);
  const int64_t id = alerts[0].id;

  DecodedBatch opened = Batch(3);
  opened.alerts.push_back(AlertEvent("opened", 7, "pump-1", 1.2));
  std::vector<DecodedBatch> call2 = {opened};
  ASSERT_TRUE(store().Ingest(a, "gw-1", 0, call2, kT0 + 200).ok());
  alerts = AlertsOf(store(), a);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].id, id);
  EXPECT_EQ(alerts[0].diagnosis, "outer race fault");
  EXPECT_EQ(nlohmann::json::parse(alerts[0].evidence_json)["kurtosis"], 7.5);
  EXPECT_EQ(alerts[0].cleared, kT0 + 60'000);  // the opening event does not reopen it
  EXPECT_EQ(alerts[0].batch_seq, 3);           // the first batch that reported it
  EXPECT_DOUBLE_EQ(alerts[0].peak_score, 2.0);

  // A technician acknowledges; a late escalation raises severity but keeps the human state.
  ASSERT_TRUE(store().AcknowledgeAlert(a, id, "tom", kT0 + 300).ok());
  DecodedBatch escalated = Batch(4);
  escalated.alerts.push_back(AlertEvent("escalated", 7, "pump-1", 3.5, "critical"));
  escalated.alerts.push_back(AlertEvent("escalated", 8, "pump-1", 1.1));  // 8 unseen so far
  std::vector<DecodedBatch> call3 = {escalated};
  ASSERT_TRUE(store().Ingest(a, "gw-1", 0, call3, kT0 + 400).ok());
  Result<Alert> alert = store().GetAlert(a, id);
  ASSERT_TRUE(alert.ok());
  EXPECT_EQ(alert->severity, "critical");
  EXPECT_DOUBLE_EQ(alert->peak_score, 3.5);
  EXPECT_EQ(alert->state, AlertState::kAcknowledged);
  EXPECT_EQ(alert->acknowledged_by, "tom");
  EXPECT_EQ(alert->cleared, kT0 + 60'000);
  EXPECT_EQ(alert->batch_seq, 3);
  EXPECT_EQ(AlertsOf(store(), a).size(), 2u);
}

TEST_P(HubStoreConformance, AFailingCallStoresNothing) {
  const int64_t a = NewTenant(store(), "tenant-a");
  ASSERT_FALSE(EnrollNode(store(), a, "gw-1").empty());
  DecodedBatch good = Batch(1, {Window("pump-1", kT0, 0.5)});
  good.alerts.push_back(AlertEvent("opened", 1, "pump-1", 1.5));
  good.heartbeats.push_back(Heartbeat(kT0 + 10, "1.0.0"));
  // Batch 2 fails only after batch 1's rows were written in the same transaction: its second
  // window carries text no engine stores (invalid UTF-8), or an asset id that is not an id.
  DecodedBatch poison_text = Batch(2, {Window("fan-1", kT0, 0.1), Window("fan-1", kT0, 0.2)});
  poison_text.windows[1].top_feature = "r\xffms";
  DecodedBatch poison_id = Batch(2, {Window("fan-1", kT0, 0.1), Window("fan 1", kT0, 0.2)});

  for (const DecodedBatch& poison : {poison_text, poison_id}) {
    std::vector<DecodedBatch> call = {good, poison};
    Result<IngestOutcome> r = store().Ingest(a, "gw-1", 9, call, kT0 + 50);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
    EXPECT_EQ(store().GetBatch(a, "gw-1", 1).status().code(), StatusCode::kNotFound);
    EXPECT_EQ(store().CountWindows(a, "").value_or(-1), 0);
    EXPECT_TRUE(store().ListAssets(a, "")->empty());
    EXPECT_TRUE(AlertsOf(store(), a).empty());
    Result<NodeRecord> node = store().GetNode(a, "gw-1");
    EXPECT_EQ(node->batches, 0);
    EXPECT_EQ(node->dropped_batches, 0);
    EXPECT_FALSE(node->last_seen.has_value());
    EXPECT_FALSE(node->last_heartbeat.has_value());
  }
  // The node resends without the bad record: everything lands.
  poison_text.windows.pop_back();
  std::vector<DecodedBatch> fixed = {good, poison_text};
  Result<IngestOutcome> r = store().Ingest(a, "gw-1", 9, fixed, kT0 + 60);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->stored, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(store().CountWindows(a, "").value_or(-1), 2);
  EXPECT_EQ(store().GetNode(a, "gw-1")->agent_version, "1.0.0");
}

TEST_P(HubStoreConformance, IngestIsIsolatedPerTenant) {
  const int64_t a = NewTenant(store(), "tenant-a");
  const int64_t b = NewTenant(store(), "tenant-b");
  ASSERT_FALSE(EnrollNode(store(), a, "gw-1", "site-a").empty());
  ASSERT_FALSE(EnrollNode(store(), b, "gw-1", "site-b").empty());
  DecodedBatch batch = Batch(1, {Window("pump-1", kT0, 0.5)});
  batch.alerts.push_back(AlertEvent("opened", 1, "pump-1", 1.5));
  std::vector<DecodedBatch> in_a = {batch};
  ASSERT_TRUE(store().Ingest(a, "gw-1", 0, in_a, kT0).ok());
  // The same node id and seq in tenant B is B's own first batch, not a duplicate.
  batch.windows.push_back(Window("pump-1", kT0 + 1000, 0.6));
  std::vector<DecodedBatch> in_b = {batch};
  Result<IngestOutcome> r = store().Ingest(b, "gw-1", 0, in_b, kT0);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->stored, std::vector<int64_t>{1});
  EXPECT_EQ(store().GetBatch(a, "gw-1", 1)->windows, 1);
  EXPECT_EQ(store().GetBatch(b, "gw-1", 1)->windows, 2);
  EXPECT_EQ(store().GetAsset(a, "pump-1")->site, "site-a");
  EXPECT_EQ(store().GetAsset(b, "pump-1")->site, "site-b");
  EXPECT_EQ(AlertsOf(store(), a).size(), 1u);
  EXPECT_EQ(AlertsOf(store(), b).size(), 1u);
  EXPECT_NE(AlertsOf(store(), a)[0].id, AlertsOf(store(), b)[0].id);
  EXPECT_EQ(store().GetBatch(b, "gw-2", 1).status().message(), "batch 1 of node gw-2 not found");
}

TEST_P(HubStoreConformance, LateHeartbeatsDoNotRollTheNodeBack) {
  const int64_t a = NewTenant(store(), "tenant-a");
  ASSERT_FALSE(EnrollNode(store(), a, "gw-1").empty());
  DecodedBatch newer = Batch(2);
  newer.heartbeats.push_back(Heartbeat(kT0 + 2000, "2.0.0"));
  std::vector<DecodedBatch> call1 = {newer};
  ASSERT_TRUE(store().Ingest(a, "gw-1", 5, call1, kT0 + 3000).ok());
  DecodedBatch older = Batch(1);
  older.heartbeats.push_back(Heartbeat(kT0 + 1000, "1.0.0"));
  std::vector<DecodedBatch> call2 = {older};
  ASSERT_TRUE(store().Ingest(a, "gw-1", 2, call2, kT0 + 2500).ok());
  Result<NodeRecord> node = store().GetNode(a, "gw-1");
  EXPECT_EQ(node->agent_version, "2.0.0");
  EXPECT_EQ(node->last_heartbeat, kT0 + 2000);
  EXPECT_EQ(node->last_seen, kT0 + 3000);
  EXPECT_EQ(node->dropped_batches, 5);  // the larger report of the node's own drops
  EXPECT_EQ(node->max_seq, 2);
  EXPECT_EQ(node->batches, 2);
}

TEST_P(HubStoreConformance, IngestOfFiveThousandWindowsIsFast) {
  const int64_t a = NewTenant(store(), "tenant-a");
  ASSERT_FALSE(EnrollNode(store(), a, "gw-1").empty());
  // 20 batches of 250 windows: the edge cuts a batch at 256 records.
  std::vector<DecodedBatch> batches;
  for (int b = 0; b < 20; ++b) {
    std::vector<HubWindowRecord> windows;
    for (int w = 0; w < 250; ++w) {
      const TimeMs start = kT0 + (b * 250 + w) * 1000;
      windows.push_back(
          Window("pump-" + std::to_string(w % 4), start, 0.01 * (w % 100), 1.0 + 0.001 * w));
    }
    batches.push_back(Batch(b + 1, std::move(windows)));
  }
  const auto t0 = std::chrono::steady_clock::now();
  Result<IngestOutcome> r = store().Ingest(a, "gw-1", 0, batches, kT0);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows, 5000);
  EXPECT_EQ(r->stored.size(), 20u);
  EXPECT_EQ(store().CountWindows(a, "gw-1").value_or(-1), 5000);
  EXPECT_EQ(store().ListAssets(a, "")->size(), 4u);
  std::printf("[ ingest   ] %s: 5000 windows in one call: %.3f s, %.0f rows/s\n",
              std::string(store().Engine()).c_str(), seconds, 5000 / seconds);
  // Generous for sanitizer builds on a shared machine; a per-row round trip design would be
  // far slower on PostgreSQL.
  EXPECT_LT(seconds, 20.0);
}

}  // namespace
}  // namespace edgeloop::store
