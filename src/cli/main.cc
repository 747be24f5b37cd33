// edgeloop: the single binary. main() parses the command line and hands over to a subcommand;
// the work itself lives in the subsystem libraries.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "Edgeloop: industrial AIoT from sensor to alert, on one small binary.\n"
      "Run `edgeloop demo` to watch a simulated plant being monitored."};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(edgeloop::cli::kVersion));
  std::string log_level;
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));

  int exit_code = 0;
  edgeloop::cli::AddVersionCommand(app, exit_code);
  edgeloop::cli::AddDemoCommand(app, log_level, exit_code);
  edgeloop::cli::AddSimCommand(app, log_level, exit_code);
  edgeloop::cli::AddAnalyzeCommand(app, exit_code);
  edgeloop::cli::AddModelCommand(app, exit_code);
  edgeloop::cli::AddEvalCommand(app, exit_code);
  edgeloop::cli::AddEdgeCommand(app, log_level, exit_code);
  edgeloop::cli::AddHubCommand(app, log_level, exit_code);
  edgeloop::cli::AddCtlCommand(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help/--version exit 0; every usage error exits 2 (CLI11's own codes are 100+), the
    // convention every edgeloop command and script relies on.
    return app.exit(e) == 0 ? 0 : 2;
  }
  return exit_code;
}
