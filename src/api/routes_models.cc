// Model registry routes (routes.h AddModelRoutes): upload an ONNX artifact as a new version of a
// named model, list models (latest version of each), list the versions of one, show one with
// its full metadata. Artifacts themselves are served by GET /v1/artifacts/{sha256} (ingest
// routes), which the version JSON names as "artifact_url".
#include <cctype>
#include <limits>
#include <string>
#include <vector>

#include "api/data_views.h"
#include "api/query_params.h"
#include "api/roles.h"
#include "api/routes.h"
#include "common/base64.h"
#include "registry/model_inspect.h"

namespace edgeloop::api {
namespace {

using nlohmann::json;

constexpr size_t kMaxModelName = 128;
constexpr size_t kEd25519SignatureBytes = 64;

Status ValidateModelName(const std::string& name) {
  if (name.empty() || name.size() > kMaxModelName) {
    return InvalidArgument("name: must be 1.." + std::to_string(kMaxModelName) + " characters");
  }
  for (unsigned char c : name) {
    if (!std::isalnum(c) && c != '.' && c != '_' && c != '-') {
      return InvalidArgument("name: may only hold letters, digits, '.', '_' and '-'");
    }
  }
  return Status::Ok();
}

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// A version as the API shows it: the record plus the summary of its metadata (trainer, task,
// features, threshold), without the bulky reference histograms.
json VersionJson(const store::ModelVersion& v) {
  json j = registry::MetadataSummary(v.metadata_json);
  j.update({{"name", v.name},
            {"version", v.version},
            {"sha256", v.sha256},
            {"size", v.size},
            {"signature", v.signature.empty() ? json(nullptr) : json(v.signature)},
            {"trainer", v.trainer},
            {"parent_version", v.parent_version ? json(*v.parent_version) : json(nullptr)},
            {"created_by", v.created_by},
            {"created", TimeJson(v.created)},
            {"artifact_url", "/v1/artifacts/" + v.sha256}});
  return j;
}

json VersionSchema() {
  const json str = {{"type", "string"}};
  const json integer = {{"type", "integer"}};
  return {{"type", "object"},
          {"properties",
           {{"name", str},
            {"version", integer},
            {"sha256", str},
            {"size", integer},
            {"signature", {{"type", "string"}, {"nullable", true}}},
            {"trainer", str},
            {"task", str},
            {"features", {{"type", "array"}, {"items", str}}},
            {"threshold", {{"type", "number"}, {"nullable", true}}},
            {"parent_version", {{"type", "integer"}, {"nullable", true}}},
            {"created_by", str},
            {"created", {{"type", "string"}, {"format", "date-time"}}},
            {"artifact_url", str},
            {"metadata", {{"type", "object"}}},
            {"inputs", {{"type", "array"}}},
            {"outputs", {{"type", "array"}}}}}};
}

// With the full metadata and the graph's inputs and outputs.
json DetailedVersionJson(const store::ModelVersion& v, const registry::InspectedModel& m) {
  json j = VersionJson(v);
  const json inspected = registry::InspectedToJson(m);
  j["metadata"] = StoredJson(v.metadata_json);
  j["inputs"] = inspected["inputs"];
  j["outputs"] = inspected["outputs"];
  j["opset"] = inspected["opset"];
  j["producer"] = inspected["producer"];
  return j;
}

Result<std::string> SignatureParam(const Request& req) {
  std::optional<std::string> text = req.Query("signature");
  if (!text) return std::string();
  // An unescaped '+' in a query string arrives as a space; base64 never holds spaces.
  std::string sig = *text;
  for (char& c : sig) c = c == ' ' ? '+' : c;
  Result<std::string> raw = Base64Decode(sig);
  if (!raw.ok() || raw->size() != kEd25519SignatureBytes) {
    return InvalidArgument("signature: expected the base64 of a 64-byte Ed25519 signature");
  }
  return sig;
}

Response Upload(const HubContext& ctx, const Request& req) {
  const int64_t tenant = req.principal.tenant;
  const std::string& name = req.path_params.at("name");
  if (Status s = ValidateModelName(name); !s.ok()) return StatusResponse(s);
  // The body is the raw artifact; a JSON or form body is a client mistake worth naming.
  const std::string type = req.Header("content-type");
  if (!type.empty() && type.rfind("application/octet-stream", 0) != 0) {
    return ErrorResponse(400, "bad_request",
                         "Content-Type: expected application/octet-stream (the raw ONNX bytes), "
                         "got " +
                             type.substr(0, 64));
  }
  Result<std::optional<int64_t>> parent =
      QueryInt(req, "parent", 1, std::numeric_limits<int64_t>::max());
  if (!parent.ok()) return StatusResponse(parent.status());
  Result<std::string> signature = SignatureParam(req);
  if (!signature.ok()) return StatusResponse(signature.status());

  Result<registry::InspectedModel> inspected =
      registry::InspectModel(Bytes(req.body), static_cast<size_t>(ctx.max_model_bytes));
  if (!inspected.ok()) {
    if (inspected.status().code() == StatusCode::kOutOfRange) {
      return ErrorResponse(413, "payload_too_large", inspected.status().message());
    }
    return ErrorResponse(400, "bad_request", "model: " + inspected.status().message());
  }
  if (*parent) {
    Result<store::ModelVersion> p = ctx.store->GetModelVersion(tenant, name, **parent);
    if (!p.ok()) {
      if (p.status().code() != StatusCode::kNotFound) return StatusResponse(p.status());
      return ErrorResponse(400, "bad_request",
                           "parent: model " + name + " has no version " + std::to_string(**parent));
    }
  }
  store::ModelVersion record = registry::ToModelVersion(*inspected, tenant, name);
  record.signature = *signature;
  record.parent_version = *parent;
  record.created_by = req.principal.name;
  record.created = ctx.NowMs();
  // kAlreadyExists (same bytes already a version of this name) answers 409.
  Result<store::ModelVersion> created = ctx.store->CreateModelVersion(record, req.body);
  if (!created.ok()) return StatusResponse(created.status());
  Response r = JsonResponse(201, DetailedVersionJson(*created, *inspected));
  r.headers.emplace_back("Location",
                         "/v1/models/" + name + "/versions/" + std::to_string(created->version));
  return r;
}

Response ListModels(const HubContext& ctx, const Request& req) {
  Result<std::vector<store::ModelVersion>> models = ctx.store->ListModels(req.principal.tenant);
  if (!models.ok()) return StatusResponse(models.status());
  json items = json::array();
  for (const store::ModelVersion& v : *models) items.push_back(VersionJson(v));
  return JsonResponse(200, {{"models", items}});
}

Response ListVersions(const HubContext& ctx, const Request& req) {
  const std::string& name = req.path_params.at("name");
  if (Status s = ValidateModelName(name); !s.ok()) return StatusResponse(s);
  Result<std::vector<store::ModelVersion>> versions =
      ctx.store->ListModelVersions(req.principal.tenant, name);
  if (!versions.ok()) return StatusResponse(versions.status());
  if (versions->empty()) return ErrorResponse(404, "not_found", "no model " + name);
  json items = json::array();
  for (const store::ModelVersion& v : *versions) items.push_back(VersionJson(v));
  return JsonResponse(200, {{"name", name}, {"versions", items}});
}

Response ShowVersion(const HubContext& ctx, const Request& req) {
  const int64_t tenant = req.principal.tenant;
  const std::string& name = req.path_params.at("name");
  if (Status s = ValidateModelName(name); !s.ok()) return StatusResponse(s);
  Result<int64_t> version = ParsePositiveId("version", req.path_params.at("version"));
  if (!version.ok()) return StatusResponse(version.status());
  Result<store::ModelVersion> v = ctx.store->GetModelVersion(tenant, name, *version);
  if (!v.ok()) return StatusResponse(v.status());
  // Inputs and outputs are not columns of the registry: they are read again from the stored
  // artifact. Versions written by other means than this route (a restored database, the store
  // API) may hold an artifact that does not inspect: the version is still shown, without them.
  Result<std::string> artifact = ctx.store->GetArtifact(tenant, v->sha256);
  if (!artifact.ok()) return StatusResponse(artifact.status());
  Result<registry::InspectedModel> inspected =
      registry::InspectModel(Bytes(*artifact), std::numeric_limits<size_t>::max());
  if (inspected.ok()) return JsonResponse(200, DetailedVersionJson(*v, *inspected));
  json j = VersionJson(*v);
  j["metadata"] = StoredJson(v->metadata_json);
  j["inputs"] = nullptr;
  j["outputs"] = nullptr;
  j["inspect_error"] = inspected.status().message();
  return JsonResponse(200, j);
}

}  // namespace

void AddModelRoutes(Router& router, const HubContext& ctx) {
  const json version_schema = VersionSchema();
  router.Add(
      {.method = "POST",
       .pattern = "/v1/models/{name}/versions",
       .roles = kModelWriters,
       .tag = "models",
       .summary = "Upload an ONNX model (raw bytes) as the next version of {name}",
       // format binary: the OpenAPI document declares application/octet-stream.
       .request_schema = {{"type", "string"}, {"format", "binary"}},
       .response_schema = version_schema,
       .query_params = {{"parent", "version of {name} this one was derived from"},
                        {"signature", "base64 Ed25519 signature of the artifact (64 bytes)"}},
       .max_body_bytes = static_cast<size_t>(ctx.max_model_bytes),
       .handler = [&ctx](const Request& r) { return Upload(ctx, r); }});
  router.Add({.method = "GET",
              .pattern = "/v1/models",
              .roles = kReadRoles,
              .tag = "models",
              .summary = "Every model of the tenant, at its latest version",
              .response_schema = {{"type", "object"},
                                  {"properties",
                                   {{"models", {{"type", "array"}, {"items", version_schema}}}}}},
              .handler = [&ctx](const Request& r) { return ListModels(ctx, r); }});
  router.Add({.method = "GET",
              .pattern = "/v1/models/{name}",
              .roles = kReadRoles,
              .tag = "models",
              .summary = "Every version of one model, oldest first",
              .response_schema = {{"type", "object"},
                                  {"properties",
                                   {{"name", {{"type", "string"}}},
                                    {"versions", {{"type", "array"}, {"items", version_schema}}}}}},
              .handler = [&ctx](const Request& r) { return ListVersions(ctx, r); }});
  router.Add({.method = "GET",
              .pattern = "/v1/models/{name}/versions/{version}",
              .roles = kReadRoles,
              .tag = "models",
              .summary = "One version with its full metadata, inputs and outputs",
              .response_schema = version_schema,
              .handler = [&ctx](const Request& r) { return ShowVersion(ctx, r); }});
}

}  // namespace edgeloop::api
