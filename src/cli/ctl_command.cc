// `edgeloop ctl [--hub URL] [--token T | --token-file F] [--json] <group> <verb> ...`: the
// command-line client of the hub's REST API (docs/ctl.md). This file holds the global options
// and the fleet commands: nodes, enroll, tokens. Other groups live in ctl_*.cc.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/ctl_common.h"
#include "common/duration.h"
#include "hub/api_client.h"

namespace edgeloop::cli {
namespace {

using nlohmann::json;

int NodesList(const CtlOptions& o) {
  return CtlExchange(o, {.path = "/v1/nodes"}, [](const json& reply) {
    PrintTable(ArrayOf(reply, "nodes"),
               {{"NODE", "id"},
                {"SITE", "site"},
                {"GROUP", "group"},
                {"STATUS", "status"},
                {"LAST SEEN", "last_seen"},
                {"AGENT", "versions.agent_version"},
                {"UPTIME", "inference_uptime", Percent},
                {"BATCHES", "batches"}},
               "no nodes enrolled");
    return 0;
  });
}

int NodesShow(const CtlOptions& o, const std::string& id) {
  return CtlExchange(o, {.path = "/v1/nodes/" + hub::UrlEncode(id)}, [](const json& node) {
    PrintFields(node,
                {{"node", "id"},
                 {"site", "site"},
                 {"group", "group"},
                 {"status", "status"},
                 {"enrolled", "enrolled"},
                 {"last seen", "last_seen"},
                 {"last heartbeat", "last_heartbeat"},
                 {"agent version", "versions.agent_version"},
                 {"models", "versions.models"},
                 {"desired revision", "versions.desired_revision"},
                 {"inference uptime", "inference_uptime"},
                 {"batches", "batches"},
                 {"duplicates", "duplicates"},
                 {"dropped batches", "dropped_batches"},
                 {"max seq", "max_seq"}},
                /*keep_null=*/true);
    return 0;
  });
}

struct EnrollArgs {
  std::string node, site, group, ttl;
  std::string token_file = "/etc/edgeloop/token";
};

int Enroll(const CtlOptions& o, const EnrollArgs& a) {
  json body = {{"node", a.node}};
  if (!a.site.empty()) body["site"] = a.site;
  if (!a.group.empty()) body["group"] = a.group;
  if (!a.ttl.empty()) {
    Result<Duration> ttl = ParseDuration(a.ttl);
    if (!ttl.ok()) return CtlUsage("--ttl: " + ttl.status().message());
    body["ttl_s"] = std::chrono::duration_cast<std::chrono::seconds>(*ttl).count();
  }
  const std::string hub_url = ResolveHubUrl(o);
  return CtlExchange(
      o, {.method = "POST", .path = "/v1/enrollments", .body = body}, [&](const json& reply) {
        const std::string token = JsonAt(reply, "enrollment_token").is_string()
                                      ? reply["enrollment_token"].get<std::string>()
                                      : "";
        if (token.empty()) {
          std::fprintf(stderr, "error: the hub's reply has no enrollment_token\n");
          return kCtlHubError;
        }
        std::printf("enrollment token for node %s (one use, expires %s):\n%s\n",
                    CellText(JsonAt(reply, "node")).c_str(),
                    CellText(JsonAt(reply, "expires")).c_str(), token.c_str());
        std::printf(
            "on the gateway, run:\n  edgeloop edge enroll --hub %s --enrollment-token %s "
            "--token-file %s\n",
            ShellQuote(hub_url).c_str(), ShellQuote(token).c_str(),
            ShellQuote(a.token_file).c_str());
        return 0;
      });
}

struct TokenArgs {
  std::string name, role, expires, id;
};

int TokensCreate(const CtlOptions& o, const TokenArgs& a) {
  json body = {{"name", a.name}, {"role", a.role}};
  if (!a.expires.empty()) {
    Result<Duration> d = ParseDuration(a.expires);
    if (!d.ok()) return CtlUsage("--expires: " + d.status().message());
    body["expires_in_s"] = std::chrono::duration_cast<std::chrono::seconds>(*d).count();
  }
  return CtlExchange(o, {.method = "POST", .path = "/v1/tokens", .body = body}, [](const json& t) {
    std::printf(
        "token %s '%s' (role %s, expires %s) created; the secret is "
        "shown only now:\n%s\n",
        CellText(JsonAt(t, "id")).c_str(), CellText(JsonAt(t, "name")).c_str(),
        CellText(JsonAt(t, "role")).c_str(),
        JsonAt(t, "expires").is_null() ? "never" : CellText(JsonAt(t, "expires")).c_str(),
        CellText(JsonAt(t, "token")).c_str());
    return 0;
  });
}

int TokensList(const CtlOptions& o) {
  return CtlExchange(o, {.path = "/v1/tokens"}, [](const json& reply) {
    PrintTable(ArrayOf(reply, "tokens"),
               {{"ID", "id"},
                {"NAME", "name"},
                {"ROLE", "role"},
                {"NODE", "node"},
                {"CREATED", "created"},
                {"EXPIRES", "expires"},
                {"REVOKED", "revoked"}},
               "no tokens");
    return 0;
  });
}

int TokensRevoke(const CtlOptions& o, const std::string& id) {
  return CtlExchange(o, {.method = "DELETE", .path = "/v1/tokens/" + hub::UrlEncode(id)},
                     [&](const json&) {
                       std::printf("token %s revoked\n", id.c_str());
                       return 0;
                     });
}

}  // namespace

void AddCtlFleetCommands(CLI::App& ctl, CtlOptionsPtr options, int& exit_code) {
  CLI::App* nodes = ctl.add_subcommand("nodes", "Enrolled gateways: status and versions");
  nodes->require_subcommand(1);
  nodes->add_subcommand("list", "List nodes with status (online/stale/never)")
      ->callback([options, &exit_code] { exit_code = NodesList(*options); });
  auto node_id = std::make_shared<std::string>();
  CLI::App* show = nodes->add_subcommand("show", "One node: status, versions, counters");
  show->add_option("id", *node_id, "node id")->required();
  show->callback([options, node_id, &exit_code] { exit_code = NodesShow(*options, *node_id); });

  auto enroll_args = std::make_shared<EnrollArgs>();
  CLI::App* enroll = ctl.add_subcommand(
      "enroll", "Create a one-time enrollment token for a gateway and print the command to run");
  enroll->add_option("node", enroll_args->node, "the new node's id")->required();
  enroll->add_option("--site", enroll_args->site, "site id");
  enroll->add_option("--group", enroll_args->group, "deployment group label, e.g. line-1");
  enroll->add_option("--ttl", enroll_args->ttl, "validity, e.g. 24h (hub default 24h)");
  // Not --token-file: that is ctl's own credential option.
  enroll
      ->add_option("--node-token-file", enroll_args->token_file,
                   "node token path for the printed command (hub.token_file in edge.toml)")
      ->capture_default_str();
  enroll->callback(
      [options, enroll_args, &exit_code] { exit_code = Enroll(*options, *enroll_args); });

  auto token_args = std::make_shared<TokenArgs>();
  CLI::App* tokens = ctl.add_subcommand("tokens", "Bearer tokens of people and tools (admin)");
  tokens->require_subcommand(1);
  CLI::App* create = tokens->add_subcommand("create", "Create a token; prints its secret once");
  create->add_option("name", token_args->name, "who or what it is for, e.g. alice")->required();
  create
      ->add_option("--role", token_args->role,
                   "admin, edge-engineer, data-steward, ml-engineer, domain-validator, "
                   "technician or viewer")
      ->required();
  create->add_option("--expires", token_args->expires, "lifetime, e.g. 90d (default: never)");
  create->callback(
      [options, token_args, &exit_code] { exit_code = TokensCreate(*options, *token_args); });
  tokens->add_subcommand("list", "List tokens (never their secrets)")
      ->callback([options, &exit_code] { exit_code = TokensList(*options); });
  CLI::App* revoke = tokens->add_subcommand("revoke", "Revoke a token by id");
  revoke->add_option("id", token_args->id, "token id (from tokens list)")->required();
  revoke->callback(
      [options, token_args, &exit_code] { exit_code = TokensRevoke(*options, token_args->id); });
}

void AddCtlCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<CtlOptions>();
  CLI::App* ctl = app.add_subcommand("ctl", "Command-line client of the hub API (docs/ctl.md)");
  ctl->require_subcommand(1);
  // Global options may also follow the verb: `edgeloop ctl nodes list --json`.
  ctl->fallthrough();
  ctl->add_option("--hub", options->hub,
                  "hub URL (default $EDGELOOP_HUB, else http://127.0.0.1:8080)");
  CLI::Option* token = ctl->add_option(
      "--token", options->token, "bearer token (visible to other users in ps; prefer a file)");
  CLI::Option* token_file = ctl->add_option("--token-file", options->token_file,
                                            "file holding the bearer token (else $EDGELOOP_TOKEN)");
  token->excludes(token_file);
  ctl->add_flag("--json", options->json, "print the hub's JSON instead of tables");
  AddCtlFleetCommands(*ctl, options, exit_code);
  AddCtlRegistryCommands(*ctl, options, exit_code);
  AddCtlAlertCommands(*ctl, options, exit_code);
  AddCtlInsightCommands(*ctl, options, exit_code);
}

}  // namespace edgeloop::cli
