#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <thread>

#include "cli/commands.h"
#include "common/duration.h"
#include "common/log.h"
#include "demo/demo_runner.h"
#include "demo/plant_config.h"
#include "demo/report.h"

namespace edgeloop::cli {
namespace {

std::atomic<bool> g_interrupted{false};
extern "C" void OnInterrupt(int) { g_interrupted = true; }

struct DemoArgs {
  std::string duration = "10m";
  std::string speed = "60";
  uint64_t seed = 1;
  std::string data_dir = "edgeloop-data";
  std::string config_path;
  bool headless = false;
  bool print_config = false;
  std::string hub_listen = "127.0.0.1:8080";
  std::string hub_db;
  bool serve = false;
};

int RunDemoCommand(const DemoArgs& args, const std::string& log_level) {
  if (args.print_config) {
    std::fputs(std::string(demo::DefaultPlantToml()).c_str(), stdout);
    return 0;
  }
  const bool live = !args.headless && isatty(STDOUT_FILENO);
  // Alert events are logged at info level: shown in headless runs, hidden under the live table.
  if (Status s = InitLogging(log_level.empty() ? (live ? "warn" : "info") : log_level); !s.ok()) {
    std::fprintf(stderr, "edgeloop demo: %s\n", s.message().c_str());
    return 2;
  }
  auto plant = args.config_path.empty()
                   ? demo::ParsePlantConfig(demo::DefaultPlantToml(), "<built-in plant>")
                   : demo::LoadPlantConfig(args.config_path);
  if (!plant.ok()) {
    std::fprintf(stderr, "edgeloop demo: bad plant config:\n%s\n",
                 plant.status().message().c_str());
    return 2;
  }
  demo::DemoOptions options;
  auto duration = ParseDuration(args.duration);
  if (!duration.ok()) {
    std::fprintf(stderr, "edgeloop demo: --duration: %s\n", duration.status().message().c_str());
    return 2;
  }
  options.duration = *duration;
  if (args.speed == "max") {
    options.speed = 0;
  } else {
    char* end = nullptr;
    options.speed = std::strtod(args.speed.c_str(), &end);
    if (end == args.speed.c_str() || *end != '\0' || !(options.speed > 0)) {
      std::fprintf(stderr, "edgeloop demo: --speed must be a positive number or 'max', got '%s'\n",
                   args.speed.c_str());
      return 2;
    }
  }
  options.seed = args.seed;
  options.data_dir = args.data_dir;
  options.hub_listen = args.hub_listen;
  options.hub_db = args.hub_db;

  std::signal(SIGINT, OnInterrupt);
  std::signal(SIGTERM, OnInterrupt);
  demo::ProgressPrinter printer(stdout, live);
  // With --serve the hub keeps answering after the run (until Ctrl-C) so the API, the alerts and
  // their lineage can be explored with `edgeloop ctl` or curl.
  demo::AfterRunCallback after_run;
  if (args.serve) {
    after_run = [](const demo::HubSession& hub, const demo::DemoSummary& summary) {
      demo::PrintSummary(summary, stdout);
      std::printf("\nhub still serving at %s (tenant '%s'); press Ctrl-C to stop\n",
                  hub.url.c_str(), hub.tenant.c_str());
      std::fflush(stdout);
      g_interrupted = false;
      while (!g_interrupted) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    };
  }
  auto summary = demo::RunDemo(*plant, options, std::ref(printer), &g_interrupted, after_run);
  if (!summary.ok()) {
    std::fprintf(stderr, "edgeloop demo: %s\n", summary.status().message().c_str());
    return 1;
  }
  if (!args.serve) demo::PrintSummary(*summary, stdout);
  return summary->cancelled ? 130 : 0;
}

}  // namespace

void AddDemoCommand(CLI::App& app, const std::string& log_level, int& exit_code) {
  auto args = std::make_shared<DemoArgs>();
  CLI::App* cmd = app.add_subcommand(
      "demo",
      "Run a whole plant on this machine: simulated machines (one develops a bearing fault), "
      "edge gateways with quality gate, features, detector and alerts, SQLite stores");
  cmd->add_option("--duration", args->duration, "Simulated plant time, e.g. 60s, 10m, 2h")
      ->capture_default_str();
  cmd->add_option("--speed", args->speed,
                  "Simulated seconds per real second, or 'max' to run as fast as possible")
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "Seed: which asset fails, when, and all signal noise")
      ->capture_default_str();
  cmd->add_option("--data-dir", args->data_dir, "Folder for the gateways' SQLite stores")
      ->capture_default_str();
  cmd->add_option("--config", args->config_path,
                  "Plant description (TOML); default: the built-in plant (see --print-config)");
  cmd->add_option("--hub-listen", args->hub_listen,
                  "Address of the demo's hub (HOST:PORT; port 0 = any free port)")
      ->capture_default_str();
  cmd->add_option("--hub-db", args->hub_db,
                  "Hub database (default sqlite:<data-dir>/hub.db; or postgres://...)");
  cmd->add_flag("--serve", args->serve,
                "Keep the hub serving after the run until Ctrl-C (explore it with edgeloop ctl)");
  cmd->add_flag("--headless", args->headless,
                "No live terminal view: plain progress lines, suitable for logs and CI");
  cmd->add_flag("--print-config", args->print_config,
                "Print the built-in plant description as TOML and exit");
  cmd->callback([args, &log_level, &exit_code] { exit_code = RunDemoCommand(*args, log_level); });
}

}  // namespace edgeloop::cli
