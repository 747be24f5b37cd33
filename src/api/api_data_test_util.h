// Helpers shared by the data-route API tests (api_catalog_test, api_alerts_test,
// api_insight_test): batches with known numbers ingested through the store, and graph checks.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "api/api_test_fixture.h"
#include "fleet/batch_decoder.h"
#include "store/hub_store.h"

namespace edgeloop::api::testing {

// "/v1/..." with `t` rendered as RFC 3339, as a client would send it.
inline std::string Rfc(store::TimeMs t) { return fleet::FormatRfc3339Ms(t); }

// Ingests `batch` for acme's node through the store (as POST /v1/ingest would).
inline void IngestAcme(TestHubServer& hub, const store::DecodedBatch& batch) {
  std::vector<store::DecodedBatch> batches{batch};
  Result<store::IngestOutcome> r =
      hub.store().Ingest(hub.acme().id, hub.acme().node, 0, batches, hub.NowMs());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->stored.size(), 1u);
}

inline store::AlertEventRecord AlertEvent(int64_t node_alert_id, const std::string& asset,
                                          store::TimeMs opened, const std::string& severity) {
  return {.event = "opened",
          .node_alert_id = node_alert_id,
          .asset = asset,
          .opened = opened,
          .peak_score = 1.0 + static_cast<double>(node_alert_id),
          .severity = severity,
          .detector = "baseline-v1",
          .diagnosis = "acme-imbalance",
          .top_feature = "acme-rms",
          .evidence_json = R"({"acme-rms":7.5})"};
}

// Ids of the graph's nodes; fails the test on a duplicate id or an edge whose end is missing.
inline std::set<std::string> CheckGraph(const nlohmann::json& graph) {
  std::set<std::string> ids;
  EXPECT_TRUE(graph["nodes"].is_array());
  EXPECT_TRUE(graph["edges"].is_array());
  for (const nlohmann::json& n : graph["nodes"]) {
    EXPECT_TRUE(ids.insert(n["id"].get<std::string>()).second) << "duplicate " << n["id"];
    EXPECT_TRUE(n["kind"].is_string() && n["label"].is_string() && n["attrs"].is_object()) << n;
  }
  EXPECT_TRUE(ids.count(graph["root"].get<std::string>())) << "root missing";
  for (const nlohmann::json& e : graph["edges"]) {
    EXPECT_TRUE(ids.count(e["from"].get<std::string>())) << "dangling edge " << e;
    EXPECT_TRUE(ids.count(e["to"].get<std::string>())) << "dangling edge " << e;
  }
  return ids;
}

inline bool HasEdge(const nlohmann::json& graph, const std::string& from, const std::string& to,
                    const std::string& relation) {
  for (const nlohmann::json& e : graph["edges"]) {
    if (e["from"] == from && e["to"] == to && e["relation"] == relation) return true;
  }
  return false;
}

inline const nlohmann::json* FindNode(const nlohmann::json& graph, const std::string& id) {
  for (const nlohmann::json& n : graph["nodes"]) {
    if (n["id"] == id) return &n;
  }
  return nullptr;
}

// The error message of a 4xx answer ("" when the body has no error shape).
inline std::string ErrorMessage(const HttpResult& r) {
  return r.HasErrorShape() ? r.json["error"]["message"].get<std::string>() : std::string();
}

}  // namespace edgeloop::api::testing
