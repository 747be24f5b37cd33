// What route handlers share: the store, the clock and the hub's settings. Owned by the hub
// (src/hub); handlers hold a const reference for the life of the server.
#pragma once

#include <cstdint>
#include <string>

#include "common/clock.h"
#include "store/hub_store.h"

namespace edgeloop::api {

class HubMetrics;

struct HubContext {
  store::HubStore* store = nullptr;
  const Clock* clock = nullptr;
  HubMetrics* metrics = nullptr;
  std::string version;                           // edgeloop version, in /healthz and OpenAPI
  int64_t max_model_bytes = 64 << 20;            // POST /v1/models upload limit
  int64_t max_ingest_bytes = 16 << 20;           // POST /v1/ingest body limit
  int64_t enrollment_ttl_ms = 24 * 3600 * 1000;  // default validity of an enrollment token

  store::TimeMs NowMs() const;
};

}  // namespace edgeloop::api
