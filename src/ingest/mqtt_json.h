// Decoder for JSON sensor payloads received over MQTT (schema: src/ingest/README.md).
//
// Payloads come from gateways we do not control, so they are untrusted: every malformed,
// oversized or implausible payload is rejected whole with a reason code and a message, counted
// per reason, and never crashes or makes the decoder allocate beyond its configured limits.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/sample.h"
#include "ingest/topic_map.h"

namespace edgeloop::ingest {

// Why a message was rejected. Names (RejectReasonName) are stable: they label counters.
enum class RejectReason {
  kUnknownTopic,       // "unknown_topic": no mapping matches the topic
  kMalformedJson,      // "malformed_json": not JSON (or not UTF-8, or nested too deep)
  kWrongType,          // "wrong_type": a field or the document has the wrong JSON type
  kMissingField,       // "missing_field": a required field is absent
  kConflictingFields,  // "conflicting_fields": fields that exclude each other are both present
  kOversizedPayload,   // "oversized_payload": more bytes or values than the limits allow
  kNonFinite,          // "non_finite": a value or rate out of the range of float / double
  kBadTime,            // "bad_time": a time that is no epoch number / ISO-8601, or out of range
  kBadRate,            // "bad_rate": rate_hz or interval_ms not positive or out of range
  kEmpty,              // "empty": no values at all (empty array or empty batch)
};
inline constexpr size_t kNumRejectReasons = 10;

std::string_view RejectReasonName(RejectReason reason);

struct JsonLimits {
  size_t max_payload_bytes = size_t{1} << 20;  // also bounds simdjson's buffers (about 10x)
  size_t max_values = size_t{1} << 18;         // numbers in one payload, all samples together
  size_t max_depth = 8;                        // JSON nesting; our schema needs 3
};

struct Rejection {
  RejectReason reason;
  std::string message;  // bounded: quotes at most a short prefix of any payload text
};

// The outcome of one message: batches, or why there are none.
struct DecodeResult {
  std::vector<SampleBatch> batches;
  std::optional<Rejection> rejection;
  bool ok() const { return !rejection.has_value(); }
};

// Resolves topics with a TopicMap and decodes payloads; owns simdjson's parser, whose buffers
// are allocated once (sized by the limits) and reused. Counts accepted messages/values and
// rejections per reason. Not thread-safe: one decoder per source thread.
class MqttJsonDecoder {
 public:
  MqttJsonDecoder(TopicMap topics, JsonLimits limits);
  ~MqttJsonDecoder();
  MqttJsonDecoder(const MqttJsonDecoder&) = delete;
  MqttJsonDecoder& operator=(const MqttJsonDecoder&) = delete;

  // Decodes a message published on `topic`.
  DecodeResult Decode(std::string_view topic, std::string_view payload,
                      std::optional<Timestamp> received = std::nullopt);
  // Decodes a payload for a known target (no topic lookup); counted like Decode.
  DecodeResult DecodeFor(const TopicTarget& target, std::string_view payload,
                         std::optional<Timestamp> received = std::nullopt);

  uint64_t accepted_messages() const { return accepted_messages_; }
  uint64_t accepted_values() const { return accepted_values_; }
  uint64_t rejected(RejectReason reason) const { return rejected_[static_cast<size_t>(reason)]; }
  const TopicMap& topics() const { return topics_; }
  const JsonLimits& limits() const { return limits_; }

 private:
  struct Parser;  // simdjson's parser, kept out of this header

  DecodeResult Count(DecodeResult result);

  TopicMap topics_;
  JsonLimits limits_;
  std::unique_ptr<Parser> parser_;
  uint64_t accepted_messages_ = 0;
  uint64_t accepted_values_ = 0;
  std::array<uint64_t, kNumRejectReasons> rejected_{};
};

}  // namespace edgeloop::ingest
