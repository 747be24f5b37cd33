// Fuzzes ParseCsv, which reads CSV recordings from customers and the internet (untrusted text).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/signal_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto table = edgeloop::ingest::ParseCsv(text, "fuzz.csv");
  if (!table.ok()) return 0;
  // Every column has one value per row, and so has the time column when there is one.
  const size_t rows =
      table->columns.empty() ? table->timestamps.size() : table->columns[0].values.size();
  for (const auto& column : table->columns) {
    if (column.values.size() != rows) __builtin_trap();
  }
  if (!table->timestamps.empty() && table->timestamps.size() != rows) __builtin_trap();
  if (table->sample_rate_hz && !(*table->sample_rate_hz > 0)) __builtin_trap();
  return 0;
}
