// Conformance tests of alerts and annotations (both engines, see hub_store_test_fixture.h).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "store/hub_store_test_data.h"
#include "store/hub_store_test_fixture.h"

namespace edgeloop::store {
namespace {

using testdata::EnrollNode;
using testdata::IngestOne;
using testdata::kT0;
using testdata::OpenedAlert;

// Node gw-1 of `tenant` reports one opened alert on pump-1; returns its hub id.
int64_t OneOpenAlert(HubStore& store, int64_t tenant) {
  EnrollNode(store, tenant, "gw-1");
  DecodedBatch b{.seq = 1, .payload_bytes = 100, .created = kT0};
  b.alerts = {OpenedAlert(1, "pump-1", kT0 + 1000)};
  IngestOne(store, tenant, "gw-1", b);
  return store.ListAlerts(tenant, {}).value().at(0).id;
}

std::vector<int64_t> NodeAlertIds(const std::vector<Alert>& alerts) {
  std::vector<int64_t> ids;
  for (const Alert& a : alerts) ids.push_back(a.node_alert_id);
  return ids;
}

TEST_P(HubStoreConformance, AlertsListNewestFirstWithEveryField) {
  const int64_t tenant = MakeTenant("acme");
  EnrollNode(store(), tenant, "gw-1");
  DecodedBatch b{.seq = 7, .payload_bytes = 10, .created = kT0};
  b.alerts = {OpenedAlert(41, "pump-1", kT0 + 10), OpenedAlert(42, "pump-1", kT0 + 20, "critical")};
  IngestOne(store(), tenant, "gw-1", b);
  Result<std::vector<Alert>> alerts = store().ListAlerts(tenant, {});
  ASSERT_TRUE(alerts.ok()) << alerts.status().ToString();
  ASSERT_EQ(alerts->size(), 2u);
  const Alert& a = (*alerts)[0];
  EXPECT_GT(a.id, (*alerts)[1].id);
  EXPECT_EQ(a.tenant, tenant);
  EXPECT_EQ(a.node, "gw-1");
  EXPECT_EQ(a.node_alert_id, 42);
  EXPECT_EQ(a.asset, "pump-1");
  EXPECT_EQ(a.opened, kT0 + 20);
  EXPECT_FALSE(a.cleared.has_value());
  EXPECT_DOUBLE_EQ(a.peak_score, 1.5);
  EXPECT_EQ(a.severity, "critical");
  EXPECT_EQ(a.detector, "pump-pca@0123456789ab");
  EXPECT_EQ(a.diagnosis, "bearing outer race");
  EXPECT_EQ(a.top_feature, "bpfo_env");
  EXPECT_EQ(nlohmann::json::parse(a.evidence_json), nlohmann::json::parse(R"({"bpfo_env":3.5})"));
  EXPECT_EQ(a.state, AlertState::kOpen);
  EXPECT_FALSE(a.acknowledged.has_value());
  EXPECT_FALSE(a.resolved.has_value());
  EXPECT_EQ(a.batch_seq, 7);
  EXPECT_TRUE(a.annotations.empty());
}

TEST_P(HubStoreConformance, AlertsFiltersCombine) {
  const int64_t tenant = MakeTenant("acme");
  EnrollNode(store(), tenant, "gw-1");
  EnrollNode(store(), tenant, "gw-2");
  DecodedBatch b1{.seq = 1, .payload_bytes = 100, .created = kT0};
  b1.alerts = {OpenedAlert(1, "pump-1", kT0 + 1000), OpenedAlert(2, "pump-2", kT0 + 2000),
               OpenedAlert(3, "pump-1", kT0 + 3000, "critical"),
               OpenedAlert(4, "pump-2", kT0 + 4000)};
  IngestOne(store(), tenant, "gw-1", b1);
  DecodedBatch b2{.seq = 2, .payload_bytes = 100, .created = kT0};
  b2.alerts = {OpenedAlert(5, "pump-1", kT0 + 5000, "critical")};
  IngestOne(store(), tenant, "gw-1", b2);
  DecodedBatch c1{.seq = 1, .payload_bytes = 100, .created = kT0};
  c1.alerts = {OpenedAlert(1, "fan-1", kT0 + 6000)};
  IngestOne(store(), tenant, "gw-2", c1);

  auto ids = [&](AlertFilter f) {
    Result<std::vector<Alert>> r = store().ListAlerts(tenant, f);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> out;
    if (r.ok()) {
      for (const Alert& a : *r) out.push_back(a.node + "/" + std::to_string(a.node_alert_id));
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids({}), (V{"gw-2/1", "gw-1/5", "gw-1/4", "gw-1/3", "gw-1/2", "gw-1/1"}));
  EXPECT_EQ(ids({.asset = "pump-1"}), (V{"gw-1/5", "gw-1/3", "gw-1/1"}));
  EXPECT_EQ(ids({.node = "gw-2"}), (V{"gw-2/1"}));
  EXPECT_EQ(ids({.severity = "critical"}), (V{"gw-1/5", "gw-1/3"}));
  EXPECT_EQ(ids({.asset = "pump-1", .severity = "warning"}), (V{"gw-1/1"}));
  // from inclusive, to exclusive, on `opened`.
  EXPECT_EQ(ids({.from = kT0 + 2000, .to = kT0 + 5000}), (V{"gw-1/4", "gw-1/3", "gw-1/2"}));
  EXPECT_EQ(ids({.node = "gw-1", .batch_seq = 2}), (V{"gw-1/5"}));
  EXPECT_EQ(ids({.node = "gw-1", .batch_seq = 1}), (V{"gw-1/4", "gw-1/3", "gw-1/2", "gw-1/1"}));
  EXPECT_EQ(ids({.asset = "nope"}), V{});

  // State filter after acknowledging two and resolving one.
  Result<std::vector<Alert>> all = store().ListAlerts(tenant, {});
  ASSERT_TRUE(all.ok());
  ASSERT_TRUE(store().AcknowledgeAlert(tenant, (*all)[1].id, "tom", kT0 + 9000).ok());
  ASSERT_TRUE(store().AcknowledgeAlert(tenant, (*all)[2].id, "tom", kT0 + 9000).ok());
  ASSERT_TRUE(store().ResolveAlert(tenant, (*all)[3].id, "tom", kT0 + 9000).ok());
  EXPECT_EQ(ids({.state = AlertState::kAcknowledged}), (V{"gw-1/5", "gw-1/4"}));
  EXPECT_EQ(ids({.state = AlertState::kResolved}), (V{"gw-1/3"}));
  EXPECT_EQ(ids({.state = AlertState::kOpen}), (V{"gw-2/1", "gw-1/2", "gw-1/1"}));
  EXPECT_EQ(ids({.asset = "pump-1", .state = AlertState::kOpen}), (V{"gw-1/1"}));
}

TEST_P(HubStoreConformance, AlertsPagingAndLimitClamp) {
  const int64_t tenant = MakeTenant("acme");
  EnrollNode(store(), tenant, "gw-1");
  DecodedBatch b{.seq = 1, .payload_bytes = 100, .created = kT0};
  for (int i = 1; i <= 25; ++i) b.alerts.push_back(OpenedAlert(i, "pump-1", kT0 + i));
  IngestOne(store(), tenant, "gw-1", b);

  // Pages of 10 by before_id: every alert once, newest first.
  std::vector<int64_t> seen;
  std::optional<int64_t> before;
  for (int page = 0; page < 5; ++page) {
    Result<std::vector<Alert>> r = store().ListAlerts(tenant, {.limit = 10, .before_id = before});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    if (r->empty()) break;
    EXPECT_LE(r->size(), 10u);
    for (const Alert& a : *r) seen.push_back(a.node_alert_id);
    before = r->back().id;
  }
  std::vector<int64_t> expected;
  for (int i = 25; i >= 1; --i) expected.push_back(i);
  EXPECT_EQ(seen, expected);

  Result<std::vector<Alert>> zero = store().ListAlerts(tenant, {.limit = 0});
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(NodeAlertIds(*zero), (std::vector<int64_t>{25}));  // clamped up to 1
  Result<std::vector<Alert>> negative = store().ListAlerts(tenant, {.limit = -5});
  ASSERT_TRUE(negative.ok());
  EXPECT_EQ(negative->size(), 1u);
  Result<std::vector<Alert>> huge = store().ListAlerts(tenant, {.limit = 1'000'000'000});
  ASSERT_TRUE(huge.ok());
  EXPECT_EQ(huge->size(), 25u);
}

TEST_P(HubStoreConformance, AlertsLimitClampsAtOneThousand) {
  const int64_t tenant = MakeTenant("acme");
  EnrollNode(store(), tenant, "gw-1");
  DecodedBatch b{.seq = 1, .payload_bytes = 100, .created = kT0};
  for (int i = 1; i <= 1005; ++i) b.alerts.push_back(OpenedAlert(i, "pump-1", kT0 + i));
  IngestOne(store(), tenant, "gw-1", b);
  Result<std::vector<Alert>> r = store().ListAlerts(tenant, {.limit = 5000});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 1000u);
  EXPECT_EQ(r->front().node_alert_id, 1005);
  EXPECT_EQ(r->back().node_alert_id, 6);
}

TEST_P(HubStoreConformance, AlertsAcknowledgeThenResolve) {
  const int64_t tenant = MakeTenant("acme");
  const int64_t id = OneOpenAlert(store(), tenant);

  Result<Alert> ack = store().AcknowledgeAlert(tenant, id, "tom", kT0 + 5000);
  ASSERT_TRUE(ack.ok()) << ack.status().ToString();
  EXPECT_EQ(ack->state, AlertState::kAcknowledged);
  EXPECT_EQ(ack->acknowledged, kT0 + 5000);
  EXPECT_EQ(ack->acknowledged_by, "tom");
  EXPECT_FALSE(ack->resolved.has_value());

  // Again: OK, the first time and person stay.
  Result<Alert> again = store().AcknowledgeAlert(tenant, id, "ann", kT0 + 8000);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->state, AlertState::kAcknowledged);
  EXPECT_EQ(again->acknowledged, kT0 + 5000);
  EXPECT_EQ(again->acknowledged_by, "tom");

  Result<Alert> res = store().ResolveAlert(tenant, id, "ann", kT0 + 9000);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->state, AlertState::kResolved);
  EXPECT_EQ(res->resolved, kT0 + 9000);
  EXPECT_EQ(res->resolved_by, "ann");
  EXPECT_EQ(res->acknowledged, kT0 + 5000);
  EXPECT_EQ(res->acknowledged_by, "tom");

  Result<Alert> late_ack = store().AcknowledgeAlert(tenant, id, "bob", kT0 + 10000);
  EXPECT_EQ(late_ack.status().code(), StatusCode::kFailedPrecondition);
  Result<Alert> res_again = store().ResolveAlert(tenant, id, "bob", kT0 + 11000);
  ASSERT_TRUE(res_again.ok()) << res_again.status().ToString();
  EXPECT_EQ(res_again->resolved, kT0 + 9000);
  EXPECT_EQ(res_again->resolved_by, "ann");

  Result<Alert> stored = store().GetAlert(tenant, id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->state, AlertState::kResolved);
  EXPECT_EQ(stored->acknowledged, kT0 + 5000);
  EXPECT_EQ(stored->resolved, kT0 + 9000);
}

TEST_P(HubStoreConformance, AlertsResolveFromOpenDefinesAcknowledgeTime) {
  const int64_t tenant = MakeTenant("acme");
  const int64_t id = OneOpenAlert(store(), tenant);
  Result<Alert> res = store().ResolveAlert(tenant, id, "ann", kT0 + 7000);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->state, AlertState::kResolved);
  EXPECT_EQ(res->acknowledged, kT0 + 7000);
  EXPECT_EQ(res->acknowledged_by, "ann");
  EXPECT_EQ(res->resolved, kT0 + 7000);

  EXPECT_EQ(store().GetAlert(tenant, id + 1000).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().AcknowledgeAlert(tenant, id + 1000, "x", kT0).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store().ResolveAlert(tenant, id + 1000, "x", kT0).status().code(),
            StatusCode::kNotFound);
}

TEST_P(HubStoreConformance, AlertsAnnotationsValidatedAndListedOldestFirst) {
  const int64_t tenant = MakeTenant("acme");
  const int64_t id = OneOpenAlert(store(), tenant);

  const Annotation good{.alert = id,
                        .label = "confirmed_fault",
                        .fault_type = "outer_race",
                        .downtime_avoided_h = 6.5,
                        .comment = "replaced bearing",
                        .author = "tom",
                        .created = kT0 + 2000};
  auto bad = [&](Annotation a) { return store().AnnotateAlert(tenant, a).status().code(); };
  Annotation a = good;
  a.label = "maybe";
  EXPECT_EQ(bad(a), StatusCode::kInvalidArgument);
  a = good;
  a.fault_type = "";
  EXPECT_EQ(bad(a), StatusCode::kInvalidArgument);
  a = good;
  a.downtime_avoided_h = -1;
  EXPECT_EQ(bad(a), StatusCode::kInvalidArgument);
  a.downtime_avoided_h = std::nan("");
  EXPECT_EQ(bad(a), StatusCode::kInvalidArgument);
  a.downtime_avoided_h = std::numeric_limits<double>::infinity();
  EXPECT_EQ(bad(a), StatusCode::kInvalidArgument);
  a = good;
  a.comment = std::string(4001, 'x');
  EXPECT_EQ(bad(a), StatusCode::kInvalidArgument);
  a = good;
  a.alert = id + 1000;
  EXPECT_EQ(bad(a), StatusCode::kNotFound);
  ASSERT_TRUE(store().GetAlert(tenant, id).value().annotations.empty()) << "nothing stored";

  // The limits themselves are fine; labels other than confirmed_fault need no fault type.
  a = good;
  a.comment = std::string(4000, 'y');
  Result<Annotation> first = store().AnnotateAlert(tenant, a);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_GT(first->id, 0);
  Result<Annotation> second = store().AnnotateAlert(
      tenant, {.alert = id, .label = "unsure", .author = "ann", .created = kT0 + 3000});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  Result<Annotation> third = store().AnnotateAlert(tenant, {.alert = id,
                                                            .label = "false_positive",
                                                            .comment = "sensor loose",
                                                            .author = "bob",
                                                            .created = kT0 + 4000});
  ASSERT_TRUE(third.ok()) << third.status().ToString();

  Result<Alert> alert = store().GetAlert(tenant, id);
  ASSERT_TRUE(alert.ok()) << alert.status().ToString();
  ASSERT_EQ(alert->annotations.size(), 3u);
  const Annotation& n = alert->annotations[0];
  EXPECT_EQ(n.id, first->id);
  EXPECT_EQ(n.alert, id);
  EXPECT_EQ(n.label, "confirmed_fault");
  EXPECT_EQ(n.fault_type, "outer_race");
  EXPECT_DOUBLE_EQ(n.downtime_avoided_h, 6.5);
  EXPECT_EQ(n.comment, std::string(4000, 'y'));
  EXPECT_EQ(n.author, "tom");
  EXPECT_EQ(n.created, kT0 + 2000);
  EXPECT_EQ(alert->annotations[1].label, "unsure");
  EXPECT_EQ(alert->annotations[2].label, "false_positive");
  EXPECT_EQ(alert->annotations[2].comment, "sensor loose");
  // ListAlerts leaves annotations out.
  EXPECT_TRUE(store().ListAlerts(tenant, {}).value().at(0).annotations.empty());
}

TEST_P(HubStoreConformance, AlertsTenantIsolation) {
  const int64_t a = MakeTenant("acme");
  const int64_t b = MakeTenant("bolt");
  EnrollNode(store(), a, "gw-1");
  EnrollNode(store(), b, "gw-1");  // same node id in another tenant
  DecodedBatch batch{.seq = 1, .payload_bytes = 100, .created = kT0};
  batch.alerts = {OpenedAlert(1, "pump-1", kT0 + 1000)};
  IngestOne(store(), a, "gw-1", batch);
  const int64_t id = store().ListAlerts(a, {}).value().at(0).id;

  EXPECT_TRUE(store().ListAlerts(b, {}).value().empty());
  EXPECT_TRUE(store().ListAlerts(b, {.node = "gw-1"}).value().empty());
  EXPECT_EQ(store().GetAlert(b, id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().AcknowledgeAlert(b, id, "eve", kT0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().ResolveAlert(b, id, "eve", kT0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store()
                .AnnotateAlert(b, {.alert = id, .label = "unsure", .author = "eve", .created = kT0})
                .status()
                .code(),
            StatusCode::kNotFound);
  // Nothing of B's attempts reached A's alert.
  Result<Alert> untouched = store().GetAlert(a, id);
  ASSERT_TRUE(untouched.ok());
  EXPECT_EQ(untouched->state, AlertState::kOpen);
  EXPECT_TRUE(untouched->annotations.empty());
}

}  // namespace
}  // namespace edgeloop::store
