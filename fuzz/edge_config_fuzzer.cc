// Fuzzes the edge daemon configuration path: TOML parsing (toml++), our strict typed reader and
// every section reader of edge.toml (ids, durations, brokers, topic maps, Modbus points, model
// groups). Any input must yield a config or a clear error, never a crash or a hang.
//
// Relative paths resolve against a directory that does not exist, so replay files and token
// files are never found and the harness touches no real file.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "edge/edge_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = edgeloop::edge::ParseEdgeConfig(text, "fuzz.toml", "/nonexistent-edge-fuzz-dir");
  if (!config.ok() && config.status().message().empty()) __builtin_trap();  // errors must explain
  return 0;
}
