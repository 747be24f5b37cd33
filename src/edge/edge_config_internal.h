// Helpers shared by edge_config.cc (top-level sections) and edge_config_sources.cc ([[source]]).
// Private to src/edge.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/config.h"
#include "common/sample.h"
#include "common/status.h"
#include "edge/edge_config.h"

namespace edgeloop::edge::config_detail {

// What a section needs to know about the rest of the file.
struct Context {
  std::string base_dir;  // "" = current directory
  std::string node_id;
  std::set<std::string, std::less<>> asset_ids;  // declared in [[asset]]
};

// `path` unchanged when absolute or when base_dir is empty, else base_dir/path.
std::string ResolvePath(const std::string& base_dir, const std::string& path);

// A string matching [A-Za-z0-9._-]{1,64}: ids end up in topics, file names and URLs.
Result<std::string> ReadId(const ConfigTable& t, std::string_view key);
bool IsValidId(std::string_view id);

// An integer key within [lo, hi].
Result<int64_t> ReadInt(const ConfigTable& t, std::string_view key, int64_t fallback, int64_t lo,
                        int64_t hi);
Result<int64_t> ReadInt(const ConfigTable& t, std::string_view key, int64_t lo, int64_t hi);
// A number key within [lo, hi].
Result<double> ReadDouble(const ConfigTable& t, std::string_view key, double fallback, double lo,
                          double hi);

// A duration string ("30s", "500ms") > 0; `fallback` when absent.
Result<Duration> ReadDuration(const ConfigTable& t, std::string_view key, Duration fallback);

// "vibration" | "temperature".
Result<ChannelKind> ReadKind(const ConfigTable& t, std::string_view key, ChannelKind fallback);

// "host:port" or "[v6]:port" -> host (without brackets), port 0..65535; false when malformed.
bool SplitHostPort(std::string_view text, std::string& host, int& port);

// "tcp://host:port" or "ssl://host:port".
Result<std::string> ReadBroker(const ConfigTable& t, std::string_view key);

// MQTT QoS 0..2.
Result<int> ReadQos(const ConfigTable& t, std::string_view key, int fallback);

// Error at `key` unless `asset` was declared in [[asset]].
Status CheckDeclared(const Context& ctx, const ConfigTable& t, std::string_view key,
                     std::string_view asset);

// [[source]] tables.
Result<std::vector<SourceConfig>> ReadSources(const ConfigTable& root, const Context& ctx);

}  // namespace edgeloop::edge::config_detail
