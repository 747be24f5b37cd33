#include "api/http_server.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <exception>
#include <thread>

#include "api/auth.h"
#include "api/hub_metrics.h"
#include "common/log.h"

namespace edgeloop::api {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool RoleAllowed(const RouteSpec& route, store::Role role) {
  return std::find(route.roles.begin(), route.roles.end(), role) != route.roles.end();
}

}  // namespace

struct HubHttpServer::Impl {
  Impl(Router r, const HubContext& c, HttpServerOptions o)
      : router(std::move(r)),
        ctx(c),
        options(o),
        authenticator(*c.store, *c.clock, o.auth_cache_ttl) {}

  // The whole request pipeline; returns the answer and the route label for metrics.
  Response Dispatch(Request& req, std::string& route_label) {
    Router::Match m = router.Find(req.method, req.path);
    if (m.route == nullptr) {
      route_label = "unmatched";
      if (m.path_known) {
        return ErrorResponse(405, "method_not_allowed",
                             "method " + req.method + " not allowed on " + req.path);
      }
      return ErrorResponse(404, "not_found", "no route for " + req.method + " " + req.path);
    }
    const RouteSpec& route = *m.route;
    route_label = route.pattern;
    req.path_params = std::move(m.params);
    if (req.body.size() > route.max_body_bytes) {
      return ErrorResponse(413, "payload_too_large",
                           "body of " + std::to_string(req.body.size()) + " bytes exceeds " +
                               std::to_string(route.max_body_bytes));
    }
    if (!route.roles.empty()) {
      AuthResult auth = authenticator.Authenticate(req.Header("authorization"));
      if (!auth.ok()) {
        if (ctx.metrics) ctx.metrics->CountAuthFailure(AuthFailureName(auth.failure));
        if (auth.failure == AuthFailure::kUnavailable) {
          spdlog::warn("hub api: {}", auth.message);
          return ErrorResponse(503, "unavailable", "token lookup unavailable, retry later");
        }
        Response r = ErrorResponse(401, "unauthorized", auth.message);
        r.headers.emplace_back("WWW-Authenticate", "Bearer");
        return r;
      }
      if (!RoleAllowed(route, auth.principal.role)) {
        if (ctx.metrics) ctx.metrics->CountAuthFailure("forbidden");
        return ErrorResponse(403, "forbidden",
                             "role " + std::string(store::RoleName(auth.principal.role)) +
                                 " may not " + route.method + " " + route.pattern);
      }
      if (auth.principal.role == store::Role::kNode && !route.node_param.empty() &&
          req.path_params[route.node_param] != auth.principal.node) {
        if (ctx.metrics) ctx.metrics->CountAuthFailure("node_mismatch");
        return ErrorResponse(
            403, "forbidden",
            "node token of " + auth.principal.node + " may only access its own node");
      }
      req.principal = std::move(auth.principal);
    }
    try {
      return route.handler(req);
    } catch (const std::exception& e) {
      spdlog::warn("hub api: {} {} threw: {}", req.method, route.pattern, e.what());
    } catch (...) {
      spdlog::warn("hub api: {} {} threw a non-standard exception", req.method, route.pattern);
    }
    return ErrorResponse(500, "internal", "internal error (see the hub log)");
  }

  void Serve(const httplib::Request& hreq, httplib::Response& hres) {
    const auto start = std::chrono::steady_clock::now();
    Request req;
    req.method = hreq.method;
    // The raw target, not httplib's decoded path: a %2F inside an id must stay inside its
    // segment; the router decodes each segment itself.
    const std::string& target = hreq.target.empty() ? hreq.path : hreq.target;
    req.path = target.substr(0, target.find('?'));
    for (const auto& [k, v] : hreq.params) req.query.emplace(k, v);
    for (const auto& [k, v] : hreq.headers) req.headers.emplace(Lower(k), v);
    req.body = hreq.body;
    std::string route_label;
    Response res = Dispatch(req, route_label);
    hres.status = res.status;
    for (const auto& [k, v] : res.headers) hres.set_header(k, v);
    if (res.status != 304 && res.status != 204) hres.set_content(res.body, res.content_type);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (ctx.metrics) ctx.metrics->CountRequest(req.method, route_label, res.status, seconds);
    if (res.status >= 500) {
      spdlog::warn("hub api: {} {} -> {}", req.method, req.path, res.status);
    }
  }

  Router router;
  const HubContext& ctx;
  const HttpServerOptions options;
  Authenticator authenticator;
  httplib::Server server;
  std::thread thread;
  std::atomic<int> port{0};
  std::atomic<bool> stopped{false};
};

HubHttpServer::HubHttpServer(Router router, const HubContext& ctx, HttpServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(router), ctx, options)) {}

HubHttpServer::~HubHttpServer() { Stop(); }

Status HubHttpServer::Listen(const std::string& host, int port) {
  Impl& s = *impl_;
  size_t max_body = 1;
  for (const RouteSpec& r : s.router.routes()) max_body = std::max(max_body, r.max_body_bytes);
  // httplib refuses larger bodies itself (413) before reading them; the per-route limit is
  // checked in Dispatch.
  s.server.set_payload_max_length(max_body);
  const int threads = std::max(1, s.options.threads);
  s.server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.server.set_keep_alive_timeout(s.options.keep_alive_timeout.count());
  s.server.set_read_timeout(s.options.read_timeout.count(), 0);
  s.server.set_write_timeout(s.options.write_timeout.count(), 0);
  // httplib writes headers and body separately; with Nagle on, every answer with a body waited
  // ~40 ms for the client's delayed ACK (measured by bench/hub_api_bench: /healthz 42.6 ms).
  s.server.set_tcp_nodelay(true);
  // httplib's default also sets SO_REUSEPORT, which lets a second hub bind the same port and
  // silently take half the traffic. SO_REUSEADDR alone allows a quick restart and nothing more.
  s.server.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const void*>(&yes), sizeof(yes));
  });
  auto handler = [&s](const httplib::Request& req, httplib::Response& res) { s.Serve(req, res); };
  s.server.Get(".*", handler);
  s.server.Post(".*", handler);
  s.server.Put(".*", handler);
  s.server.Patch(".*", handler);
  s.server.Delete(".*", handler);
  s.server.Options(".*", handler);
  // httplib's own answers (400 for an unparseable request line, 413 above the global limit)
  // get our JSON error shape too.
  s.server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string code = res.status == 413   ? "payload_too_large"
                       : res.status == 404 ? "not_found"
                                           : "bad_request";
    std::string message = res.status == 413   ? "body too large"
                          : res.status == 404 ? "not found"
                                              : "malformed HTTP request";
    Response r = ErrorResponse(res.status, code, message);
    res.set_content(r.body, r.content_type);
  });
  s.server.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
        spdlog::warn("hub api: {} {}: exception outside a handler", req.method, req.path);
        Response r = ErrorResponse(500, "internal", "internal error (see the hub log)");
        res.status = 500;
        res.set_content(r.body, r.content_type);
      });
  int bound =
      port == 0 ? s.server.bind_to_any_port(host) : (s.server.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    return Unavailable("cannot listen on " + host + ":" + std::to_string(port));
  }
  s.port = bound;
  s.thread = std::thread([&s] { s.server.listen_after_bind(); });
  while (!s.server.is_running() && !s.stopped) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return Status::Ok();
}

int HubHttpServer::port() const { return impl_->port; }

void HubHttpServer::Stop() {
  if (impl_->stopped.exchange(true)) return;
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace edgeloop::api
