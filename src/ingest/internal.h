// Internals of the ingest readers, shared between their .cc files and visible to tests (e.g. to
// exercise the decompression cap without building a gigabyte stream). Not part of the API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "ingest/signal_file.h"

namespace edgeloop::ingest::internal {

// Resource bounds for the MAT parser; the defaults are what ParseMat uses.
struct MatLimits {
  size_t max_inflated_bytes = size_t{1} << 30;  // all compressed variables of a file together
  int max_depth = 4;                            // compressed elements nested in each other
};

Result<SignalTable> ParseMatWithLimits(std::span<const uint8_t> bytes, std::string source,
                                       const MatLimits& limits);

// "YYYY-MM-DD" or "YYYY-MM-DD[T ]hh:mm[:ss[.fraction]][Z|±hh:mm|±hhmm]", UTC unless an offset
// says otherwise; fractions beyond nanoseconds are cut. False when malformed or outside the
// int64-nanosecond range (1677..2262). Used by the CSV reader and the MQTT JSON decoder.
bool ParseIsoTime(std::string_view s, Timestamp& out);

// The whole file as bytes; NotFound when it does not exist, IoError when it cannot be read.
Result<std::string> ReadWholeFile(const std::string& path);

}  // namespace edgeloop::ingest::internal
