// Hub ingest throughput: feature windows per second that the hub stores when K nodes POST
// /v1/ingest over HTTP at full speed (keep-alive, one client thread per node, one batch of W
// windows per request, as a node with a backlog sends them), against the reference measured in
// the same run on the same database engine: the same rows inserted into a fresh database of the
// same schema with one multi-row INSERT INTO windows per batch, one transaction per batch,
// through the same SqlPool driver, by K threads and by 1 thread (the faster is the reference). The
// ratio ours / reference is what HTTP, auth, JSON + base64 decoding, dedupe bookkeeping (batch row,
// node counters, asset upserts) cost on top of the bare inserts (goal >= 0.5).
//
// Per engine (SQLite file in a temp folder; a real PostgreSQL from PostgresTestServer), 5
// repetitions, each on fresh databases for both sides, alternating which side goes first;
// medians are printed. Each hub run is checked: the store holds exactly the windows sent, and a
// batch resent once per node is acknowledged without being stored twice.
//
// Not a Google Benchmark: a multi-threaded client/server run. Every wait has a deadline (HTTP
// timeouts, a run deadline). Exit code 1 if any run fails (not when the goal is missed).
// Usage: edgeloop_hub_ingest_bench [batches_per_node=16] [windows_per_batch=256] [nodes=4]
//                                  [engines=sqlite,postgres]
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "fleet/batch_decoder.h"
#include "hub/hub.h"
#include "hub_bench_util.h"
#include "store/postgres_test_server.h"
#include "store/sql_db.h"

namespace edgeloop::bench {
namespace {

using Steady = std::chrono::steady_clock;
constexpr auto kRunDeadline = std::chrono::seconds(60);
constexpr int kRepetitions = 5;
constexpr int kAssetsPerNode = 8;
constexpr const char* kTenant = "bench";
constexpr const char* kSite = "bench-site";

struct Params {
  int batches = 16, windows = 256, nodes = 4;
};

// What every node sends, encoded once: the request bodies and the decoded windows of each
// batch (what the hub will store, for the reference to insert).
struct Workload {
  std::vector<std::string> node_ids;
  std::vector<std::vector<std::string>> bodies;                        // [node][batch]
  std::vector<std::vector<std::vector<store::HubWindowRecord>>> rows;  // [node][batch]
  int64_t total_rows = 0;
  size_t body_bytes = 0;
};

Result<Workload> BuildWorkload(const Params& p) {
  Workload w;
  std::mt19937_64 rng(7);
  const Timestamp t0 = FromNanos(1767592800'000'000'000);
  for (int n = 0; n < p.nodes; ++n) {
    const std::string node = "bench-gw-" + std::to_string(n);
    w.node_ids.push_back(node);
    w.bodies.emplace_back();
    w.rows.emplace_back();
    for (int b = 0; b < p.batches; ++b) {
      nlohmann::json records = nlohmann::json::array();
      for (int i = 0; i < p.windows; ++i) {
        const int64_t k = static_cast<int64_t>(b) * p.windows + i;
        const std::string asset = node + "-pump-" + std::to_string(k % kAssetsPerNode);
        records.push_back(WindowRecord(asset, t0 + std::chrono::seconds(k / kAssetsPerNode), rng));
      }
      const std::string payload =
          BatchPayload(node, t0 + std::chrono::seconds(b), std::move(records));
      store::DecodedBatch decoded;
      EL_RETURN_IF_ERROR(fleet::DecodeBatchPayload(payload, node, {}, decoded));
      w.total_rows += static_cast<int64_t>(decoded.windows.size());
      w.rows.back().push_back(std::move(decoded.windows));
      w.bodies.back().push_back(IngestBody(node, b + 1, payload));
      w.body_bytes += w.bodies.back().back().size();
    }
  }
  return w;
}

// Runs fn(i) on `n` threads released together; returns the seconds from the release to the
// last thread's end, or an error naming the first failure.
Result<double> RunTimed(int n, const std::function<Status(int)>& fn) {
  std::atomic<bool> go{false};
  std::vector<Status> results(n, Status::Ok());
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      results[i] = fn(i);
    });
  }
  const auto t0 = Steady::now();
  go.store(true);
  for (std::thread& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Steady::now() - t0).count();
  for (const Status& s : results) EL_RETURN_IF_ERROR(s);
  return seconds;
}

// One POST /v1/ingest; checks the answer acknowledges `seq`.
Status PostBatch(httplib::Client& client, const std::string& node, const std::string& token,
                 const std::string& body, int64_t seq) {
  const httplib::Headers headers = {{"Authorization", "Bearer " + token},
                                    {"X-Edgeloop-Node", node},
                                    {"X-Edgeloop-Protocol", "1"}};
  httplib::Result r = client.Post("/v1/ingest", headers, body, "application/json");
  if (!r)
    return Unavailable(node + " seq " + std::to_string(seq) + ": transport error " +
                       httplib::to_string(r.error()));
  if (r->status != 200) {
    return Internal(node + " seq " + std::to_string(seq) + ": HTTP " + std::to_string(r->status) +
                    " " + r->body.substr(0, 300));
  }
  const std::vector<int64_t> acked = AckedSeqs(r->body);
  if (std::find(acked.begin(), acked.end(), seq) == acked.end()) {
    return Internal(node + " seq " + std::to_string(seq) + " not acknowledged: " + r->body);
  }
  return Status::Ok();
}

// Ours: a Hub over `db_url`, K nodes enrolled through its store, K client threads. Returns
// rows/s; afterwards checks the stored count and that a resent batch is not stored twice.
Result<double> RunHub(const std::string& db_url, const Workload& w, const Params& p,
                      const SystemClock& clock) {
  hub::HubConfig config;
  config.listen_port = 0;
  config.db_url = db_url;
  config.tenant = kTenant;
  config.admin_token_file = "";  // nothing to keep: the bench uses node tokens only
  EL_ASSIGN_OR_RETURN(std::unique_ptr<hub::Hub> hub, hub::Hub::Start(config, clock));
  store::HubStore& st = hub->store();
  EL_ASSIGN_OR_RETURN(const store::Tenant tenant, st.FindTenant(kTenant));
  const store::TimeMs now = ToNanos(clock.Now()) / 1000000;
  EL_RETURN_IF_ERROR(st.UpsertSite({.tenant = tenant.id, .id = kSite, .name = "bench plant"}));
  std::vector<std::string> tokens;
  for (const std::string& node : w.node_ids) {
    EL_ASSIGN_OR_RETURN(std::string token, EnrollNode(st, tenant.id, node, kSite, now));
    tokens.push_back(std::move(token));
  }
  std::vector<std::unique_ptr<httplib::Client>> clients;
  for (int n = 0; n < p.nodes; ++n) {
    clients.push_back(std::make_unique<httplib::Client>("127.0.0.1", hub->port()));
    clients.back()->set_keep_alive(true);
    // Like the real uplink: no Nagle (see bench/README.md).
    clients.back()->set_tcp_nodelay(true);
    clients.back()->set_connection_timeout(5, 0);
    clients.back()->set_read_timeout(30, 0);
    clients.back()->set_write_timeout(30, 0);
  }
  const auto deadline = Steady::now() + kRunDeadline;
  EL_ASSIGN_OR_RETURN(const double seconds, RunTimed(p.nodes, [&](int n) -> Status {
                        for (int b = 0; b < p.batches; ++b) {
                          if (Steady::now() > deadline) return Unavailable("run deadline passed");
                          EL_RETURN_IF_ERROR(PostBatch(*clients[n], w.node_ids[n], tokens[n],
                                                       w.bodies[n][b], b + 1));
                        }
                        return Status::Ok();
                      }));
  // Correctness: every window exactly once, then a duplicate of each node's first batch is
  // acknowledged but changes nothing.
  EL_ASSIGN_OR_RETURN(int64_t stored, st.CountWindows(tenant.id, ""));
  if (stored != w.total_rows) {
    return Internal("hub holds " + std::to_string(stored) + " windows, sent " +
                    std::to_string(w.total_rows));
  }
  for (int n = 0; n < p.nodes; ++n) {
    EL_RETURN_IF_ERROR(PostBatch(*clients[n], w.node_ids[n], tokens[n], w.bodies[n][0], 1));
    EL_ASSIGN_OR_RETURN(store::NodeRecord node, st.GetNode(tenant.id, w.node_ids[n]));
    if (node.batches != p.batches || node.duplicates != 1) {
      return Internal(w.node_ids[n] + ": hub counts " + std::to_string(node.batches) +
                      " batches and " + std::to_string(node.duplicates) +
                      " duplicates after one resend (want " + std::to_string(p.batches) +
                      " and 1)");
    }
  }
  EL_ASSIGN_OR_RETURN(stored, st.CountWindows(tenant.id, ""));
  if (stored != w.total_rows) {
    return Internal("after resending, hub holds " + std::to_string(stored) + " windows, sent " +
                    std::to_string(w.total_rows));
  }
  hub->Stop();
  return static_cast<double>(w.total_rows) / seconds;
}

// "INSERT INTO windows (...) VALUES (...), (...)" for `rows` rows of 11 parameters each.
std::string WindowsInsertSql(int rows) {
  std::string sql =
      "INSERT INTO windows (tenant, node, batch_seq, asset, start_ms, end_ms, status, detector, "
      "score, top_feature, features) VALUES ";
  int param = 1;
  for (int r = 0; r < rows; ++r) {
    sql += r == 0 ? "(" : ", (";
    for (int c = 0; c < 11; ++c) {
      sql += (c == 0 ? "$" : ", $") + std::to_string(param++);
    }
    sql += ")";
  }
  return sql;
}

// Reference: the hub's schema created on a fresh database (OpenHubStore migrates it), then
// `threads` threads, one pooled connection each, one transaction with one multi-row INSERT per
// batch; thread t inserts the batches of nodes t, t + threads, ... (round robin over them).
Result<double> RunReference(const std::string& db_url, const Workload& w, const Params& p,
                            int threads) {
  EL_RETURN_IF_ERROR(store::OpenHubStore(db_url, 1).status());
  EL_ASSIGN_OR_RETURN(std::unique_ptr<store::SqlPool> pool, store::OpenSqlPool(db_url, threads));
  // Parameters are bound before timing: a raw inserter has its values at hand.
  std::vector<std::vector<std::vector<store::SqlValue>>> params(p.nodes);
  for (int n = 0; n < p.nodes; ++n) {
    for (int b = 0; b < p.batches; ++b) {
      std::vector<store::SqlValue>& v = params[n].emplace_back();
      for (const store::HubWindowRecord& r : w.rows[n][b]) {
        v.emplace_back(int64_t{1});
        v.emplace_back(w.node_ids[n]);
        v.emplace_back(int64_t{b + 1});
        v.emplace_back(r.asset);
        v.emplace_back(r.start);
        v.emplace_back(r.end);
        v.emplace_back(r.status);
        v.emplace_back(r.detector);
        v.emplace_back(r.score ? store::SqlValue(*r.score) : store::SqlValue());
        v.emplace_back(r.top_feature);
        v.emplace_back(r.features_json);
      }
    }
  }
  const std::string sql = WindowsInsertSql(p.windows);
  std::vector<std::unique_ptr<store::SqlConn>> conns;
  for (int t = 0; t < threads; ++t) {
    EL_ASSIGN_OR_RETURN(std::unique_ptr<store::SqlConn> c, pool->Acquire());
    conns.push_back(std::move(c));
  }
  const auto deadline = Steady::now() + kRunDeadline;
  EL_ASSIGN_OR_RETURN(const double seconds, RunTimed(threads, [&](int t) -> Status {
                        for (int b = 0; b < p.batches; ++b) {
                          for (int n = t; n < p.nodes; n += threads) {
                            if (Steady::now() > deadline) {
                              return Unavailable("run deadline passed");
                            }
                            EL_RETURN_IF_ERROR(conns[t]->Transaction([&](store::SqlConn& c) {
                              return c.Exec(sql, params[n][b]).status();
                            }));
                          }
                        }
                        return Status::Ok();
                      }));
  EL_ASSIGN_OR_RETURN(store::SqlResult count, conns[0]->Exec("SELECT COUNT(*) FROM windows"));
  if (count.rows.empty() || count.rows[0].Int(0) != w.total_rows) {
    return Internal("reference table holds " +
                    std::to_string(count.rows.empty() ? -1 : count.rows[0].Int(0)) +
                    " windows, inserted " + std::to_string(w.total_rows));
  }
  return static_cast<double>(w.total_rows) / seconds;
}

// 5 repetitions of the hub and of the reference with K threads and with 1 thread, each on a
// fresh `fresh_url()` database; prints the result line. False if a run failed.
//
// Why also 1 thread: SQLite has one writer, and K raw inserters queue on its lock through the
// busy handler, which sleeps in steps of up to 100 ms, so K threads can be slower than one.
// The ratio is taken against the faster of the two medians: the best the raw path does.
bool BenchEngine(const std::string& engine, const std::function<Result<std::string>()>& fresh_url,
                 const Workload& w, const Params& p, const SystemClock& clock) {
  std::vector<double> ours, ref_k, ref_1;
  for (int rep = 0; rep < kRepetitions; ++rep) {
    std::array<Result<std::string>, 3> urls = {fresh_url(), fresh_url(), fresh_url()};
    for (const auto& u : urls) {
      if (!u.ok()) {
        std::fprintf(stderr, "%s: cannot create a database: %s\n", engine.c_str(),
                     u.status().ToString().c_str());
        return false;
      }
    }
    // Rotate the order, so no side always meets a warmer (or fuller) page cache.
    std::array<Result<double>, 3> r = {0.0, 0.0, 0.0};
    for (int i = 0; i < 3; ++i) {
      const int side = (rep + i) % 3;
      if (side == 0) r[0] = RunHub(*urls[0], w, p, clock);
      if (side == 1) r[1] = RunReference(*urls[1], w, p, p.nodes);
      if (side == 2) r[2] = RunReference(*urls[2], w, p, 1);
    }
    for (const auto& x : r) {
      if (!x.ok()) {
        std::fprintf(stderr, "%s run %d FAILED: %s\n", engine.c_str(), rep + 1,
                     x.status().ToString().c_str());
        return false;
      }
    }
    std::printf(
        "  %s run %d: hub %.0f rows/s | raw inserts %d threads %.0f rows/s, 1 thread %.0f "
        "rows/s\n",
        engine.c_str(), rep + 1, *r[0], p.nodes, *r[1], *r[2]);
    std::fflush(stdout);
    ours.push_back(*r[0]);
    ref_k.push_back(*r[1]);
    ref_1.push_back(*r[2]);
  }
  const double o = Median(ours), rk = Median(ref_k), r1 = Median(ref_1);
  const double ref = std::max(rk, r1), ratio = o / ref;
  std::printf(
      "RESULT %s: hub HTTP ingest %.0f rows/s | raw batched inserts, same driver: %d threads "
      "%.0f rows/s, 1 thread %.0f rows/s | ratio hub/best raw %.2f (goal >= 0.5: %s) | medians "
      "of %d; stored counts and dedupe checked\n",
      engine.c_str(), o, p.nodes, rk, r1, ratio, ratio >= 0.5 ? "met" : "BELOW GOAL", kRepetitions);
  std::fflush(stdout);
  return true;
}

int Run(const Params& p, const std::string& engines) {
  spdlog::set_level(spdlog::level::warn);  // one "serving" line per hub start is noise here
  Result<Workload> w = BuildWorkload(p);
  if (!w.ok()) return std::fprintf(stderr, "%s\n", w.status().ToString().c_str()), 1;
  std::printf(
      "hub ingest: %d nodes x %d batches x %d windows (%zu features each) = %lld rows per run, "
      "%.1f KiB per request, one batch per request\n",
      p.nodes, p.batches, p.windows, FeatureNames().size(), static_cast<long long>(w->total_rows),
      static_cast<double>(w->body_bytes) / (p.nodes * p.batches) / 1024.0);
  SystemClock clock;
  bool ok = true;
  if (engines.find("sqlite") != std::string::npos) {
    TempDir dir;
    if (!dir.ok()) return std::fprintf(stderr, "cannot create a temp folder\n"), 1;
    int next = 0;
    ok &= BenchEngine(
        "sqlite",
        [&]() -> Result<std::string> {
          return "sqlite:" + dir.path() + "/db-" + std::to_string(next++) + ".db";
        },
        *w, p, clock);
  }
  if (engines.find("postgres") != std::string::npos) {
    auto server = store::testing::PostgresTestServer::Start();
    if (!server.ok()) {
      std::fprintf(stderr, "cannot start PostgreSQL: %s\n", server.status().ToString().c_str());
      return 1;
    }
    (*server)->StopWhenProcessDies();
    ok &= BenchEngine(
        "postgres", [&] { return (*server)->CreateDatabase(); }, *w, p, clock);
    if (Status s = (*server)->Stop(); !s.ok()) std::fprintf(stderr, "%s\n", s.ToString().c_str());
  }
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace edgeloop::bench

int main(int argc, char** argv) {
  edgeloop::bench::Params p;
  if (argc > 1) p.batches = std::atoi(argv[1]);
  if (argc > 2) p.windows = std::atoi(argv[2]);
  if (argc > 3) p.nodes = std::atoi(argv[3]);
  const std::string engines = argc > 4 ? argv[4] : "sqlite,postgres";
  if (p.batches <= 0 || p.windows <= 0 || p.windows > 2000 || p.nodes <= 0 || p.nodes > 64) {
    std::fprintf(stderr,
                 "usage: %s [batches_per_node>0] [windows_per_batch 1..2000] [nodes 1..64] "
                 "[engines=sqlite,postgres]\n",
                 argv[0]);
    return 2;
  }
  return edgeloop::bench::Run(p, engines);
}
