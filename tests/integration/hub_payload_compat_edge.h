// The edge half of hub_payload_compat_test: builds batch payloads with the edge's own encoders
// and parses desired-state documents with the edge's own parser. Only plain types cross this
// header, so the test proper sees the hub's records (store/hub_types.h) and never the edge
// store's (store/edge_store.h), and each side is checked against the other's view alone.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace edgeloop::compat {

inline constexpr char kNode[] = "gw-compat";
inline constexpr int64_t kT0Ms = 1795405161713;  // 2026-11-23T03:39:21.713Z

// One payload from UplinkBatcher (into an in-memory Outbox), with, in this order: a scored
// window, a window whose score is NaN, a learning window without score, an alert "opened" with
// evidence (one value NaN), the same alert "cleared", a quality event, a drift event, shadow
// statistics (from edge::ShadowStats) and a heartbeat (edge::HeartbeatJson). Values are documented
// in the .cc.
Result<std::string> EdgeBatchPayload();

struct EdgeDesiredModel {
  std::string group, role, version, sha256, url, signature;
  int64_t size = 0;
};
// edge::ParseDesiredState on `body`.
Result<std::vector<EdgeDesiredModel>> ParseDesiredWithEdge(const std::string& body,
                                                           int64_t* revision);

}  // namespace edgeloop::compat
