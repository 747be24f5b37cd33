// Rules and configuration of the ingestion quality gate.
//
// Every rule has a stable reason code (RuleName) that is stored with quarantined data and events,
// so the codes never change meaning. Settings are per channel kind, because a 25.6 kHz
// accelerometer and a 1 Hz temperature probe fail in different ways. Plain value types; Validate
// says in words what is wrong with a config.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/sample.h"
#include "common/status.h"

namespace edgeloop::quality {

// The order is the priority: a sample that fails several rules is reported under the first.
// Sample-level rules flag (quarantine) individual samples; event-level rules (gap,
// rate_deviation) only report QualityEvents; episode rules (clock_skew, calibration_drift) do
// both: an event when the episode begins and ends, and the samples in between are quarantined.
enum class Rule : uint8_t {
  kNotFinite = 0,       // NaN or +/-Inf: a broken sensor or decoder
  kOutOfRange,          // outside what the sensor or the physics can produce
  kClockSkew,           // the source's clock disagrees with the gateway's receive time
  kFutureTimestamp,     // stamped later than "now" (receive time, else the gateway clock)
  kDuplicateTimestamp,  // a time the channel has already delivered (a re-sent reading)
  kOutOfOrder,          // older than the channel's latest sample, and not a duplicate
  kStuck,               // the value did not change for too many samples (flatline)
  kSpike,               // an isolated excursion from its neighbours (Hampel filter)
  kCalibrationDrift,    // level drifted from its baseline or from a redundant sensor
  kGap,                 // samples missing: the time between two samples is too long (event)
  kRateDeviation,       // the measured sampling rate is off the nominal rate (event)
  kCount,
};
inline constexpr size_t kRuleCount = static_cast<size_t>(Rule::kCount);

// Stable reason code stored with quarantined data and events, e.g. "not_finite".
std::string_view RuleName(Rule rule);

struct PhysicalRange {
  double min = 0;
  double max = 0;
};

// Flatline: `min_run` consecutive samples within `tolerance` of the first of them. Dead or frozen
// sensors repeat their last value; live ones always carry some noise.
struct StuckSettings {
  bool enabled = true;
  size_t min_run = 64;      // samples
  double tolerance = 1e-5;  // in the channel's unit
};

// Hampel filter: a sample is a spike when it lies further than max(threshold x robust sigma,
// threshold x batch robust sigma, min_deviation) from the median of its neighbours (robust
// sigma = 1.4826 x MAD of the neighbours). Waveforms are judged two-sided, against the
// half_window samples before and the half_window after, so a bearing impact, which rings on,
// is not a spike; neighbours from the previous batch are carried over. Scalars use the
// 2 x half_window previous readings (causal), because slow channels arrive a reading per batch.
struct SpikeSettings {
  bool enabled = true;
  size_t half_window = 5;
  double threshold = 8;        // in robust standard deviations (1.4826 x MAD)
  double min_deviation = 0.5;  // in the channel's unit; keeps quiet signals from flagging noise
};

struct TimingSettings {
  bool check_order = true;  // out_of_order and duplicate_timestamp
  bool check_gaps = true;
  double gap_factor = 1.5;  // an interval longer than gap_factor nominal intervals is a gap
  bool check_rate = true;
  double rate_window_s = 10;     // stream time over which the rate is measured
  double rate_tolerance = 0.02;  // |measured / nominal - 1| above this is a deviation
  // Two times closer than this fraction of the nominal interval are the same time.
  double duplicate_tolerance = 0.1;
};

// CUSUM on a per-second level (mean for scalars, RMS for waveforms): the deviation d from the
// reference (level - baseline, or level / baseline - 1 when `relative`) accumulates in
// S+ = max(0, S+ + d - allowance) and S- = max(0, S- - d - allowance); an episode begins when
// either exceeds `threshold` and ends after `recovery_s` consecutive seconds with |d| <= allowance.
struct DriftSettings {
  bool enabled = false;
  double baseline_s = 600;  // seconds of levels that make the reference, learned at the start
  bool relative = false;
  double allowance = 2.0;  // deviation that is normal process variation
  double threshold = 30;   // deviation x seconds beyond the allowance
  double recovery_s = 30;
};

// All settings of one channel kind.
struct ChannelRules {
  StuckSettings stuck;
  SpikeSettings spike;
  TimingSettings timing;
  // Single-sensor drift against the channel's own learned baseline. Off by default: one sensor
  // cannot tell a drifting gain from a machine that really changed (a bearing fault raises both
  // vibration and temperature), so turn it on only where the level is known to be steady.
  DriftSettings drift;
  // Drift between two redundant sensors (QualityConfig::redundant_pairs); on by default.
  DriftSettings pair_drift;
};

ChannelRules DefaultVibrationRules();
ChannelRules DefaultTemperatureRules();

struct ClockSettings {
  bool check_future = true;
  // Samples up to this far ahead of "now" pass: sources that stamp the end of a poll, and
  // simulated plants that hand over a step before their clock reaches its end.
  double future_tolerance_s = 5;
  bool check_skew = true;  // needs SampleBatch::received
  double skew_tolerance_s = 2;
  // A late batch may just have been delayed; this many late batches in a row are a skew.
  size_t skew_batches = 5;
};

// Two sensors of one asset that measure the same thing, e.g. "temp_bearing" and
// "temp_bearing_b"; both must be of the same kind.
struct RedundantPair {
  std::string channel_a;
  std::string channel_b;
};

struct QualityConfig {
  PhysicalRange vibration_g{-50, 50};     // a +/-50 g accelerometer saturates beyond this
  PhysicalRange temperature_c{-40, 150};  // industrial bearing temperature sensor range
  bool check_range = true;                // not_finite cannot be turned off
  ChannelRules vibration = DefaultVibrationRules();
  ChannelRules temperature = DefaultTemperatureRules();
  ClockSettings clock;
  std::vector<RedundantPair> redundant_pairs;
  double score_horizon_s = 60;  // QualityScore looks back this far in stream time

  const PhysicalRange& RangeFor(ChannelKind kind) const {
    return kind == ChannelKind::kVibration ? vibration_g : temperature_c;
  }
  const ChannelRules& RulesFor(ChannelKind kind) const {
    return kind == ChannelKind::kVibration ? vibration : temperature;
  }
};

// OK, or InvalidArgument naming the setting, e.g. "quality.temperature.spike.half_window ...".
Status Validate(const QualityConfig& config);

}  // namespace edgeloop::quality
