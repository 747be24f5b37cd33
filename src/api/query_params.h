// Query-string parameters of the data routes (catalog, alerts, insight): times given as RFC 3339
// or integer Unix ms, bounded integers, enumerations and comma lists. Every parser answers
// kInvalidArgument with a message that starts with the parameter's name, so a 400 tells the
// caller exactly which parameter to fix. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/route.h"
#include "common/status.h"
#include "store/hub_types.h"

namespace edgeloop::api {

// "2026-11-23T03:39:21.713Z" (or with an offset) or a non-negative integer of Unix ms.
Result<store::TimeMs> ParseTimeText(std::string_view name, std::string_view text);

// The optional time parameter `name`.
Result<std::optional<store::TimeMs>> QueryTime(const Request& request, const std::string& name);

// The optional integer parameter `name`, which must lie in [min, max].
Result<std::optional<int64_t>> QueryInt(const Request& request, const std::string& name,
                                        int64_t min, int64_t max);

// [from, to) from the "from" and "to" parameters; absent ones default to the `default_span_ms`
// before `now` and to `now`. kInvalidArgument unless from < to.
struct TimeRange {
  store::TimeMs from = 0;
  store::TimeMs to = 0;
};
Result<TimeRange> QueryTimeRange(const Request& request, store::TimeMs now,
                                 store::TimeMs default_span_ms);

// "a,b,c" -> {"a","b","c"}; empty items are refused.
Result<std::vector<std::string>> QueryList(const Request& request, const std::string& name);

// A positive integer path id such as the {id} of /v1/alerts/{id}.
Result<int64_t> ParsePositiveId(std::string_view name, std::string_view text);

}  // namespace edgeloop::api
