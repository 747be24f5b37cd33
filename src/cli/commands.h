// Subcommands of the edgeloop binary. Each Add*Command registers its options on `app` and a
// callback that runs the command and writes its exit code to `exit_code`.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <string_view>

#include "common/status.h"

namespace edgeloop::cli {

inline constexpr std::string_view kVersion = EDGELOOP_VERSION;

// Prints "error: <message>" to stderr and returns exit code 1.
inline int Fail(const Status& s) {
  std::fprintf(stderr, "error: %s\n", s.message().c_str());
  return 1;
}

void AddVersionCommand(CLI::App& app, int& exit_code);
// `log_level` is the global --log-level value (empty = command's default).
void AddDemoCommand(CLI::App& app, const std::string& log_level, int& exit_code);
void AddSimCommand(CLI::App& app, const std::string& log_level, int& exit_code);
void AddAnalyzeCommand(CLI::App& app, int& exit_code);
void AddModelCommand(CLI::App& app, int& exit_code);
// `model train` and `model eval`, added to the `model` subcommand.
void AddModelTrainCommands(CLI::App& model_cmd, int& exit_code);
// `model sign`: sha256, size and Ed25519 signature of a model file for a desired-state entry.
void AddModelSignCommand(CLI::App& model_cmd, int& exit_code);
// `eval skab|nab DIR`: public benchmarks' protocols with the detector library.
void AddEvalCommand(CLI::App& app, int& exit_code);
// `edge --config edge.toml`: the gateway daemon.
void AddEdgeCommand(CLI::App& app, const std::string& log_level, int& exit_code);
// `hub`: the hub server; `hub tenant create`.
void AddHubCommand(CLI::App& app, const std::string& log_level, int& exit_code);
// `ctl`: the command-line client of the hub API (docs/ctl.md).
void AddCtlCommand(CLI::App& app, int& exit_code);
// `edge export`: stored feature windows as CSV; returns the subcommand.
CLI::App* AddEdgeExportCommand(CLI::App& edge_cmd, int& exit_code);
// `edge enroll`: enrollment token -> node token file; returns the subcommand.
CLI::App* AddEdgeEnrollCommand(CLI::App& edge_cmd, int& exit_code);

}  // namespace edgeloop::cli
