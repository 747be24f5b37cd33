// The hub's complete route table: every route group of routes.h plus the public /healthz and
// /v1/openapi.json and the Prometheus /metrics.
#pragma once

#include "api/hub_context.h"
#include "api/route.h"

namespace edgeloop::api {

// `ctx` must outlive the router (handlers keep a reference to it).
Router BuildHubRouter(const HubContext& ctx);

}  // namespace edgeloop::api
