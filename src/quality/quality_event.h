// What the quality gate reports besides flagged samples: runs of quarantined samples and events.
// Plain value types.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.h"
#include "quality/quality_config.h"

namespace edgeloop::quality {

// Consecutive samples [first, first + count) of one batch that failed `rule`.
struct QuarantineRun {
  size_t first = 0;
  size_t count = 0;
  Rule rule = Rule::kNotFinite;
  float first_value = 0;  // the first offending value, for the reason text
};

// Something the gate noticed about a channel rather than about single samples: a gap, a rate
// deviation, or the beginning or end of a clock-skew or calibration-drift episode.
struct QualityEvent {
  std::string asset;
  std::string channel;
  Rule rule = Rule::kGap;
  Timestamp start;  // gap: first missing time; episodes: when the episode is estimated to begin
  Timestamp end;    // gap: time of the next sample; episodes: detection (ongoing) or recovery time
  std::string detail;
  // Episodes only: true for the record emitted when an episode is detected (it goes on, and its
  // samples are being quarantined), false for the record emitted when it ends.
  bool ongoing = false;
};

namespace internal {

// Marks "no rule failed" in a per-sample flag vector (otherwise the Rule's value).
inline constexpr uint8_t kUnflagged = 0xFF;

inline bool IsFlagged(const std::vector<uint8_t>& flags, size_t i) {
  return flags[i] != kUnflagged;
}
// Flags sample i with `rule` unless a rule of higher priority already did.
inline void Flag(std::vector<uint8_t>& flags, size_t i, Rule rule) {
  if (flags[i] == kUnflagged) flags[i] = static_cast<uint8_t>(rule);
}

// Collects the events of one channel during one Check call.
struct EventSink {
  const std::string& asset;
  const std::string& channel;
  std::vector<QualityEvent>& out;

  void Emit(Rule rule, Timestamp start, Timestamp end, std::string detail, bool ongoing = false) {
    out.push_back({asset, channel, rule, start, end, std::move(detail), ongoing});
  }
};

}  // namespace internal
}  // namespace edgeloop::quality
