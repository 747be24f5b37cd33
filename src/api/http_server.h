// HubHttpServer: serves a Router over HTTP/1.1 (cpp-httplib, kept out of this header).
//
// One dispatch for every method and path: Router::Find (404 / 405 as JSON errors), a body
// larger than the route's max_body_bytes -> 413, then, for routes with roles, bearer
// authentication (401 with `WWW-Authenticate: Bearer`), the role check (403) and the node
// check (a node token may only use its own node id in route.node_param, else 403). Any
// exception escaping a handler becomes a 500 JSON error (and a warn log line), so a bug in one
// route never takes the process down. Every request is counted in HubMetrics.
//
// Ownership: owns the Router and an Authenticator; borrows the HubContext (store, clock,
// metrics), which must outlive the server. Threads: Listen/Stop from one controlling thread;
// handlers run on the worker pool (`threads`, default 64: each keep-alive client holds a
// worker while its connection is open, so the pool must exceed the number of concurrent
// clients one wants to serve without queuing; 100+ nodes polling with short requests share
// 64 workers because idle keep-alive connections time out after keep_alive_timeout).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "api/hub_context.h"
#include "api/route.h"
#include "common/status.h"

namespace edgeloop::api {

struct HttpServerOptions {
  int threads = 64;
  std::chrono::seconds keep_alive_timeout{5};
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds write_timeout{30};
  std::chrono::milliseconds auth_cache_ttl{2000};  // see auth.h; capped at 2 s
};

class HubHttpServer {
 public:
  HubHttpServer(Router router, const HubContext& ctx, HttpServerOptions options = {});
  ~HubHttpServer();  // Stop()
  HubHttpServer(const HubHttpServer&) = delete;
  HubHttpServer& operator=(const HubHttpServer&) = delete;

  // Binds host:port (0 = a free port) and serves on a background thread; returns once bound
  // and accepting. kUnavailable if the address cannot be bound. Call once.
  Status Listen(const std::string& host, int port);
  int port() const;  // the bound port, 0 before Listen
  // Stops accepting, finishes in-flight requests, joins the thread. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgeloop::api
