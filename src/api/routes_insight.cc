// Insight routes: lineage graphs, data quality, SLOs and drift events.
#include <string>
#include <vector>

#include "api/data_views.h"
#include "api/lineage.h"
#include "api/query_params.h"
#include "api/roles.h"
#include "api/routes.h"
#include "fleet/slo.h"

namespace edgeloop::api {
namespace {

using nlohmann::json;

constexpr int64_t kDay = 24 * 3600 * 1000LL;
constexpr size_t kMaxLineageNodes = 500;
constexpr int64_t kAlertPage = 1000;

Response GetLineage(const HubContext& ctx, const Request& req) {
  Result<LineageGraph> graph =
      BuildLineage(*ctx.store, req.principal.tenant, req.path_params.at("kind"),
                   req.path_params.at("id"), kMaxLineageNodes);
  if (!graph.ok()) return StatusResponse(graph.status());
  return JsonResponse(200, graph->ToJson());
}

Response GetQuality(const HubContext& ctx, const Request& req) {
  const int64_t tenant = req.principal.tenant;
  Result<TimeRange> range = QueryTimeRange(req, ctx.NowMs(), kDay);
  if (!range.ok()) return StatusResponse(range.status());
  Result<std::vector<store::QualityCount>> counts =
      ctx.store->QualityCounts(tenant, range->from, range->to);
  if (!counts.ok()) return StatusResponse(counts.status());
  json events = json::array();
  for (const store::QualityCount& q : *counts) {
    events.push_back({{"asset", q.asset},
                      {"channel", q.channel},
                      {"rule", q.rule},
                      {"events", q.events},
                      {"ongoing", q.ongoing},
                      {"last", TimeJson(q.last)}});
  }
  // Source-side rejections (values refused before windowing) only live in the heartbeat.
  Result<std::vector<store::NodeRecord>> nodes = ctx.store->ListNodes(tenant);
  if (!nodes.ok()) return StatusResponse(nodes.status());
  json sources = json::array();
  for (const store::NodeRecord& n : *nodes) {
    json heartbeat = StoredJson(n.heartbeat_json);
    json node_sources =
        heartbeat.is_object() && heartbeat.contains("sources") && heartbeat["sources"].is_object()
            ? heartbeat["sources"]
            : json::object();
    sources.push_back({{"node", n.id},
                       {"last_heartbeat", TimeJson(n.last_heartbeat)},
                       {"sources", node_sources}});
  }
  return JsonResponse(200, {{"from", TimeJson(range->from)},
                            {"to", TimeJson(range->to)},
                            {"events", events},
                            {"nodes", sources}});
}

Response GetSlo(const HubContext& ctx, const Request& req) {
  const int64_t tenant = req.principal.tenant;
  const store::TimeMs now = ctx.NowMs();
  Result<TimeRange> range = QueryTimeRange(req, now, kDay);
  if (!range.ok()) return StatusResponse(range.status());
  Result<std::vector<store::HeartbeatSummary>> summaries =
      ctx.store->HeartbeatSummaries(tenant, range->from, range->to);
  if (!summaries.ok()) return StatusResponse(summaries.status());
  // Every alert opened in the period, newest first, page by page.
  std::vector<store::Alert> alerts;
  store::AlertFilter filter;
  filter.from = range->from;
  filter.to = range->to;
  filter.limit = kAlertPage;
  while (true) {
    Result<std::vector<store::Alert>> page = ctx.store->ListAlerts(tenant, filter);
    if (!page.ok()) return StatusResponse(page.status());
    alerts.insert(alerts.end(), page->begin(), page->end());
    if (static_cast<int64_t>(page->size()) < kAlertPage) break;
    filter.before_id = page->back().id;
  }
  json uptime = json::array();
  for (const fleet::UptimeSlo& s : fleet::InferenceUptimeSlos(*summaries)) {
    uptime.push_back({{"node", s.node},
                      {"uptime", s.uptime},
                      {"target", s.target},
                      {"met", s.met},
                      {"heartbeats", s.heartbeats}});
  }
  fleet::AckLatencySlo ack = fleet::AlertAckLatency(alerts, now);
  return JsonResponse(200, {{"from", TimeJson(range->from)},
                            {"to", TimeJson(range->to)},
                            {"inference_uptime", uptime},
                            {"alert_ack_latency",
                             {{"alerts", ack.alerts},
                              {"acknowledged", ack.acknowledged},
                              {"p50_s", ack.p50_s},
                              {"p90_s", ack.p90_s},
                              {"max_s", ack.max_s},
                              {"open_over_target", ack.open_over_target},
                              {"target_s", ack.target_s}}}});
}

Response GetDrift(const HubContext& ctx, const Request& req) {
  Result<TimeRange> range = QueryTimeRange(req, ctx.NowMs(), kDay);
  if (!range.ok()) return StatusResponse(range.status());
  Result<std::optional<int64_t>> limit = QueryInt(req, "limit", 1, 1000);
  if (!limit.ok()) return StatusResponse(limit.status());
  Result<std::vector<store::DriftRecord>> drift =
      ctx.store->ListDrift(req.principal.tenant, req.Query("asset").value_or(""), range->from,
                           range->to, limit->value_or(100));
  if (!drift.ok()) return StatusResponse(drift.status());
  json items = json::array();
  for (const store::DriftRecord& d : *drift) {
    items.push_back({{"asset", d.asset},
                     {"model", d.model},
                     {"kind", d.kind},
                     {"feature", d.feature},
                     {"value", d.value},
                     {"threshold", d.threshold},
                     {"window_count", d.window_count},
                     {"time", TimeJson(d.time)}});
  }
  return JsonResponse(
      200, {{"from", TimeJson(range->from)}, {"to", TimeJson(range->to)}, {"drift", items}});
}

json Obj(json properties) { return {{"type", "object"}, {"properties", std::move(properties)}}; }
json Arr(json items) { return {{"type", "array"}, {"items", std::move(items)}}; }
json T(const char* type) { return {{"type", type}}; }
json Time() { return {{"type", "string"}, {"format", "date-time"}}; }

const std::vector<std::pair<std::string, std::string>> kRangeParams = {
    {"from", "RFC 3339 or Unix ms (default: 24 h before to)"},
    {"to", "RFC 3339 or Unix ms (default: now)"}};

}  // namespace

void AddInsightRoutes(Router& router, const HubContext& ctx) {
  const HubContext* c = &ctx;
  router.Add(
      {.method = "GET",
       .pattern = "/v1/lineage/{kind}/{id}",
       .roles = kReadRoles,
       .tag = "lineage",
       .summary = "Upstream and downstream lineage graph of an alert, batch (node:seq), model "
                  "(name@version), deployment, node or asset",
       .response_schema = Obj(
           {{"root", T("string")},
            {"truncated", T("boolean")},
            {"nodes", Arr(Obj({{"id", T("string")},
                               {"kind", T("string")},
                               {"label", T("string")},
                               {"attrs", T("object")}}))},
            {"edges",
             Arr(Obj({{"from", T("string")}, {"to", T("string")}, {"relation", T("string")}}))}}),
       .handler = [c](const Request& r) { return GetLineage(*c, r); }});
  router.Add({.method = "GET",
              .pattern = "/v1/quality",
              .roles = kReadRoles,
              .tag = "quality",
              .summary = "Quality events per asset, channel and rule; source rejections per node",
              .response_schema = Obj({{"from", Time()},
                                      {"to", Time()},
                                      {"events", Arr(Obj({{"asset", T("string")},
                                                          {"channel", T("string")},
                                                          {"rule", T("string")},
                                                          {"events", T("integer")},
                                                          {"ongoing", T("integer")},
                                                          {"last", Time()}}))},
                                      {"nodes", Arr(Obj({{"node", T("string")},
                                                         {"last_heartbeat", Time()},
                                                         {"sources", T("object")}}))}}),
              .query_params = kRangeParams,
              .handler = [c](const Request& r) { return GetQuality(*c, r); }});
  router.Add(
      {.method = "GET",
       .pattern = "/v1/slo",
       .roles = kReadRoles,
       .tag = "slo",
       .summary = "Edge inference uptime per node and alert-to-acknowledge latency",
       .response_schema = Obj({{"from", Time()},
                               {"to", Time()},
                               {"inference_uptime", Arr(Obj({{"node", T("string")},
                                                             {"uptime", T("number")},
                                                             {"target", T("number")},
                                                             {"met", T("boolean")},
                                                             {"heartbeats", T("integer")}}))},
                               {"alert_ack_latency", Obj({{"alerts", T("integer")},
                                                          {"acknowledged", T("integer")},
                                                          {"p50_s", T("number")},
                                                          {"p90_s", T("number")},
                                                          {"max_s", T("number")},
                                                          {"open_over_target", T("integer")},
                                                          {"target_s", T("number")}})}}),
       .query_params = kRangeParams,
       .handler = [c](const Request& r) { return GetSlo(*c, r); }});
  std::vector<std::pair<std::string, std::string>> drift_params = kRangeParams;
  drift_params.emplace_back("asset", "only drift events of this asset");
  drift_params.emplace_back("limit", "1..1000 (default 100)");
  router.Add({.method = "GET",
              .pattern = "/v1/drift",
              .roles = kReadRoles,
              .tag = "drift",
              .summary = "Drift events reported by the nodes, newest first",
              .response_schema = Obj({{"from", Time()},
                                      {"to", Time()},
                                      {"drift", Arr(Obj({{"asset", T("string")},
                                                         {"model", T("string")},
                                                         {"kind", T("string")},
                                                         {"feature", T("string")},
                                                         {"value", T("number")},
                                                         {"threshold", T("number")},
                                                         {"window_count", T("integer")},
                                                         {"time", Time()}}))}}),
              .query_params = drift_params,
              .handler = [c](const Request& r) { return GetDrift(*c, r); }});
}

}  // namespace edgeloop::api
