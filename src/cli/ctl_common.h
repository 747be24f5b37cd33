// Shared pieces of `edgeloop ctl`: the global options (hub URL, token, --json), one request to
// the hub with the exit-code policy, and the human renderings (aligned tables, key: value lines).
//
// Exit codes of every ctl command: 0 ok; 1 the hub refused or failed, or cannot be reached;
// 2 usage errors and unreadable local files (token file, model file).
// Single-threaded: one ctl invocation runs one command.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace edgeloop::cli {

inline constexpr int kCtlHubError = 1;
inline constexpr int kCtlUsageError = 2;

// Global options of `edgeloop ctl`, filled by CLI11 before any ctl command callback runs.
struct CtlOptions {
  std::string hub;         // --hub; empty: $EDGELOOP_HUB, then http://127.0.0.1:8080
  std::string token;       // --token
  std::string token_file;  // --token-file
  bool json = false;       // --json: print the hub's JSON instead of tables
};
using CtlOptionsPtr = std::shared_ptr<const CtlOptions>;

// The hub URL the options resolve to (for messages and the printed enroll line).
std::string ResolveHubUrl(const CtlOptions& options);

// One HTTP exchange with the hub.
struct CtlRequest {
  std::string method = "GET";
  std::string path;               // "/v1/..." with query, already %-encoded
  nlohmann::json body = nullptr;  // JSON body (POST/PUT); null: none
  // Raw body instead of JSON (model upload) when `content_type` is not empty.
  std::string bytes;
  std::string content_type;
};

// Connects, sends `request`, and prints the reply: its JSON with --json, else through `human`
// (which may return a non-zero exit code). Hub errors print "error: HTTP 403 forbidden: ..."
// and give 1; a missing or unreadable token file gives 2.
int CtlExchange(const CtlOptions& options, const CtlRequest& request,
                const std::function<int(const nlohmann::json&)>& human);

// Prints "error: <message>" and returns kCtlUsageError.
int CtlUsage(const std::string& message);

// ---- Rendering ----

// A table column: header, and the value's path in each row object ("versions.agent_version").
// `render` (optional) turns the value into the cell text; default: CellText.
struct CtlColumn {
  std::string header;
  std::string path;
  std::function<std::string(const nlohmann::json&)> render = nullptr;
};

// The value at a dotted path, or null when any step is missing.
const nlohmann::json& JsonAt(const nlohmann::json& object, std::string_view path);
// Human text of a JSON value: strings as is (RFC 3339 times shortened to seconds), null "-",
// booleans yes/no, integers exactly, other numbers with 4 significant digits, arrays of
// scalars comma-joined, objects as compact JSON.
std::string CellText(const nlohmann::json& value);
// The array under `key` of a reply (or the reply itself when it is an array); empty otherwise.
const nlohmann::json& ArrayOf(const nlohmann::json& reply, std::string_view key);

// Prints an aligned table with a header row; `empty_note` (e.g. "no alerts") follows the header
// when there are no rows.
void PrintTable(const nlohmann::json& rows, const std::vector<CtlColumn>& columns,
                std::string_view empty_note);
// Prints "label: value" lines with the values aligned; rows whose value is null are skipped
// unless `keep_null`.
void PrintFields(const nlohmann::json& object,
                 const std::vector<std::pair<std::string, std::string>>& label_paths,
                 bool keep_null = false);

// Renderers for CtlColumn::render.
std::string ShortHash(const nlohmann::json& value);  // first 12 hex digits
std::string Percent(const nlohmann::json& value);    // 0.987 -> "98.7%"
// Shell-quoted when it holds anything but [A-Za-z0-9_./:=@%+,-].
std::string ShellQuote(const std::string& text);

// Subcommand groups in their own files.
void AddCtlFleetCommands(CLI::App& ctl, CtlOptionsPtr options,
                         int& exit_code);  // nodes, enroll, tokens
void AddCtlRegistryCommands(CLI::App& ctl, CtlOptionsPtr options,
                            int& exit_code);                                     // models, deploy
void AddCtlAlertCommands(CLI::App& ctl, CtlOptionsPtr options, int& exit_code);  // alerts
void AddCtlInsightCommands(CLI::App& ctl, CtlOptionsPtr options,
                           int& exit_code);  // lineage, slo, quality

}  // namespace edgeloop::cli
