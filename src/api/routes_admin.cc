// Tokens, enrollment and nodes (routes.h AddAdminRoutes).
#include <charconv>

#include "api/auth.h"
#include "api/body_reader.h"
#include "api/data_views.h"
#include "api/roles.h"
#include "api/routes.h"

namespace edgeloop::api {
namespace {

using nlohmann::json;

constexpr store::TimeMs kOnlineWindowMs = 60 * 1000;

// Node ids travel in paths and headers: a conservative alphabet.
bool IsNodeId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

json ParseOr(const std::string& text, json fallback) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? fallback : j;
}

std::string NodeStatus(const store::NodeRecord& n, store::TimeMs now) {
  if (!n.last_seen) return "never";
  return now - *n.last_seen <= kOnlineWindowMs ? "online" : "stale";
}

json NodeJson(const store::NodeRecord& n, store::TimeMs now, bool detail) {
  json j = {{"id", n.id},
            {"site", n.site},
            {"group", n.group},
            {"enrolled", TimeJson(n.enrolled)},
            {"last_seen", TimeJson(n.last_seen)},
            {"status", NodeStatus(n, now)},
            {"last_heartbeat", TimeJson(n.last_heartbeat)},
            {"versions",
             {{"agent_version", n.agent_version},
              {"models", ParseOr(n.models_json, json::object())},
              {"desired_revision", n.desired_revision}}},
            {"inference_uptime", n.inference_uptime},
            {"batches", n.batches},
            {"duplicates", n.duplicates},
            {"dropped_batches", n.dropped_batches},
            {"max_seq", n.max_seq}};
  if (detail) j["heartbeat"] = ParseOr(n.heartbeat_json, json::object());
  return j;
}

json TokenJson(const store::TokenRecord& t) {
  json j = {{"id", t.id},
            {"name", t.name},
            {"role", std::string(store::RoleName(t.role))},
            {"created", TimeJson(t.created)},
            {"expires", TimeJson(t.expires)},
            {"revoked", t.revoked}};
  if (!t.node.empty()) j["node"] = t.node;
  return j;
}

std::vector<std::string> HumanRoleNames() {
  std::vector<std::string> names;
  for (store::Role r : kReadRoles) names.emplace_back(store::RoleName(r));
  return names;
}

const json kNodeSchema = {
    {"type", "object"},
    {"properties",
     {{"id", {{"type", "string"}}},
      {"status", {{"type", "string"}, {"enum", {"online", "stale", "never"}}}},
      {"last_seen", {{"type", "string"}, {"nullable", true}}},
      {"versions", {{"type", "object"}}}}}};

Response CreateToken(const HubContext& ctx, const Request& req) {
  Result<BodyReader> parsed = BodyReader::Parse(req.body);
  if (!parsed.ok()) return StatusResponse(parsed.status());
  BodyReader& body = *parsed;
  std::string name = body.String("name", {.max_len = 128});
  std::string role_name = body.Enum("role", HumanRoleNames());
  std::optional<int64_t> expires_in = body.OptInt("expires_in_s", 60, int64_t{10} * 365 * 86400);
  if (Status s = body.Finish(); !s.ok()) return StatusResponse(s);
  const std::string secret = NewTokenSecret();
  store::TokenRecord token{.tenant = req.principal.tenant,
                           .name = name,
                           .role = *store::ParseRole(role_name),
                           .hash = HashTokenSecret(secret),
                           .created = ctx.NowMs()};
  if (expires_in) token.expires = token.created + *expires_in * 1000;
  Result<store::TokenRecord> created = ctx.store->CreateToken(token);
  if (!created.ok()) return StatusResponse(created.status());
  json out = TokenJson(*created);
  out["token"] = secret;  // the only time the secret is shown
  return JsonResponse(201, out);
}

Response RevokeToken(const HubContext& ctx, const Request& req) {
  const std::string& text = req.path_params.at("id");
  int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) {
    return ErrorResponse(404, "not_found", "no token " + text);
  }
  if (Status s = ctx.store->RevokeToken(req.principal.tenant, id); !s.ok()) {
    return StatusResponse(s);
  }
  return JsonResponse(200, {{"id", id}, {"revoked", true}});
}

Response CreateEnrollment(const HubContext& ctx, const Request& req) {
  Result<BodyReader> parsed = BodyReader::Parse(req.body);
  if (!parsed.ok()) return StatusResponse(parsed.status());
  BodyReader& body = *parsed;
  std::string node = body.String("node", {.max_len = 64});
  std::string site = body.OptString("site", {.max_len = 128}).value_or("");
  std::string group = body.OptString("group", {.max_len = 128}).value_or("");
  std::optional<int64_t> ttl_s = body.OptInt("ttl_s", 60, 30 * 86400);
  if (!node.empty() && !IsNodeId(node)) {
    body.AddError("node", "only letters, digits, '.', '_' and '-' (at most 64)");
  }
  if (Status s = body.Finish(); !s.ok()) return StatusResponse(s);
  const std::string secret = NewTokenSecret();
  const store::TimeMs now = ctx.NowMs();
  store::EnrollmentRecord e{.tenant = req.principal.tenant,
                            .node = node,
                            .site = site,
                            .group = group,
                            .hash = HashTokenSecret(secret),
                            .created = now,
                            .expires = now + (ttl_s ? *ttl_s * 1000 : ctx.enrollment_ttl_ms),
                            .created_by = req.principal.name};
  Result<store::EnrollmentRecord> created = ctx.store->CreateEnrollment(e);
  if (!created.ok()) return StatusResponse(created.status());
  return JsonResponse(201, {{"node", created->node},
                            {"site", created->site},
                            {"group", created->group},
                            {"enrollment_token", secret},
                            {"expires", TimeJson(created->expires)}});
}

Response Enroll(const HubContext& ctx, const Request& req) {
  Result<BodyReader> parsed = BodyReader::Parse(req.body);
  if (!parsed.ok()) return StatusResponse(parsed.status());
  BodyReader& body = *parsed;
  std::string enrollment = body.String("enrollment_token", {.max_len = 256});
  if (Status s = body.Finish(); !s.ok()) return StatusResponse(s);
  const std::string secret = NewTokenSecret();
  store::TokenRecord node_token{.name = "node",  // the store names it after the node
                                .role = store::Role::kNode,
                                .hash = HashTokenSecret(secret),
                                .created = ctx.NowMs()};
  Result<store::NodeRecord> node =
      ctx.store->Enroll(HashTokenSecret(enrollment), node_token, ctx.NowMs());
  if (!node.ok()) {
    const Status& s = node.status();
    if (s.code() == StatusCode::kNotFound) {
      return ErrorResponse(401, "unauthorized", "unknown enrollment token");
    }
    if (s.code() == StatusCode::kFailedPrecondition) {
      return ErrorResponse(
          409, "conflict",
          "enrollment token cannot be used: " + s.message() + " (ask an admin for a new one)");
    }
    return StatusResponse(s);
  }
  return JsonResponse(201, {{"node", node->id}, {"tenant", node->tenant}, {"token", secret}});
}

}  // namespace

void AddAdminRoutes(Router& router, const HubContext& ctx) {
  const json token_schema = {
      {"type", "object"},
      {"properties",
       {{"id", {{"type", "integer"}}},
        {"name", {{"type", "string"}}},
        {"role", {{"type", "string"}}},
        {"created", {{"type", "string"}, {"format", "date-time"}}},
        {"expires", {{"type", "string"}, {"format", "date-time"}, {"nullable", true}}},
        {"revoked", {{"type", "boolean"}}}}}};
  json created_token = token_schema;
  created_token["properties"]["token"] = {{"type", "string"},
                                          {"description", "the secret, shown only here"}};
  created_token["x-status"] = 201;
  router.Add({.method = "POST",
              .pattern = "/v1/tokens",
              .roles = kAdminOnly,
              .tag = "admin",
              .summary = "Create a bearer token for a human role; the secret is shown once",
              .request_schema = {{"type", "object"},
                                 {"required", {"name", "role"}},
                                 {"additionalProperties", false},
                                 {"properties",
                                  {{"name", {{"type", "string"}, {"maxLength", 128}}},
                                   {"role", {{"type", "string"}, {"enum", HumanRoleNames()}}},
                                   {"expires_in_s", {{"type", "integer"}, {"minimum", 60}}}}}},
              .response_schema = created_token,
              .handler = [&ctx](const Request& r) { return CreateToken(ctx, r); }});
  router.Add({.method = "GET",
              .pattern = "/v1/tokens",
              .roles = kAdminOnly,
              .tag = "admin",
              .summary = "List the tenant's tokens (no secrets or hashes)",
              .response_schema = {{"type", "object"},
                                  {"properties",
                                   {{"tokens", {{"type", "array"}, {"items", token_schema}}}}}},
              .handler = [&ctx](const Request& r) {
                auto tokens = ctx.store->ListTokens(r.principal.tenant);
                if (!tokens.ok()) return StatusResponse(tokens.status());
                json list = json::array();
                for (const auto& t : *tokens) list.push_back(TokenJson(t));
                return JsonResponse(200, {{"tokens", list}});
              }});
  router.Add({.method = "DELETE",
              .pattern = "/v1/tokens/{id}",
              .roles = kAdminOnly,
              .tag = "admin",
              .summary = "Revoke a token (effective within 2 s: the auth cache age)",
              .handler = [&ctx](const Request& r) { return RevokeToken(ctx, r); }});
  router.Add(
      {.method = "POST",
       .pattern = "/v1/enrollments",
       .roles = kFleetWriters,
       .tag = "nodes",
       .summary = "Create a one-time enrollment token for a node id",
       .request_schema = {{"type", "object"},
                          {"required", {"node"}},
                          {"additionalProperties", false},
                          {"properties",
                           {{"node", {{"type", "string"}, {"pattern", "^[A-Za-z0-9._-]{1,64}$"}}},
                            {"site", {{"type", "string"}}},
                            {"group", {{"type", "string"}}},
                            {"ttl_s", {{"type", "integer"}, {"minimum", 60}}}}}},
       .response_schema = {{"x-status", 201},
                           {"type", "object"},
                           {"properties",
                            {{"node", {{"type", "string"}}},
                             {"enrollment_token", {{"type", "string"}}},
                             {"expires", {{"type", "string"}, {"format", "date-time"}}}}}},
       .handler = [&ctx](const Request& r) { return CreateEnrollment(ctx, r); }});
  router.Add({.method = "POST",
              .pattern = "/v1/enroll",
              .tag = "nodes",
              .summary = "Exchange an enrollment token for a node token (public, one time)",
              .request_schema = {{"type", "object"},
                                 {"required", {"enrollment_token"}},
                                 {"additionalProperties", false},
                                 {"properties", {{"enrollment_token", {{"type", "string"}}}}}},
              .response_schema = {{"x-status", 201},
                                  {"type", "object"},
                                  {"properties",
                                   {{"node", {{"type", "string"}}},
                                    {"tenant", {{"type", "integer"}}},
                                    {"token", {{"type", "string"}}}}}},
              .max_body_bytes = 4096,
              .handler = [&ctx](const Request& r) { return Enroll(ctx, r); }});
  router.Add({.method = "GET",
              .pattern = "/v1/nodes",
              .roles = kReadRoles,
              .tag = "nodes",
              .summary = "List nodes with status (online/stale/never) and versions",
              .response_schema = {{"type", "object"},
                                  {"properties",
                                   {{"nodes", {{"type", "array"}, {"items", kNodeSchema}}}}}},
              .handler = [&ctx](const Request& r) {
                auto nodes = ctx.store->ListNodes(r.principal.tenant);
                if (!nodes.ok()) return StatusResponse(nodes.status());
                const store::TimeMs now = ctx.NowMs();
                json list = json::array();
                for (const auto& n : *nodes) list.push_back(NodeJson(n, now, false));
                return JsonResponse(200, {{"nodes", list}});
              }});
  router.Add({.method = "GET",
              .pattern = "/v1/nodes/{id}",
              .roles = kNodeOrRead,
              .node_param = "id",
              .tag = "nodes",
              .summary = "One node: status, versions and its last heartbeat",
              .response_schema = kNodeSchema,
              .handler = [&ctx](const Request& r) {
                auto node = ctx.store->GetNode(r.principal.tenant, r.path_params.at("id"));
                if (!node.ok()) return StatusResponse(node.status());
                return JsonResponse(200, NodeJson(*node, ctx.NowMs(), true));
              }});
}

}  // namespace edgeloop::api
