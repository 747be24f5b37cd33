// MQTT topic filters (MQTT 3.1.1 section 4.7) and the map from topics to asset/channel.
//
// Gateways publish each sensor on its own topic, e.g. `plant/pump-101/vib_de/vib`. A TopicMap
// holds an ordered list of mappings, each a topic pattern with optional captures, and tells the
// ingest source which asset, channel, channel kind and nominal rate a received topic feeds.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/sample.h"
#include "common/status.h"

namespace edgeloop::ingest {

// MQTT 3.1.1 topic filter: 1..65535 bytes, no NUL; `+` and `#` only as a whole level, `#` only
// as the last level. Error: InvalidArgument naming the rule broken.
[[nodiscard]] Status ValidateTopicFilter(std::string_view filter);

// MQTT 3.1.1 topic name (what a PUBLISH carries): 1..65535 bytes, no NUL, no wildcards.
[[nodiscard]] Status ValidateTopicName(std::string_view topic);

// Whether `topic` matches `filter` under MQTT 3.1.1 rules: `+` matches exactly one level (also an
// empty one), `#` matches the parent level and any number of levels below it, and a wildcard in
// the first level never matches a topic starting with `$` (broker topics such as `$SYS/...`).
// Both arguments must be valid (see above); an invalid one never matches.
bool TopicMatches(std::string_view filter, std::string_view topic);

// One mapping. `pattern` is an MQTT topic filter in which a whole level may also be `{asset}` or
// `{channel}`: such a capture matches one non-empty level (like `+`, but an empty level or a
// first-level `$` topic does not match) and yields that level as the asset or channel id.
// `asset` / `channel` give the id when the pattern does not capture it (and must then be
// non-empty); a pattern may not capture the same name twice, nor capture a name that is also
// given. Examples:
//   {"plant/{asset}/{channel}/vib", "", "", kVibration, 25600}
//   {"line1/+/temp/#", "pump-101", "temp_de", kTemperature, 1}
struct TopicMapping {
  std::string pattern;
  std::string asset;
  std::string channel;
  ChannelKind kind = ChannelKind::kVibration;
  double nominal_rate_hz = 0;  // > 0 and finite; used when a payload states no rate
};

// Where a topic's samples go.
struct TopicTarget {
  std::string asset;
  std::string channel;
  ChannelKind kind = ChannelKind::kVibration;
  double nominal_rate_hz = 0;
  size_t mapping_index = 0;  // which mapping matched (position in the list given to Create)
};

// An immutable, ordered list of mappings; the first one that matches a topic wins. Plain value:
// copyable, and every method is const, so any number of threads may share one.
class TopicMap {
 public:
  // Checks every mapping (valid pattern, well-formed captures, asset/channel each supplied
  // exactly once, rate > 0). Error: InvalidArgument naming the mapping by index and pattern.
  [[nodiscard]] static Result<TopicMap> Create(std::vector<TopicMapping> mappings);

  // The target of `topic`, or nullopt when no mapping matches (an unknown topic, which the
  // caller counts; it is not an error that stops a source). Invalid topic names never match.
  std::optional<TopicTarget> Resolve(std::string_view topic) const;

  // The filters to SUBSCRIBE to: each pattern with its captures replaced by `+`, in order.
  std::vector<std::string> SubscriptionFilters() const;

  const std::vector<TopicMapping>& mappings() const { return mappings_; }

 private:
  // A pattern split into levels, checked once by Create so Resolve does no validation.
  struct Compiled {
    std::vector<std::string> levels;
    int asset_level = -1;  // index of the `{asset}` level, or -1
    int channel_level = -1;
  };

  TopicMap() = default;

  std::vector<TopicMapping> mappings_;
  std::vector<Compiled> compiled_;
};

}  // namespace edgeloop::ingest
