// Calibration-drift rules of the quality gate: per-second levels, a learned reference, and a
// two-sided CUSUM with recovery (see DriftSettings). Internal to the quality library; QualityGate
// owns these per channel and per redundant pair and calls them from its own thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "common/sample.h"
#include "quality/quality_config.h"

namespace edgeloop::quality::internal {

// Cuts a channel's good samples into whole seconds of stream time (by the sample's timestamp)
// and reports each finished second's level: mean for scalars, RMS for waveforms. A second is
// finished when a sample of a later second arrives; seconds with fewer than a quarter of the
// expected samples (at least one) are skipped.
int64_t SecondOf(Timestamp t);  // whole seconds since the epoch, rounded down

class LevelTracker {
 public:
  using OnLevel = std::function<void(int64_t second, double level)>;
  // Adds one good sample.
  void Add(Timestamp t, float value, ChannelKind kind, double rate_hz, const OnLevel& on_level);
  // Adds `count` good samples of one second at once: `sum` of their values (scalars) or of
  // their squares (waveforms).
  void AddSum(int64_t second, double sum, uint64_t count, ChannelKind kind, double rate_hz,
              const OnLevel& on_level);

 private:
  bool has_ = false;
  int64_t second_ = 0;
  double sum_ = 0;
  uint64_t count_ = 0;
  ChannelKind kind_ = ChannelKind::kTemperature;
  double rate_hz_ = 1;
};

// Learns a reference from the first baseline_s deviations-to-be, then runs the CUSUM.
class DriftDetector {
 public:
  enum class Change { kNone, kBegan, kEnded };

  // Feeds the level of `second`. Before the baseline is learned this only learns.
  Change Update(int64_t second, double level, const DriftSettings& s);
  // Forgets the baseline and any episode: learning starts again (after a recalibration).
  void Reset() { *this = DriftDetector(); }

  bool active() const { return active_; }
  bool learned() const { return baseline_.has_value(); }
  double baseline() const { return baseline_.value_or(0); }
  double last_level() const { return last_level_; }
  double last_deviation() const { return last_deviation_; }
  // Estimated first second of the current or last episode (when its CUSUM left zero).
  int64_t episode_start() const { return episode_start_; }
  // A sentence for events, e.g. "level 41.2 vs baseline 37.9 (+3.3)".
  std::string Describe(std::string_view what) const;

 private:
  double learn_sum_ = 0;
  uint64_t learn_count_ = 0;
  std::optional<double> baseline_;
  double pos_ = 0, neg_ = 0;               // CUSUM sums
  int64_t pos_start_ = 0, neg_start_ = 0;  // second each sum last left zero
  bool active_ = false;
  int64_t episode_start_ = 0;
  uint64_t in_band_ = 0;  // consecutive seconds within the allowance during an episode
  double last_level_ = 0;
  double last_deviation_ = 0;
  bool relative_ = false;
};

}  // namespace edgeloop::quality::internal
