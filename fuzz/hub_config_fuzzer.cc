// Fuzzes the hub configuration path: TOML parsing, the strict typed reader and hub.toml's
// sections (listen address, store URL, bootstrap, limits). Any input must yield a config or a
// clear error, never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hub/hub_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = edgeloop::hub::ParseHubConfig(text, "fuzz.toml", "/nonexistent-hub-fuzz-dir");
  if (!config.ok() && config.status().message().empty()) __builtin_trap();  // errors must explain
  std::string host;
  int port = 0;
  (void)edgeloop::hub::ParseListen(text, host, port);
  return 0;
}
