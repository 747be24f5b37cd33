// The hub reads what the edge writes, and the edge accepts what the hub serves: batch payloads
// made by the edge's own encoders (UplinkBatcher, WindowRecordJson, AlertRecordJson,
// QualityEventJson, ShadowStats) decode field for field with fleet::DecodeBatchPayload, inside a
// real ingest envelope too; and desired-state documents from fleet::BuildDesiredDocument pass
// the edge's edge::ParseDesiredState with the same models. The edge half is in
// hub_payload_compat_edge.cc (see its header for why).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "fleet/batch_decoder.h"
#include "fleet/desired_state_builder.h"
#include "tests/integration/hub_payload_compat_edge.h"

namespace edgeloop::compat {
namespace {

using nlohmann::json;

TEST(HubPayloadCompatTest, EdgeBatchDecodesFieldForField) {
  auto payload = EdgeBatchPayload();
  ASSERT_TRUE(payload.ok()) << payload.status().ToString();
  store::DecodedBatch b;
  Status s = fleet::DecodeBatchPayload(*payload, kNode, {}, b);
  ASSERT_TRUE(s.ok()) << s.ToString() << "\n" << *payload;
  EXPECT_EQ(b.created, kT0Ms);

  ASSERT_EQ(b.windows.size(), 3u);
  const store::HubWindowRecord& w = b.windows[0];
  EXPECT_EQ(w.asset, "pump-1");
  EXPECT_EQ(w.start, kT0Ms - 1000);
  EXPECT_EQ(w.end, kT0Ms);
  EXPECT_EQ(w.status, "scored");
  EXPECT_EQ(w.detector, "bearing-pca@1a2b3c4d5e6f");
  EXPECT_EQ(w.score, 0.75);
  EXPECT_EQ(w.top_feature, "vib_x.kurtosis");
  EXPECT_EQ(json::parse(w.features_json),
            (json{{"vib_x.rms", 1.25}, {"vib_x.kurtosis", 3.5}, {"temp.mean", nullptr}}));
  EXPECT_EQ(b.windows[1].score, std::nullopt) << "NaN score travels as null";
  EXPECT_EQ(b.windows[1].status, "scored");
  EXPECT_EQ(b.windows[2].status, "learning");
  EXPECT_EQ(b.windows[2].score, std::nullopt);
  EXPECT_EQ(b.windows[2].top_feature, "");
  EXPECT_EQ(b.windows[2].detector, "baseline-robust-z/1");

  ASSERT_EQ(b.alerts.size(), 2u);
  for (const store::AlertEventRecord& a : b.alerts) {
    EXPECT_EQ(a.node_alert_id, 17);
    EXPECT_EQ(a.asset, "pump-1");
    EXPECT_EQ(a.opened, kT0Ms - 500);
    EXPECT_EQ(a.peak_score, 2.5);
    EXPECT_EQ(a.severity, "critical");
    EXPECT_EQ(a.detector, "bearing-pca@1a2b3c4d5e6f");
    EXPECT_EQ(a.diagnosis, "outer_race (0.91)");
    EXPECT_EQ(a.top_feature, "vib_x.kurtosis");
    EXPECT_EQ(json::parse(a.evidence_json), (json{{"vib_x.rms", 1.5}, {"temp.mean", nullptr}}));
  }
  EXPECT_EQ(b.alerts[0].event, "opened");
  EXPECT_EQ(b.alerts[0].cleared, std::nullopt);
  EXPECT_EQ(b.alerts[1].event, "cleared");
  EXPECT_EQ(b.alerts[1].cleared, kT0Ms + 60'000);

  ASSERT_EQ(b.quality.size(), 1u);
  EXPECT_EQ(b.quality[0].asset, "pump-1");
  EXPECT_EQ(b.quality[0].channel, "vib_x");
  EXPECT_EQ(b.quality[0].rule, "stuck");
  EXPECT_EQ(b.quality[0].start, kT0Ms - 2000);
  EXPECT_EQ(b.quality[0].end, kT0Ms);
  EXPECT_TRUE(b.quality[0].ongoing);
  EXPECT_EQ(b.quality[0].detail, "256 equal samples");

  ASSERT_EQ(b.drift.size(), 1u);
  EXPECT_EQ(b.drift[0].asset, "pump-1");
  EXPECT_EQ(b.drift[0].model, "bearing-pca@1a2b3c4d5e6f");
  EXPECT_EQ(b.drift[0].kind, "feature_psi");
  EXPECT_EQ(b.drift[0].feature, "vib_x.rms");
  EXPECT_EQ(b.drift[0].value, 0.42);
  EXPECT_EQ(b.drift[0].threshold, 0.25);
  EXPECT_EQ(b.drift[0].window_count, 600);
  EXPECT_EQ(b.drift[0].time, kT0Ms);

  ASSERT_EQ(b.shadow_stats.size(), 1u);
  EXPECT_EQ(b.shadow_stats[0].asset, "pump-1");
  EXPECT_EQ(b.shadow_stats[0].production, "bearing-pca@1a2b3c4d5e6f");
  EXPECT_EQ(b.shadow_stats[0].shadow, "bearing-iforest@abcdefabcdef");
  EXPECT_EQ(b.shadow_stats[0].period_end, kT0Ms);
  const json stats = json::parse(b.shadow_stats[0].stats_json);
  EXPECT_EQ(stats["n"], 2);
  EXPECT_EQ(stats["skipped"], 1);
  EXPECT_EQ(json::parse(*payload)["records"][7]["stats"], stats) << "kept whole";

  ASSERT_EQ(b.heartbeats.size(), 1u);
  const store::HeartbeatRecord& h = b.heartbeats[0];
  EXPECT_EQ(h.time, kT0Ms);
  EXPECT_FALSE(h.version.empty());
  EXPECT_EQ(h.version, json::parse(*payload)["records"][8]["version"]);
  EXPECT_EQ(h.uptime_s, 3600.25);
  EXPECT_EQ(h.inference_uptime, 0.998);
  EXPECT_EQ(h.windows_decided, 3600);
  EXPECT_EQ(h.latency_p50_ms, 1.5);
  EXPECT_EQ(h.latency_p99_ms, 0.0) << "a NaN latency travels as null";
  EXPECT_EQ(json::parse(h.models_json),
            (json{{"pump-bearing/production", "bearing-pca@1a2b3c4d5e6f"}}));
  EXPECT_EQ(h.desired_revision, 12);
  EXPECT_EQ(json::parse(h.body_json), json::parse(*payload)["records"][8]);
}

TEST(HubPayloadCompatTest, EdgeBatchInsideAnIngestRequest) {
  auto payload = EdgeBatchPayload();
  ASSERT_TRUE(payload.ok());
  const json body = {{"v", 1},
                     {"node", kNode},
                     {"dropped_batches", 0},
                     {"batches", {{{"seq", 41}, {"payload", Base64Encode(*payload)}}}}};
  auto request = fleet::DecodeIngestRequest(body.dump());
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  ASSERT_EQ(request->batches.size(), 1u);
  EXPECT_EQ(request->batches[0].seq, 41);
  EXPECT_EQ(request->batches[0].payload_bytes, static_cast<int64_t>(payload->size()));
  EXPECT_EQ(request->batches[0].windows.size(), 3u);
  // A node cannot send another node's payload.
  json other = body;
  other["node"] = "gw-other";
  EXPECT_FALSE(fleet::DecodeIngestRequest(other.dump()).ok());
}

TEST(HubPayloadCompatTest, BuiltDesiredDocumentIsAcceptedByTheEdge) {
  store::ModelVersion pca;
  pca.name = "bearing-pca";
  pca.version = 3;
  pca.sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  pca.size = 48213;
  pca.signature = "c2lnbmF0dXJlIGJ5dGVz";
  store::ModelVersion forest = pca;
  forest.name = "bearing-iforest";
  forest.version = 1;
  forest.sha256 = std::string(64, 'e');
  forest.size = 1;
  forest.signature.clear();
  store::ModelVersion temp = forest;
  temp.name = "motor.temp_v2";
  temp.sha256 = std::string(64, '0');
  temp.size = int64_t{512} << 20;
  const std::vector<fleet::DesiredModel> models = {{"motor-temp", "production", temp, 3},
                                                   {"pump-bearing", "production", pca, 1},
                                                   {"pump-bearing", "shadow", forest, 2}};
  const fleet::DesiredDocument doc = fleet::BuildDesiredDocument(12, models);
  int64_t revision = -1;
  auto parsed = ParseDesiredWithEdge(doc.body.dump(), &revision);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(revision, 12);
  ASSERT_EQ(parsed->size(), models.size());
  for (size_t i = 0; i < models.size(); ++i) {
    const EdgeDesiredModel& e = (*parsed)[i];
    const fleet::DesiredModel& m = models[i];
    EXPECT_EQ(e.group, m.group);
    EXPECT_EQ(e.role, m.role);
    EXPECT_EQ(e.version, m.model.name + "@" + std::to_string(m.model.version));
    EXPECT_EQ(e.sha256, m.model.sha256);
    EXPECT_EQ(e.url, "/v1/artifacts/" + m.model.sha256);
    EXPECT_EQ(e.size, m.model.size);
    EXPECT_EQ(e.signature, m.model.signature);
  }
  // An empty document (nothing deployed) is valid for the edge too.
  auto empty = ParseDesiredWithEdge(fleet::BuildDesiredDocument(0, {}).body.dump(), &revision);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->empty());
}

// Writes the seeds of fuzz/corpus/batch_payload_fuzzer/ (real edge payloads):
// EDGELOOP_CORPUS_DIR=fuzz/corpus/batch_payload_fuzzer build/.../hub_payload_compat_test
//   --gtest_also_run_disabled_tests --gtest_filter='*WriteFuzzCorpus'
TEST(HubPayloadCompatTest, DISABLED_WriteFuzzCorpus) {
  const char* dir = std::getenv("EDGELOOP_CORPUS_DIR");
  ASSERT_NE(dir, nullptr);
  auto payload = EdgeBatchPayload();
  ASSERT_TRUE(payload.ok());
  const json envelope = {{"v", 1},
                         {"node", kNode},
                         {"dropped_batches", 3},
                         {"batches",
                          {{{"seq", 41}, {"payload", Base64Encode(*payload)}},
                           {{"seq", 42}, {"payload", Base64Encode(*payload)}}}}};
  std::ofstream(std::string(dir) + "/edge_payload.json", std::ios::binary) << *payload;
  std::ofstream(std::string(dir) + "/ingest_request.json", std::ios::binary) << envelope.dump();
}

}  // namespace
}  // namespace edgeloop::compat
