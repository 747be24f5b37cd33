// Fuzzes ParseMat, which reads MAT-files from customers and the internet (untrusted bytes).
#include <cstddef>
#include <cstdint>
#include <span>

#include "ingest/signal_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto table = edgeloop::ingest::ParseMat(std::span<const uint8_t>(data, size), "fuzz.mat");
  if (!table.ok()) return 0;
  if (!table->timestamps.empty() || table->sample_rate_hz) __builtin_trap();  // MAT has no time
  for (const auto& column : table->columns) {
    if (column.values.empty()) __builtin_trap();  // empty arrays are skipped, not columns
  }
  return 0;
}
