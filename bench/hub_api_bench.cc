// Hub API latency under a fleet: N simulated nodes (default 100; one thread and one keep-alive
// client each) loop for S seconds (default 15) over {POST /v1/ingest of one small batch (a
// heartbeat + 10 feature windows), GET /v1/nodes/{id}/desired with If-None-Match} with a 100 ms
// think time, while 2 "people" threads (a viewer token) read GET /v1/alerts and GET
// /v1/assets/{id}/features and 2 probe threads call GET /healthz every 20 ms.
//
// Reported per route: p50/p99 latency (client side, request sent to answer read) and requests/s,
// against the reference measured in the same run under the same load: GET /healthz, which
// touches no database, so its latency is what the HTTP server, scheduling and the client cost;
// route p50 / healthz p50 (and p99 / p99) is what the route's own work adds under load. The
// absolute numbers are printed alongside. Afterwards the store must hold exactly the windows
// the nodes saw acknowledged.
//
// Worker pool: cpp-httplib pins one worker thread per open connection (keep-alive), so the hub
// runs with threads = 128 here (HubConfig.threads), above the 104 concurrent clients; with
// fewer workers than clients, the surplus connections wait in the accept queue until a busy
// connection closes (`threads` argument to see it).
//
// Errors (transport failures, 5xx, any status a route should not answer here) are counted and
// printed; any error makes the exit code 1. Every wait has a deadline (client timeouts).
// Usage: edgeloop_hub_api_bench [seconds=15] [nodes=100] [threads=128] [engine=sqlite|postgres]
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "hub/hub.h"
#include "hub_bench_util.h"
#include "store/postgres_test_server.h"

namespace edgeloop::bench {
namespace {

using Steady = std::chrono::steady_clock;
constexpr auto kNodeThink = std::chrono::milliseconds(100);
constexpr auto kPersonThink = std::chrono::milliseconds(200);
constexpr auto kProbeEvery = std::chrono::milliseconds(20);
constexpr int kPeople = 2, kProbes = 2, kWindowsPerBatch = 10, kAssetsPerNode = 2;
constexpr const char* kTenant = "bench";
constexpr const char* kSite = "bench-site";

enum Route { kIngest, kDesired, kAlerts, kFeatures, kHealthz, kRouteCount };
constexpr std::array<const char*, kRouteCount> kRouteNames = {
    "POST /v1/ingest (heartbeat + 10 windows)", "GET /v1/nodes/{id}/desired (If-None-Match)",
    "GET /v1/alerts?limit=50", "GET /v1/assets/{id}/features (3 series)",
    "GET /healthz (reference)"};

struct RouteStats {
  std::vector<double> ms;
  int64_t transport = 0, server = 0, unexpected = 0;
  std::string first_error;
  void Error(int64_t& counter, std::string what) {
    ++counter;
    if (first_error.empty()) first_error = std::move(what);
  }
};
using Stats = std::array<RouteStats, kRouteCount>;

httplib::Headers Bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

// Sends one request through `call`, records its latency and classifies the answer. Returns the
// result when the status is one of `expected`, else nullptr-like (an empty Result).
template <typename Call>
httplib::Result Timed(RouteStats& s, std::initializer_list<int> expected, Call&& call) {
  const auto t0 = Steady::now();
  httplib::Result r = call();
  s.ms.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
  if (!r) {
    s.Error(s.transport, "transport error " + httplib::to_string(r.error()));
    return r;
  }
  for (int e : expected) {
    if (r->status == e) return r;
  }
  s.Error(r->status >= 500 ? s.server : s.unexpected,
          "HTTP " + std::to_string(r->status) + " " + r->body.substr(0, 200));
  return httplib::Result(nullptr, httplib::Error::Unknown);
}

std::unique_ptr<httplib::Client> NewClient(int port) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
  c->set_keep_alive(true);
  // Like the real node clients (uplink, desired-state poller): no Nagle, or every POST (headers
  // and body in two sends) waits ~40 ms for the hub's delayed ACK (see bench/README.md).
  c->set_tcp_nodelay(true);
  c->set_connection_timeout(5, 0);
  c->set_read_timeout(10, 0);
  c->set_write_timeout(10, 0);
  return c;
}

// Sleeps until `until` unless `stop` is set first (checked every 10 ms).
void SleepUntil(Steady::time_point until, const std::atomic<bool>& stop) {
  while (!stop.load() && Steady::now() < until) {
    std::this_thread::sleep_for(
        std::min<Steady::duration>(until - Steady::now(), std::chrono::milliseconds(10)));
  }
}

struct Node {
  std::string id, token;
  int64_t windows_acked = 0;
};

void NodeLoop(Node& node, int port, int index, const Clock& clock, const std::atomic<bool>& stop,
              Stats& stats) {
  auto client = NewClient(port);
  std::mt19937_64 rng(1000 + index);
  // Spread the nodes over the think period instead of starting them in lockstep.
  SleepUntil(Steady::now() + std::chrono::milliseconds(rng() % 100), stop);
  const httplib::Headers ingest_headers = {{"Authorization", "Bearer " + node.token},
                                           {"X-Edgeloop-Node", node.id},
                                           {"X-Edgeloop-Protocol", "1"}};
  const std::string desired_path = "/v1/nodes/" + node.id + "/desired";
  std::string etag;
  const auto started = Steady::now();
  for (int64_t seq = 1; !stop.load(); ++seq) {
    const Timestamp now = clock.Now();
    nlohmann::json records = nlohmann::json::array();
    records.push_back(
        HeartbeatRecord(now, std::chrono::duration<double>(Steady::now() - started).count()));
    for (int i = 0; i < kWindowsPerBatch; ++i) {
      const std::string asset = node.id + "-pump-" + std::to_string(i % kAssetsPerNode);
      records.push_back(WindowRecord(asset, now - std::chrono::seconds(kWindowsPerBatch - i), rng));
    }
    if (seq == 1) {  // one alert per node, so the people's alert list has rows to page
      records.push_back(AlertOpenedRecord(1, node.id + "-pump-0", now, rng));
    }
    const std::string body = IngestBody(node.id, seq, BatchPayload(node.id, now, records));
    httplib::Result r = Timed(stats[kIngest], {200}, [&] {
      return client->Post("/v1/ingest", ingest_headers, body, "application/json");
    });
    if (r) {
      const std::vector<int64_t> acked = AckedSeqs(r->body);
      if (std::find(acked.begin(), acked.end(), seq) != acked.end()) {
        node.windows_acked += kWindowsPerBatch;
      } else {
        stats[kIngest].Error(stats[kIngest].unexpected, "seq not acknowledged: " + r->body);
      }
    }
    httplib::Headers h = Bearer(node.token);
    if (!etag.empty()) h.emplace("If-None-Match", etag);
    r = Timed(stats[kDesired], {200, 304}, [&] { return client->Get(desired_path, h); });
    if (r && r->status == 200) etag = r->get_header_value("ETag");
    SleepUntil(Steady::now() + kNodeThink, stop);
  }
}

void PersonLoop(const std::string& token, int port, int index, int nodes,
                const std::atomic<bool>& stop, Stats& stats) {
  auto client = NewClient(port);
  std::mt19937_64 rng(5000 + index);
  const httplib::Headers h = Bearer(token);
  while (!stop.load()) {
    Timed(stats[kAlerts], {200}, [&] { return client->Get("/v1/alerts?limit=50", h); });
    const std::string asset = "bench-gw-" + std::to_string(rng() % nodes) + "-pump-0";
    const std::string path =
        "/v1/assets/" + asset + "/features?names=rms_g,kurtosis,temperature_c&points=200";
    Timed(stats[kFeatures], {200}, [&] { return client->Get(path, h); });
    SleepUntil(Steady::now() + kPersonThink, stop);
  }
}

void ProbeLoop(int port, const std::atomic<bool>& stop, Stats& stats) {
  auto client = NewClient(port);
  while (!stop.load()) {
    Timed(stats[kHealthz], {200}, [&] { return client->Get("/healthz"); });
    SleepUntil(Steady::now() + kProbeEvery, stop);
  }
}

int Run(int seconds, int n_nodes, int threads, const std::string& engine) {
  spdlog::set_level(spdlog::level::warn);
  TempDir dir;
  std::unique_ptr<store::testing::PostgresTestServer> pg;
  hub::HubConfig config;
  config.listen_port = 0;
  config.threads = threads;
  config.tenant = kTenant;
  config.admin_token_file = "";
  if (engine == "postgres") {
    auto server = store::testing::PostgresTestServer::Start();
    if (!server.ok()) return std::fprintf(stderr, "%s\n", server.status().ToString().c_str()), 1;
    pg = std::move(*server);
    pg->StopWhenProcessDies();
    auto url = pg->CreateDatabase();
    if (!url.ok()) return std::fprintf(stderr, "%s\n", url.status().ToString().c_str()), 1;
    config.db_url = *url;
  } else {
    if (!dir.ok()) return std::fprintf(stderr, "cannot create a temp folder\n"), 1;
    config.db_url = "sqlite:" + dir.path() + "/hub.db";
  }
  SystemClock clock;
  auto hub = hub::Hub::Start(config, clock);
  if (!hub.ok()) return std::fprintf(stderr, "%s\n", hub.status().ToString().c_str()), 1;
  store::HubStore& st = (*hub)->store();
  const store::TimeMs now = ToNanos(clock.Now()) / 1000000;
  std::vector<Node> nodes(n_nodes);
  std::string viewer = api::NewTokenSecret();
  Status setup = [&]() -> Status {
    EL_ASSIGN_OR_RETURN(const store::Tenant tenant, st.FindTenant(kTenant));
    EL_RETURN_IF_ERROR(st.UpsertSite({.tenant = tenant.id, .id = kSite, .name = "bench plant"}));
    EL_RETURN_IF_ERROR(st.CreateToken({.tenant = tenant.id,
                                       .name = "bench viewer",
                                       .role = store::Role::kViewer,
                                       .hash = api::HashTokenSecret(viewer),
                                       .created = now})
                           .status());
    for (int i = 0; i < n_nodes; ++i) {
      nodes[i].id = "bench-gw-" + std::to_string(i);
      EL_ASSIGN_OR_RETURN(nodes[i].token, EnrollNode(st, tenant.id, nodes[i].id, kSite, now));
      for (int a = 0; a < kAssetsPerNode; ++a) {  // so the people never ask for a missing asset
        EL_RETURN_IF_ERROR(st.UpsertAsset({.tenant = tenant.id,
                                           .id = nodes[i].id + "-pump-" + std::to_string(a),
                                           .site = kSite,
                                           .created = now}));
      }
    }
    return Status::Ok();
  }();
  if (!setup.ok()) return std::fprintf(stderr, "setup: %s\n", setup.ToString().c_str()), 1;

  std::printf(
      "hub API under load: %s store, %d nodes (ingest + desired, %lld ms think), %d people, %d "
      "healthz probes, %d HTTP workers, %d s\n",
      std::string(st.Engine()).c_str(), n_nodes, static_cast<long long>(kNodeThink.count()),
      kPeople, kProbes, threads, seconds);
  std::fflush(stdout);
  const int port = (*hub)->port();
  std::atomic<bool> stop{false};
  std::vector<Stats> stats(n_nodes + kPeople + kProbes);
  std::vector<std::thread> workers;
  const auto t0 = Steady::now();
  for (int i = 0; i < n_nodes; ++i) {
    workers.emplace_back([&, i] { NodeLoop(nodes[i], port, i, clock, stop, stats[i]); });
  }
  for (int i = 0; i < kPeople; ++i) {
    workers.emplace_back(
        [&, i] { PersonLoop(viewer, port, i, n_nodes, stop, stats[n_nodes + i]); });
  }
  for (int i = 0; i < kProbes; ++i) {
    workers.emplace_back([&, i] { ProbeLoop(port, stop, stats[n_nodes + kPeople + i]); });
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop.store(true);
  for (std::thread& t : workers) t.join();  // bounded: client timeouts of 10 s
  const double wall = std::chrono::duration<double>(Steady::now() - t0).count();

  Stats all;
  for (Stats& s : stats) {
    for (int r = 0; r < kRouteCount; ++r) {
      all[r].ms.insert(all[r].ms.end(), s[r].ms.begin(), s[r].ms.end());
      all[r].transport += s[r].transport;
      all[r].server += s[r].server;
      all[r].unexpected += s[r].unexpected;
      if (all[r].first_error.empty()) all[r].first_error = s[r].first_error;
    }
  }
  const double ref50 = Percentile(all[kHealthz].ms, 0.5),
               ref99 = Percentile(all[kHealthz].ms, 0.99);
  size_t total = 0;
  int64_t errors = 0;
  for (int r = 0; r < kRouteCount; ++r) {
    RouteStats& s = all[r];
    const double p50 = Percentile(s.ms, 0.5), p99 = Percentile(s.ms, 0.99);
    total += s.ms.size();
    errors += s.transport + s.server + s.unexpected;
    std::printf(
        "  %-44s %6zu req %7.1f/s | p50 %7.2f ms p99 %7.2f ms | vs healthz: p50 x%.1f p99 x%.1f"
        " | errors: %lld transport, %lld 5xx, %lld other%s%s\n",
        kRouteNames[r], s.ms.size(), s.ms.size() / wall, p50, p99, ref50 > 0 ? p50 / ref50 : 0,
        ref99 > 0 ? p99 / ref99 : 0, static_cast<long long>(s.transport),
        static_cast<long long>(s.server), static_cast<long long>(s.unexpected),
        s.first_error.empty() ? "" : " | first: ", s.first_error.c_str());
  }
  // Correctness under load: exactly the acknowledged windows are stored.
  int64_t acked = 0;
  for (const Node& n : nodes) acked += n.windows_acked;
  Result<store::Tenant> tenant = st.FindTenant(kTenant);
  Result<int64_t> stored = tenant.ok() ? st.CountWindows(tenant->id, "") : tenant.status();
  const bool counts_ok = stored.ok() && *stored == acked;
  std::printf("  windows acknowledged %lld, stored %s%s\n", static_cast<long long>(acked),
              stored.ok() ? std::to_string(*stored).c_str() : stored.status().ToString().c_str(),
              counts_ok ? "" : " MISMATCH");
  (*hub)->Stop();
  std::printf(
      "RESULT %s: %.0f requests/s from %d nodes + %d people | ingest p50 %.2f ms (x%.1f healthz) "
      "p99 %.2f ms (x%.1f) | desired p50 %.2f ms (x%.1f) p99 %.2f ms (x%.1f) | healthz p50 %.2f "
      "ms p99 %.2f ms | %lld errors\n",
      std::string(st.Engine()).c_str(), total / wall, n_nodes, kPeople,
      Percentile(all[kIngest].ms, 0.5), Percentile(all[kIngest].ms, 0.5) / ref50,
      Percentile(all[kIngest].ms, 0.99), Percentile(all[kIngest].ms, 0.99) / ref99,
      Percentile(all[kDesired].ms, 0.5), Percentile(all[kDesired].ms, 0.5) / ref50,
      Percentile(all[kDesired].ms, 0.99), Percentile(all[kDesired].ms, 0.99) / ref99, ref50, ref99,
      static_cast<long long>(errors));
  if (pg) {
    if (Status s = pg->Stop(); !s.ok()) std::fprintf(stderr, "%s\n", s.ToString().c_str());
  }
  return errors == 0 && counts_ok ? 0 : 1;
}

}  // namespace
}  // namespace edgeloop::bench

int main(int argc, char** argv) {
  const int seconds = argc > 1 ? std::atoi(argv[1]) : 15;
  const int nodes = argc > 2 ? std::atoi(argv[2]) : 100;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 128;
  const std::string engine = argc > 4 ? argv[4] : "sqlite";
  if (seconds <= 0 || seconds > 600 || nodes <= 0 || nodes > 1000 || threads <= 0 ||
      (engine != "sqlite" && engine != "postgres")) {
    std::fprintf(
        stderr, "usage: %s [seconds 1..600] [nodes 1..1000] [threads>0] [engine sqlite|postgres]\n",
        argv[0]);
    return 2;
  }
  return edgeloop::bench::Run(seconds, nodes, threads, engine);
}
