// Readers for recorded signal files: MATLAB v5 .mat and CSV, into one SignalTable.
//
// All functions are free functions without shared state: any thread may call them concurrently.
// Input is treated as untrusted (files from customers and the internet): malformed input yields an
// error Status naming the byte offset (MAT) or file:line (CSV), never a crash or unbounded memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace edgeloop::ingest {

// One numeric channel of a recording.
struct SignalColumn {
  std::string name;
  std::vector<double> values;
};

// What a signal file holds, as plain values; the caller owns it. Every column has the same
// number of rows for CSV; MAT variables may differ in length (they are independent arrays).
struct SignalTable {
  std::string source;                 // file path (or the name given to Parse*)
  std::vector<SignalColumn> columns;  // numeric channels, file order
  std::vector<Timestamp> timestamps;  // per row, when the file has a time column (CSV); else empty
  std::optional<double> sample_rate_hz;   // from the time column (median interval), if any
  std::map<std::string, double> scalars;  // 1x1 numeric variables (MAT), e.g. "X097RPM" -> 1796

  // The first column named exactly `name`, or nullptr.
  const SignalColumn* Find(std::string_view name) const;
};

// MATLAB level-5 MAT-file (v5 / v6 / v7, compressed or not, either byte order). Numeric arrays
// become doubles: a 1xN or Nx1 array is one column named after the variable, an NxM matrix is M
// columns "name[:,j]" (j = 0..M-1, column-major as MATLAB stores it), a 1x1 array is a scalar.
// Empty, char, cell, struct, object, sparse, logical and complex arrays are skipped, not errors.
// A v7.3 (HDF5) file is InvalidArgument with a hint how to re-save it.
Result<SignalTable> ReadMatFile(const std::string& path);
Result<SignalTable> ParseMat(std::span<const uint8_t> bytes, std::string source);

struct CsvOptions {
  char delimiter = 0;  // 0 = auto-detect from the header line among ',' ';' '\t'
  size_t max_rows = 50'000'000;
};

// CSV with a header row. The first column named time, timestamp, datetime, date, t, time_s or
// t_s (any case) is the time column: numbers are seconds since the Unix epoch, text is an ISO-8601
// date-time ("2020-03-09 10:14:33", "2020-03-09T10:14:33.250Z"; UTC unless an offset is given).
// All other columns must be numeric; empty cells and NaN become NaN. A header without data rows
// is a valid, empty table.
Result<SignalTable> ReadCsvFile(const std::string& path, const CsvOptions& options = {});
Result<SignalTable> ParseCsv(std::string_view text, std::string source,
                             const CsvOptions& options = {});

// By extension (.mat / .csv, any case), else by content: a MAT header starts with "MATLAB";
// other text is read as CSV; binary content is InvalidArgument.
Result<SignalTable> ReadSignalFile(const std::string& path);

}  // namespace edgeloop::ingest
