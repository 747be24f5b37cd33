// Parsing and printing of human durations such as "60s", "1.5m", "2h", "250ms".
#pragma once

#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace edgeloop {

// Accepts a non-negative decimal number followed by one unit: ns, us, ms, s, m, h, d.
// A bare number is refused (units are never guessed).
Result<Duration> ParseDuration(std::string_view text);

// "1h 02m 03.5s"-style compact rendering for progress and summaries, e.g. "42.0s", "3m 20s".
std::string FormatDuration(Duration d);

}  // namespace edgeloop
