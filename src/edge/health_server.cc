#include "edge/health_server.h"

#include <httplib.h>

#include <chrono>
#include <exception>
#include <nlohmann/json.hpp>
#include <thread>

namespace edgeloop::edge {

struct HealthServer::Impl {
  HealthServerOptions options;
  httplib::Server server;
  std::thread thread;
  int port = 0;
  bool started = false;
  bool used = false;  // httplib servers cannot be restarted after stop()
};

namespace {

constexpr const char* kAllowGet = "GET, HEAD";

void MethodNotAllowed(const httplib::Request&, httplib::Response& res) {
  res.status = 405;
  res.set_header("Allow", kAllowGet);
  res.set_content("method not allowed\n", "text/plain");
}

void NotFoundHandler(const httplib::Request&, httplib::Response& res) {
  res.status = 404;
  res.set_content("not found\n", "text/plain");
}

}  // namespace

std::string HealthReportJson(const HealthReport& report) {
  nlohmann::json body;
  body["status"] = report.healthy ? "ok" : "unhealthy";
  body["reasons"] = report.reasons;
  return body.dump();
}

HealthServer::HealthServer(HealthServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

HealthServer::~HealthServer() { Stop(); }

Status HealthServer::Start() {
  if (impl_->used) return FailedPrecondition("health server already started once");
  impl_->used = true;
  Impl& impl = *impl_;
  httplib::Server& server = impl.server;

  server.Get("/healthz", [&impl](const httplib::Request&, httplib::Response& res) {
    HealthReport report;
    if (impl.options.health) {
      try {
        report = impl.options.health();
      } catch (const std::exception& e) {
        report = {false, {std::string("health check threw: ") + e.what()}};
      } catch (...) {
        report = {false, {"health check threw"}};
      }
    }
    res.status = report.healthy ? 200 : 503;
    res.set_header("Cache-Control", "no-store");
    res.set_content(HealthReportJson(report), "application/json");
  });
  server.Get("/metrics", [&impl](const httplib::Request&, httplib::Response& res) {
    std::vector<MetricFamily> families;
    if (impl.options.metrics) {
      try {
        families = impl.options.metrics();
      } catch (const std::exception& e) {
        res.status = 500;
        res.set_content(std::string("metrics callback threw: ") + e.what() + "\n", "text/plain");
        return;
      }
    }
    res.status = 200;
    res.set_content(RenderPrometheusText(families), std::string(kPrometheusContentType));
  });
  // httplib answers unknown routes with 404 itself but a wrong method on a known path also
  // with 404; name the routes explicitly so clients see 405. Handlers match in order.
  const std::string known = "/(healthz|metrics)";
  server.Post(known, MethodNotAllowed);
  server.Put(known, MethodNotAllowed);
  server.Patch(known, MethodNotAllowed);
  server.Delete(known, MethodNotAllowed);
  server.Options(known, MethodNotAllowed);
  server.Get(".*", NotFoundHandler);
  server.Post(".*", NotFoundHandler);
  server.Put(".*", NotFoundHandler);
  server.Patch(".*", NotFoundHandler);
  server.Delete(".*", NotFoundHandler);

  // httplib's default sets SO_REUSEPORT, which lets a second daemon bind the same port and
  // silently take half the scrapes; SO_REUSEADDR alone still allows a quick restart.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<void*>(&yes), sizeof(yes));
  });
  const std::string address = impl.options.host + ":" + std::to_string(impl.options.port);
  if (impl.options.port < 0 || impl.options.port > 65535) {
    return InvalidArgument("health server: bad port in " + address);
  }
  if (impl.options.port == 0) {
    impl.port = server.bind_to_any_port(impl.options.host);
    if (impl.port <= 0) {
      impl.port = 0;
      return Unavailable("health server: cannot listen on " + address +
                         " (bad host or no free port)");
    }
  } else {
    if (!server.bind_to_port(impl.options.host, impl.options.port)) {
      return Unavailable("health server: cannot listen on " + address +
                         " (address in use, bad host or not permitted)");
    }
    impl.port = impl.options.port;
  }
  impl.started = true;
  impl.thread = std::thread([&server] { server.listen_after_bind(); });
  // httplib 0.11 ignores stop() until the accept loop runs; wait for it so that a quick Stop()
  // cannot leave the thread serving forever. The socket already listens, so clients connecting
  // meanwhile are queued, not refused.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server.is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!server.is_running()) {
    Stop();
    return Internal("health server on " + address + " did not start serving");
  }
  return Status::Ok();
}

void HealthServer::Stop() {
  if (!impl_->started) return;
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->started = false;
  impl_->port = 0;
}

int HealthServer::port() const { return impl_->started ? impl_->port : 0; }

}  // namespace edgeloop::edge
