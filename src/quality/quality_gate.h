// QualityGate: the checks every sample passes before it may reach features or models.
//
// Named, configurable rules (quality_config.h) run in priority order over each batch:
//   not_finite, out_of_range                 per sample, no history
//   clock_skew                               per batch, from SampleBatch::received
//   future_timestamp, duplicate_timestamp,   per sample, against the channel's timeline
//   out_of_order
//   stuck, spike                             per sample, with the channel's recent values
//   calibration_drift                        per-second levels against a baseline / a twin
//   gap, rate_deviation                      events only
// Check() returns the flagged samples as runs with their reason, for the caller to quarantine
// (never to drop silently) and to keep out of everything that is learned from or scored. Events
// (gaps, rate deviations, beginning and end of skew and drift episodes) queue up in the gate
// until TakeEvents(). Per channel (asset + "/" + channel) the gate keeps the rules' history,
// counters per rule and a quality score, so batches of one channel must come in the order they
// were received; nothing is delayed: every sample is judged when its batch is checked.
//
// Owned and called by one thread at a time. The Clock is not owned and must outlive the gate;
// it is read only when a batch has no receive time (for future timestamps).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/sample.h"
#include "common/status.h"
#include "quality/quality_config.h"
#include "quality/quality_event.h"

namespace edgeloop::quality {

namespace internal {
struct ChannelState;
struct PairState;
}  // namespace internal

// Counters and state of one channel, as of the last Check.
struct ChannelQuality {
  std::string asset;
  std::string channel;
  ChannelKind kind = ChannelKind::kVibration;
  uint64_t samples = 0;                        // samples checked
  std::array<uint64_t, kRuleCount> flagged{};  // samples quarantined, by the rule that flagged
  std::array<uint64_t, kRuleCount> events{};   // events emitted, by rule (episodes: begin + end)
  uint64_t missing = 0;                        // samples the gaps left out
  double score = 1;                            // QualityScore
  bool skew_active = false;
  bool drift_active = false;  // against its baseline or a redundant twin
};

class QualityGate {
 public:
  // `config` must pass Validate (a bad one is a broken invariant and aborts).
  QualityGate(QualityConfig config, const Clock& clock);
  ~QualityGate();
  QualityGate(const QualityGate&) = delete;
  QualityGate& operator=(const QualityGate&) = delete;

  // Checks every sample of `batch`; returns the flagged runs in sample order.
  std::vector<QuarantineRun> Check(const SampleBatch& batch);

  // Events since the last call, oldest first. At most kMaxPendingEvents wait; beyond that the
  // oldest are dropped and counted (events_dropped), so a caller that never asks stays bounded.
  std::vector<QualityEvent> TakeEvents();
  static constexpr size_t kMaxPendingEvents = 4096;

  // Share of good samples of the channel over the last score_horizon_s (by receive time, or
  // the gate's clock), where samples missing in gaps count as bad: good / (received + missing).
  // 1 for a channel with no samples in the horizon or never seen.
  double QualityScore(std::string_view asset, std::string_view channel) const;

  // Counters of every channel seen, ordered by asset and channel.
  std::vector<ChannelQuality> Snapshot() const;

  // Forgets the drift baselines of the channel (and of its redundant pairs) after a sensor was
  // recalibrated; an ongoing drift episode ends and learning starts again. NotFound for a
  // channel never seen.
  Status Rebaseline(std::string_view asset, std::string_view channel);

  uint64_t samples_checked() const { return samples_checked_; }
  uint64_t flagged(Rule rule) const { return flagged_[static_cast<size_t>(rule)]; }
  uint64_t flagged_total() const;
  uint64_t events_dropped() const { return events_dropped_; }
  const QualityConfig& config() const { return config_; }

 private:
  internal::ChannelState& Channel(const SampleBatch& batch);
  internal::ChannelState* Find(std::string_view asset, std::string_view channel) const;
  void CheckDrift(internal::ChannelState& ch, const SampleBatch& batch,
                  std::vector<uint8_t>& flags);
  void OnLevel(internal::ChannelState& ch, int64_t second, double level);
  void UpdatePair(internal::PairState& pair, int64_t second);
  bool DriftActive(const internal::ChannelState& ch) const;
  void Publish(size_t first_new_event);
  void AddToScore(internal::ChannelState& ch, Timestamp now, uint64_t total, uint64_t bad);

  const QualityConfig config_;
  const Clock& clock_;
  std::map<std::string, std::unique_ptr<internal::ChannelState>, std::less<>> channels_;
  std::vector<std::unique_ptr<internal::PairState>> pairs_;
  std::vector<QualityEvent> pending_;
  std::vector<uint8_t> flags_;  // scratch, one per sample of the batch being checked
  uint64_t samples_checked_ = 0;
  std::array<uint64_t, kRuleCount> flagged_{};
  uint64_t events_dropped_ = 0;
};

// The reason text stored with a quarantined run, e.g. "3 value(s) outside the physical range
// [-50, 50] g, first 120".
std::string DescribeRun(const QuarantineRun& run, const SampleBatch& batch,
                        const QualityConfig& config);

}  // namespace edgeloop::quality
