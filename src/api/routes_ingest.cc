// Node traffic: ingest, desired state, artifacts (routes.h AddIngestRoutes).
#include <algorithm>
#include <map>

#include "api/hub_metrics.h"
#include "api/roles.h"
#include "api/routes.h"
#include "fleet/batch_decoder.h"
#include "fleet/desired_state_builder.h"

namespace edgeloop::api {
namespace {

using nlohmann::json;

bool IsSha256(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

Response Ingest(const HubContext& ctx, const Request& req) {
  const std::string& node = req.principal.node;
  if (req.Header("x-edgeloop-node") != node) {
    return ErrorResponse(403, "forbidden",
                         "X-Edgeloop-Node must name the token's node (" + node + ")");
  }
  const std::string protocol = req.Header("x-edgeloop-protocol");
  if (!protocol.empty() && protocol != "1") {
    return ErrorResponse(400, "bad_request",
                         "protocol version " + protocol + " not supported (this hub speaks 1)");
  }
  // Malformed requests are refused whole, before anything is stored (docs/protocol.md).
  Result<fleet::IngestRequest> decoded = fleet::DecodeIngestRequest(req.body);
  if (!decoded.ok()) return ErrorResponse(400, "bad_request", decoded.status().message());
  if (decoded->version != 1) {
    return ErrorResponse(400, "bad_request",
                         "v: protocol version " + std::to_string(decoded->version) +
                             " not supported (this hub speaks 1)");
  }
  if (decoded->node != node) {
    return ErrorResponse(
        403, "forbidden",
        "body node '" + decoded->node + "' is not the token's node (" + node + ")");
  }
  Result<store::IngestOutcome> outcome = ctx.store->Ingest(
      req.principal.tenant, node, decoded->dropped_batches, decoded->batches, ctx.NowMs());
  if (!outcome.ok()) return StatusResponse(outcome.status());
  if (ctx.metrics != nullptr) {
    ctx.metrics->CountIngest(static_cast<int64_t>(outcome->stored.size()),
                             static_cast<int64_t>(outcome->duplicates.size()), outcome->rows);
  }
  // Both new and already-held batches are acknowledged: the node may delete them either way.
  // An all-duplicate request also answers 200 (the protocol allows 409; 200 is simpler for
  // every client and equally safe).
  std::vector<int64_t> acked = outcome->stored;
  acked.insert(acked.end(), outcome->duplicates.begin(), outcome->duplicates.end());
  std::sort(acked.begin(), acked.end());
  return JsonResponse(200, {{"acked", acked}});
}

constexpr store::TimeMs kTouchEveryMs = 10'000;

Response Desired(const HubContext& ctx, const Request& req) {
  const int64_t tenant = req.principal.tenant;
  const std::string& id = req.path_params.at("id");
  Result<store::NodeRecord> node = ctx.store->GetNode(tenant, id);
  if (!node.ok()) return StatusResponse(node.status());
  // Read the revision first: a deployment change racing with the reads below bumps it again,
  // so the node's next poll sees a new ETag and fetches the newer document.
  Result<int64_t> revision = ctx.store->DeploymentRevision(tenant);
  if (!revision.ok()) return StatusResponse(revision.status());
  Result<std::vector<store::Deployment>> active = ctx.store->ListDeployments(tenant, true);
  if (!active.ok()) return StatusResponse(active.status());
  Result<std::vector<store::NodeRecord>> nodes = ctx.store->ListNodes(tenant);
  if (!nodes.ok()) return StatusResponse(nodes.status());
  std::map<std::pair<std::string, int64_t>, store::ModelVersion> models;
  for (const store::Deployment& d : *active) {
    auto key = std::make_pair(d.model, d.version);
    if (models.count(key) != 0) continue;
    Result<store::ModelVersion> mv = ctx.store->GetModelVersion(tenant, d.model, d.version);
    if (mv.ok()) {
      models.emplace(key, *mv);
    } else if (mv.status().code() != StatusCode::kNotFound) {
      return StatusResponse(mv.status());
    }
  }
  std::vector<fleet::DesiredModel> desired = fleet::ResolveDesired(*node, *active, *nodes, models);
  fleet::DesiredDocument doc = fleet::BuildDesiredDocument(*revision, desired);
  if (req.principal.role == store::Role::kNode) {
    // A poll is a sign of life even when the node has nothing to ingest. It is recorded at most
    // every kTouchEveryMs: a write per poll would put a commit (an fsync on SQLite) on the hot
    // path of every node, while "online" only needs last_seen within a minute.
    const store::TimeMs now = ctx.NowMs();
    if (!node->last_seen || now - *node->last_seen >= kTouchEveryMs) {
      if (Status s = ctx.store->TouchNode(tenant, id, now); !s.ok()) return StatusResponse(s);
    }
  }
  if (req.Header("if-none-match") == doc.etag) {
    Response r{.status = 304};
    r.headers.emplace_back("ETag", doc.etag);
    return r;
  }
  Response r = JsonResponse(200, doc.body);
  r.headers.emplace_back("ETag", doc.etag);
  return r;
}

Response Artifact(const HubContext& ctx, const Request& req) {
  const std::string& sha = req.path_params.at("sha256");
  if (!IsSha256(sha)) {
    return ErrorResponse(400, "bad_request", "sha256: expected 64 hex digits");
  }
  std::string lower = sha;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // The store scopes by tenant: another tenant's artifact is simply not found.
  Result<std::string> bytes = ctx.store->GetArtifact(req.principal.tenant, lower);
  if (!bytes.ok()) return StatusResponse(bytes.status());
  return Response{
      .status = 200, .body = std::move(bytes).value(), .content_type = "application/octet-stream"};
}

}  // namespace

void AddIngestRoutes(Router& router, const HubContext& ctx) {
  router.Add(
      {.method = "POST",
       .pattern = "/v1/ingest",
       .roles = kNodeOnly,
       .tag = "ingest",
       .summary = "Deliver batches (docs/protocol.md); answers the stored or held seqs",
       .request_schema = {{"type", "object"},
                          {"required", {"v", "node", "batches"}},
                          {"properties",
                           {{"v", {{"type", "integer"}, {"enum", {1}}}},
                            {"node", {{"type", "string"}}},
                            {"dropped_batches", {{"type", "integer"}, {"minimum", 0}}},
                            {"batches",
                             {{"type", "array"},
                              {"items",
                               {{"type", "object"},
                                {"required", {"seq", "payload"}},
                                {"properties",
                                 {{"seq", {{"type", "integer"}, {"minimum", 1}}},
                                  {"payload", {{"type", "string"}, {"format", "byte"}}}}}}}}}}}},
       .response_schema = {{"type", "object"},
                           {"properties",
                            {{"acked", {{"type", "array"}, {"items", {{"type", "integer"}}}}}}}},
       .max_body_bytes = static_cast<size_t>(ctx.max_ingest_bytes),
       .handler = [&ctx](const Request& r) { return Ingest(ctx, r); }});
  router.Add({.method = "GET",
              .pattern = "/v1/nodes/{id}/desired",
              .roles = kNodeOrRead,
              .node_param = "id",
              .tag = "ingest",
              .summary = "Desired state of a node (models per group and role); ETag / 304",
              .response_schema = {{"type", "object"},
                                  {"properties",
                                   {{"revision", {{"type", "integer"}}},
                                    {"models", {{"type", "array"}}}}}},
              .handler = [&ctx](const Request& r) { return Desired(ctx, r); }});
  router.Add({.method = "GET",
              .pattern = "/v1/artifacts/{sha256}",
              .roles = kNodeOrRead,
              .tag = "ingest",
              .summary = "Raw bytes of a model artifact of the caller's tenant",
              .handler = [&ctx](const Request& r) { return Artifact(ctx, r); }});
}

}  // namespace edgeloop::api
