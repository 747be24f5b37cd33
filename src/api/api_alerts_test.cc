// Alert routes over real HTTP: list with filters and paging, show, the acknowledge/resolve
// state machine, annotations (and their place in the alert's lineage).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/api_data_test_util.h"

namespace edgeloop::api::testing {
namespace {

using nlohmann::json;
using store::Role;

class AlertApiTest : public SeededApiTest {
 protected:
  const std::string& Token(Role role) { return hub().acme().token(role); }
  const std::string& GlobexToken() { return hub().globex().token(Role::kAdmin); }
  std::string AlertPath(const std::string& suffix = "") {
    return "/v1/alerts/" + std::to_string(seed().alert_id) + suffix;
  }
  // Hub ids of the alerts a list answer holds, in order.
  static std::vector<int64_t> Ids(const HttpResult& r) {
    std::vector<int64_t> ids;
    for (const json& a : r.json["alerts"]) ids.push_back(a["id"].get<int64_t>());
    return ids;
  }
};

TEST_F(AlertApiTest, ShowsSeededAlertWithEvidenceAnnotationsAndLineageLink) {
  HttpResult list = hub().Get("/v1/alerts", Token(Role::kViewer));
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.json["alerts"].size(), 1u);
  EXPECT_TRUE(list.json["next_before"].is_null());
  const json& a = list.json["alerts"][0];
  const std::string detector = seed().model + "@" + seed().model_sha256.substr(0, 12);
  EXPECT_EQ(a["id"], seed().alert_id);
  EXPECT_EQ(a["node"], "acme-gw-1");
  EXPECT_EQ(a["node_alert_id"], 1);
  EXPECT_EQ(a["asset"], "acme-pump-1");
  EXPECT_EQ(a["opened"], Rfc(seed().t0 + 20000));
  EXPECT_TRUE(a["cleared"].is_null());
  EXPECT_DOUBLE_EQ(a["peak_score"].get<double>(), 2.5);
  EXPECT_EQ(a["severity"], "warning");
  EXPECT_EQ(a["detector"], detector);
  EXPECT_EQ(a["diagnosis"], "acme-outer-race");
  EXPECT_EQ(a["evidence"], json({{"acme-rms", 3.0}}));
  EXPECT_EQ(a["state"], "open");
  EXPECT_EQ(a["batch"], "acme-gw-1:1");
  EXPECT_EQ(a["lineage"], "/v1/lineage/alert/" + std::to_string(seed().alert_id));
  EXPECT_FALSE(a.contains("annotations"));  // the list leaves them to GET /v1/alerts/{id}

  HttpResult one = hub().Get(AlertPath(), Token(Role::kTechnician));
  ASSERT_EQ(one.status, 200) << one.body;
  ASSERT_EQ(one.json["annotations"].size(), 1u);
  EXPECT_EQ(one.json["annotations"][0], json({{"id", seed().annotation_id},
                                              {"alert", seed().alert_id},
                                              {"label", "confirmed_fault"},
                                              {"fault_type", "acme-outer-race"},
                                              {"downtime_avoided_h", 4.0},
                                              {"comment", "acme-checked on site"},
                                              {"author", "acme-technician"},
                                              {"created", Rfc(seed().t0 + 70000)}}));
  // The lineage link answers.
  EXPECT_EQ(hub().Get(one.json["lineage"].get<std::string>(), Token(Role::kViewer)).status, 200);
}

TEST_F(AlertApiTest, OtherTenantsAndUnknownIdsAreNotFound) {
  HttpResult list = hub().Get("/v1/alerts", GlobexToken());
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json["alerts"], json::array());
  EXPECT_EQ(hub().Get(AlertPath(), GlobexToken()).status, 404);
  EXPECT_EQ(hub().Call("POST", AlertPath("/ack"), GlobexToken()).status, 404);
  EXPECT_EQ(hub().Call("POST", AlertPath("/resolve"), GlobexToken()).status, 404);
  EXPECT_EQ(hub().Post(AlertPath("/annotations"), GlobexToken(), {{"label", "unsure"}}).status,
            404);
  EXPECT_EQ(hub().Get("/v1/alerts/999999", Token(Role::kViewer)).status, 404);
  HttpResult bad = hub().Get("/v1/alerts/abc", Token(Role::kViewer));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(ErrorMessage(bad).rfind("id:", 0), 0u) << bad.body;
  // Nothing changed in acme.
  HttpResult one = hub().Get(AlertPath(), Token(Role::kViewer));
  EXPECT_EQ(one.json["state"], "open");
  EXPECT_EQ(one.json["annotations"].size(), 1u);
}

class AlertFilterTest : public AlertApiTest {
 protected:
  void SetUp() override {
    const store::TimeMs t0 = seed().t0;
    store::DecodedBatch batch;
    batch.seq = 2;
    batch.created = t0 + 400000;
    batch.alerts.push_back(AlertEvent(2, "acme-pump-1", t0 + 100000, "critical"));
    batch.alerts.push_back(AlertEvent(3, "acme-fan-1", t0 + 200000, "warning"));
    batch.alerts.push_back(AlertEvent(4, "acme-fan-1", t0 + 300000, "critical"));
    IngestAcme(hub(), batch);
    HttpResult all = hub().Get("/v1/alerts", Token(Role::kViewer));
    ASSERT_EQ(all.json["alerts"].size(), 4u) << all.body;
    // Newest first: a4, a3, a2, a1 (the seeded one).
    for (const json& a : all.json["alerts"]) ids_.insert(ids_.begin(), a["id"].get<int64_t>());
    ASSERT_EQ(ids_[0], seed().alert_id);
  }
  std::vector<int64_t> Query(const std::string& query) {
    HttpResult r = hub().Get("/v1/alerts?" + query, Token(Role::kViewer));
    EXPECT_EQ(r.status, 200) << query << " -> " << r.body;
    return Ids(r);
  }
  std::vector<int64_t> ids_;  // a1..a4
};

TEST_F(AlertFilterTest, FiltersByEachParameter) {
  const std::vector<int64_t>& a = ids_;
  const store::TimeMs t0 = seed().t0;
  EXPECT_EQ(Query("asset=acme-fan-1"), (std::vector<int64_t>{a[3], a[2]}));
  EXPECT_EQ(Query("severity=critical"), (std::vector<int64_t>{a[3], a[1]}));
  EXPECT_EQ(Query("asset=acme-pump-1&severity=critical"), (std::vector<int64_t>{a[1]}));
  EXPECT_EQ(Query("node=acme-gw-1").size(), 4u);
  EXPECT_EQ(Query("node=acme-gw-9").size(), 0u);
  EXPECT_EQ(Query("from=" + Rfc(t0 + 50000) + "&to=" + std::to_string(t0 + 250000)),
            (std::vector<int64_t>{a[2], a[1]}));
  EXPECT_EQ(Query("from=" + std::to_string(t0 + 250000)), (std::vector<int64_t>{a[3]}));
  EXPECT_EQ(Query("state=open").size(), 4u);
  ASSERT_EQ(
      hub()
          .Call("POST", "/v1/alerts/" + std::to_string(a[2]) + "/ack", Token(Role::kTechnician))
          .status,
      200);
  EXPECT_EQ(Query("state=acknowledged"), (std::vector<int64_t>{a[2]}));
  EXPECT_EQ(Query("state=open"), (std::vector<int64_t>{a[3], a[1], a[0]}));
  EXPECT_EQ(Query("state=resolved").size(), 0u);
}

TEST_F(AlertFilterTest, PagesWithLimitAndBefore) {
  const std::vector<int64_t>& a = ids_;
  HttpResult page = hub().Get("/v1/alerts?limit=2", Token(Role::kViewer));
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(Ids(page), (std::vector<int64_t>{a[3], a[2]}));
  ASSERT_EQ(page.json["next_before"], a[2]);
  page = hub().Get("/v1/alerts?limit=2&before=" + std::to_string(a[2]), Token(Role::kViewer));
  EXPECT_EQ(Ids(page), (std::vector<int64_t>{a[1], a[0]}));
  ASSERT_EQ(page.json["next_before"], a[0]);
  page = hub().Get("/v1/alerts?limit=2&before=" + std::to_string(a[0]), Token(Role::kViewer));
  EXPECT_EQ(Ids(page), std::vector<int64_t>{});
  EXPECT_TRUE(page.json["next_before"].is_null());
  page = hub().Get("/v1/alerts?limit=3", Token(Role::kViewer));
  EXPECT_EQ(Ids(page).size(), 3u);
}

TEST_F(AlertFilterTest, RefusesInvalidFiltersNamingTheParameter) {
  const char* cases[][2] = {
      {"state=closed", "state"},     {"severity=info", "severity"}, {"limit=0", "limit"},
      {"limit=1001", "limit"},       {"limit=ten", "limit"},        {"before=0", "before"},
      {"before=-3", "before"},       {"from=yesterday", "from"},    {"to=12:00", "to"},
      {"from=5000&to=4000", "from"},
  };
  for (const auto& c : cases) {
    HttpResult r = hub().Get(std::string("/v1/alerts?") + c[0], Token(Role::kViewer));
    EXPECT_EQ(r.status, 400) << c[0];
    EXPECT_EQ(ErrorMessage(r).rfind(std::string(c[1]) + ":", 0), 0u) << c[0] << " -> " << r.body;
  }
}

TEST_F(AlertApiTest, AcknowledgeThenResolveStateMachine) {
  EXPECT_EQ(hub().Call("POST", AlertPath("/ack"), Token(Role::kViewer)).status, 403);
  EXPECT_EQ(hub().Call("POST", AlertPath("/resolve"), Token(Role::kDataSteward)).status, 403);
  HttpResult bad = hub().Call("POST", AlertPath("/ack"), Token(Role::kTechnician), "nonsense");
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(hub().Get(AlertPath(), Token(Role::kViewer)).json["state"], "open");

  HttpResult ack = hub().Call("POST", AlertPath("/ack"), Token(Role::kTechnician));
  ASSERT_EQ(ack.status, 200) << ack.body;
  EXPECT_EQ(ack.json["state"], "acknowledged");
  EXPECT_EQ(ack.json["acknowledged_by"], "acme-technician");
  ASSERT_TRUE(ack.json["acknowledged"].is_string());
  Result<store::TimeMs> acked_at =
      fleet::ParseRfc3339Ms(ack.json["acknowledged"].get<std::string>());
  ASSERT_TRUE(acked_at.ok());
  EXPECT_LE(*acked_at, hub().NowMs());
  EXPECT_GE(*acked_at, hub().NowMs() - 60000);
  EXPECT_EQ(ack.json["annotations"].size(), 1u);

  // Acknowledging again is harmless and keeps the first acknowledgement.
  HttpResult again = hub().Call("POST", AlertPath("/ack"), Token(Role::kDomainValidator), "{}");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json["acknowledged"], ack.json["acknowledged"]);
  EXPECT_EQ(again.json["acknowledged_by"], "acme-technician");

  HttpResult resolved = hub().Call("POST", AlertPath("/resolve"), Token(Role::kAdmin));
  ASSERT_EQ(resolved.status, 200) << resolved.body;
  EXPECT_EQ(resolved.json["state"], "resolved");
  EXPECT_EQ(resolved.json["resolved_by"], "acme-admin");
  EXPECT_TRUE(resolved.json["resolved"].is_string());
  EXPECT_EQ(resolved.json["acknowledged_by"], "acme-technician");

  HttpResult late = hub().Call("POST", AlertPath("/ack"), Token(Role::kTechnician));
  EXPECT_EQ(late.status, 409) << late.body;
  EXPECT_TRUE(late.HasErrorShape());
  EXPECT_EQ(hub().Get(AlertPath(), Token(Role::kViewer)).json["state"], "resolved");
  EXPECT_EQ(hub().Get("/v1/alerts?state=resolved", Token(Role::kViewer)).json["alerts"].size(), 1u);
}

TEST_F(AlertApiTest, AnnotationIsStoredAndShownInAlertAndLineage) {
  HttpResult post = hub().Post(AlertPath("/annotations"), Token(Role::kDomainValidator),
                               {{"label", "false_positive"},
                                {"downtime_avoided_h", 0},
                                {"comment", "acme-sensor knocked during maintenance"}});
  ASSERT_EQ(post.status, 201) << post.body;
  EXPECT_EQ(post.json["label"], "false_positive");
  EXPECT_EQ(post.json["fault_type"], "");
  EXPECT_EQ(post.json["author"], "acme-domain-validator");
  EXPECT_EQ(post.json["alert"], seed().alert_id);
  const int64_t id = post.json["id"].get<int64_t>();
  EXPECT_NE(id, seed().annotation_id);

  HttpResult confirmed = hub().Post(
      AlertPath("/annotations"), Token(Role::kTechnician),
      {{"label", "confirmed_fault"}, {"fault_type", "inner_race"}, {"downtime_avoided_h", 12.5}});
  ASSERT_EQ(confirmed.status, 201) << confirmed.body;
  EXPECT_DOUBLE_EQ(confirmed.json["downtime_avoided_h"].get<double>(), 12.5);

  HttpResult alert = hub().Get(AlertPath(), Token(Role::kViewer));
  ASSERT_EQ(alert.json["annotations"].size(), 3u);
  bool shown = false;
  for (const json& a : alert.json["annotations"]) {
    if (a["id"] == id) {
      shown = true;
      EXPECT_EQ(a, post.json);
    }
  }
  EXPECT_TRUE(shown);

  HttpResult lineage = hub().Get(alert.json["lineage"].get<std::string>(), Token(Role::kViewer));
  ASSERT_EQ(lineage.status, 200) << lineage.body;
  const std::string node_id = "annotation:" + std::to_string(id);
  const json* node = FindNode(lineage.json, node_id);
  ASSERT_NE(node, nullptr) << lineage.body;
  EXPECT_EQ((*node)["attrs"]["label"], "false_positive");
  EXPECT_EQ((*node)["attrs"]["author"], "acme-domain-validator");
  EXPECT_TRUE(
      HasEdge(lineage.json, "alert:" + std::to_string(seed().alert_id), node_id, "annotated"));
}

TEST_F(AlertApiTest, RefusesBadAnnotationsAndStoresNothing) {
  struct Case {
    std::string body, expected;
  } cases[] = {
      {R"({})", "label: required"},
      {R"({"label":"broken"})", "label"},
      {R"({"label":"confirmed_fault"})", "fault_type: required with label confirmed_fault"},
      {R"({"label":"false_positive","fault_type":"outer_race"})", "fault_type: only with"},
      {R"({"label":"unsure","downtime_avoided_h":-1})", "downtime_avoided_h"},
      {R"({"label":"unsure","downtime_avoided_h":"many"})", "downtime_avoided_h"},
      {R"({"label":"unsure","comment":")" + std::string(4001, 'x') + "\"}", "comment"},
      {R"({"label":"unsure","author":"mallory"})", "author"},
      {R"({"label":"unsure")", "body"},
      {"", "body"},
  };
  for (const Case& c : cases) {
    HttpResult r = hub().Call("POST", AlertPath("/annotations"), Token(Role::kTechnician), c.body);
    EXPECT_EQ(r.status, 400) << c.body.substr(0, 80);
    EXPECT_NE(ErrorMessage(r).find(c.expected), std::string::npos)
        << c.body.substr(0, 80) << " -> " << r.body.substr(0, 300);
  }
  EXPECT_EQ(
      hub().Post(AlertPath("/annotations"), Token(Role::kViewer), {{"label", "unsure"}}).status,
      403);
  EXPECT_EQ(
      hub()
          .Post("/v1/alerts/999999/annotations", Token(Role::kTechnician), {{"label", "unsure"}})
          .status,
      404);
  EXPECT_EQ(hub().Get(AlertPath(), Token(Role::kViewer)).json["annotations"].size(), 1u);
  // A comment of exactly 4000 bytes is fine.
  HttpResult ok = hub().Post(AlertPath("/annotations"), Token(Role::kTechnician),
                             {{"label", "unsure"}, {"comment", std::string(4000, 'x')}});
  EXPECT_EQ(ok.status, 201) << ok.body.substr(0, 300);
}

}  // namespace
}  // namespace edgeloop::api::testing
