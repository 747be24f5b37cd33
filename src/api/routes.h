// Route groups of the hub API; each adds its RouteSpecs to the router. BuildHubRouter
// (hub_api.h) calls them all.
#pragma once

#include "api/hub_context.h"
#include "api/route.h"

namespace edgeloop::api {

void AddAdminRoutes(Router& router, const HubContext& ctx);    // tokens, enrollment, nodes
void AddIngestRoutes(Router& router, const HubContext& ctx);   // ingest, desired, artifacts
void AddCatalogRoutes(Router& router, const HubContext& ctx);  // sites, assets, channels, features
void AddAlertRoutes(Router& router, const HubContext& ctx);    // alerts, annotations
void AddInsightRoutes(Router& router, const HubContext& ctx);  // lineage, quality, SLOs
void AddModelRoutes(Router& router, const HubContext& ctx);    // model registry
void AddDeploymentRoutes(Router& router, const HubContext& ctx);  // deployments, rollout

}  // namespace edgeloop::api
