#include "api/route.h"

#include <cctype>
#include <cstdlib>
#include <iostream>
#include <set>

#include "common/log.h"

namespace edgeloop::api {
namespace {

// Splits "/a/b/c" into {"a","b","c"}; "/" -> {""}; keeps empty segments ("/a//b", "/a/") so
// they can never match a {param} (which needs a non-empty segment).
std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path[0] != '/') return out;
  path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool IsParam(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %-decodes one path segment; nullopt on a broken escape. '+' stays '+' (it is not a space in
// a path).
std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

// Matches `path` segments against a pattern; on success fills `params` and `shape` (one bool
// per segment, true for a literal) so the most literal match can win.
bool MatchPattern(const std::vector<std::string_view>& pattern,
                  const std::vector<std::string_view>& path,
                  std::map<std::string, std::string>& params, std::vector<bool>& shape) {
  if (pattern.size() != path.size()) return false;
  params.clear();
  shape.assign(pattern.size(), false);
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (IsParam(pattern[i])) {
      if (path[i].empty()) return false;
      std::optional<std::string> value = PercentDecode(path[i]);
      if (!value || value->empty()) return false;
      params[std::string(pattern[i].substr(1, pattern[i].size() - 2))] = std::move(*value);
    } else {
      if (pattern[i] != path[i]) return false;
      shape[i] = true;
    }
  }
  return true;
}

std::string_view ErrorCodeFor(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
      return "bad_request";
    case StatusCode::kNotFound:
      return "not_found";
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      return "conflict";
    case StatusCode::kUnavailable:
      return "unavailable";
    default:
      return "internal";
  }
}

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

}  // namespace

std::optional<std::string> Request::Query(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::string Request::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

Response ErrorResponse(int status, std::string_view code, std::string_view message) {
  nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
  // error_handler::replace: a message quoting untrusted bytes must not make dump() throw.
  return Response{.status = status,
                  .body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

Response JsonResponse(int status, const nlohmann::json& body) {
  return Response{.status = status,
                  .body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

Response StatusResponse(const Status& status) {
  if (status.ok()) return JsonResponse(200, nlohmann::json::object());
  const int http = HttpStatusFor(status.code());
  if (http == 500) {
    // Internal details (SQL text, file paths) stay in the log.
    spdlog::error("hub api: internal error: {}", status.ToString());
    return ErrorResponse(500, "internal", "internal error (see the hub log)");
  }
  if (http == 503) spdlog::warn("hub api: unavailable: {}", status.message());
  return ErrorResponse(http, ErrorCodeFor(status.code()), status.message());
}

void Router::Add(RouteSpec spec) {
  auto segments = Segments(spec.pattern);
  if (segments.empty() || !spec.handler) {
    std::cerr << "Router::Add: bad route " << spec.method << " " << spec.pattern << "\n";
    std::abort();
  }
  for (std::string_view s : segments) {
    if (s.find('{') != std::string_view::npos && !IsParam(s)) {
      std::cerr << "Router::Add: bad segment '" << s << "' in " << spec.pattern << "\n";
      std::abort();
    }
  }
  if (!spec.node_param.empty() &&
      spec.pattern.find("{" + spec.node_param + "}") == std::string::npos) {
    std::cerr << "Router::Add: node_param " << spec.node_param << " not in " << spec.pattern
              << "\n";
    std::abort();
  }
  for (const RouteSpec& r : routes_) {
    if (r.method == spec.method && r.pattern == spec.pattern) {
      std::cerr << "Router::Add: duplicate route " << spec.method << " " << spec.pattern << "\n";
      std::abort();
    }
  }
  routes_.push_back(std::move(spec));
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match best;
  std::vector<bool> best_shape;
  const auto path_segments = Segments(path);
  if (path_segments.empty()) return best;
  std::map<std::string, std::string> params;
  std::vector<bool> shape;
  for (const RouteSpec& r : routes_) {
    if (!MatchPattern(Segments(r.pattern), path_segments, params, shape)) continue;
    if (r.method != method) {
      best.path_known = true;
      continue;
    }
    // Literal beats parameter, segment by segment from the left: /v1/models/latest wins over
    // /v1/models/{name}.
    if (best.route == nullptr || shape > best_shape) {
      best.route = &r;
      best.params = params;
      best_shape = shape;
    }
  }
  if (best.route != nullptr) best.path_known = true;
  return best;
}

namespace {

nlohmann::json ErrorRef(std::string_view description) {
  return {
      {"description", description},
      {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
}

std::vector<std::string> PathParams(const std::string& pattern) {
  std::vector<std::string> out;
  for (std::string_view s : Segments(pattern)) {
    if (IsParam(s)) out.emplace_back(s.substr(1, s.size() - 2));
  }
  return out;
}

// Success status and schema of an operation. A response_schema may carry "x-status" (e.g. 201
// for a create); without it a GET/PUT/PATCH/DELETE answers 200, and a POST is documented with
// 200 and 201 because the table does not say which it is.
void AddSuccess(const RouteSpec& r, nlohmann::json& responses) {
  nlohmann::json schema = r.response_schema;
  int status = 0;
  if (schema.is_object() && schema.contains("x-status") && schema["x-status"].is_number()) {
    status = schema["x-status"].get<int>();
    schema.erase("x-status");
  }
  nlohmann::json ok = {{"description", "OK"}};
  if (!schema.is_null()) ok["content"] = {{"application/json", {{"schema", schema}}}};
  if (status != 0) {
    ok["description"] = status == 201 ? "Created" : "OK";
    responses[std::to_string(status)] = ok;
  } else if (r.method == "POST") {
    responses["200"] = ok;
    ok["description"] = "Created";
    responses["201"] = ok;
  } else {
    responses["200"] = ok;
  }
}

}  // namespace

nlohmann::json Router::OpenApi(std::string_view version) const {
  nlohmann::json doc = {
      {"openapi", "3.0.3"},
      {"info",
       {{"title", "Edgeloop hub API"},
        {"version", std::string(version)},
        {"description",
         "Every route except the public ones needs `Authorization: Bearer <token>`. The roles "
         "allowed per operation are listed in x-edgeloop-roles. Errors are "
         "{\"error\":{\"code\",\"message\"}}."}}},
      {"servers", nlohmann::json::array({{{"url", "/"}}})},
      {"security", nlohmann::json::array({{{"bearer", nlohmann::json::array()}}})},
      {"paths", nlohmann::json::object()},
  };
  doc["components"]["securitySchemes"]["bearer"] = {
      {"type", "http"}, {"scheme", "bearer"}, {"bearerFormat", "elp_ token"}};
  nlohmann::json error_object = {{"type", "object"},
                                 {"required", {"code", "message"}},
                                 {"properties",
                                  {{"code", {{"type", "string"}, {"example", "not_found"}}},
                                   {"message", {{"type", "string"}}}}}};
  doc["components"]["schemas"]["Error"] = {
      {"type", "object"}, {"required", {"error"}}, {"properties", {{"error", error_object}}}};
  std::set<std::string> tags;
  for (const RouteSpec& r : routes_) {
    std::string method = r.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    nlohmann::json op = {{"summary", r.summary},
                         {"operationId", r.method + " " + r.pattern},
                         {"tags", {r.tag.empty() ? std::string("misc") : r.tag}}};
    tags.insert(r.tag.empty() ? std::string("misc") : r.tag);
    nlohmann::json roles = nlohmann::json::array();
    for (store::Role role : r.roles) roles.push_back(std::string(store::RoleName(role)));
    op["x-edgeloop-roles"] = roles;
    if (r.roles.empty()) op["security"] = nlohmann::json::array();  // public
    nlohmann::json params = nlohmann::json::array();
    for (const std::string& p : PathParams(r.pattern)) {
      params.push_back(
          {{"name", p}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
    }
    for (const auto& [name, description] : r.query_params) {
      params.push_back({{"name", name},
                        {"in", "query"},
                        {"required", false},
                        {"description", description},
                        {"schema", {{"type", "string"}}}});
    }
    if (!params.empty()) op["parameters"] = params;
    if (!r.request_schema.is_null()) {
      const bool binary = r.request_schema.value("format", "") == "binary";
      op["requestBody"] = {{"required", true},
                           {"content",
                            {{binary ? "application/octet-stream" : "application/json",
                              {{"schema", r.request_schema}}}}}};
    }
    nlohmann::json responses = nlohmann::json::object();
    AddSuccess(r, responses);
    responses["400"] = ErrorRef("Malformed request");
    if (!r.roles.empty()) {
      responses["401"] = ErrorRef("Missing, unknown, revoked or expired token");
      responses["403"] = ErrorRef("The token's role (or node) may not do this");
    }
    responses["404"] = ErrorRef("No such route or record (another tenant's records included)");
    if (!r.request_schema.is_null()) responses["413"] = ErrorRef("Body too large");
    op["responses"] = responses;
    doc["paths"][r.pattern][method] = op;
  }
  for (const std::string& t : tags) doc["tags"].push_back({{"name", t}});
  return doc;
}

}  // namespace edgeloop::api
