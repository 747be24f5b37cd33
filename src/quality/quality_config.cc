#include "quality/quality_config.h"

#include <fmt/format.h>

#include <cmath>
#include <set>

namespace edgeloop::quality {

std::string_view RuleName(Rule rule) {
  switch (rule) {
    case Rule::kNotFinite:
      return "not_finite";
    case Rule::kOutOfRange:
      return "out_of_range";
    case Rule::kClockSkew:
      return "clock_skew";
    case Rule::kFutureTimestamp:
      return "future_timestamp";
    case Rule::kDuplicateTimestamp:
      return "duplicate_timestamp";
    case Rule::kOutOfOrder:
      return "out_of_order";
    case Rule::kStuck:
      return "stuck";
    case Rule::kSpike:
      return "spike";
    case Rule::kCalibrationDrift:
      return "calibration_drift";
    case Rule::kGap:
      return "gap";
    case Rule::kRateDeviation:
      return "rate_deviation";
    case Rule::kCount:
      break;
  }
  return "unknown";
}

ChannelRules DefaultVibrationRules() {
  ChannelRules r;
  r.stuck = {true, 64, 1e-5};  // 2.5 ms at 25.6 kHz: a live accelerometer never repeats so long
  r.spike = {true, 5, 8, 0.5};
  r.timing.rate_window_s = 10;
  // The RMS of a healthy machine wanders about 1 % with load; 6 % is well outside that.
  r.drift = {false, 60, true, 0.06, 0.6, 10};
  r.pair_drift = {true, 60, true, 0.05, 0.5, 10};
  return r;
}

ChannelRules DefaultTemperatureRules() {
  ChannelRules r;
  r.stuck = {true, 60, 1e-3};  // one minute at 1 Hz; quantised sensors repeat for a few readings
  // A bearing housing cannot change by a degree within a few seconds: larger jumps are spikes.
  r.spike = {true, 5, 8, 1.0};
  r.timing.rate_window_s = 60;  // one reading per second: a longer window averages poll jitter
  // Load changes move a bearing by about +/-1 degC over minutes; 2 degC is beyond that.
  r.drift = {false, 600, false, 2.0, 30, 30};
  r.pair_drift = {true, 300, false, 1.0, 20, 30};
  return r;
}

namespace {

Status Bad(std::string_view name, std::string_view requirement, double got) {
  return InvalidArgument(fmt::format("quality.{} must be {}, got {}", name, requirement, got));
}

Status ValidateDrift(const DriftSettings& d, const std::string& p) {
  if (!(d.baseline_s >= 1) || d.baseline_s > 86400) {
    return Bad(p + ".baseline_s", "in [1, 86400]", d.baseline_s);
  }
  if (!(d.allowance >= 0) || !std::isfinite(d.allowance)) {
    return Bad(p + ".allowance", ">= 0", d.allowance);
  }
  if (!(d.threshold > 0) || !std::isfinite(d.threshold)) {
    return Bad(p + ".threshold", "> 0", d.threshold);
  }
  if (!(d.recovery_s >= 1) || d.recovery_s > 86400) {
    return Bad(p + ".recovery_s", "in [1, 86400]", d.recovery_s);
  }
  return Status::Ok();
}

Status ValidateRules(const ChannelRules& r, std::string_view kind) {
  const std::string p(kind);
  if (r.stuck.min_run < 2) return Bad(p + ".stuck.min_run", ">= 2", r.stuck.min_run);
  if (!(r.stuck.tolerance >= 0) || !std::isfinite(r.stuck.tolerance)) {
    return Bad(p + ".stuck.tolerance", ">= 0", r.stuck.tolerance);
  }
  if (r.spike.half_window < 1 || r.spike.half_window > 64) {
    return Bad(p + ".spike.half_window", "in [1, 64]", r.spike.half_window);
  }
  if (!(r.spike.threshold > 0) || !std::isfinite(r.spike.threshold)) {
    return Bad(p + ".spike.threshold", "> 0", r.spike.threshold);
  }
  if (!(r.spike.min_deviation >= 0) || !std::isfinite(r.spike.min_deviation)) {
    return Bad(p + ".spike.min_deviation", ">= 0", r.spike.min_deviation);
  }
  if (!(r.timing.gap_factor > 1) || r.timing.gap_factor > 1e6) {
    return Bad(p + ".timing.gap_factor", "in (1, 1e6]", r.timing.gap_factor);
  }
  if (!(r.timing.rate_window_s > 0) || r.timing.rate_window_s > 86400) {
    return Bad(p + ".timing.rate_window_s", "in (0, 86400]", r.timing.rate_window_s);
  }
  if (!(r.timing.rate_tolerance > 0) || r.timing.rate_tolerance >= 1) {
    return Bad(p + ".timing.rate_tolerance", "in (0, 1)", r.timing.rate_tolerance);
  }
  if (!(r.timing.duplicate_tolerance > 0) || r.timing.duplicate_tolerance >= 0.5) {
    return Bad(p + ".timing.duplicate_tolerance", "in (0, 0.5)", r.timing.duplicate_tolerance);
  }
  EL_RETURN_IF_ERROR(ValidateDrift(r.drift, p + ".drift"));
  return ValidateDrift(r.pair_drift, p + ".pair_drift");
}

}  // namespace

Status Validate(const QualityConfig& config) {
  for (const auto& [name, range] : {std::pair{"vibration_g", config.vibration_g},
                                    std::pair{"temperature_c", config.temperature_c}}) {
    if (!std::isfinite(range.min) || !std::isfinite(range.max) || range.min >= range.max) {
      return InvalidArgument(std::string("quality range '") + name + "' needs min < max, got [" +
                             std::to_string(range.min) + ", " + std::to_string(range.max) + "]");
    }
  }
  EL_RETURN_IF_ERROR(ValidateRules(config.vibration, "vibration"));
  EL_RETURN_IF_ERROR(ValidateRules(config.temperature, "temperature"));
  const ClockSettings& c = config.clock;
  if (!(c.future_tolerance_s >= 0) || c.future_tolerance_s > 86400) {
    return Bad("clock.future_tolerance_s", "in [0, 86400]", c.future_tolerance_s);
  }
  if (!(c.skew_tolerance_s > 0) || c.skew_tolerance_s > 86400) {
    return Bad("clock.skew_tolerance_s", "in (0, 86400]", c.skew_tolerance_s);
  }
  if (c.skew_batches < 1 || c.skew_batches > 1000) {
    return Bad("clock.skew_batches", "in [1, 1000]", c.skew_batches);
  }
  if (!(config.score_horizon_s >= 1) || config.score_horizon_s > 86400) {
    return Bad("score_horizon_s", "in [1, 86400]", config.score_horizon_s);
  }
  std::set<std::string> paired;
  for (const RedundantPair& p : config.redundant_pairs) {
    if (p.channel_a.empty() || p.channel_b.empty() || p.channel_a == p.channel_b) {
      return InvalidArgument(fmt::format(
          "quality.redundant_pairs: a pair needs two different channels, got '{}' and '{}'",
          p.channel_a, p.channel_b));
    }
    for (const std::string& ch : {p.channel_a, p.channel_b}) {
      if (!paired.insert(ch).second) {
        return InvalidArgument(
            fmt::format("quality.redundant_pairs: channel '{}' is in more than one pair", ch));
      }
    }
  }
  return Status::Ok();
}

}  // namespace edgeloop::quality
