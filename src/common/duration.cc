#include "common/duration.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace edgeloop {

Result<Duration> ParseDuration(std::string_view text) {
  const std::string quoted = fmt::format("'{}'", text);
  size_t unit_pos = 0;
  while (unit_pos < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[unit_pos])) || text[unit_pos] == '.')) {
    ++unit_pos;
  }
  if (unit_pos == 0) {
    return InvalidArgument("duration " + quoted + " must start with a number, e.g. 60s or 10m");
  }
  double number = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + unit_pos, number);
  if (ec != std::errc() || ptr != text.data() + unit_pos) {
    return InvalidArgument("duration " + quoted + " has a malformed number");
  }
  const std::string_view unit = text.substr(unit_pos);
  double seconds_per_unit = 0;
  if (unit == "ns") {
    seconds_per_unit = 1e-9;
  } else if (unit == "us") {
    seconds_per_unit = 1e-6;
  } else if (unit == "ms") {
    seconds_per_unit = 1e-3;
  } else if (unit == "s") {
    seconds_per_unit = 1;
  } else if (unit == "m") {
    seconds_per_unit = 60;
  } else if (unit == "h") {
    seconds_per_unit = 3600;
  } else if (unit == "d") {
    seconds_per_unit = 86400;
  } else if (unit.empty()) {
    return InvalidArgument("duration " + quoted + " needs a unit (ns, us, ms, s, m, h, d)");
  } else {
    return InvalidArgument("duration " + quoted + " has unknown unit '" + std::string(unit) +
                           "' (use ns, us, ms, s, m, h or d)");
  }
  const double seconds = number * seconds_per_unit;
  if (!std::isfinite(seconds) || seconds > 1e9) {
    return InvalidArgument("duration " + quoted + " is too large");
  }
  return FromSeconds(seconds);
}

std::string FormatDuration(Duration d) {
  const double total = ToSeconds(d);
  const bool negative = total < 0;
  const double s = std::fabs(total);
  char buf[64];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%.1fs", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%dm %02ds", static_cast<int>(s / 60),
                  static_cast<int>(std::fmod(s, 60)));
  } else {
    std::snprintf(buf, sizeof buf, "%dh %02dm", static_cast<int>(s / 3600),
                  static_cast<int>(std::fmod(s, 3600) / 60));
  }
  return fmt::format("{}{}", negative ? "-" : "", buf);
}

}  // namespace edgeloop
