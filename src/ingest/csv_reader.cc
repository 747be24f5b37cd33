// CSV reader: a header row, numeric columns, an optional time column.
//
// Lines are split without copying (string_views into the input) and numbers are read with
// std::from_chars, so a file of millions of rows costs about one pass over its bytes.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ingest/internal.h"
#include "ingest/signal_file.h"

namespace edgeloop::ingest {
namespace {

constexpr std::array<std::string_view, 7> kTimeNames = {"time", "timestamp", "datetime", "date",
                                                        "t",    "time_s",    "t_s"};

std::string_view Trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Splits `line` at `delim` outside double quotes into trimmed fields (quotes kept). Returns false
// on an unterminated quote.
bool SplitFields(std::string_view line, char delim, std::vector<std::string_view>& fields) {
  fields.clear();
  size_t start = 0;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '"') {
      quoted = !quoted;  // "" inside quotes toggles twice: still quoted
    } else if (c == delim && !quoted) {
      fields.push_back(Trim(line.substr(start, i - start)));
      start = i + 1;
    }
  }
  fields.push_back(Trim(line.substr(start)));
  return !quoted;
}

// The text of a field without its surrounding quotes, with "" turned into ".
std::string Unquote(std::string_view field) {
  if (field.size() < 2 || field.front() != '"' || field.back() != '"') return std::string(field);
  std::string out;
  field = field.substr(1, field.size() - 2);
  for (size_t i = 0; i < field.size(); ++i) {
    out += field[i];
    if (field[i] == '"' && i + 1 < field.size() && field[i + 1] == '"') ++i;
  }
  return out;
}

std::string_view StripQuotes(std::string_view field) {
  if (field.size() >= 2 && field.front() == '"' && field.back() == '"') {
    return Trim(field.substr(1, field.size() - 2));
  }
  return field;
}

// The whole field as a double, or false. Accepts a leading '+', which from_chars does not.
bool ParseDouble(std::string_view s, double& out) {
  if (s.size() > 1 && s.front() == '+' && s[1] != '-') s.remove_prefix(1);
  if (s.empty()) return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool IsNaNText(std::string_view s) {
  return s.size() == 3 && (s[0] == 'n' || s[0] == 'N') && (s[1] == 'a' || s[1] == 'A') &&
         (s[2] == 'n' || s[2] == 'N');
}

// Reads exactly `digits` decimal digits at `s[pos]`.
bool ReadDigits(std::string_view s, size_t& pos, size_t digits, int& out) {
  if (pos + digits > s.size()) return false;
  out = 0;
  for (size_t i = 0; i < digits; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += digits;
  return true;
}

}  // namespace

// Shared with the MQTT JSON decoder through internal.h.
bool internal::ParseIsoTime(std::string_view s, Timestamp& out) {
  using namespace std::chrono;
  size_t pos = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!ReadDigits(s, pos, 4, y) || pos >= s.size() || s[pos++] != '-' ||
      !ReadDigits(s, pos, 2, mo) || pos >= s.size() || s[pos++] != '-' ||
      !ReadDigits(s, pos, 2, d)) {
    return false;
  }
  const year_month_day ymd{year(y), month(static_cast<unsigned>(mo)),
                           day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return false;
  int64_t nanos = 0;
  int offset_minutes = 0;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return false;
    ++pos;
    if (!ReadDigits(s, pos, 2, h) || pos >= s.size() || s[pos++] != ':' ||
        !ReadDigits(s, pos, 2, mi)) {
      return false;
    }
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!ReadDigits(s, pos, 2, sec)) return false;
      if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        int64_t scale = 100'000'000;
        const size_t first = pos;
        for (; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos) {
          nanos += (s[pos] - '0') * scale;
          scale /= 10;
        }
        if (pos == first) return false;
      }
    }
    if (h > 23 || mi > 59 || sec > 60) return false;
    if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
      ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
      const int sign = s[pos++] == '-' ? -1 : 1;
      int oh = 0, om = 0;
      if (!ReadDigits(s, pos, 2, oh)) return false;
      if (pos < s.size() && s[pos] == ':') ++pos;
      if (!ReadDigits(s, pos, 2, om) || oh > 23 || om > 59) return false;
      offset_minutes = sign * (oh * 60 + om);
    }
    if (pos != s.size()) return false;
  }
  const sys_seconds t = sys_days(ymd) + hours(h) + minutes(mi - offset_minutes) + seconds(sec);
  // Years 0..9999 in nanoseconds fit in int64 only between 1677 and 2262.
  constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / 1'000'000'000 - 1;
  const int64_t secs = t.time_since_epoch().count();
  if (secs > kMaxSeconds || secs < -kMaxSeconds) return false;
  out = Timestamp(nanoseconds(secs * 1'000'000'000 + nanos));
  return true;
}

namespace {

// Seconds since the Unix epoch, or an ISO-8601 date-time.
bool ParseTime(std::string_view s, Timestamp& out) {
  double secs = 0;
  if (ParseDouble(s, secs)) {
    constexpr double kMaxSeconds = 9.2e9;  // int64 nanoseconds end in 2262
    if (!std::isfinite(secs) || std::abs(secs) > kMaxSeconds) return false;
    out = Timestamp(std::chrono::nanoseconds(std::llround(secs * 1e9)));
    return true;
  }
  return internal::ParseIsoTime(s, out);
}

// A cell for an error message: bounded, so a binary file does not produce a megabyte message.
std::string_view Shorten(std::string_view cell) { return cell.substr(0, 40); }

char DetectDelimiter(std::string_view header) {
  char best = ',';
  size_t best_count = 0;
  for (const char d : {',', ';', '\t'}) {
    const auto n = static_cast<size_t>(std::count(header.begin(), header.end(), d));
    if (n > best_count) {
      best = d;
      best_count = n;
    }
  }
  return best;
}

// The sampling rate of a time column: the mean of the intervals within half of the median
// interval. The median alone would keep the rounding of printed times (1/25600 s printed with 7
// decimals reads as 39.0 or 39.1 us, never 39.0625); averaging the regular intervals removes it,
// while gaps and repeated times, far from the median, are left out.
std::optional<double> MedianRate(const std::vector<Timestamp>& t) {
  std::vector<int64_t> intervals;
  intervals.reserve(t.size());
  for (size_t i = 1; i < t.size(); ++i) {
    const int64_t dt = ToNanos(t[i]) - ToNanos(t[i - 1]);  // both within ±2^63/2: no overflow
    if (dt > 0) intervals.push_back(dt);
  }
  if (intervals.empty()) return std::nullopt;
  std::vector<int64_t> sorted = intervals;
  const auto mid = sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2);
  std::nth_element(sorted.begin(), mid, sorted.end());
  const double median = static_cast<double>(*mid);
  double sum = 0;
  size_t n = 0;
  for (int64_t dt : intervals) {
    if (std::abs(static_cast<double>(dt) - median) <= 0.5 * median) {
      sum += static_cast<double>(dt);
      ++n;
    }
  }
  return 1e9 * static_cast<double>(n) / sum;
}

// Cuts the text into lines; tracks 1-based line numbers for messages.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}

  // The next line that is not blank, without its line end; false at the end.
  bool Next(std::string_view& line) {
    while (pos_ < text_.size()) {
      size_t nl = text_.find('\n', pos_);
      if (nl == std::string_view::npos) nl = text_.size();
      line = text_.substr(pos_, nl - pos_);
      pos_ = nl + 1;
      ++line_number_;
      // Not trimmed: with a tab delimiter a leading tab is an empty first field.
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!Trim(line).empty()) return true;
    }
    return false;
  }
  size_t line_number() const { return line_number_; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  size_t line_number_ = 0;
};

}  // namespace

Result<SignalTable> ParseCsv(std::string_view text, std::string source, const CsvOptions& options) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 byte order mark
  LineReader lines(text);
  std::string_view line;
  if (!lines.Next(line)) {
    return InvalidArgument(source + ": empty file; a CSV needs a header row");
  }
  const char delim = options.delimiter != 0 ? options.delimiter : DetectDelimiter(line);
  const auto where = [&source](size_t line) { return fmt::format("{}:{}", source, line); };

  std::vector<std::string_view> fields;
  if (!SplitFields(line, delim, fields)) {
    return InvalidArgument(where(lines.line_number()) + ": unterminated quote in the header");
  }
  const size_t width = fields.size();
  std::vector<std::string> names;
  int time_column = -1;
  for (size_t j = 0; j < width; ++j) {
    names.push_back(Unquote(fields[j]));
    if (names.back().empty()) names.back() = fmt::format("column{}", j + 1);
    const std::string lower = Lower(names.back());
    if (time_column < 0 &&
        std::find(kTimeNames.begin(), kTimeNames.end(), lower) != kTimeNames.end()) {
      time_column = static_cast<int>(j);
    }
  }

  SignalTable table;
  std::vector<std::vector<double>> values(width);
  size_t rows = 0;
  while (lines.Next(line)) {
    if (rows == options.max_rows) {
      return InvalidArgument(where(lines.line_number()) +
                             fmt::format(": more than {} data rows", options.max_rows));
    }
    if (!SplitFields(line, delim, fields)) {
      return InvalidArgument(where(lines.line_number()) + ": unterminated quote");
    }
    if (fields.size() != width) {
      return InvalidArgument(where(lines.line_number()) +
                             fmt::format(": {} fields, the header has {}", fields.size(), width));
    }
    for (size_t j = 0; j < width; ++j) {
      const std::string_view cell = StripQuotes(fields[j]);
      if (static_cast<int>(j) == time_column) {
        Timestamp t;
        if (!ParseTime(cell, t)) {
          return InvalidArgument(
              where(lines.line_number()) +
              fmt::format(": column '{}': '{}' is not a time (seconds or ISO-8601)", names[j],
                          Shorten(cell)));
        }
        table.timestamps.push_back(t);
        continue;
      }
      double v = 0;
      if (cell.empty() || IsNaNText(cell)) {
        v = std::numeric_limits<double>::quiet_NaN();  // missing data: the quality gate judges it
      } else if (!ParseDouble(cell, v)) {
        return InvalidArgument(
            where(lines.line_number()) +
            fmt::format(": column '{}': '{}' is not a number", names[j], Shorten(cell)));
      }
      values[j].push_back(v);
    }
    ++rows;
  }

  for (size_t j = 0; j < width; ++j) {
    if (static_cast<int>(j) == time_column) continue;
    table.columns.push_back({std::move(names[j]), std::move(values[j])});
  }
  if (time_column >= 0) table.sample_rate_hz = MedianRate(table.timestamps);
  table.source = std::move(source);  // last: `where` refers to it
  return table;
}

Result<SignalTable> ReadCsvFile(const std::string& path, const CsvOptions& options) {
  EL_ASSIGN_OR_RETURN(const std::string text, internal::ReadWholeFile(path));
  return ParseCsv(text, path, options);
}

}  // namespace edgeloop::ingest
