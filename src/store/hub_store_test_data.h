// Test helpers of the conformance suite (alerts, registry, queries): enroll a node and feed
// records through HubStore::Ingest, the only writer of the ingested tables.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/hub_store.h"
#include "store/hub_store_test_records.h"

namespace edgeloop::store::testdata {

constexpr TimeMs kT0 = 1'750'000'000'000;  // 2025-06-15, a plausible "now"

// Creates site "site-1" and enrolls `node` (group "line-1") in `tenant`.
inline void EnrollNode(HubStore& store, int64_t tenant, const std::string& node) {
  ASSERT_TRUE(store.UpsertSite(Site{.tenant = tenant, .id = "site-1", .name = "Site 1"}).ok());
  ASSERT_FALSE(hub_test::EnrollNode(store, tenant, node, "site-1", "line-1", kT0).empty());
}

// Ingests `batch` from `node`; the batch must be new.
inline void IngestOne(HubStore& store, int64_t tenant, const std::string& node,
                      const DecodedBatch& batch) {
  Result<IngestOutcome> out =
      store.Ingest(tenant, node, 0, std::span<const DecodedBatch>(&batch, 1), kT0);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->stored.size(), 1u) << "batch " << batch.seq << " was not new";
}

inline AlertEventRecord OpenedAlert(int64_t node_alert_id, const std::string& asset, TimeMs opened,
                                    const std::string& severity = "warning") {
  return AlertEventRecord{.event = "opened",
                          .node_alert_id = node_alert_id,
                          .asset = asset,
                          .opened = opened,
                          .peak_score = 1.5,
                          .severity = severity,
                          .detector = "pump-pca@0123456789ab",
                          .diagnosis = "bearing outer race",
                          .top_feature = "bpfo_env",
                          .evidence_json = R"({"bpfo_env":3.5})"};
}

}  // namespace edgeloop::store::testdata
