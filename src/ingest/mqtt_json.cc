// simdjson's DOM API (error codes, no exceptions) validates the whole payload before we look at
// it; the schema walk below then rejects the whole message at its first problem, so a payload
// never yields half of its batches.
#include "ingest/mqtt_json.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "ingest/internal.h"

namespace edgeloop::ingest {

struct MqttJsonDecoder::Parser {
  // Not set_max_capacity: in simdjson 3.0.1 it inverts its check and caps every parser at 32 B.
  explicit Parser(size_t max_capacity) : dom(max_capacity) {}
  simdjson::dom::parser dom;
};

namespace {

namespace dom = simdjson::dom;
using Reject = std::optional<Rejection>;

constexpr double kMaxEpochSeconds = 9.2e9;  // int64 nanoseconds end in 2262
constexpr double kMinRateHz = 1e-6;         // one sample in 11.6 days
constexpr double kMaxRateHz = 1e8;          // above any vibration front end we know of
constexpr size_t kQuoteBytes = 40;          // payload text quoted in messages

Reject Fail(RejectReason reason, std::string message) {
  return Rejection{reason, std::move(message)};
}

bool IsNumber(dom::element_type type) {
  return type == dom::element_type::INT64 || type == dom::element_type::UINT64 ||
         type == dom::element_type::DOUBLE;
}

// get_double converts int64/uint64 too; the type was checked by the caller.
double AsDouble(dom::element e) {
  double d = 0;
  if (e.get_double().get(d) != simdjson::SUCCESS) return std::numeric_limits<double>::quiet_NaN();
  return d;
}

// Walks one payload for one target and collects its batches.
class SchemaWalker {
 public:
  SchemaWalker(const TopicTarget& target, const JsonLimits& limits,
               std::optional<Timestamp> received)
      : target_(target), limits_(limits), received_(received) {}

  Reject Root(dom::element root) {
    dom::array items;
    if (root.type() == dom::element_type::ARRAY) {
      items = root.get_array().value_unsafe();
    } else if (root.type() == dom::element_type::OBJECT) {
      const dom::object obj = root.get_object().value_unsafe();
      dom::element samples;
      if (obj["samples"].get(samples) != simdjson::SUCCESS) return Sample(obj, "payload");
      if (HasField(obj, "v") || HasField(obj, "values")) {
        return Fail(RejectReason::kConflictingFields,
                    "payload has 'samples' and also 'v' or 'values'");
      }
      if (samples.type() != dom::element_type::ARRAY) {
        return Fail(RejectReason::kWrongType, "'samples' is not an array");
      }
      items = samples.get_array().value_unsafe();
    } else {
      return Fail(RejectReason::kWrongType, "payload is neither an object nor an array");
    }
    size_t index = 0;
    for (dom::element item : items) {
      const std::string where = fmt::format("sample {}", index++);
      if (item.type() != dom::element_type::OBJECT) {
        return Fail(RejectReason::kWrongType, fmt::format("{} is not an object", where));
      }
      if (Reject r = Sample(item.get_object().value_unsafe(), where)) return r;
    }
    if (index == 0) return Fail(RejectReason::kEmpty, "batch has no samples");
    return std::nullopt;
  }

  std::vector<SampleBatch> TakeBatches() { return std::move(batches_); }
  size_t values() const { return values_; }

 private:
  static bool HasField(dom::object obj, std::string_view key) {
    dom::element unused;
    return obj[key].get(unused) == simdjson::SUCCESS;
  }

  // One object of the scalar form {"t", "v"} or the array form {"start", "values", ...}.
  Reject Sample(dom::object obj, std::string_view where) {
    const bool scalar = HasField(obj, "v");
    const bool array = HasField(obj, "values");
    if (scalar && array) {
      return Fail(RejectReason::kConflictingFields,
                  fmt::format("{} has both 'v' and 'values'", where));
    }
    if (scalar) return Scalar(obj, where);
    if (array) return Array(obj, where);
    return Fail(RejectReason::kMissingField,
                fmt::format("{} has neither 'v' (one value) nor 'values' (an array)", where));
  }

  Reject Scalar(dom::object obj, std::string_view where) {
    Timestamp t;
    if (Reject r = Time(obj, "t", where, t)) return r;
    float value = 0;
    auto label = [&] { return fmt::format("{}: 'v'", where); };
    if (Reject r = Value(obj["v"].value_unsafe(), label, value)) return r;
    if (Reject r = Reserve(1, where)) return r;
    // Consecutive scalar samples of a batch form one SampleBatch with per-sample times.
    if (!last_was_scalar_) {
      batches_.push_back(NewBatch(t, target_.nominal_rate_hz));
      last_was_scalar_ = true;
    }
    batches_.back().values.push_back(value);
    batches_.back().timestamps.push_back(t);
    return std::nullopt;
  }

  Reject Array(dom::object obj, std::string_view where) {
    Timestamp start;
    if (Reject r = Time(obj, "start", where, start)) return r;
    double rate = 0;
    if (Reject r = Rate(obj, where, rate)) return r;
    const dom::element values = obj["values"].value_unsafe();
    if (values.type() != dom::element_type::ARRAY) {
      return Fail(RejectReason::kWrongType, fmt::format("{}: 'values' is not an array", where));
    }
    const dom::array arr = values.get_array().value_unsafe();
    // size() saturates at 0xFFFFFF, still far above any sane max_values, so the check holds.
    const size_t n = arr.size();
    if (n == 0) return Fail(RejectReason::kEmpty, fmt::format("{}: 'values' is empty", where));
    if (Reject r = Reserve(n, where)) return r;
    const double end = ToSeconds(start.time_since_epoch()) + static_cast<double>(n) / rate;
    if (!(std::abs(end) <= kMaxEpochSeconds)) {
      return Fail(RejectReason::kBadTime,
                  fmt::format("{}: the last sample lies beyond the year 2262", where));
    }
    SampleBatch batch = NewBatch(start, rate);
    batch.values.reserve(n);
    size_t i = 0;
    for (dom::element e : arr) {
      float value = 0;
      auto label = [&] { return fmt::format("{}: values[{}]", where, i); };
      if (Reject r = Value(e, label, value)) return r;
      ++i;
      batch.values.push_back(value);
    }
    batches_.push_back(std::move(batch));
    last_was_scalar_ = false;
    return std::nullopt;
  }

  SampleBatch NewBatch(Timestamp start, double rate) const {
    SampleBatch batch;
    batch.asset = target_.asset;
    batch.channel = target_.channel;
    batch.kind = target_.kind;
    batch.start = start;
    batch.sample_rate_hz = rate;
    batch.received = received_;
    return batch;
  }

  Reject Reserve(size_t n, std::string_view where) {
    if (n > limits_.max_values - values_) {
      return Fail(RejectReason::kOversizedPayload,
                  fmt::format("{}: more than {} values in one payload", where, limits_.max_values));
    }
    values_ += n;
    return std::nullopt;
  }

  // `what()` names the value in a rejection; it is only called then, because formatting a label
  // per accepted value cost more than decoding the value (a 3.7x slower decoder).
  template <typename Label>
  static Reject Value(dom::element e, const Label& what, float& out) {
    if (!IsNumber(e.type())) {
      return Fail(RejectReason::kWrongType, fmt::format("{} is not a number", what()));
    }
    const double d = AsDouble(e);
    if (!std::isfinite(d) || std::abs(d) > std::numeric_limits<float>::max()) {
      return Fail(RejectReason::kNonFinite, fmt::format("{} is out of the range of float", what()));
    }
    out = static_cast<float>(d);
    return std::nullopt;
  }

  // A number of seconds since the Unix epoch, or an ISO-8601 string.
  static Reject Time(dom::object obj, std::string_view key, std::string_view where,
                     Timestamp& out) {
    dom::element e;
    if (obj[key].get(e) != simdjson::SUCCESS) {
      return Fail(RejectReason::kMissingField, fmt::format("{} has no '{}'", where, key));
    }
    if (e.type() == dom::element_type::INT64) {
      const int64_t secs = e.get_int64().value_unsafe();
      if (secs > kMaxEpochSeconds || secs < -kMaxEpochSeconds) {
        return Fail(RejectReason::kBadTime, fmt::format("{}: '{}' is out of range", where, key));
      }
      out = FromNanos(secs * 1'000'000'000);
      return std::nullopt;
    }
    if (IsNumber(e.type())) {
      const double secs = AsDouble(e);
      if (!(std::abs(secs) <= kMaxEpochSeconds)) {
        return Fail(RejectReason::kBadTime, fmt::format("{}: '{}' is out of range", where, key));
      }
      // Whole seconds and fraction apart: secs * 1e9 at today's epoch needs 61 bits, and a
      // double's 53 would be off by up to 128 ns.
      const double whole = std::floor(secs);
      out = FromNanos(static_cast<int64_t>(whole) * 1'000'000'000 +
                      std::llround((secs - whole) * 1e9));
      return std::nullopt;
    }
    if (e.type() == dom::element_type::STRING) {
      const std::string_view text = e.get_string().value_unsafe();
      if (!internal::ParseIsoTime(text, out)) {
        return Fail(RejectReason::kBadTime,
                    fmt::format("{}: '{}' value '{}' is not an ISO-8601 time", where, key,
                                text.substr(0, kQuoteBytes)));
      }
      return std::nullopt;
    }
    return Fail(
        RejectReason::kWrongType,
        fmt::format("{}: '{}' is neither epoch seconds nor an ISO-8601 string", where, key));
  }

  // "rate_hz" or "interval_ms" (not both); neither: the mapping's nominal rate.
  Reject Rate(dom::object obj, std::string_view where, double& rate) const {
    dom::element rate_hz, interval_ms;
    const bool has_rate = obj["rate_hz"].get(rate_hz) == simdjson::SUCCESS;
    const bool has_interval = obj["interval_ms"].get(interval_ms) == simdjson::SUCCESS;
    if (has_rate && has_interval) {
      return Fail(RejectReason::kConflictingFields,
                  fmt::format("{} has both 'rate_hz' and 'interval_ms'", where));
    }
    if (!has_rate && !has_interval) {
      rate = target_.nominal_rate_hz;
    } else {
      const dom::element e = has_rate ? rate_hz : interval_ms;
      const std::string_view key = has_rate ? "rate_hz" : "interval_ms";
      if (!IsNumber(e.type())) {
        return Fail(RejectReason::kWrongType, fmt::format("{}: '{}' is not a number", where, key));
      }
      const double d = AsDouble(e);
      if (!(d > 0)) {
        return Fail(RejectReason::kBadRate, fmt::format("{}: '{}' is not positive", where, key));
      }
      rate = has_rate ? d : 1000.0 / d;
    }
    if (!std::isfinite(rate) || rate < kMinRateHz || rate > kMaxRateHz) {
      return Fail(RejectReason::kBadRate, fmt::format("{}: rate {} Hz is outside [{}, {}]", where,
                                                      rate, kMinRateHz, kMaxRateHz));
    }
    return std::nullopt;
  }

  const TopicTarget& target_;
  const JsonLimits& limits_;
  const std::optional<Timestamp> received_;
  std::vector<SampleBatch> batches_;
  size_t values_ = 0;
  bool last_was_scalar_ = false;
};

}  // namespace

std::string_view RejectReasonName(RejectReason reason) {
  switch (reason) {
    case RejectReason::kUnknownTopic:
      return "unknown_topic";
    case RejectReason::kMalformedJson:
      return "malformed_json";
    case RejectReason::kWrongType:
      return "wrong_type";
    case RejectReason::kMissingField:
      return "missing_field";
    case RejectReason::kConflictingFields:
      return "conflicting_fields";
    case RejectReason::kOversizedPayload:
      return "oversized_payload";
    case RejectReason::kNonFinite:
      return "non_finite";
    case RejectReason::kBadTime:
      return "bad_time";
    case RejectReason::kBadRate:
      return "bad_rate";
    case RejectReason::kEmpty:
      return "empty";
  }
  return "unknown";
}

MqttJsonDecoder::MqttJsonDecoder(TopicMap topics, JsonLimits limits)
    : topics_(std::move(topics)),
      limits_(limits),
      // simdjson grows its buffers on demand up to max_capacity; we never pass it more than
      // max_payload_bytes, and it needs room for at least its minimal document.
      parser_(std::make_unique<Parser>(
          std::max(limits.max_payload_bytes, simdjson::dom::MINIMAL_DOCUMENT_CAPACITY))) {
  limits_.max_depth = std::max<size_t>(limits_.max_depth, 1);
}

MqttJsonDecoder::~MqttJsonDecoder() = default;

DecodeResult MqttJsonDecoder::Decode(std::string_view topic, std::string_view payload,
                                     std::optional<Timestamp> received) {
  const std::optional<TopicTarget> target = topics_.Resolve(topic);
  if (!target) {
    DecodeResult result;
    result.rejection =
        Rejection{RejectReason::kUnknownTopic,
                  fmt::format("no topic mapping matches '{}'", topic.substr(0, 4 * kQuoteBytes))};
    return Count(std::move(result));
  }
  return DecodeFor(*target, payload, received);
}

DecodeResult MqttJsonDecoder::DecodeFor(const TopicTarget& target, std::string_view payload,
                                        std::optional<Timestamp> received) {
  DecodeResult result;
  if (payload.size() > limits_.max_payload_bytes) {
    result.rejection = Rejection{RejectReason::kOversizedPayload,
                                 fmt::format("payload of {} bytes exceeds the limit of {}",
                                             payload.size(), limits_.max_payload_bytes)};
    return Count(std::move(result));
  }
  dom::parser& parser = parser_->dom;
  if (parser.max_depth() != limits_.max_depth) {
    // Allocates once per decoder; later payloads reuse (and only ever grow) the buffers.
    if (const auto error =
            parser.allocate(simdjson::dom::MINIMAL_DOCUMENT_CAPACITY, limits_.max_depth)) {
      result.rejection =
          Rejection{RejectReason::kOversizedPayload,
                    fmt::format("cannot size the parser: {}", simdjson::error_message(error))};
      return Count(std::move(result));
    }
  }
  dom::element root;
  if (const auto error = parser.parse(payload.data(), payload.size()).get(root)) {
    const RejectReason reason = error == simdjson::CAPACITY || error == simdjson::MEMALLOC
                                    ? RejectReason::kOversizedPayload
                                    : RejectReason::kMalformedJson;
    result.rejection =
        Rejection{reason, fmt::format("not valid JSON: {}", simdjson::error_message(error))};
    return Count(std::move(result));
  }
  SchemaWalker walker(target, limits_, received);
  result.rejection = walker.Root(root);
  if (result.ok()) result.batches = walker.TakeBatches();
  return Count(std::move(result));
}

DecodeResult MqttJsonDecoder::Count(DecodeResult result) {
  if (result.rejection) {
    ++rejected_[static_cast<size_t>(result.rejection->reason)];
  } else {
    ++accepted_messages_;
    for (const SampleBatch& batch : result.batches) accepted_values_ += batch.values.size();
  }
  return result;
}

}  // namespace edgeloop::ingest
