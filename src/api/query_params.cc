#include "api/query_params.h"

#include <charconv>

#include "fleet/batch_decoder.h"

namespace edgeloop::api {
namespace {

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

}  // namespace

Result<store::TimeMs> ParseTimeText(std::string_view name, std::string_view text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
    std::optional<int64_t> ms = ParseInt(text);
    if (!ms) return InvalidArgument(std::string(name) + ": integer milliseconds out of range");
    return *ms;
  }
  Result<store::TimeMs> parsed = fleet::ParseRfc3339Ms(text);
  if (!parsed.ok()) {
    return InvalidArgument(std::string(name) +
                           ": expected an RFC 3339 time or integer Unix milliseconds");
  }
  return *parsed;
}

Result<std::optional<store::TimeMs>> QueryTime(const Request& request, const std::string& name) {
  std::optional<std::string> text = request.Query(name);
  if (!text) return std::optional<store::TimeMs>();
  EL_ASSIGN_OR_RETURN(store::TimeMs ms, ParseTimeText(name, *text));
  return std::optional<store::TimeMs>(ms);
}

Result<std::optional<int64_t>> QueryInt(const Request& request, const std::string& name,
                                        int64_t min, int64_t max) {
  std::optional<std::string> text = request.Query(name);
  if (!text) return std::optional<int64_t>();
  std::optional<int64_t> value = ParseInt(*text);
  if (!value || *value < min || *value > max) {
    return InvalidArgument(name + ": expected an integer in [" + std::to_string(min) + ", " +
                           std::to_string(max) + "]");
  }
  return value;
}

Result<TimeRange> QueryTimeRange(const Request& request, store::TimeMs now,
                                 store::TimeMs default_span_ms) {
  EL_ASSIGN_OR_RETURN(std::optional<store::TimeMs> from, QueryTime(request, "from"));
  EL_ASSIGN_OR_RETURN(std::optional<store::TimeMs> to, QueryTime(request, "to"));
  TimeRange range;
  range.to = to.value_or(now);
  range.from = from.value_or(range.to - default_span_ms);
  if (range.from >= range.to) return InvalidArgument("from: must be before to");
  return range;
}

Result<std::vector<std::string>> QueryList(const Request& request, const std::string& name) {
  std::vector<std::string> items;
  std::optional<std::string> text = request.Query(name);
  if (!text) return items;
  size_t start = 0;
  while (true) {
    size_t comma = text->find(',', start);
    std::string item = text->substr(start, comma == std::string::npos ? comma : comma - start);
    if (item.empty()) return InvalidArgument(name + ": empty item in the comma-separated list");
    items.push_back(std::move(item));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

Result<int64_t> ParsePositiveId(std::string_view name, std::string_view text) {
  std::optional<int64_t> id = ParseInt(text);
  if (!id || *id < 1) return InvalidArgument(std::string(name) + ": expected a positive integer");
  return *id;
}

}  // namespace edgeloop::api
