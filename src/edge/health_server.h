// HealthServer: the node's liveness and metrics endpoint (GET /healthz, GET /metrics).
//
// A small cpp-httplib server on its own thread, for orchestrators (systemd, Kubernetes) and a
// Prometheus scraper. It knows nothing about the daemon: it asks two callbacks.
//   GET /healthz -> 200 {"status":"ok","reasons":[]} or 503 {"status":"unhealthy","reasons":[..]}
//   GET /metrics -> 200 text format 0.0.4 (common/prometheus_text.h)
//   other paths -> 404; other methods on the two routes -> 405 with an Allow header.
// The callbacks run on the server's threads, possibly concurrently with each other and with
// the daemon: they must be thread-safe. A callback that throws answers 500 (health: 503).
// Threads: Start/Stop/port from one owner thread; the destructor stops the server.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/prometheus_text.h"
#include "common/status.h"

namespace edgeloop::edge {

struct HealthReport {
  bool healthy = true;
  // Why the node is unhealthy, e.g. "no window scored for 42 s", "store: disk full".
  std::vector<std::string> reasons;
};

struct HealthServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port; port() tells which
  // Unset callbacks mean "always healthy" and "no metrics".
  std::function<HealthReport()> health;
  std::function<std::vector<MetricFamily>()> metrics;
};

class HealthServer {
 public:
  explicit HealthServer(HealthServerOptions options);
  ~HealthServer();
  HealthServer(const HealthServer&) = delete;
  HealthServer& operator=(const HealthServer&) = delete;

  // Binds and starts serving. A bind failure names the address, e.g. "cannot listen on
  // 127.0.0.1:8080 (address in use or not permitted)". Starting twice (even after Stop) is
  // FailedPrecondition.
  [[nodiscard]] Status Start();
  // Stops serving and joins the thread. Idempotent.
  void Stop();
  // The bound port once started (useful with port 0), else 0.
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// JSON body of /healthz for `report` (exposed for tests and for a CLI `status` command).
std::string HealthReportJson(const HealthReport& report);

}  // namespace edgeloop::edge
