// The hub's REST routes as data: each RouteSpec names its method, path pattern, the roles that
// may call it, its OpenAPI description and its handler. The Router matches requests, and the
// same table produces /v1/openapi.json, so the document covers every route by construction and
// the API test can walk every route from it.
//
// Threads: a Router is filled at start-up, then only read (Match/OpenApi are thread-safe).
// Handlers run on the HTTP server's worker threads, concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/hub_types.h"

namespace edgeloop::api {

// Who is calling, from the bearer token (see auth.h).
struct Principal {
  int64_t tenant = 0;
  int64_t token_id = 0;
  std::string name;  // the token's name: recorded as acknowledged_by, author, created_by
  store::Role role = store::Role::kViewer;
  std::string node;  // for node tokens
};

struct Request {
  std::string method;
  std::string path;
  std::map<std::string, std::string> path_params;  // {id} -> value, already %-decoded
  std::multimap<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  Principal principal;  // valid when the route requires a role

  // First value of a query parameter, or nullopt.
  std::optional<std::string> Query(const std::string& name) const;
  std::string Header(const std::string& lower_name) const;  // "" when absent
};

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

// {"error":{"code":code,"message":message}} with `status`. Codes are snake_case words:
// bad_request, unauthorized, forbidden, not_found, conflict, payload_too_large, unavailable...
Response ErrorResponse(int status, std::string_view code, std::string_view message);
Response JsonResponse(int status, const nlohmann::json& body);
// Maps a store/library Status to its HTTP answer: kInvalidArgument 400, kNotFound 404,
// kAlreadyExists 409, kFailedPrecondition 409, kOutOfRange 400, kUnavailable 503, others 500
// (the message of a 500 is logged, and the client gets a generic one).
Response StatusResponse(const Status& status);

using Handler = std::function<Response(const Request&)>;

struct RouteSpec {
  std::string method;   // GET, POST, PUT, PATCH, DELETE
  std::string pattern;  // "/v1/alerts/{id}/ack": literal segments and {name} segments
  // Roles allowed. Empty: public (no token needed, e.g. /healthz). A route open to every human
  // role lists them all (see kReadRoles in roles.h).
  std::vector<store::Role> roles;
  // With a node token, the path parameter that must equal the token's node (e.g. "id" for
  // /v1/nodes/{id}/desired). Empty: not node-scoped.
  std::string node_param;
  std::string tag;      // OpenAPI tag: "alerts", "models", ...
  std::string summary;  // one line
  // OpenAPI fragments (JSON Schema objects); null when there is no body / described inline.
  nlohmann::json request_schema;
  nlohmann::json response_schema;
  // Query parameters: name -> description (documented in OpenAPI as strings).
  std::vector<std::pair<std::string, std::string>> query_params;
  size_t max_body_bytes = 1 << 20;  // larger bodies: 413 before the handler runs
  Handler handler;
};

class Router {
 public:
  // Aborts on a duplicate method+pattern (a programming error).
  void Add(RouteSpec spec);

  struct Match {
    const RouteSpec* route = nullptr;  // null: no route
    std::map<std::string, std::string> params;
    bool path_known = false;  // some route has this path with another method (405)
  };
  Match Find(std::string_view method, std::string_view path) const;

  const std::vector<RouteSpec>& routes() const { return routes_; }
  // OpenAPI 3.0 document of every route; each operation carries "x-edgeloop-roles".
  nlohmann::json OpenApi(std::string_view version) const;

 private:
  std::vector<RouteSpec> routes_;
};

}  // namespace edgeloop::api
