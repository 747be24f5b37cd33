// Insight routes over real HTTP: lineage graphs of every kind, quality counts, SLOs, drift.
#include <gtest/gtest.h>

#include <chrono>
#include <span>
#include <string>
#include <vector>

#include "api/api_data_test_util.h"
#include "api/lineage.h"
#include "common/sha256.h"

namespace edgeloop::api::testing {
namespace {

using nlohmann::json;
using store::Role;

class InsightApiTest : public SeededApiTest {
 protected:
  const std::string& Viewer() { return hub().acme().token(Role::kViewer); }
  const std::string& GlobexToken() { return hub().globex().token(Role::kAdmin); }
  std::string AlertNode() { return "alert:" + std::to_string(seed().alert_id); }
  std::string DeploymentNode() { return "deployment:" + std::to_string(seed().deployment_id); }
  std::string ModelNode(int64_t version = 1) {
    return "model:" + seed().model + "@" + std::to_string(version);
  }
  json Lineage(const std::string& kind, const std::string& id) {
    HttpResult r = hub().Get("/v1/lineage/" + kind + "/" + id, Viewer());
    EXPECT_EQ(r.status, 200) << kind << "/" << id << " -> " << r.body;
    CheckGraph(r.json);
    return r.json;
  }
};

TEST_F(InsightApiTest, AlertLineageHasUpstreamAndDownstream) {
  json g = Lineage("alert", std::to_string(seed().alert_id));
  EXPECT_EQ(g["root"], AlertNode());
  EXPECT_EQ(g["truncated"], false);
  const std::string batch = "batch:acme-gw-1:1", node = "node:acme-gw-1";
  const std::string asset = "asset:acme-pump-1";
  const std::string annotation = "annotation:" + std::to_string(seed().annotation_id);
  EXPECT_TRUE(HasEdge(g, node, batch, "sent"));
  EXPECT_TRUE(HasEdge(g, batch, AlertNode(), "reported"));
  EXPECT_TRUE(HasEdge(g, asset, AlertNode(), "raised"));
  EXPECT_TRUE(HasEdge(g, ModelNode(), AlertNode(), "detected"));
  EXPECT_TRUE(HasEdge(g, ModelNode(), DeploymentNode(), "deployed_as"));
  EXPECT_TRUE(HasEdge(g, DeploymentNode(), node, "targets"));
  EXPECT_TRUE(HasEdge(g, AlertNode(), annotation, "annotated"));
  EXPECT_EQ(g["nodes"].size(), 7u) << g.dump(1);
  EXPECT_EQ(g["edges"].size(), 7u) << g.dump(1);
  // The versions that produced each record.
  EXPECT_EQ((*FindNode(g, node))["attrs"]["agent_version"], "acme-agent-1.0");
  EXPECT_EQ((*FindNode(g, ModelNode()))["attrs"]["sha256"], seed().model_sha256);
  EXPECT_EQ((*FindNode(g, ModelNode()))["attrs"]["trainer"], "acme-pca-trainer");
  EXPECT_EQ((*FindNode(g, AlertNode()))["attrs"]["detector"],
            seed().model + "@" + seed().model_sha256.substr(0, 12));
  EXPECT_EQ((*FindNode(g, batch))["attrs"]["windows"], 3);
  EXPECT_EQ((*FindNode(g, annotation))["attrs"]["fault_type"], "acme-outer-race");
  EXPECT_EQ((*FindNode(g, annotation))["kind"], "annotation");
}

TEST_F(InsightApiTest, LineageOfEveryOtherKind) {
  const std::string batch = "batch:acme-gw-1:1", node = "node:acme-gw-1";
  json g = Lineage("batch", "acme-gw-1:1");
  EXPECT_EQ(g["root"], batch);
  EXPECT_TRUE(HasEdge(g, node, batch, "sent"));
  EXPECT_TRUE(HasEdge(g, batch, AlertNode(), "reported"));
  EXPECT_EQ((*FindNode(g, batch))["attrs"]["windows"], 3);
  EXPECT_EQ((*FindNode(g, batch))["attrs"]["payload_bytes"], 1234);

  g = Lineage("model", seed().model + "@1");
  EXPECT_EQ(g["root"], ModelNode());
  EXPECT_TRUE(HasEdge(g, ModelNode(), DeploymentNode(), "deployed_as"));
  EXPECT_TRUE(HasEdge(g, DeploymentNode(), node, "targets"));
  EXPECT_EQ((*FindNode(g, DeploymentNode()))["attrs"]["role"], "production");

  g = Lineage("deployment", std::to_string(seed().deployment_id));
  EXPECT_EQ(g["root"], DeploymentNode());
  EXPECT_TRUE(HasEdge(g, ModelNode(), DeploymentNode(), "deployed_as"));
  EXPECT_TRUE(HasEdge(g, DeploymentNode(), node, "targets"));

  g = Lineage("node", "acme-gw-1");
  EXPECT_EQ(g["root"], node);
  EXPECT_TRUE(HasEdge(g, DeploymentNode(), node, "targets"));
  EXPECT_TRUE(HasEdge(g, ModelNode(), DeploymentNode(), "deployed_as"));
  EXPECT_TRUE(HasEdge(g, node, batch, "sent"));
  EXPECT_TRUE(HasEdge(g, batch, AlertNode(), "reported"));

  g = Lineage("asset", "acme-pump-1");
  EXPECT_EQ(g["root"], "asset:acme-pump-1");
  EXPECT_TRUE(HasEdge(g, "site:acme-site-1", "asset:acme-pump-1", "contains"));
  EXPECT_TRUE(HasEdge(g, "asset:acme-pump-1", AlertNode(), "raised"));
}

TEST_F(InsightApiTest, ModelLineageFollowsParentVersions) {
  const std::string artifact = "acme-second model bytes";
  Result<store::ModelVersion> v2 = hub().store().CreateModelVersion(
      {.tenant = hub().acme().id,
       .name = seed().model,
       .sha256 = Sha256Hex(std::span<const uint8_t>(
           reinterpret_cast<const uint8_t*>(artifact.data()), artifact.size())),
       .size = static_cast<int64_t>(artifact.size()),
       .trainer = "acme-pca-trainer",
       .metadata_json = "{}",
       .parent_version = 1,
       .created_by = "acme-ml-engineer",
       .created = seed().t0 + 1000},
      artifact);
  ASSERT_TRUE(v2.ok()) << v2.status().ToString();
  ASSERT_EQ(v2->version, 2);
  json g = Lineage("model", seed().model + "@2");
  EXPECT_TRUE(HasEdge(g, ModelNode(1), ModelNode(2), "parent_of"));
  EXPECT_EQ((*FindNode(g, ModelNode(2)))["attrs"]["parent_version"], 1);
  // Downstream of version 1: its child version and its deployment.
  g = Lineage("model", seed().model + "@1");
  EXPECT_TRUE(HasEdge(g, ModelNode(1), ModelNode(2), "parent_of"));
  EXPECT_TRUE(HasEdge(g, ModelNode(1), DeploymentNode(), "deployed_as"));
}

TEST_F(InsightApiTest, LineageRefusesUnknownKindsAndIds) {
  const std::string alert = std::to_string(seed().alert_id);
  struct Case {
    std::string path;
    int status;
    std::string expected;  // prefix of the message for 400s
  } cases[] = {
      {"/v1/lineage/window/1", 400, "kind:"},        {"/v1/lineage/alert/abc", 400, "id:"},
      {"/v1/lineage/alert/0", 400, "id:"},           {"/v1/lineage/batch/acme-gw-1", 400, "id:"},
      {"/v1/lineage/batch/acme-gw-1:x", 400, "id:"}, {"/v1/lineage/model/acme-pca", 400, "id:"},
      {"/v1/lineage/deployment/first", 400, "id:"},  {"/v1/lineage/alert/999999", 404, ""},
      {"/v1/lineage/batch/acme-gw-1:99", 404, ""},   {"/v1/lineage/model/acme-pca@9", 404, ""},
      {"/v1/lineage/deployment/999999", 404, ""},    {"/v1/lineage/node/acme-gw-9", 404, ""},
      {"/v1/lineage/asset/acme-nope", 404, ""},
  };
  for (const Case& c : cases) {
    HttpResult r = hub().Get(c.path, Viewer());
    EXPECT_EQ(r.status, c.status) << c.path << " -> " << r.body;
    EXPECT_TRUE(r.HasErrorShape()) << c.path;
    EXPECT_EQ(ErrorMessage(r).rfind(c.expected, 0), 0u) << c.path << " -> " << r.body;
  }
  // Another tenant's records are unknown there.
  const std::vector<std::string> other_tenant = {
      "/v1/lineage/alert/" + alert,
      "/v1/lineage/batch/acme-gw-1:1",
      "/v1/lineage/model/acme-pca@1",
      "/v1/lineage/deployment/" + std::to_string(seed().deployment_id),
      "/v1/lineage/node/acme-gw-1",
      "/v1/lineage/asset/acme-pump-1"};
  for (const std::string& path : other_tenant) {
    HttpResult r = hub().Get(path, GlobexToken());
    EXPECT_EQ(r.status, 404) << path << " -> " << r.body;
    // The message may repeat the id asked for, but nothing stored about it.
    EXPECT_FALSE(r.json.contains("nodes")) << path;
    for (const std::string& secret : {seed().model_sha256, std::string("acme-agent-1.0"),
                                      std::string("acme-outer-race"), std::string("acme-town")}) {
      EXPECT_EQ(r.body.find(secret), std::string::npos) << path << " -> " << r.body;
    }
  }
}

TEST_F(InsightApiTest, LineageIsBounded) {
  // Directly with a tiny cap: the graph stops at the cap and keeps no dangling edge.
  Result<LineageGraph> small =
      BuildLineage(hub().store(), hub().acme().id, "alert", std::to_string(seed().alert_id), 3);
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  EXPECT_TRUE(small->truncated);
  EXPECT_EQ(small->nodes.size(), 3u);
  CheckGraph(small->ToJson());

  // Over HTTP: 600 more alerts on one asset exceed what one expansion shows.
  store::DecodedBatch batch;
  batch.seq = 2;
  batch.created = seed().t0;
  for (int i = 0; i < 600; ++i) {
    batch.alerts.push_back(AlertEvent(100 + i, "acme-pump-1", seed().t0 + i, "warning"));
  }
  IngestAcme(hub(), batch);
  for (const char* kind : {"asset", "node"}) {
    HttpResult r = hub().Get(std::string("/v1/lineage/") + kind + "/" +
                                 (std::string(kind) == "asset" ? "acme-pump-1" : "acme-gw-1"),
                             Viewer());
    ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
    EXPECT_EQ(r.json["truncated"], true) << kind;
    EXPECT_LE(r.json["nodes"].size(), 500u);
    EXPECT_GT(r.json["nodes"].size(), 100u);
    CheckGraph(r.json);
  }
}

TEST_F(InsightApiTest, QualityCountsAndSourceRejections) {
  const store::TimeMs t0 = seed().t0;
  HttpResult r = hub().Get("/v1/quality", Viewer());
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json["events"].size(), 1u);
  EXPECT_EQ(r.json["events"][0], json({{"asset", "acme-pump-1"},
                                       {"channel", "acme-vib-x"},
                                       {"rule", "acme-stuck"},
                                       {"events", 1},
                                       {"ongoing", 0},
                                       {"last", Rfc(t0 + 5000)}}));
  ASSERT_EQ(r.json["nodes"].size(), 1u);
  EXPECT_EQ(r.json["nodes"][0]["node"], "acme-gw-1");
  EXPECT_EQ(r.json["nodes"][0]["sources"], json::object());  // the seeded heartbeat has none

  // Two more events of the same rule (one ongoing) and a heartbeat with source counters.
  store::DecodedBatch batch;
  batch.seq = 2;
  batch.created = t0 + 100000;
  for (int i = 0; i < 2; ++i) {
    batch.quality.push_back({.asset = "acme-pump-1",
                             .channel = "acme-vib-x",
                             .rule = "acme-stuck",
                             .start = t0 + 50000 + i * 10000,
                             .ongoing = i == 1,
                             .detail = "acme-stuck again"});
  }
  const json sources = {
      {"acme-modbus", {{"messages", 40}, {"values", 400}, {"rejected", {{"range", 3}}}}}};
  store::HeartbeatRecord hb;
  hb.time = t0 + 100000;
  hb.version = "acme-agent-1.1";
  hb.inference_uptime = 1.0;
  hb.body_json =
      json({{"type", "heartbeat"}, {"version", "acme-agent-1.1"}, {"sources", sources}}).dump();
  batch.heartbeats.push_back(hb);
  IngestAcme(hub(), batch);

  r = hub().Get("/v1/quality", Viewer());
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json["events"].size(), 1u);
  EXPECT_EQ(r.json["events"][0]["events"], 3);
  EXPECT_EQ(r.json["events"][0]["ongoing"], 1);
  EXPECT_EQ(r.json["events"][0]["last"], Rfc(t0 + 60000));
  EXPECT_EQ(r.json["nodes"][0]["sources"], sources);
  EXPECT_EQ(r.json["nodes"][0]["last_heartbeat"], Rfc(t0 + 100000));

  // Only the later events in the window [t0 + 50 s, t0 + 55 s).
  r = hub().Get("/v1/quality?from=" + Rfc(t0 + 50000) + "&to=" + std::to_string(t0 + 55000),
                Viewer());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["from"], Rfc(t0 + 50000));
  ASSERT_EQ(r.json["events"].size(), 1u);
  EXPECT_EQ(r.json["events"][0]["events"], 1);

  for (const char* q : {"from=soon", "to=-5", "from=9000&to=9000"}) {
    HttpResult bad = hub().Get(std::string("/v1/quality?") + q, Viewer());
    EXPECT_EQ(bad.status, 400) << q;
  }
  HttpResult globex = hub().Get("/v1/quality", GlobexToken());
  ASSERT_EQ(globex.status, 200);
  EXPECT_EQ(globex.json["events"], json::array());
  EXPECT_EQ(globex.body.find("acme-"), std::string::npos);
}

TEST_F(InsightApiTest, DriftEvents) {
  HttpResult r = hub().Get("/v1/drift", Viewer());
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json["drift"].size(), 1u);
  EXPECT_EQ(r.json["drift"][0],
            json({{"asset", "acme-pump-1"},
                  {"model", seed().model + "@" + seed().model_sha256.substr(0, 12)},
                  {"kind", "feature_psi"},
                  {"feature", "acme-rms"},
                  {"value", 0.3},
                  {"threshold", 0.2},
                  {"window_count", 3},
                  {"time", Rfc(seed().t0 + 30000)}}));
  EXPECT_EQ(hub().Get("/v1/drift?asset=acme-pump-1&limit=1", Viewer()).json["drift"].size(), 1u);
  EXPECT_EQ(hub().Get("/v1/drift?asset=acme-fan-1", Viewer()).json["drift"].size(), 0u);
  EXPECT_EQ(hub().Get("/v1/drift?to=" + Rfc(seed().t0 + 30000), Viewer()).json["drift"].size(), 0u);
  for (const char* q : {"limit=0", "limit=1001", "from=later"}) {
    HttpResult bad = hub().Get(std::string("/v1/drift?") + q, Viewer());
    EXPECT_EQ(bad.status, 400) << q;
    EXPECT_TRUE(bad.HasErrorShape());
  }
  EXPECT_EQ(hub().Get("/v1/drift", GlobexToken()).json["drift"], json::array());
}

// SLOs on simulated time, so latencies are exact.
TEST(SloApiTest, UptimePerNodeAndAckLatency) {
  const store::TimeMs start = 1795392000000;  // 2026-11-23T00:00:00Z
  TestHubServer hub({.simulated_start = FromNanos(start * 1000000)});
  const SeedInfo& seed = hub.Seed();
  ASSERT_EQ(seed.t0, start - 600000);
  const std::string& viewer = hub.acme().token(Role::kViewer);

  HttpResult r = hub.Get("/v1/slo", viewer);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json["inference_uptime"].size(), 1u);
  EXPECT_EQ(r.json["inference_uptime"][0], json({{"node", "acme-gw-1"},
                                                 {"uptime", 0.99},
                                                 {"target", 0.995},
                                                 {"met", false},
                                                 {"heartbeats", 1}}));
  EXPECT_EQ(r.json["alert_ack_latency"]["alerts"], 1);
  EXPECT_EQ(r.json["alert_ack_latency"]["acknowledged"], 0);
  EXPECT_EQ(r.json["alert_ack_latency"]["open_over_target"], 0);
  EXPECT_EQ(r.json["alert_ack_latency"]["target_s"], 7200.0);

  // A later perfect heartbeat, an alert 3 h old and one 100 s old.
  store::DecodedBatch batch;
  batch.seq = 2;
  batch.created = start;
  batch.alerts.push_back(AlertEvent(2, "acme-pump-1", start - 3 * 3600 * 1000, "critical"));
  batch.alerts.push_back(AlertEvent(3, "acme-pump-1", start - 100000, "warning"));
  store::HeartbeatRecord hb;
  hb.time = start - 10000;
  hb.inference_uptime = 1.0;
  batch.heartbeats.push_back(hb);
  IngestAcme(hub, batch);
  hub.sim_clock()->Advance(std::chrono::seconds(120));
  const std::string& tech = hub.acme().token(Role::kTechnician);
  HttpResult list = hub.Get("/v1/alerts?severity=warning", viewer);
  ASSERT_EQ(list.json["alerts"].size(), 2u);
  for (const json& a : list.json["alerts"]) {
    ASSERT_EQ(
        hub.Call("POST", "/v1/alerts/" + std::to_string(a["id"].get<int64_t>()) + "/ack", tech)
            .status,
        200);
  }
  r = hub.Get("/v1/slo", viewer);
  ASSERT_EQ(r.status, 200) << r.body;
  // Acked at start + 120 s: 700 s after the seeded alert, 220 s after the recent one.
  EXPECT_EQ(r.json["alert_ack_latency"], json({{"alerts", 3},
                                               {"acknowledged", 2},
                                               {"p50_s", 220.0},
                                               {"p90_s", 700.0},
                                               {"max_s", 700.0},
                                               {"open_over_target", 1},
                                               {"target_s", 7200.0}}));
  // Only the perfect heartbeat in the last 20 s before start.
  r = hub.Get("/v1/slo?from=" + Rfc(start - 20000) + "&to=" + Rfc(start), viewer);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json["inference_uptime"].size(), 1u);
  EXPECT_EQ(r.json["inference_uptime"][0]["uptime"], 1.0);
  EXPECT_EQ(r.json["inference_uptime"][0]["met"], true);
  EXPECT_EQ(r.json["alert_ack_latency"]["alerts"], 0);
  EXPECT_EQ(hub.Get("/v1/slo?from=tomorrow", viewer).status, 400);
  HttpResult globex = hub.Get("/v1/slo", hub.globex().token(Role::kViewer));
  EXPECT_EQ(globex.json["inference_uptime"], json::array());
  EXPECT_EQ(globex.json["alert_ack_latency"]["alerts"], 0);
}

}  // namespace
}  // namespace edgeloop::api::testing
