// Deployment routes (routes.h AddDeploymentRoutes): put a model version on nodes (an explicit
// list or every node with a group label) as production, shadow or canary %, promote a canary or
// shadow to production, roll back, and show the rollout status per node.
//
// Lifecycle: a new deployment supersedes the active deployments of the same model group and
// role whose targets overlap its own, and records the newest of them in `replaces`; rolling it
// back marks it rolled_back and makes that one active again. Every change goes through one store
// call (CreateDeployment / SetDeploymentStates), atomic and bumping the tenant's revision, so
// nodes see a new desired-state ETag. Two deployment writes racing on the same group may both
// read the same predecessors; the later one still wins on the nodes (newest active wins).
#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "api/body_reader.h"
#include "api/data_views.h"
#include "api/query_params.h"
#include "api/roles.h"
#include "api/routes.h"
#include "fleet/desired_state_builder.h"

namespace edgeloop::api {
namespace {

using nlohmann::json;
using store::Deployment;
using store::DeploymentRole;
using store::DeploymentState;
using store::NodeRecord;

constexpr size_t kMaxTargetNodes = 10000;

// What every deployment decision reads: the active deployments, the nodes and the model
// versions the active deployments name.
struct Fleet {
  std::vector<Deployment> active;
  std::vector<NodeRecord> nodes;
  std::map<std::pair<std::string, int64_t>, store::ModelVersion> models;
};

Result<Fleet> LoadFleet(const HubContext& ctx, int64_t tenant) {
  Fleet f;
  EL_ASSIGN_OR_RETURN(f.active, ctx.store->ListDeployments(tenant, /*active_only=*/true));
  EL_ASSIGN_OR_RETURN(f.nodes, ctx.store->ListNodes(tenant));
  for (const Deployment& d : f.active) {
    const auto key = std::make_pair(d.model, d.version);
    if (f.models.contains(key)) continue;
    Result<store::ModelVersion> mv = ctx.store->GetModelVersion(tenant, d.model, d.version);
    if (mv.ok()) {
      f.models.emplace(key, *mv);
    } else if (mv.status().code() != StatusCode::kNotFound) {
      return mv.status();
    }
  }
  return f;
}

// Can some node be targeted by both? Two group labels overlap only when equal (a node has one
// label); a label and a list overlap when a listed node currently carries the label.
bool Overlap(const Deployment& a, const Deployment& b, const std::vector<NodeRecord>& nodes) {
  if (!a.target_group.empty() && !b.target_group.empty()) {
    return a.target_group == b.target_group;
  }
  if (a.target_group.empty() && b.target_group.empty()) {
    return std::any_of(a.target_nodes.begin(), a.target_nodes.end(), [&](const std::string& n) {
      return std::find(b.target_nodes.begin(), b.target_nodes.end(), n) != b.target_nodes.end();
    });
  }
  const Deployment& list = a.target_group.empty() ? a : b;
  const Deployment& group = a.target_group.empty() ? b : a;
  return std::any_of(nodes.begin(), nodes.end(), [&](const NodeRecord& n) {
    return fleet::Targets(list, n) && fleet::Targets(group, n);
  });
}

// Active deployments of `role` in `d`'s model group whose targets overlap `d`'s.
std::vector<int64_t> Overlapping(const Deployment& d, DeploymentRole role, const Fleet& f) {
  std::vector<int64_t> ids;
  for (const Deployment& other : f.active) {
    if (other.id != d.id && other.group == d.group && other.role == role &&
        Overlap(d, other, f.nodes)) {
      ids.push_back(other.id);
    }
  }
  return ids;
}

json DeploymentJson(const Deployment& d) {
  return {{"id", d.id},
          {"model", d.model},
          {"version", d.version},
          {"group", d.group},
          {"nodes", d.target_nodes.empty() ? json(nullptr) : json(d.target_nodes)},
          {"node_group", d.target_group.empty() ? json(nullptr) : json(d.target_group)},
          {"role", store::DeploymentRoleName(d.role)},
          {"canary_percent",
           d.role == DeploymentRole::kCanary ? json(d.canary_percent) : json(nullptr)},
          {"state", store::DeploymentStateName(d.state)},
          {"created_by", d.created_by},
          {"created", TimeJson(d.created)},
          {"replaces", d.replaces ? json(*d.replaces) : json(nullptr)}};
}

json DeploymentSchema() {
  const json str = {{"type", "string"}};
  const json integer = {{"type", "integer"}};
  const json nullable_int = {{"type", "integer"}, {"nullable", true}};
  return {{"type", "object"},
          {"properties",
           {{"id", integer},
            {"model", str},
            {"version", integer},
            {"group", str},
            {"nodes", {{"type", "array"}, {"items", str}, {"nullable", true}}},
            {"node_group", {{"type", "string"}, {"nullable", true}}},
            {"role", {{"type", "string"}, {"enum", {"production", "shadow", "canary"}}}},
            {"canary_percent", nullable_int},
            {"state", {{"type", "string"}, {"enum", {"active", "superseded", "rolled_back"}}}},
            {"created_by", str},
            {"created", {{"type", "string"}, {"format", "date-time"}}},
            {"replaces", nullable_int}}}};
}

// Creates `d`, superseding `supersede`; `replaces` is the newest of them (the one a roll back
// restores).
Response Create(const HubContext& ctx, Deployment d, std::vector<int64_t> supersede,
                std::optional<int64_t> replaces) {
  d.state = DeploymentState::kActive;
  d.replaces = replaces;
  Result<Deployment> created = ctx.store->CreateDeployment(d, supersede);
  if (!created.ok()) return StatusResponse(created.status());
  json body = DeploymentJson(*created);
  body["superseded"] = supersede;
  Response r = JsonResponse(201, body);
  r.headers.emplace_back("Location", "/v1/deployments/" + std::to_string(created->id));
  return r;
}

std::optional<int64_t> Newest(const std::vector<int64_t>& ids) {
  if (ids.empty()) return std::nullopt;
  return *std::max_element(ids.begin(), ids.end());
}

Response CreateDeployment(const HubContext& ctx, const Request& req) {
  const int64_t tenant = req.principal.tenant;
  Result<BodyReader> parsed = BodyReader::Parse(req.body);
  if (!parsed.ok()) return StatusResponse(parsed.status());
  BodyReader& body = *parsed;
  Deployment d;
  d.tenant = tenant;
  d.model = body.String("model", {.max_len = 128});
  d.version = body.Int("version", 1, std::numeric_limits<int64_t>::max());
  d.group = body.String("group", {.max_len = 128});
  std::optional<std::vector<std::string>> nodes =
      body.OptStringList("nodes", kMaxTargetNodes, {.max_len = 128});
  std::optional<std::string> node_group = body.OptString("node_group", {.max_len = 128});
  const std::string role = body.Enum("role", {"production", "shadow", "canary"});
  std::optional<int64_t> percent = body.OptInt("canary_percent", 1, 100);
  if (nodes.has_value() == node_group.has_value()) {
    body.AddError("nodes", "give either nodes (a list of node ids) or node_group, not both");
  } else if (nodes && nodes->empty()) {
    body.AddError("nodes", "must name at least one node");
  }
  if (role == "canary" && !percent) body.AddError("canary_percent", "required for a canary");
  if (role != "canary" && percent && !role.empty()) {
    body.AddError("canary_percent", "only a canary deployment takes a percent");
  }
  if (Status s = body.Finish(); !s.ok()) return StatusResponse(s);
  d.role = *store::ParseDeploymentRole(role);
  d.canary_percent = static_cast<int>(percent.value_or(0));
  if (nodes) {
    std::set<std::string> unique(nodes->begin(), nodes->end());
    d.target_nodes.assign(unique.begin(), unique.end());
  }
  d.target_group = node_group.value_or("");
  d.created_by = req.principal.name;
  d.created = ctx.NowMs();

  Result<store::ModelVersion> mv = ctx.store->GetModelVersion(tenant, d.model, d.version);
  if (!mv.ok()) return StatusResponse(mv.status());  // 404 names the model and version
  Result<Fleet> f = LoadFleet(ctx, tenant);
  if (!f.ok()) return StatusResponse(f.status());
  for (const std::string& n : d.target_nodes) {
    // A typo in a node id would otherwise deploy to nobody without a word.
    const bool known = std::any_of(f->nodes.begin(), f->nodes.end(),
                                   [&](const NodeRecord& r) { return r.id == n; });
    if (!known) return ErrorResponse(404, "not_found", "nodes: no node " + n);
  }
  std::vector<int64_t> supersede = Overlapping(d, d.role, *f);
  const std::optional<int64_t> replaces = Newest(supersede);
  return Create(ctx, std::move(d), std::move(supersede), replaces);
}

Response ListDeployments(const HubContext& ctx, const Request& req) {
  bool active_only = false;
  if (std::optional<std::string> active = req.Query("active")) {
    if (*active != "true" && *active != "false") {
      return ErrorResponse(400, "bad_request", "active: expected true or false");
    }
    active_only = *active == "true";
  }
  Result<std::vector<Deployment>> list =
      ctx.store->ListDeployments(req.principal.tenant, active_only);
  if (!list.ok()) return StatusResponse(list.status());
  json items = json::array();
  for (const Deployment& d : *list) items.push_back(DeploymentJson(d));
  return JsonResponse(200, {{"deployments", items}});
}

Result<Deployment> PathDeployment(const HubContext& ctx, const Request& req) {
  EL_ASSIGN_OR_RETURN(int64_t id, ParsePositiveId("id", req.path_params.at("id")));
  return ctx.store->GetDeployment(req.principal.tenant, id);
}

// What the node reports running in `key` ("group/role"), or null.
json Reported(const NodeRecord& node, const std::string& key) {
  const json models = json::parse(node.models_json, nullptr, /*allow_exceptions=*/false);
  if (!models.is_object()) return nullptr;
  auto it = models.find(key);
  return it != models.end() && it->is_string() ? *it : json(nullptr);
}

Response ShowDeployment(const HubContext& ctx, const Request& req) {
  Result<Deployment> d = PathDeployment(ctx, req);
  if (!d.ok()) return StatusResponse(d.status());
  Result<Fleet> f = LoadFleet(ctx, req.principal.tenant);
  if (!f.ok()) return StatusResponse(f.status());
  std::vector<std::string> canary;
  if (d->role == DeploymentRole::kCanary) canary = fleet::CanaryNodes(*d, f->nodes);
  // On a node, a canary fills the production slot of its group.
  const std::string slot = d->role == DeploymentRole::kShadow ? "shadow" : "production";
  json nodes = json::array();
  for (const NodeRecord& node : f->nodes) {
    if (!fleet::Targets(*d, node)) continue;
    const std::vector<fleet::DesiredModel> desired =
        fleet::ResolveDesired(node, f->active, f->nodes, f->models);
    const fleet::DesiredModel* in_slot = nullptr;
    for (const fleet::DesiredModel& m : desired) {
      if (m.group == d->group && m.role == slot) in_slot = &m;
    }
    // Only when this deployment is what the node should run is its status about it.
    const fleet::DesiredModel* mine =
        in_slot != nullptr && in_slot->deployment_id == d->id ? in_slot : nullptr;
    const bool selected = d->role != DeploymentRole::kCanary ||
                          std::binary_search(canary.begin(), canary.end(), node.id);
    nodes.push_back(
        {{"node", node.id},
         {"selected", selected},
         {"desired", in_slot != nullptr
                         ? json(in_slot->model.name + "@" + std::to_string(in_slot->model.version))
                         : json(nullptr)},
         {"desired_deployment", in_slot != nullptr ? json(in_slot->deployment_id) : json(nullptr)},
         {"reported", Reported(node, d->group + "/" + slot)},
         {"last_heartbeat", TimeJson(node.last_heartbeat)},
         {"status", fleet::RolloutStatus(mine, node)}});
  }
  json body = DeploymentJson(*d);
  body["targets"] = nodes;
  return JsonResponse(200, body);
}

Response Promote(const HubContext& ctx, const Request& req) {
  Result<Deployment> d = PathDeployment(ctx, req);
  if (!d.ok()) return StatusResponse(d.status());
  if (d->state != DeploymentState::kActive) {
    return ErrorResponse(409, "conflict",
                         "deployment " + std::to_string(d->id) + " is " +
                             std::string(store::DeploymentStateName(d->state)) +
                             "; only an active canary or shadow can be promoted");
  }
  if (d->role == DeploymentRole::kProduction) {
    return ErrorResponse(409, "conflict",
                         "deployment " + std::to_string(d->id) + " is already production");
  }
  Result<Fleet> f = LoadFleet(ctx, req.principal.tenant);
  if (!f.ok()) return StatusResponse(f.status());
  Deployment p = *d;
  p.id = 0;
  p.role = DeploymentRole::kProduction;
  p.canary_percent = 0;  // every target, not just the canary's pick
  p.created_by = req.principal.name;
  p.created = ctx.NowMs();
  std::vector<int64_t> previous = Overlapping(*d, DeploymentRole::kProduction, *f);
  // Rolling the promotion back restores the production it replaced (or, without one, the
  // canary/shadow it came from).
  const std::optional<int64_t> replaces = previous.empty() ? d->id : *Newest(previous);
  previous.push_back(d->id);
  return Create(ctx, std::move(p), std::move(previous), replaces);
}

Response Rollback(const HubContext& ctx, const Request& req) {
  const int64_t tenant = req.principal.tenant;
  Result<Deployment> d = PathDeployment(ctx, req);
  if (!d.ok()) return StatusResponse(d.status());
  if (d->state == DeploymentState::kRolledBack) {
    return ErrorResponse(409, "conflict",
                         "deployment " + std::to_string(d->id) + " is already rolled back");
  }
  if (d->state == DeploymentState::kSuperseded) {
    return ErrorResponse(409, "conflict",
                         "deployment " + std::to_string(d->id) +
                             " is superseded; roll back the deployment that replaced it");
  }
  std::vector<std::pair<int64_t, DeploymentState>> states = {{d->id, DeploymentState::kRolledBack}};
  std::optional<Deployment> restored;
  if (d->replaces) {
    Result<Deployment> previous = ctx.store->GetDeployment(tenant, *d->replaces);
    if (!previous.ok() && previous.status().code() != StatusCode::kNotFound) {
      return StatusResponse(previous.status());
    }
    // One that was itself rolled back stays so: it was judged bad.
    if (previous.ok() && previous->state == DeploymentState::kSuperseded) {
      restored = *previous;
      restored->state = DeploymentState::kActive;
      states.emplace_back(previous->id, DeploymentState::kActive);
    }
  }
  if (Status s = ctx.store->SetDeploymentStates(tenant, states); !s.ok()) {
    return StatusResponse(s);
  }
  Deployment rolled = *d;
  rolled.state = DeploymentState::kRolledBack;
  return JsonResponse(200, {{"rolled_back", DeploymentJson(rolled)},
                            {"restored", restored ? DeploymentJson(*restored) : json(nullptr)}});
}

}  // namespace

void AddDeploymentRoutes(Router& router, const HubContext& ctx) {
  const json schema = DeploymentSchema();
  const json str = {{"type", "string"}, {"minLength", 1}, {"maxLength", 128}};
  router.Add({.method = "POST",
              .pattern = "/v1/deployments",
              .roles = kDeployers,
              .tag = "deployments",
              .summary = "Deploy a model version to nodes or a node group as production, shadow or "
                         "canary %",
              .request_schema =
                  {{"type", "object"},
                   {"required", {"model", "version", "group", "role"}},
                   {"additionalProperties", false},
                   {"properties",
                    {{"model", str},
                     {"version", {{"type", "integer"}, {"minimum", 1}}},
                     {"group", str},
                     {"nodes", {{"type", "array"}, {"items", str}, {"minItems", 1}}},
                     {"node_group", str},
                     {"role", {{"type", "string"}, {"enum", {"production", "shadow", "canary"}}}},
                     {"canary_percent", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}}}}}},
              .response_schema = schema,
              .handler = [&ctx](const Request& r) { return CreateDeployment(ctx, r); }});
  router.Add({.method = "GET",
              .pattern = "/v1/deployments",
              .roles = kReadRoles,
              .tag = "deployments",
              .summary = "Deployments, newest first",
              .response_schema = {{"type", "object"},
                                  {"properties",
                                   {{"deployments", {{"type", "array"}, {"items", schema}}}}}},
              .query_params = {{"active", "true: only active deployments"}},
              .handler = [&ctx](const Request& r) { return ListDeployments(ctx, r); }});
  json detail = schema;
  detail["properties"]["targets"] = {{"type", "array"}, {"items", {{"type", "object"}}}};
  router.Add({.method = "GET",
              .pattern = "/v1/deployments/{id}",
              .roles = kReadRoles,
              .tag = "deployments",
              .summary = "A deployment with its rollout status per targeted node",
              .response_schema = detail,
              .handler = [&ctx](const Request& r) { return ShowDeployment(ctx, r); }});
  router.Add({.method = "POST",
              .pattern = "/v1/deployments/{id}/promote",
              .roles = kDeployers,
              .tag = "deployments",
              .summary = "Make a canary or shadow the production of all its targets",
              .response_schema = schema,
              .handler = [&ctx](const Request& r) { return Promote(ctx, r); }});
  const json rollback_schema = {
      {"type", "object"},
      {"properties",
       {{"rolled_back", schema}, {"restored", {{"type", "object"}, {"nullable", true}}}}}};
  router.Add({.method = "POST",
              .pattern = "/v1/deployments/{id}/rollback",
              .roles = kDeployers,
              .tag = "deployments",
              .summary = "Roll back a deployment; the one it replaced becomes active again",
              .response_schema = rollback_schema,
              .handler = [&ctx](const Request& r) { return Rollback(ctx, r); }});
}

}  // namespace edgeloop::api
