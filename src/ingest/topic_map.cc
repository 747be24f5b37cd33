// Topic filters are matched level by level on string_views: no copies of the topic, so the
// per-message cost is one split of the topic name.
#include "ingest/topic_map.h"

#include <fmt/format.h>

#include <cmath>
#include <utility>

namespace edgeloop::ingest {
namespace {

constexpr size_t kMaxTopicBytes = 65535;  // MQTT 3.1.1 section 1.5.3: a two-byte length prefix
constexpr std::string_view kAssetCapture = "{asset}";
constexpr std::string_view kChannelCapture = "{channel}";

std::vector<std::string_view> SplitLevels(std::string_view s) {
  std::vector<std::string_view> levels;
  size_t begin = 0;
  while (true) {
    const size_t slash = s.find('/', begin);
    if (slash == std::string_view::npos) {
      levels.push_back(s.substr(begin));
      return levels;
    }
    levels.push_back(s.substr(begin, slash - begin));
    begin = slash + 1;
  }
}

bool IsCapture(std::string_view level) {
  return level == kAssetCapture || level == kChannelCapture;
}

// Matches split levels. With `captures`, `{asset}`/`{channel}` levels act as a `+` that needs a
// non-empty level; without, they are ordinary text (a valid MQTT filter may contain braces).
template <typename Level>
bool MatchLevels(const std::vector<Level>& filter, const std::vector<std::string_view>& topic,
                 bool captures) {
  // MQTT 3.1.1 section 4.7.2: wildcards at the first level do not match `$` topics.
  const bool dollar = !topic.empty() && !topic[0].empty() && topic[0][0] == '$';
  for (size_t i = 0; i < filter.size(); ++i) {
    const std::string_view f = filter[i];
    const bool capture = captures && IsCapture(f);
    if (i == 0 && dollar && (f == "+" || f == "#" || capture)) return false;
    if (f == "#") return true;  // also matches the parent level: "a/#" matches "a"
    if (i >= topic.size()) return false;
    if (capture) {
      if (topic[i].empty()) return false;
    } else if (f != "+" && f != topic[i]) {
      return false;
    }
  }
  return filter.size() == topic.size();
}

Status CheckLength(std::string_view s, std::string_view what) {
  if (s.empty()) return InvalidArgument(fmt::format("{} is empty", what));
  if (s.size() > kMaxTopicBytes) {
    return InvalidArgument(
        fmt::format("{} is {} bytes, MQTT allows {}", what, s.size(), kMaxTopicBytes));
  }
  if (s.find('\0') != std::string_view::npos) {
    return InvalidArgument(fmt::format("{} contains a NUL character", what));
  }
  return Status::Ok();
}

}  // namespace

Status ValidateTopicFilter(std::string_view filter) {
  EL_RETURN_IF_ERROR(CheckLength(filter, "topic filter"));
  const std::vector<std::string_view> levels = SplitLevels(filter);
  for (size_t i = 0; i < levels.size(); ++i) {
    const std::string_view level = levels[i];
    if (level.find('#') != std::string_view::npos) {
      if (level != "#") {
        return InvalidArgument(fmt::format("topic filter '{}': '#' must be a whole level", filter));
      }
      if (i + 1 != levels.size()) {
        return InvalidArgument(
            fmt::format("topic filter '{}': '#' must be the last level", filter));
      }
    }
    if (level.find('+') != std::string_view::npos && level != "+") {
      return InvalidArgument(fmt::format("topic filter '{}': '+' must be a whole level", filter));
    }
  }
  return Status::Ok();
}

Status ValidateTopicName(std::string_view topic) {
  EL_RETURN_IF_ERROR(CheckLength(topic, "topic name"));
  if (topic.find_first_of("+#") != std::string_view::npos) {
    return InvalidArgument(fmt::format("topic name '{}' contains a wildcard", topic));
  }
  return Status::Ok();
}

bool TopicMatches(std::string_view filter, std::string_view topic) {
  if (!ValidateTopicFilter(filter).ok() || !ValidateTopicName(topic).ok()) return false;
  return MatchLevels(SplitLevels(filter), SplitLevels(topic), /*captures=*/false);
}

Result<TopicMap> TopicMap::Create(std::vector<TopicMapping> mappings) {
  TopicMap map;
  for (size_t m = 0; m < mappings.size(); ++m) {
    const TopicMapping& mapping = mappings[m];
    const auto fail = [&](std::string_view why) {
      return InvalidArgument(fmt::format("topic mapping {} ('{}'): {}", m, mapping.pattern, why));
    };
    if (Status s = ValidateTopicFilter(mapping.pattern); !s.ok()) return fail(s.message());
    Compiled compiled;
    const std::vector<std::string_view> levels = SplitLevels(mapping.pattern);
    for (size_t i = 0; i < levels.size(); ++i) {
      const std::string_view level = levels[i];
      int* slot = level == kAssetCapture     ? &compiled.asset_level
                  : level == kChannelCapture ? &compiled.channel_level
                                             : nullptr;
      if (slot != nullptr) {
        if (*slot >= 0) return fail(fmt::format("captures {} twice", level));
        *slot = static_cast<int>(i);
      } else if (level.find_first_of("{}") != std::string_view::npos) {
        return fail("braces only as a whole-level capture {asset} or {channel}");
      }
      compiled.levels.emplace_back(level);
    }
    if ((compiled.asset_level >= 0) == !mapping.asset.empty()) {
      return fail("the asset must come from exactly one of a {asset} capture or the mapping");
    }
    if ((compiled.channel_level >= 0) == !mapping.channel.empty()) {
      return fail("the channel must come from exactly one of a {channel} capture or the mapping");
    }
    if (!std::isfinite(mapping.nominal_rate_hz) || mapping.nominal_rate_hz <= 0) {
      return fail(
          fmt::format("nominal rate {} Hz is not a positive number", mapping.nominal_rate_hz));
    }
    map.compiled_.push_back(std::move(compiled));
  }
  map.mappings_ = std::move(mappings);
  return map;
}

std::optional<TopicTarget> TopicMap::Resolve(std::string_view topic) const {
  if (!ValidateTopicName(topic).ok()) return std::nullopt;
  const std::vector<std::string_view> levels = SplitLevels(topic);
  for (size_t m = 0; m < compiled_.size(); ++m) {
    const Compiled& c = compiled_[m];
    if (!MatchLevels(c.levels, levels, /*captures=*/true)) continue;
    const TopicMapping& mapping = mappings_[m];
    TopicTarget target;
    target.asset = c.asset_level >= 0 ? std::string(levels[c.asset_level]) : mapping.asset;
    target.channel = c.channel_level >= 0 ? std::string(levels[c.channel_level]) : mapping.channel;
    target.kind = mapping.kind;
    target.nominal_rate_hz = mapping.nominal_rate_hz;
    target.mapping_index = m;
    return target;
  }
  return std::nullopt;
}

std::vector<std::string> TopicMap::SubscriptionFilters() const {
  std::vector<std::string> filters;
  for (const Compiled& c : compiled_) {
    std::string filter;
    for (size_t i = 0; i < c.levels.size(); ++i) {
      if (i > 0) filter += '/';
      filter += IsCapture(c.levels[i]) ? std::string("+") : c.levels[i];
    }
    filters.push_back(std::move(filter));
  }
  return filters;
}

}  // namespace edgeloop::ingest
