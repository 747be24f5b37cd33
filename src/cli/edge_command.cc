// `edgeloop edge --config edge.toml`: the gateway daemon. Runs until SIGINT/SIGTERM (or
// --duration), printing a progress line every --status-every; exit code 2 for a bad config or
// a start failure, 1 for a runtime store error, 0 after an orderly stop.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <thread>

#include "cli/commands.h"
#include "common/duration.h"
#include "common/log.h"
#include "edge/edge_config.h"
#include "edge/edge_daemon.h"

namespace edgeloop::cli {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void OnStopSignal(int) { g_stop = true; }

struct EdgeArgs {
  std::string config_path;
  std::string duration;  // "" = until a signal
  std::string status_every = "10s";
  bool check = false;
};

void PrintStatus(const edge::DaemonStatus& s) {
  uint64_t scored = 0, alerts = 0, samples = 0;
  for (const auto& [id, a] : s.agent.assets) {
    scored += a.windows_scored;
    alerts += a.alerts_opened;
    samples += a.samples;
  }
  uint64_t rejected = 0;
  for (const auto& [name, c] : s.sources) {
    for (const auto& [reason, n] : c.rejected) rejected += n;
  }
  std::printf(
      "edge: up %.0fs  samples %llu  windows scored %llu  alerts %llu  latency p50 %.1f ms p99 "
      "%.1f ms  inference uptime %.4f  rejected msgs %llu  outbox %lld pending, %lld acked\n",
      s.uptime_s, static_cast<unsigned long long>(samples), static_cast<unsigned long long>(scored),
      static_cast<unsigned long long>(alerts), s.agent.latency.p50_ms, s.agent.latency.p99_ms,
      s.inference_uptime, static_cast<unsigned long long>(rejected),
      static_cast<long long>(s.outbox_pending), static_cast<long long>(s.uplink_acked));
  std::fflush(stdout);
}

int RunEdgeCommand(const EdgeArgs& args, const std::string& log_level) {
  if (Status s = InitLogging(log_level.empty() ? "info" : log_level); !s.ok()) return Fail(s);
  auto config = edge::LoadEdgeConfig(args.config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "edgeloop edge: bad config:\n%s\n", config.status().message().c_str());
    return 2;
  }
  Duration duration{0}, every{0};
  for (auto [text, out, name] : {std::tuple{&args.duration, &duration, "--duration"},
                                 std::tuple{&args.status_every, &every, "--status-every"}}) {
    if (text->empty()) continue;
    auto d = ParseDuration(*text);
    if (!d.ok()) {
      std::fprintf(stderr, "edgeloop edge: %s: %s\n", name, d.status().message().c_str());
      return 2;
    }
    *out = *d;
  }
  SystemClock clock;
  auto daemon = edge::EdgeDaemon::Create(std::move(config).value(), clock);
  if (!daemon.ok()) {
    std::fprintf(stderr, "edgeloop edge: %s\n", daemon.status().message().c_str());
    return 2;
  }
  if (args.check) {
    std::printf("edgeloop edge: %s is valid\n", args.config_path.c_str());
    return 0;
  }
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
  if (Status s = (*daemon)->Start(); !s.ok()) {
    std::fprintf(stderr, "edgeloop edge: cannot start: %s\n", s.message().c_str());
    (void)(*daemon)->Stop();
    return 2;
  }
  const Timestamp start = clock.Now();
  Timestamp next_status = start + every;
  while (!g_stop && (duration == Duration::zero() || clock.Now() - start < duration)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (every > Duration::zero() && clock.Now() >= next_status) {
      PrintStatus((*daemon)->Snapshot());
      next_status += every;
    }
  }
  Status stopped = (*daemon)->Stop();
  PrintStatus((*daemon)->Snapshot());
  if (!stopped.ok()) return Fail(stopped);
  return 0;
}

}  // namespace

void AddEdgeCommand(CLI::App& app, const std::string& log_level, int& exit_code) {
  auto args = std::make_shared<EdgeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "edge", "Run the edge agent daemon of a gateway (sources, models, alerts, uplink).");
  cmd->add_option("--config", args->config_path,
                  "the node's edge.toml (see docs/edge.toml); required to run");
  cmd->add_option("--duration", args->duration,
                  "stop after this long (e.g. 90s); default: run "
                  "until SIGINT/SIGTERM");
  cmd->add_option("--status-every", args->status_every,
                  "print a status line this often (0s = never)");
  cmd->add_flag("--check", args->check,
                "load the config and models, report problems, and exit without running");
  CLI::App* export_cmd = AddEdgeExportCommand(*cmd, exit_code);
  CLI::App* enroll_cmd = AddEdgeEnrollCommand(*cmd, exit_code);
  cmd->callback([args, export_cmd, enroll_cmd, &log_level, &exit_code] {
    if (export_cmd->parsed() || enroll_cmd->parsed()) return;
    if (args->config_path.empty()) {
      std::fprintf(stderr, "edgeloop edge: --config is required (see docs/edge.toml)\n");
      exit_code = 2;
      return;
    }
    exit_code = RunEdgeCommand(*args, log_level);
  });
}

}  // namespace edgeloop::cli
