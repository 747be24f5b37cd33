// Fuzzes the plant configuration path: TOML parsing (toml++), our strict typed reader and the
// plant validation. Any input must yield a config or a clear error, never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "demo/plant_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto plant = edgeloop::demo::ParsePlantConfig(text, "fuzz.toml");
  if (!plant.ok() && plant.status().message().empty()) __builtin_trap();  // errors must explain
  return 0;
}
