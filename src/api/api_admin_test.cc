// Tokens, enrollment, nodes, /healthz, /metrics over real HTTP.
#include <gtest/gtest.h>

#include "api/api_test_fixture.h"
#include "api/hub_metrics.h"

namespace edgeloop::api::testing {
namespace {

using nlohmann::json;
using store::Role;

TEST_F(ApiTest, HealthzIsPublic) {
  HttpResult r = hub().Get("/healthz");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["status"], "ok");
  EXPECT_EQ(r.json["version"], "test");
  EXPECT_EQ(r.json["store"], "sqlite");
}

TEST_F(ApiTest, UnknownRouteAndWrongMethod) {
  HttpResult r = hub().Get("/v1/nope", hub().acme().token(Role::kAdmin));
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(r.HasErrorShape());
  r = hub().Call("PUT", "/healthz");
  EXPECT_EQ(r.status, 405);
  EXPECT_TRUE(r.HasErrorShape());
}

TEST_F(ApiTest, TokenLifecycle) {
  const std::string admin = hub().acme().token(Role::kAdmin);
  HttpResult made = hub().Post(
      "/v1/tokens", admin, {{"name", "acme-grafana"}, {"role", "viewer"}, {"expires_in_s", 3600}});
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string secret = made.json["token"];
  EXPECT_EQ(secret.rfind("elp_", 0), 0u);
  EXPECT_EQ(made.json["role"], "viewer");
  EXPECT_FALSE(made.json["expires"].is_null());
  const int64_t id = made.json["id"];
  EXPECT_EQ(hub().Get("/v1/nodes", secret).status, 200);
  // The new viewer token is not an admin.
  EXPECT_EQ(hub().Get("/v1/tokens", secret).status, 403);

  HttpResult list = hub().Get("/v1/tokens", admin);
  ASSERT_EQ(list.status, 200);
  bool found = false;
  for (const json& t : list.json["tokens"]) {
    EXPECT_FALSE(t.contains("hash"));
    EXPECT_FALSE(t.contains("token"));
    if (t["id"] == id) found = true;
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(list.body.find(secret), std::string::npos);

  HttpResult del = hub().Call("DELETE", "/v1/tokens/" + std::to_string(id), admin);
  ASSERT_EQ(del.status, 200) << del.body;
  HttpResult after = hub().Get("/v1/nodes", secret);  // fixture: no auth cache
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(after.Header("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(hub().Call("DELETE", "/v1/tokens/999999", admin).status, 404);
  EXPECT_EQ(hub().Call("DELETE", "/v1/tokens/abc", admin).status, 404);
  // Another tenant's admin cannot revoke acme's token.
  EXPECT_EQ(
      hub()
          .Call("DELETE", "/v1/tokens/" + std::to_string(id), hub().globex().token(Role::kAdmin))
          .status,
      404);
}

TEST_F(ApiTest, TokenCreateRefusesNodeRoleAndBadFields) {
  const std::string admin = hub().acme().token(Role::kAdmin);
  HttpResult r = hub().Post("/v1/tokens", admin, {{"name", "x"}, {"role", "node"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.json["error"]["message"].get<std::string>().find("role: must be one of"),
            std::string::npos);
  r = hub().Post("/v1/tokens", admin, {{"name", 3}, {"role", "viewer"}, {"colour", "red"}});
  EXPECT_EQ(r.status, 400);
  const std::string msg = r.json["error"]["message"];
  EXPECT_NE(msg.find("name: expected a string"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unknown field(s): colour"), std::string::npos) << msg;
}

TEST_F(ApiTest, EnrollmentExchangesOnceForANodeToken) {
  const std::string eng = hub().acme().token(Role::kEdgeEngineer);
  HttpResult e = hub().Post("/v1/enrollments", eng,
                            {{"node", "acme-gw-7"}, {"site", "acme-site-1"}, {"group", "l1"}});
  ASSERT_EQ(e.status, 201) << e.body;
  const std::string enrollment = e.json["enrollment_token"];
  EXPECT_EQ(hub()
                .Post("/v1/enrollments", hub().acme().token(Role::kViewer), {{"node", "acme-gw-8"}})
                .status,
            403);
  EXPECT_EQ(hub().Post("/v1/enrollments", eng, {{"node", "bad id/with slash"}}).status, 400);

  HttpResult n = hub().Post("/v1/enroll", "", {{"enrollment_token", enrollment}});
  ASSERT_EQ(n.status, 201) << n.body;
  EXPECT_EQ(n.json["node"], "acme-gw-7");
  EXPECT_EQ(n.json["tenant"], hub().acme().id);
  const std::string node_token = n.json["token"];
  HttpResult d = hub().Get("/v1/nodes/acme-gw-7/desired", node_token);
  EXPECT_EQ(d.status, 200) << d.body;
  // Its own node record, but not another node's.
  EXPECT_EQ(hub().Get("/v1/nodes/acme-gw-7", node_token).status, 200);
  EXPECT_EQ(hub().Get("/v1/nodes/acme-gw-1", node_token).status, 403);

  HttpResult again = hub().Post("/v1/enroll", "", {{"enrollment_token", enrollment}});
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_TRUE(again.HasErrorShape());
  HttpResult unknown = hub().Post("/v1/enroll", "", {{"enrollment_token", "elp_nope"}});
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(hub().Post("/v1/enroll", "", {{"token", "x"}}).status, 400);
}

TEST_F(ApiTest, ExpiredEnrollmentIsRefused) {
  TestHubServer sim(TestHubOptions{.simulated_start = FromNanos(int64_t{1700000000} * 1000000000)});
  HttpResult e = sim.Post("/v1/enrollments", sim.acme().token(Role::kAdmin),
                          {{"node", "acme-gw-9"}, {"ttl_s", 60}});
  ASSERT_EQ(e.status, 201) << e.body;
  sim.sim_clock()->Advance(std::chrono::seconds(61));
  HttpResult n = sim.Post("/v1/enroll", "", {{"enrollment_token", e.json["enrollment_token"]}});
  EXPECT_EQ(n.status, 409) << n.body;
}

TEST_F(SeededApiTest, NodesShowStatusAndVersions) {
  const std::string viewer = hub().acme().token(Role::kViewer);
  HttpResult list = hub().Get("/v1/nodes", viewer);
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.json["nodes"].size(), 1u);
  const json& n = list.json["nodes"][0];
  EXPECT_EQ(n["id"], "acme-gw-1");
  // Seeded ingest stamped last_seen 9 minutes ago: stale.
  EXPECT_EQ(n["status"], "stale");
  EXPECT_EQ(n["versions"]["agent_version"], "acme-agent-1.0");
  EXPECT_TRUE(n["versions"]["models"].contains("acme-pump-bearing/production"));
  EXPECT_EQ(n["batches"], 1);
  // A desired-state poll by the node is a sign of life.
  ASSERT_EQ(hub().Get("/v1/nodes/acme-gw-1/desired", hub().acme().node_token).status, 200);
  HttpResult one = hub().Get("/v1/nodes/acme-gw-1", viewer);
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.json["status"], "online");
  EXPECT_TRUE(one.json["heartbeat"].is_object());
  // globex's node never reported.
  HttpResult g = hub().Get("/v1/nodes", hub().globex().token(Role::kViewer));
  ASSERT_EQ(g.json["nodes"].size(), 1u);
  EXPECT_EQ(g.json["nodes"][0]["status"], "never");
  EXPECT_EQ(hub().Get("/v1/nodes/acme-gw-1", hub().globex().token(Role::kViewer)).status, 404);
}

TEST_F(ApiTest, MetricsNeedATokenAndCountRequests) {
  EXPECT_EQ(hub().Get("/metrics").status, 401);
  hub().Get("/healthz");
  HttpResult m = hub().Get("/metrics", hub().acme().token(Role::kViewer));
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.Header("Content-Type").find("text/plain"), std::string::npos);
  EXPECT_NE(
      m.body.find(R"(edgeloop_hub_requests_total{method="GET",route="/healthz",status="200"} 1)"),
      std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find(R"(edgeloop_hub_auth_failures_total{reason="missing"} 1)"),
            std::string::npos);
  EXPECT_NE(m.body.find("edgeloop_hub_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_EQ(hub().metrics().requests("GET", "/metrics", 401), 1);
}

TEST_F(ApiTest, OversizedBodyIs413) {
  // /v1/enroll accepts at most 4 KiB.
  std::string big = R"({"enrollment_token":")" + std::string(8000, 'a') + R"("})";
  HttpResult r = hub().Call("POST", "/v1/enroll", "", big);
  EXPECT_EQ(r.status, 413);
  EXPECT_TRUE(r.HasErrorShape());
}

}  // namespace
}  // namespace edgeloop::api::testing
