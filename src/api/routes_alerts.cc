// Alert routes: list and filter, show with annotations, acknowledge, resolve, annotate.
// The author of every change is the calling token's name.
#include <limits>
#include <string>
#include <vector>

#include "api/body_reader.h"
#include "api/data_views.h"
#include "api/query_params.h"
#include "api/roles.h"
#include "api/routes.h"

namespace edgeloop::api {
namespace {

using nlohmann::json;

constexpr int64_t kDefaultLimit = 100;
constexpr int64_t kMaxLimit = 1000;

Result<store::AlertFilter> ParseFilter(const Request& req) {
  store::AlertFilter filter;
  filter.asset = req.Query("asset").value_or("");
  filter.node = req.Query("node").value_or("");
  if (std::optional<std::string> state = req.Query("state")) {
    filter.state = store::ParseAlertState(*state);
    if (!filter.state) return InvalidArgument("state: expected open, acknowledged or resolved");
  }
  if (std::optional<std::string> severity = req.Query("severity")) {
    if (*severity != "warning" && *severity != "critical") {
      return InvalidArgument("severity: expected warning or critical");
    }
    filter.severity = *severity;
  }
  EL_ASSIGN_OR_RETURN(filter.from, QueryTime(req, "from"));
  EL_ASSIGN_OR_RETURN(filter.to, QueryTime(req, "to"));
  if (filter.from && filter.to && *filter.from >= *filter.to) {
    return InvalidArgument("from: must be before to");
  }
  EL_ASSIGN_OR_RETURN(std::optional<int64_t> limit, QueryInt(req, "limit", 1, kMaxLimit));
  filter.limit = limit.value_or(kDefaultLimit);
  EL_ASSIGN_OR_RETURN(filter.before_id,
                      QueryInt(req, "before", 1, std::numeric_limits<int64_t>::max()));
  return filter;
}

Response ListAlerts(const HubContext& ctx, const Request& req) {
  Result<store::AlertFilter> filter = ParseFilter(req);
  if (!filter.ok()) return StatusResponse(filter.status());
  Result<std::vector<store::Alert>> alerts = ctx.store->ListAlerts(req.principal.tenant, *filter);
  if (!alerts.ok()) return StatusResponse(alerts.status());
  json items = json::array();
  for (const store::Alert& a : *alerts) items.push_back(AlertJson(a, false));
  // A full page may have more behind it: the next page starts below its last id.
  json next = static_cast<int64_t>(alerts->size()) == filter->limit && !alerts->empty()
                  ? json(alerts->back().id)
                  : json(nullptr);
  return JsonResponse(200, {{"alerts", items}, {"next_before", next}});
}

Result<int64_t> AlertIdParam(const Request& req) {
  return ParsePositiveId("id", req.path_params.at("id"));
}

Response GetAlert(const HubContext& ctx, const Request& req) {
  Result<int64_t> id = AlertIdParam(req);
  if (!id.ok()) return StatusResponse(id.status());
  Result<store::Alert> alert = ctx.store->GetAlert(req.principal.tenant, *id);
  if (!alert.ok()) return StatusResponse(alert.status());
  return JsonResponse(200, AlertJson(*alert, true));
}

// Acknowledge or resolve: neither takes a body; sending one is a client mistake worth a 400.
Response ChangeState(const HubContext& ctx, const Request& req, bool resolve) {
  Result<int64_t> id = AlertIdParam(req);
  if (!id.ok()) return StatusResponse(id.status());
  if (req.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    Result<BodyReader> body = BodyReader::Parse(req.body);
    if (!body.ok()) return StatusResponse(body.status());
    if (Status s = body->Finish(); !s.ok()) return StatusResponse(s);
  }
  const Principal& who = req.principal;
  Result<store::Alert> changed =
      resolve ? ctx.store->ResolveAlert(who.tenant, *id, who.name, ctx.NowMs())
              : ctx.store->AcknowledgeAlert(who.tenant, *id, who.name, ctx.NowMs());
  if (!changed.ok()) return StatusResponse(changed.status());
  Result<store::Alert> alert = ctx.store->GetAlert(who.tenant, *id);
  if (!alert.ok()) return StatusResponse(alert.status());
  return JsonResponse(200, AlertJson(*alert, true));
}

Response Annotate(const HubContext& ctx, const Request& req) {
  Result<int64_t> id = AlertIdParam(req);
  if (!id.ok()) return StatusResponse(id.status());
  Result<BodyReader> body = BodyReader::Parse(req.body);
  if (!body.ok()) return StatusResponse(body.status());
  store::Annotation a;
  a.alert = *id;
  a.label = body->Enum("label", {"confirmed_fault", "false_positive", "unsure"});
  a.fault_type = body->OptString("fault_type", {.min_len = 1, .max_len = 100}).value_or("");
  a.downtime_avoided_h = body->OptDouble("downtime_avoided_h", 0, 1e6).value_or(0);
  a.comment = body->OptString("comment", {.min_len = 0, .max_len = 4000}).value_or("");
  // Feedback trains the next model: a confirmed fault without its type teaches nothing, and a
  // type on a false positive contradicts the label.
  if (a.label == "confirmed_fault" && !body->Has("fault_type")) {
    body->AddError("fault_type", "required with label confirmed_fault");
  }
  if (!a.label.empty() && a.label != "confirmed_fault" && body->Has("fault_type")) {
    body->AddError("fault_type", "only with label confirmed_fault");
  }
  if (Status s = body->Finish(); !s.ok()) return StatusResponse(s);
  a.author = req.principal.name;
  a.created = ctx.NowMs();
  // 404 for an unknown (or another tenant's) alert before anything is written.
  Result<store::Alert> alert = ctx.store->GetAlert(req.principal.tenant, *id);
  if (!alert.ok()) return StatusResponse(alert.status());
  Result<store::Annotation> stored = ctx.store->AnnotateAlert(req.principal.tenant, a);
  if (!stored.ok()) return StatusResponse(stored.status());
  return JsonResponse(201, AnnotationJson(*stored));
}

}  // namespace

void AddAlertRoutes(Router& router, const HubContext& ctx) {
  const HubContext* c = &ctx;
  json alert_list = {{"type", "object"},
                     {"properties",
                      {{"alerts", {{"type", "array"}, {"items", AlertSchema()}}},
                       {"next_before", {{"type", "integer"}, {"nullable", true}}}}}};
  router.Add({.method = "GET",
              .pattern = "/v1/alerts",
              .roles = kReadRoles,
              .tag = "alerts",
              .summary = "List alerts, newest first, with filters",
              .response_schema = alert_list,
              .query_params = {{"asset", "asset id"},
                               {"node", "node id"},
                               {"state", "open | acknowledged | resolved"},
                               {"severity", "warning | critical"},
                               {"from", "opened at or after (RFC 3339 or Unix ms)"},
                               {"to", "opened before (RFC 3339 or Unix ms)"},
                               {"limit", "1..1000 (default 100)"},
                               {"before", "only ids below this (paging: next_before)"}},
              .handler = [c](const Request& r) { return ListAlerts(*c, r); }});
  router.Add({.method = "GET",
              .pattern = "/v1/alerts/{id}",
              .roles = kReadRoles,
              .tag = "alerts",
              .summary = "Show an alert with its annotations",
              .response_schema = AlertSchema(),
              .handler = [c](const Request& r) { return GetAlert(*c, r); }});
  router.Add({.method = "POST",
              .pattern = "/v1/alerts/{id}/ack",
              .roles = kAlertWriters,
              .tag = "alerts",
              .summary = "Acknowledge an alert (open -> acknowledged)",
              .response_schema = AlertSchema(),
              .max_body_bytes = 1024,
              .handler = [c](const Request& r) { return ChangeState(*c, r, false); }});
  router.Add({.method = "POST",
              .pattern = "/v1/alerts/{id}/resolve",
              .roles = kAlertWriters,
              .tag = "alerts",
              .summary = "Resolve an alert",
              .response_schema = AlertSchema(),
              .max_body_bytes = 1024,
              .handler = [c](const Request& r) { return ChangeState(*c, r, true); }});
  router.Add(
      {.method = "POST",
       .pattern = "/v1/alerts/{id}/annotations",
       .roles = kAlertWriters,
       .tag = "alerts",
       .summary = "Annotate an alert: confirmed fault (with type), false positive or unsure",
       .request_schema = {{"type", "object"},
                          {"required", {"label"}},
                          {"additionalProperties", false},
                          {"properties",
                           {{"label",
                             {{"type", "string"},
                              {"enum", {"confirmed_fault", "false_positive", "unsure"}}}},
                            {"fault_type",
                             {{"type", "string"},
                              {"maxLength", 100},
                              {"description", "required with confirmed_fault, e.g. outer_race"}}},
                            {"downtime_avoided_h", {{"type", "number"}, {"minimum", 0}}},
                            {"comment", {{"type", "string"}, {"maxLength", 4000}}}}}},
       .response_schema = AnnotationSchema(),
       .max_body_bytes = 16 * 1024,
       .handler = [c](const Request& r) { return Annotate(*c, r); }});
}

}  // namespace edgeloop::api
