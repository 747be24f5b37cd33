// `edgeloop hub [--config hub.toml] [--listen ADDR] [--db URL]`: the hub server. Runs until
// SIGINT/SIGTERM (or --duration); exit code 2 for a bad config or a start failure.
// `edgeloop hub tenant create NAME --db URL`: an operator command that works on the database
// directly (no API exists above tenants) and prints the new tenant's admin token once.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <thread>

#include "cli/commands.h"
#include "common/duration.h"
#include "common/log.h"
#include "common/secret_file.h"
#include "hub/hub.h"
#include "hub/hub_config.h"

namespace edgeloop::cli {
namespace {

std::atomic<bool> g_hub_stop{false};
extern "C" void OnHubStopSignal(int) { g_hub_stop = true; }

struct HubArgs {
  std::string config_path;
  std::string listen;
  std::string db;
  std::string duration;
  bool check = false;
};

Result<hub::HubConfig> ResolveConfig(const HubArgs& args) {
  hub::HubConfig config;
  if (!args.config_path.empty()) {
    EL_ASSIGN_OR_RETURN(config, hub::LoadHubConfig(args.config_path));
  }
  if (!args.listen.empty()) {
    EL_RETURN_IF_ERROR(hub::ParseListen(args.listen, config.listen_host, config.listen_port)
                           .WithContext("--listen"));
  }
  if (!args.db.empty()) config.db_url = args.db;
  return config;
}

int RunHubCommand(const HubArgs& args, const std::string& log_level) {
  if (Status s = InitLogging(log_level.empty() ? "info" : log_level); !s.ok()) return Fail(s);
  auto config = ResolveConfig(args);
  if (!config.ok()) {
    std::fprintf(stderr, "edgeloop hub: bad config:\n%s\n", config.status().message().c_str());
    return 2;
  }
  Duration duration{0};
  if (!args.duration.empty()) {
    auto d = ParseDuration(args.duration);
    if (!d.ok()) {
      std::fprintf(stderr, "edgeloop hub: --duration: %s\n", d.status().message().c_str());
      return 2;
    }
    duration = *d;
  }
  if (args.check) {
    std::printf("edgeloop hub: configuration is valid (listen %s:%d, store %s)\n",
                config->listen_host.c_str(), config->listen_port, config->db_url.c_str());
    return 0;
  }
  SystemClock clock;
  auto hub = hub::Hub::Start(*config, clock);
  if (!hub.ok()) {
    std::fprintf(stderr, "edgeloop hub: cannot start: %s\n", hub.status().message().c_str());
    return 2;
  }
  std::printf("edgeloop hub: serving on %s (store %s, tenant '%s')\n", (*hub)->url().c_str(),
              (*hub)->store().Engine().data(), config->tenant.c_str());
  if (!(*hub)->new_admin_token().empty()) {
    std::printf("edgeloop hub: created tenant '%s'; its admin token is in %s\n",
                config->tenant.c_str(), config->admin_token_file.c_str());
  }
  std::fflush(stdout);
  std::signal(SIGINT, OnHubStopSignal);
  std::signal(SIGTERM, OnHubStopSignal);
  const auto started = std::chrono::steady_clock::now();
  while (!g_hub_stop) {
    if (duration.count() > 0 && std::chrono::steady_clock::now() - started >= duration) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  (*hub)->Stop();
  std::printf("edgeloop hub: stopped\n");
  return 0;
}

struct TenantArgs {
  std::string name;
  std::string db;
  std::string token_file;
};

int RunTenantCreate(const TenantArgs& args) {
  auto store = store::OpenHubStore(args.db, 2);
  if (!store.ok()) return Fail(store.status());
  SystemClock clock;
  auto secret = hub::BootstrapTenant(**store, args.name, ToUnixMillis(clock.Now()));
  if (!secret.ok()) return Fail(secret.status());
  if (!*secret) return Fail(AlreadyExists("tenant '" + args.name + "' exists already"));
  if (!args.token_file.empty()) {
    if (Status s = WriteSecretFile(args.token_file, **secret, false); !s.ok()) {
      std::fprintf(stderr, "edgeloop hub tenant create: %s\nadmin token: %s\n", s.message().c_str(),
                   (*secret)->c_str());
      return 1;
    }
    std::printf("tenant '%s' created; admin token written to %s\n", args.name.c_str(),
                args.token_file.c_str());
  } else {
    std::printf("tenant '%s' created; admin token (shown once):\n%s\n", args.name.c_str(),
                (*secret)->c_str());
  }
  return 0;
}

}  // namespace

void AddHubCommand(CLI::App& app, const std::string& log_level, int& exit_code) {
  auto args = std::make_shared<HubArgs>();
  CLI::App* cmd = app.add_subcommand(
      "hub", "Run the hub: REST API for gateways and people, store, registry, deployments");
  cmd->add_option("--config", args->config_path, "hub.toml (every key in docs/hub.toml)");
  cmd->add_option("--listen", args->listen, "HOST:PORT, :PORT or PORT (default 127.0.0.1:8080)");
  cmd->add_option("--db", args->db,
                  "sqlite:PATH (default sqlite:edgeloop-hub.db) or postgres://user@host/db");
  cmd->add_option("--duration", args->duration, "stop after this long (default: until a signal)");
  cmd->add_flag("--check", args->check, "check the configuration and exit");

  auto tenant_args = std::make_shared<TenantArgs>();
  CLI::App* tenant = cmd->add_subcommand("tenant", "Tenant administration (database access)");
  CLI::App* create = tenant->add_subcommand("create", "Create a tenant and its first admin token");
  create->add_option("name", tenant_args->name, "tenant name")->required();
  create->add_option("--db", tenant_args->db, "the hub's database URL")->required();
  create->add_option("--token-file", tenant_args->token_file,
                     "write the admin token here (mode 0600) instead of printing it");
  create->callback([tenant_args, &exit_code] { exit_code = RunTenantCreate(*tenant_args); });
  tenant->require_subcommand(1);

  cmd->callback([args, tenant, &log_level, &exit_code] {
    if (tenant->parsed()) return;
    exit_code = RunHubCommand(*args, log_level);
  });
}

}  // namespace edgeloop::cli
