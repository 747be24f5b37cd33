// Deployment routes over real HTTP: production, canary 50 % over four nodes, promote, roll
// back, supersede, status per node from heartbeats, and what each node's desired-state document
// says (with its ETag) after every change.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "api/api_test_fixture.h"
#include "api/auth.h"
#include "common/sha256.h"
#include "registry/test_models.h"

namespace edgeloop::api::testing {
namespace {

using nlohmann::json;
using registry::testing::AsBytes;
using registry::testing::TrainedPcaBytes;
using store::Role;

constexpr const char* kGroup = "pump-bearing";

class ApiDeploymentsTest : public ApiTest {
 protected:
  void SetUp() override {
    const std::string ml = hub().acme().token(Role::kMlEngineer);
    for (uint64_t seed : {21, 22}) {
      const std::string bytes = TrainedPcaBytes(seed);
      HttpResult up = hub().Call("POST", "/v1/models/pump-pca/versions", ml, bytes,
                                 {{"Content-Type", "application/octet-stream"}});
      ASSERT_EQ(up.status, 201) << up.body;
      sha_.push_back(Sha256Hex(AsBytes(bytes)));
    }
    for (int i = 1; i <= 4; ++i) Enroll("line-a-" + std::to_string(i), "line-a");
  }

  // Enrolls `node` with group label `label` through the store; keeps its node token.
  void Enroll(const std::string& node, const std::string& label) {
    const int64_t acme = hub().acme().id;
    const std::string enrollment = NewTokenSecret();
    const store::TimeMs now = hub().NowMs();
    ASSERT_TRUE(hub()
                    .store()
                    .CreateEnrollment({.tenant = acme,
                                       .node = node,
                                       .site = "acme-site-1",
                                       .group = label,
                                       .hash = HashTokenSecret(enrollment),
                                       .created = now,
                                       .expires = now + 3600000})
                    .ok());
    node_tokens_[node] = NewTokenSecret();
    ASSERT_TRUE(hub()
                    .store()
                    .Enroll(HashTokenSecret(enrollment),
                            {.name = "node " + node,
                             .role = Role::kNode,
                             .hash = HashTokenSecret(node_tokens_[node]),
                             .created = now},
                            now)
                    .ok());
  }

  HttpResult Deploy(const json& body) {
    return hub().Post("/v1/deployments", hub().acme().token(Role::kMlEngineer), body);
  }
  json Show(int64_t id) {
    HttpResult r =
        hub().Get("/v1/deployments/" + std::to_string(id), hub().acme().token(Role::kViewer));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json;
  }
  HttpResult Desired(const std::string& node, const std::string& etag = "") {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!etag.empty()) headers.emplace_back("If-None-Match", etag);
    return hub().Call("GET", "/v1/nodes/" + node + "/desired", node_tokens_.at(node), "", headers);
  }
  // "pump-pca@N" of the node's production model in kGroup, or "" when it has none.
  std::string ProductionOf(const std::string& node) {
    HttpResult r = Desired(node);
    EXPECT_EQ(r.status, 200) << r.body;
    for (const auto& m : r.json["models"]) {
      if (m["group"] == kGroup && m["role"] == "production") return m["version"];
    }
    return "";
  }
  std::map<std::string, std::string> ProductionOfAll() {
    std::map<std::string, std::string> out;
    for (int i = 1; i <= 4; ++i) {
      const std::string n = "line-a-" + std::to_string(i);
      out[n] = ProductionOf(n);
    }
    return out;
  }
  // One heartbeat from `node` reporting `models` ({"group/role": "name@sha12"}), via the store.
  void Heartbeat(const std::string& node, const json& models, int64_t seq) {
    store::DecodedBatch batch{.seq = seq, .payload_bytes = 10, .created = hub().NowMs()};
    batch.heartbeats.push_back({.time = hub().NowMs(),
                                .version = "test",
                                .models_json = models.dump(),
                                .body_json = json{{"type", "heartbeat"}}.dump()});
    auto outcome = hub().store().Ingest(hub().acme().id, node, 0, {&batch, 1}, hub().NowMs());
    ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  }

  std::vector<std::string> sha_;
  std::map<std::string, std::string> node_tokens_;
};

TEST_F(ApiDeploymentsTest, CanaryPromoteRollbackDriveEachNodesDesiredState) {
  // v1 in production on every line-a node (by group label).
  HttpResult prod = Deploy({{"model", "pump-pca"},
                            {"version", 1},
                            {"group", kGroup},
                            {"node_group", "line-a"},
                            {"role", "production"}});
  ASSERT_EQ(prod.status, 201) << prod.body;
  const int64_t prod_id = prod.json["id"];
  EXPECT_EQ(prod.json["state"], "active");
  EXPECT_EQ(prod.json["replaces"], nullptr);
  for (const auto& [node, v] : ProductionOfAll()) EXPECT_EQ(v, "pump-pca@1") << node;
  HttpResult before = Desired("line-a-1");
  const std::string etag = before.Header("ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(Desired("line-a-1", etag).status, 304);  // unchanged

  // v2 as a 50 % canary over the four nodes explicitly listed: exactly two get it.
  HttpResult canary = Deploy({{"model", "pump-pca"},
                              {"version", 2},
                              {"group", kGroup},
                              {"nodes", {"line-a-1", "line-a-2", "line-a-3", "line-a-4"}},
                              {"role", "canary"},
                              {"canary_percent", 50}});
  ASSERT_EQ(canary.status, 201) << canary.body;
  const int64_t canary_id = canary.json["id"];
  EXPECT_EQ(canary.json["canary_percent"], 50);
  // A canary does not supersede production: the other half keeps running it.
  EXPECT_EQ(Show(prod_id)["state"], "active");
  const json shown = Show(canary_id);
  std::set<std::string> selected;
  for (const auto& t : shown["targets"]) {
    if (t["selected"].get<bool>()) selected.insert(t["node"]);
  }
  ASSERT_EQ(shown["targets"].size(), 4u);
  ASSERT_EQ(selected.size(), 2u);
  for (const auto& [node, v] : ProductionOfAll()) {
    EXPECT_EQ(v, selected.contains(node) ? "pump-pca@2" : "pump-pca@1") << node;
  }
  EXPECT_EQ(Desired("line-a-1", etag).status, 200);  // the revision moved on

  // Promote: v2 becomes production on all four, superseding the canary and old production.
  HttpResult promoted = hub().Post("/v1/deployments/" + std::to_string(canary_id) + "/promote",
                                   hub().acme().token(Role::kEdgeEngineer), json::object());
  ASSERT_EQ(promoted.status, 201) << promoted.body;
  const int64_t promoted_id = promoted.json["id"];
  EXPECT_EQ(promoted.json["role"], "production");
  EXPECT_EQ(promoted.json["canary_percent"], nullptr);
  EXPECT_EQ(promoted.json["replaces"], prod_id);
  EXPECT_EQ(Show(canary_id)["state"], "superseded");
  EXPECT_EQ(Show(prod_id)["state"], "superseded");
  for (const auto& [node, v] : ProductionOfAll()) EXPECT_EQ(v, "pump-pca@2") << node;
  HttpResult active = hub().Get("/v1/deployments?active=true", hub().acme().token(Role::kViewer));
  ASSERT_EQ(active.status, 200);
  ASSERT_EQ(active.json["deployments"].size(), 1u);
  EXPECT_EQ(active.json["deployments"][0]["id"], promoted_id);
  EXPECT_EQ(
      hub().Get("/v1/deployments", hub().acme().token(Role::kViewer)).json["deployments"].size(),
      3u);
  // Promoting again (now superseded) is a conflict.
  EXPECT_EQ(hub()
                .Post("/v1/deployments/" + std::to_string(canary_id) + "/promote",
                      hub().acme().token(Role::kAdmin), json::object())
                .status,
            409);

  // Roll back: v1 production is active again on every node.
  const std::string etag_v2 = Desired("line-a-3").Header("ETag");
  HttpResult rb = hub().Post("/v1/deployments/" + std::to_string(promoted_id) + "/rollback",
                             hub().acme().token(Role::kAdmin), json::object());
  ASSERT_EQ(rb.status, 200) << rb.body;
  EXPECT_EQ(rb.json["rolled_back"]["state"], "rolled_back");
  EXPECT_EQ(rb.json["restored"]["id"], prod_id);
  EXPECT_EQ(Show(prod_id)["state"], "active");
  for (const auto& [node, v] : ProductionOfAll()) EXPECT_EQ(v, "pump-pca@1") << node;
  EXPECT_EQ(Desired("line-a-3", etag_v2).status, 200);
  HttpResult again = hub().Post("/v1/deployments/" + std::to_string(promoted_id) + "/rollback",
                                hub().acme().token(Role::kAdmin), json::object());
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_TRUE(again.HasErrorShape());
}

TEST_F(ApiDeploymentsTest, NewProductionSupersedesOverlappingOnesAndRollbackRestores) {
  HttpResult a = Deploy({{"model", "pump-pca"},
                         {"version", 1},
                         {"group", kGroup},
                         {"nodes", {"line-a-1", "line-a-2"}},
                         {"role", "production"}});
  ASSERT_EQ(a.status, 201) << a.body;
  // Another group's production and a disjoint node list are left alone.
  HttpResult other = Deploy({{"model", "pump-pca"},
                             {"version", 1},
                             {"group", "fan-imbalance"},
                             {"nodes", {"line-a-1"}},
                             {"role", "production"}});
  ASSERT_EQ(other.status, 201);
  HttpResult disjoint = Deploy({{"model", "pump-pca"},
                                {"version", 1},
                                {"group", kGroup},
                                {"nodes", {"line-a-4"}},
                                {"role", "production"}});
  ASSERT_EQ(disjoint.status, 201);
  HttpResult shadow = Deploy({{"model", "pump-pca"},
                              {"version", 2},
                              {"group", kGroup},
                              {"nodes", {"line-a-2"}},
                              {"role", "shadow"}});
  ASSERT_EQ(shadow.status, 201);
  // v2 production over the whole line-a label overlaps `a` and `disjoint`.
  HttpResult b = Deploy({{"model", "pump-pca"},
                         {"version", 2},
                         {"group", kGroup},
                         {"node_group", "line-a"},
                         {"role", "production"}});
  ASSERT_EQ(b.status, 201) << b.body;
  std::set<int64_t> superseded(b.json["superseded"].begin(), b.json["superseded"].end());
  EXPECT_EQ(superseded, (std::set<int64_t>{a.json["id"], disjoint.json["id"]}));
  EXPECT_EQ(b.json["replaces"], disjoint.json["id"]);  // the newest of them
  EXPECT_EQ(Show(other.json["id"])["state"], "active");
  EXPECT_EQ(Show(shadow.json["id"])["state"], "active");
  HttpResult desired2 = Desired("line-a-2");
  ASSERT_EQ(desired2.status, 200);
  ASSERT_EQ(desired2.json["models"].size(), 2u);  // production v2 and shadow v2
  EXPECT_EQ(desired2.json["models"][1]["role"], "shadow");

  HttpResult rb = hub().Post("/v1/deployments/" + b.json["id"].dump() + "/rollback",
                             hub().acme().token(Role::kMlEngineer), json::object());
  ASSERT_EQ(rb.status, 200) << rb.body;
  EXPECT_EQ(Show(disjoint.json["id"])["state"], "active");
  EXPECT_EQ(ProductionOf("line-a-4"), "pump-pca@1");
  // A superseded deployment cannot be rolled back directly.
  EXPECT_EQ(hub()
                .Post("/v1/deployments/" + a.json["id"].dump() + "/rollback",
                      hub().acme().token(Role::kMlEngineer), json::object())
                .status,
            409);
}

TEST_F(ApiDeploymentsTest, StatusPerNodeFollowsHeartbeats) {
  HttpResult d = Deploy({{"model", "pump-pca"},
                         {"version", 1},
                         {"group", kGroup},
                         {"nodes", {"line-a-1", "line-a-2", "line-a-3"}},
                         {"role", "production"}});
  ASSERT_EQ(d.status, 201) << d.body;
  // line-a-1 runs v1 (reported as the edge does: name@sha12), line-a-2 still an old model,
  // line-a-3 never sent a heartbeat.
  Heartbeat("line-a-1", {{std::string(kGroup) + "/production", "pump@" + sha_[0].substr(0, 12)}},
            1);
  Heartbeat("line-a-2", {{std::string(kGroup) + "/production", "pump@" + sha_[1].substr(0, 12)}},
            1);
  const json shown = Show(d.json["id"]);
  std::map<std::string, json> by_node;
  for (const auto& t : shown["targets"]) by_node[t["node"]] = t;
  ASSERT_EQ(by_node.size(), 3u);  // line-a-4 is not targeted
  EXPECT_EQ(by_node["line-a-1"]["status"], "applied");
  EXPECT_EQ(by_node["line-a-1"]["desired"], "pump-pca@1");
  EXPECT_EQ(by_node["line-a-2"]["status"], "pending");
  EXPECT_EQ(by_node["line-a-2"]["reported"], "pump@" + sha_[1].substr(0, 12));
  EXPECT_EQ(by_node["line-a-3"]["status"], "unknown");
  EXPECT_EQ(by_node["line-a-3"]["reported"], nullptr);

  // After the new version goes out, line-a-1 is pending until it reports it.
  HttpResult v2 = Deploy({{"model", "pump-pca"},
                          {"version", 2},
                          {"group", kGroup},
                          {"nodes", {"line-a-1"}},
                          {"role", "production"}});
  ASSERT_EQ(v2.status, 201);
  EXPECT_EQ(Show(v2.json["id"])["targets"][0]["status"], "pending");
  Heartbeat("line-a-1", {{std::string(kGroup) + "/production", "pump@" + sha_[1].substr(0, 12)}},
            2);
  EXPECT_EQ(Show(v2.json["id"])["targets"][0]["status"], "applied");
}

TEST_F(ApiDeploymentsTest, BadRequestsAre400AndCreateNothing) {
  const std::vector<json> bodies = {
      {{"model", "pump-pca"}, {"version", 1}, {"group", kGroup}, {"role", "production"}},
      {{"model", "pump-pca"},
       {"version", 1},
       {"group", kGroup},
       {"nodes", {"line-a-1"}},
       {"node_group", "line-a"},
       {"role", "production"}},
      {{"model", "pump-pca"},
       {"version", 1},
       {"group", kGroup},
       {"nodes", json::array()},
       {"role", "production"}},
      {{"model", "pump-pca"},
       {"version", 1},
       {"group", kGroup},
       {"nodes", {"line-a-1"}},
       {"role", "canary"}},
      {{"model", "pump-pca"},
       {"version", 1},
       {"group", kGroup},
       {"nodes", {"line-a-1"}},
       {"role", "canary"},
       {"canary_percent", 101}},
      {{"model", "pump-pca"},
       {"version", 1},
       {"group", kGroup},
       {"nodes", {"line-a-1"}},
       {"role", "production"},
       {"canary_percent", 10}},
      {{"model", "pump-pca"},
       {"version", 1},
       {"group", kGroup},
       {"nodes", {"line-a-1"}},
       {"role", "primary"}},
      {{"model", "pump-pca"},
       {"version", "1"},
       {"group", kGroup},
       {"nodes", {"line-a-1"}},
       {"role", "production"}},
      {{"model", "pump-pca"},
       {"version", 1},
       {"group", kGroup},
       {"nodes", {"line-a-1"}},
       {"role", "production"},
       {"colour", "blue"}},
  };
  for (const json& body : bodies) {
    HttpResult r = Deploy(body);
    EXPECT_EQ(r.status, 400) << body.dump() << " -> " << r.body;
    EXPECT_TRUE(r.HasErrorShape()) << r.body;
  }
  EXPECT_EQ(
      hub().Call("POST", "/v1/deployments", hub().acme().token(Role::kAdmin), "{not json").status,
      400);
  // Unknown model version and unknown node: 404 naming them.
  HttpResult no_version = Deploy({{"model", "pump-pca"},
                                  {"version", 9},
                                  {"group", kGroup},
                                  {"nodes", {"line-a-1"}},
                                  {"role", "production"}});
  EXPECT_EQ(no_version.status, 404) << no_version.body;
  HttpResult no_node = Deploy({{"model", "pump-pca"},
                               {"version", 1},
                               {"group", kGroup},
                               {"nodes", {"line-b-9"}},
                               {"role", "production"}});
  EXPECT_EQ(no_node.status, 404);
  EXPECT_NE(no_node.body.find("line-b-9"), std::string::npos);
  EXPECT_EQ(hub().Get("/v1/deployments?active=maybe", hub().acme().token(Role::kViewer)).status,
            400);
  EXPECT_EQ(*hub().store().DeploymentRevision(hub().acme().id), 0);
  EXPECT_EQ(
      hub().Get("/v1/deployments", hub().acme().token(Role::kViewer)).json["deployments"].size(),
      0u);
  // Promoting a production deployment is a conflict; unknown ids are 404 (also across tenants).
  HttpResult prod = Deploy({{"model", "pump-pca"},
                            {"version", 1},
                            {"group", kGroup},
                            {"nodes", {"line-a-1"}},
                            {"role", "production"}});
  ASSERT_EQ(prod.status, 201);
  const std::string path = "/v1/deployments/" + prod.json["id"].dump();
  EXPECT_EQ(hub().Post(path + "/promote", hub().acme().token(Role::kAdmin), json::object()).status,
            409);
  EXPECT_EQ(
      hub().Post(path + "/rollback", hub().globex().token(Role::kAdmin), json::object()).status,
      404);
  EXPECT_EQ(hub().Get(path, hub().globex().token(Role::kAdmin)).status, 404);
  EXPECT_EQ(
      hub().Post(path + "/rollback", hub().acme().token(Role::kViewer), json::object()).status,
      403);
}

}  // namespace
}  // namespace edgeloop::api::testing
