// SampleBatch: a run of evenly spaced samples of one channel of one asset.
//
// The unit that flows from sources (simulator, later MQTT/Modbus/CSV) through the quality gate to
// the windower. Plain value type; moved between threads, never shared.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"

namespace edgeloop {

// What a channel measures; decides which checks and features apply.
enum class ChannelKind {
  kVibration,    // acceleration waveform in g, sampled at kHz rates
  kTemperature,  // bearing/housing temperature in degrees Celsius, about 1 Hz
};

std::string_view ChannelKindName(ChannelKind kind);

// Time from sample 0 to sample `i` at `rate_hz`, rounded to the nanosecond. Computing every
// sample's time from the index (not by summing intervals) keeps long streams free of drift.
inline Duration SampleOffset(uint64_t i, double rate_hz) {
  return Duration(static_cast<int64_t>(static_cast<double>(i) * 1e9 / rate_hz + 0.5));
}

struct SampleBatch {
  std::string asset;    // asset id, e.g. "pump-101"
  std::string channel;  // channel id within the asset, e.g. "vib_de"
  ChannelKind kind = ChannelKind::kVibration;
  Timestamp start;            // time of values[0]
  double sample_rate_hz = 0;  // > 0; a rate, not an interval: 25.6 kHz is no whole number of ns
  std::vector<float> values;
  // Optional per-sample times, for sources that stamp each reading (scalar sensors, Modbus polls,
  // CSV rows). Empty: sample i is at start + i / sample_rate_hz. Otherwise one per value, in the
  // order received (which may be out of order: the quality gate checks), and sample_rate_hz is
  // the nominal rate.
  std::vector<Timestamp> timestamps;
  // When the gateway received the batch, if known; lets the quality gate spot clock skew.
  std::optional<Timestamp> received;

  Timestamp TimeOf(size_t i) const {
    return timestamps.empty() ? start + SampleOffset(i, sample_rate_hz) : timestamps[i];
  }
  // One nominal interval past the last sample.
  Timestamp End() const {
    if (timestamps.empty()) return TimeOf(values.size());
    if (values.empty()) return start;
    return timestamps.back() + SampleOffset(1, sample_rate_hz);
  }
};

}  // namespace edgeloop
