// Fuzzes MqttJsonDecoder, which decodes MQTT payloads from gateways we do not control. The input's
// first line is the topic (so topic matching and captures are fuzzed too), the rest the payload.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/mqtt_json.h"

namespace {

using edgeloop::ChannelKind;
using edgeloop::ingest::JsonLimits;
using edgeloop::ingest::MqttJsonDecoder;
using edgeloop::ingest::TopicMap;

constexpr JsonLimits kLimits{.max_payload_bytes = 64 * 1024, .max_values = 4096, .max_depth = 8};

MqttJsonDecoder& Decoder() {
  static MqttJsonDecoder* decoder = [] {
    auto topics = TopicMap::Create({
        {"plant/{asset}/{channel}/vib", "", "", ChannelKind::kVibration, 25600},
        {"plant/{asset}/temp", "", "temp_de", ChannelKind::kTemperature, 1},
        {"+/#", "gw", "raw", ChannelKind::kVibration, 100},
    });
    if (!topics.ok()) __builtin_trap();
    return new MqttJsonDecoder(std::move(topics).value(), kLimits);
  }();
  return *decoder;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const std::string_view topic = newline == std::string_view::npos ? "" : input.substr(0, newline);
  const std::string_view payload =
      newline == std::string_view::npos ? input : input.substr(newline + 1);
  const auto result = Decoder().Decode(topic, payload);
  if (!result.ok()) {
    if (!result.batches.empty() || result.rejection->message.empty()) __builtin_trap();
    return 0;
  }
  // An accepted payload has values, within the limit, finite, with a usable rate and times.
  if (result.batches.empty()) __builtin_trap();
  size_t values = 0;
  for (const auto& batch : result.batches) {
    if (batch.values.empty() || batch.asset.empty() || batch.channel.empty()) __builtin_trap();
    if (!(batch.sample_rate_hz > 0) || !std::isfinite(batch.sample_rate_hz)) __builtin_trap();
    if (!batch.timestamps.empty() && batch.timestamps.size() != batch.values.size()) {
      __builtin_trap();
    }
    for (const float v : batch.values) {
      if (!std::isfinite(v)) __builtin_trap();
    }
    // Per-sample times keep the order received (the quality gate checks it); evenly spaced
    // batches never end before they start.
    if (batch.timestamps.empty() ? batch.End() < batch.start : batch.timestamps[0] != batch.start) {
      __builtin_trap();
    }
    values += batch.values.size();
  }
  if (values > kLimits.max_values) __builtin_trap();
  return 0;
}
