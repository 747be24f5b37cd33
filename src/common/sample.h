// SampleBatch: a run of evenly spaced samples of one channel of one asset.
//
// The unit that flows from sources (simulator, later MQTT/Modbus/CSV) through the quality gate to
// the windower. Plain value type; moved between threads, never shared.
#pragma once

#include <cstdint>
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

  Timestamp TimeOf(size_t i) const { return start + SampleOffset(i, sample_rate_hz); }
  Timestamp End() const { return TimeOf(values.size()); }  // one interval past the last sample
};

}  // namespace edgeloop
