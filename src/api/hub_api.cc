#include "api/hub_api.h"

#include <memory>

#include "api/hub_metrics.h"
#include "api/roles.h"
#include "api/routes.h"
#include "common/prometheus_text.h"

namespace edgeloop::api {

Router BuildHubRouter(const HubContext& ctx) {
  Router router;
  router.Add({.method = "GET",
              .pattern = "/healthz",
              .tag = "meta",
              .summary = "Liveness: hub version and store engine (public)",
              .response_schema = {{"type", "object"},
                                  {"properties",
                                   {{"status", {{"type", "string"}}},
                                    {"version", {{"type", "string"}}},
                                    {"store", {{"type", "string"}}}}}},
              .handler = [&ctx](const Request&) {
                return JsonResponse(200, {{"status", "ok"},
                                          {"version", ctx.version},
                                          {"store", std::string(ctx.store->Engine())}});
              }});
  AddAdminRoutes(router, ctx);
  AddIngestRoutes(router, ctx);
  AddCatalogRoutes(router, ctx);
  AddAlertRoutes(router, ctx);
  AddInsightRoutes(router, ctx);
  AddModelRoutes(router, ctx);
  AddDeploymentRoutes(router, ctx);
  router.Add({.method = "GET",
              .pattern = "/metrics",
              .roles = kReadRoles,  // Prometheus scrapes with a viewer token
              .tag = "meta",
              .summary = "Hub metrics in Prometheus text format",
              .handler = [&ctx](const Request&) {
                Response r;
                r.body = ctx.metrics != nullptr ? ctx.metrics->RenderPrometheus() : "";
                r.content_type = std::string(kPrometheusContentType);
                return r;
              }});
  // The document is built once, after every other route is in, and served from memory: the
  // table does not change after start-up. The shared_ptr is filled below, after Add copies the
  // spec, so the document can describe itself as well.
  auto doc = std::make_shared<std::string>();
  router.Add({.method = "GET",
              .pattern = "/v1/openapi.json",
              .tag = "meta",
              .summary = "This OpenAPI 3.0 document (public)",
              .handler = [doc](const Request&) { return Response{.status = 200, .body = *doc}; }});
  *doc = router.OpenApi(ctx.version).dump(2);
  return router;
}

}  // namespace edgeloop::api
