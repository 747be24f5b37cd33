// Fuzzes ParseDuration, which reads user input from the command line and config files.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/duration.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto d = edgeloop::ParseDuration(text);
  if (d.ok() && *d < edgeloop::Duration::zero()) __builtin_trap();  // never negative
  if (d.ok()) (void)edgeloop::FormatDuration(*d);
  return 0;
}
