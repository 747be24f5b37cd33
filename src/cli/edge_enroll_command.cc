// `edgeloop edge enroll --hub URL --enrollment-token T --token-file F`: exchanges a one-time
// enrollment token (from `edgeloop ctl enroll NODE`) for this gateway's node token and writes
// it, mode 0600, where edge.toml's hub.token_file points.
#include <cstdio>
#include <fstream>
#include <memory>

#include "cli/commands.h"
#include "common/secret_file.h"
#include "edge/enrollment.h"

namespace edgeloop::cli {
namespace {

struct EnrollArgs {
  std::string hub;
  std::string enrollment_token;
  std::string enrollment_token_file;
  std::string token_file;
  bool replace = false;
};

int RunEnroll(const EnrollArgs& args) {
  std::string secret = args.enrollment_token;
  if (!args.enrollment_token_file.empty()) {
    std::ifstream in(args.enrollment_token_file);
    if (!in) return Fail(NotFound("cannot read " + args.enrollment_token_file));
    std::getline(in, secret);
  }
  if (secret.empty()) {
    return Fail(InvalidArgument("give --enrollment-token or --enrollment-token-file"));
  }
  auto result = edge::EnrollWithHub(args.hub, secret);
  if (!result.ok()) return Fail(result.status());
  if (Status s = WriteSecretFile(args.token_file, result->token, args.replace); !s.ok()) {
    // The enrollment is used up: print the token so it is not lost.
    std::fprintf(stderr, "edgeloop edge enroll: enrolled as %s but %s\nnode token: %s\n",
                 result->node.c_str(), s.message().c_str(), result->token.c_str());
    return 1;
  }
  std::printf("enrolled as node %s; node token written to %s\n", result->node.c_str(),
              args.token_file.c_str());
  return 0;
}

}  // namespace

CLI::App* AddEdgeEnrollCommand(CLI::App& edge_cmd, int& exit_code) {
  auto args = std::make_shared<EnrollArgs>();
  CLI::App* cmd = edge_cmd.add_subcommand(
      "enroll", "Exchange a one-time enrollment token for this gateway's node token");
  cmd->add_option("--hub", args->hub, "hub URL, e.g. http://hub.plant.local:8080")->required();
  cmd->add_option("--enrollment-token", args->enrollment_token,
                  "the one-time token from `edgeloop ctl enroll NODE`");
  cmd->add_option("--enrollment-token-file", args->enrollment_token_file,
                  "read the enrollment token from this file instead");
  cmd->add_option("--token-file", args->token_file,
                  "where to write the node token (hub.token_file in edge.toml)")
      ->required();
  cmd->add_flag("--replace", args->replace, "overwrite an existing token file (re-enrollment)");
  cmd->callback([args, &exit_code] { exit_code = RunEnroll(*args); });
  return cmd;
}

}  // namespace edgeloop::cli
