#include "ingest/mqtt_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace edgeloop::ingest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace std::chrono;  // NOLINT: dates in expectations

constexpr std::string_view kVib = "plant/pump-101/vib_de/vib";
constexpr std::string_view kTemp = "plant/pump-101/temp";

TopicMap Topics() {
  auto map = TopicMap::Create({
      {"plant/{asset}/{channel}/vib", "", "", ChannelKind::kVibration, 25600},
      {"plant/{asset}/temp", "", "temp_de", ChannelKind::kTemperature, 1},
  });
  EXPECT_TRUE(map.ok());
  return std::move(map).value();
}

Timestamp Utc(year_month_day ymd, int h, int m, int s, int ms = 0) {
  return Timestamp(sys_days(ymd) + hours(h) + minutes(m) + seconds(s) + milliseconds(ms));
}

class MqttJsonTest : public ::testing::Test {
 protected:
  explicit MqttJsonTest(JsonLimits limits = {}) : decoder_(Topics(), limits) {}

  // Decodes and expects success.
  std::vector<SampleBatch> Ok(std::string_view payload, std::string_view topic = kVib) {
    DecodeResult r = decoder_.Decode(topic, payload);
    EXPECT_TRUE(r.ok()) << payload << " -> " << RejectReasonName(r.rejection->reason) << ": "
                        << r.rejection->message;
    return r.batches;
  }
  // Decodes and expects a rejection for `reason`; returns the message.
  std::string Rejected(RejectReason reason, std::string_view payload,
                       std::string_view topic = kVib) {
    const uint64_t before = decoder_.rejected(reason);
    DecodeResult r = decoder_.Decode(topic, payload);
    if (r.ok()) {
      ADD_FAILURE() << payload << " was accepted";
      return "";
    }
    EXPECT_EQ(r.rejection->reason, reason)
        << payload << " -> " << RejectReasonName(r.rejection->reason) << ": "
        << r.rejection->message;
    EXPECT_TRUE(r.batches.empty());
    EXPECT_EQ(decoder_.rejected(reason), before + 1);
    return r.rejection->message;
  }

  MqttJsonDecoder decoder_;
};

TEST_F(MqttJsonTest, ScalarWithEpochSeconds) {
  const auto batches = Ok(R"({"t": 1767592801.25, "v": 1.5})", kTemp);
  ASSERT_EQ(batches.size(), 1u);
  const SampleBatch& b = batches[0];
  EXPECT_EQ(b.asset, "pump-101");
  EXPECT_EQ(b.channel, "temp_de");
  EXPECT_EQ(b.kind, ChannelKind::kTemperature);
  EXPECT_EQ(b.sample_rate_hz, 1);  // the mapping's nominal rate
  EXPECT_THAT(b.values, ElementsAre(1.5f));
  const Timestamp t = Utc(2026y / 1 / 5, 6, 0, 1, 250);
  EXPECT_EQ(b.start, t);
  EXPECT_THAT(b.timestamps, ElementsAre(t));
  EXPECT_FALSE(b.received.has_value());
  EXPECT_EQ(decoder_.accepted_messages(), 1u);
  EXPECT_EQ(decoder_.accepted_values(), 1u);
}

TEST_F(MqttJsonTest, ScalarWithIntegerAndIsoTimes) {
  auto b = Ok(R"({"t": 1767592801, "v": -3})");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].start, Utc(2026y / 1 / 5, 6, 0, 1));
  EXPECT_THAT(b[0].values, ElementsAre(-3.0f));
  b = Ok(R"({"t": "2026-01-05T07:00:01.250+01:00", "v": 2, "unit": "g", "q": 192})");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].start, Utc(2026y / 1 / 5, 6, 0, 1, 250));
}

TEST_F(MqttJsonTest, ReceivedTimeIsCopiedIntoEveryBatch) {
  const Timestamp received = Utc(2026y / 1 / 5, 6, 0, 2);
  DecodeResult r =
      decoder_.Decode(kVib, R"([{"t": 1, "v": 1}, {"start": 2, "values": [1]}])", received);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.batches.size(), 2u);
  for (const auto& b : r.batches) EXPECT_EQ(b.received, received);
}

TEST_F(MqttJsonTest, ArrayWithRateIntervalOrNominalRate) {
  auto b = Ok(R"({"start": "2026-01-05T06:00:00Z", "rate_hz": 25600, "values": [0.5, -1, 2e-3]})");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].start, Utc(2026y / 1 / 5, 6, 0, 0));
  EXPECT_EQ(b[0].sample_rate_hz, 25600);
  EXPECT_THAT(b[0].values, ElementsAre(0.5f, -1.0f, 2e-3f));
  EXPECT_TRUE(b[0].timestamps.empty());
  EXPECT_EQ(b[0].End(), b[0].start + SampleOffset(3, 25600));

  b = Ok(R"({"start": 10, "interval_ms": 4, "values": [1, 2]})");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_DOUBLE_EQ(b[0].sample_rate_hz, 250);

  b = Ok(R"({"start": 10, "values": [1]})");  // no rate: the mapping's nominal one
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].sample_rate_hz, 25600);
}

TEST_F(MqttJsonTest, BatchesAsArrayOrSamplesObject) {
  // Consecutive scalars merge into one batch with per-sample times; arrays stay separate.
  const char* kItems =
      R"([{"t": 1, "v": 1}, {"t": 2, "v": 2}, {"start": 3, "rate_hz": 10, "values": [3, 4]},
          {"t": 5, "v": 5}])";
  for (const std::string& payload :
       {std::string(kItems), std::string(R"({"samples": )") + kItems + "}"}) {
    SCOPED_TRACE(payload);
    const auto b = Ok(payload);
    ASSERT_EQ(b.size(), 3u);
    EXPECT_THAT(b[0].values, ElementsAre(1.0f, 2.0f));
    EXPECT_THAT(b[0].timestamps, ElementsAre(FromNanos(1'000'000'000), FromNanos(2'000'000'000)));
    EXPECT_EQ(b[0].sample_rate_hz, 25600);
    EXPECT_THAT(b[1].values, ElementsAre(3.0f, 4.0f));
    EXPECT_EQ(b[1].sample_rate_hz, 10);
    EXPECT_THAT(b[2].values, ElementsAre(5.0f));
  }
  EXPECT_EQ(decoder_.accepted_messages(), 2u);
  EXPECT_EQ(decoder_.accepted_values(), 10u);
}

TEST_F(MqttJsonTest, UnknownTopicIsCountedNotFatal) {
  EXPECT_THAT(Rejected(RejectReason::kUnknownTopic, R"({"t": 1, "v": 1})", "other/x"),
              HasSubstr("other/x"));
  Rejected(RejectReason::kUnknownTopic, R"({"t": 1, "v": 1})", "plant/+/temp");
  Ok(R"({"t": 1, "v": 1})");  // the decoder goes on
  EXPECT_EQ(decoder_.rejected(RejectReason::kUnknownTopic), 2u);
}

TEST_F(MqttJsonTest, MalformedJson) {
  for (const char* p : {"", "{", R"({"t": 1, "v": 1)", "nope", R"({"t": 1, "v": NaN})",
                        R"({"t": 1, "v": Infinity})", R"({"t": 1, "v": 01})", "\xff\xfe",
                        R"({"t": 1, "v": 1} trailing)"}) {
    EXPECT_THAT(Rejected(RejectReason::kMalformedJson, p), HasSubstr("not valid JSON")) << p;
  }
}

TEST_F(MqttJsonTest, WrongType) {
  EXPECT_THAT(Rejected(RejectReason::kWrongType, "42"), HasSubstr("neither an object"));
  EXPECT_THAT(Rejected(RejectReason::kWrongType, R"("text")"), HasSubstr("neither an object"));
  EXPECT_THAT(Rejected(RejectReason::kWrongType, R"({"t": 1, "v": "1.5"})"),
              HasSubstr("'v' is not a number"));
  Rejected(RejectReason::kWrongType, R"({"t": 1, "v": null})");
  Rejected(RejectReason::kWrongType, R"({"t": 1, "v": true})");
  EXPECT_THAT(Rejected(RejectReason::kWrongType, R"({"t": [1], "v": 1})"),
              HasSubstr("'t' is neither epoch seconds"));
  EXPECT_THAT(Rejected(RejectReason::kWrongType, R"({"start": 1, "values": 3})"),
              HasSubstr("'values' is not an array"));
  EXPECT_THAT(Rejected(RejectReason::kWrongType, R"({"start": 1, "values": [1, "2"]})"),
              HasSubstr("values[1] is not a number"));
  EXPECT_THAT(
      Rejected(RejectReason::kWrongType, R"({"start": 1, "rate_hz": "fast", "values": [1]})"),
      HasSubstr("'rate_hz' is not a number"));
  EXPECT_THAT(Rejected(RejectReason::kWrongType, R"([{"t": 1, "v": 1}, 7])"),
              HasSubstr("sample 1 is not an object"));
  EXPECT_THAT(Rejected(RejectReason::kWrongType, R"({"samples": {"t": 1, "v": 1}})"),
              HasSubstr("'samples' is not an array"));
  // A batch may not nest another batch.
  Rejected(RejectReason::kWrongType, R"([[{"t": 1, "v": 1}]])");
}

TEST_F(MqttJsonTest, MissingField) {
  EXPECT_THAT(Rejected(RejectReason::kMissingField, R"({"v": 1})"), HasSubstr("no 't'"));
  EXPECT_THAT(Rejected(RejectReason::kMissingField, R"({"values": [1], "t": 1})"),
              HasSubstr("no 'start'"));
  EXPECT_THAT(Rejected(RejectReason::kMissingField, R"({"t": 1})"),
              HasSubstr("neither 'v' (one value) nor 'values'"));
  EXPECT_THAT(Rejected(RejectReason::kMissingField, R"([{"t": 1, "v": 1}, {"t": 2}])"),
              HasSubstr("sample 1"));
}

TEST_F(MqttJsonTest, ConflictingFields) {
  Rejected(RejectReason::kConflictingFields, R"({"t": 1, "v": 1, "values": [1]})");
  Rejected(RejectReason::kConflictingFields,
           R"({"start": 1, "rate_hz": 10, "interval_ms": 100, "values": [1]})");
  Rejected(RejectReason::kConflictingFields, R"({"samples": [], "v": 1, "t": 1})");
}

TEST_F(MqttJsonTest, NonFinite) {
  EXPECT_THAT(Rejected(RejectReason::kNonFinite, R"({"t": 1, "v": 1e39})"),
              HasSubstr("range of float"));
  Rejected(RejectReason::kNonFinite, R"({"start": 1, "values": [0, -3.5e38]})");
}

TEST_F(MqttJsonTest, BadTime) {
  EXPECT_THAT(Rejected(RejectReason::kBadTime, R"({"t": "yesterday", "v": 1})"),
              HasSubstr("'yesterday' is not an ISO-8601"));
  Rejected(RejectReason::kBadTime, R"({"t": "2026-02-30T00:00:00Z", "v": 1})");
  Rejected(RejectReason::kBadTime, R"({"t": 1e12, "v": 1})");
  Rejected(RejectReason::kBadTime, R"({"t": -9300000000, "v": 1})");
  Rejected(RejectReason::kBadTime, R"({"t": 18446744073709551615, "v": 1})");
  // The start is fine but the last sample would overflow int64 nanoseconds.
  EXPECT_THAT(
      Rejected(RejectReason::kBadTime, R"({"start": 9.199e9, "rate_hz": 1e-6, "values": [1, 2]})"),
      HasSubstr("2262"));
}

TEST_F(MqttJsonTest, BadRate) {
  Rejected(RejectReason::kBadRate, R"({"start": 1, "rate_hz": 0, "values": [1]})");
  Rejected(RejectReason::kBadRate, R"({"start": 1, "rate_hz": -5, "values": [1]})");
  Rejected(RejectReason::kBadRate, R"({"start": 1, "interval_ms": 0, "values": [1]})");
  Rejected(RejectReason::kBadRate, R"({"start": 1, "rate_hz": 1e9, "values": [1]})");
  Rejected(RejectReason::kBadRate, R"({"start": 1, "interval_ms": 1e300, "values": [1]})");
  EXPECT_THAT(
      Rejected(RejectReason::kBadRate, R"({"start": 1, "interval_ms": 1e-9, "values": [1]})"),
      HasSubstr("outside"));
}

TEST_F(MqttJsonTest, Empty) {
  Rejected(RejectReason::kEmpty, "[]");
  Rejected(RejectReason::kEmpty, R"({"samples": []})");
  Rejected(RejectReason::kEmpty, R"({"start": 1, "values": []})");
}

class MqttJsonLimitsTest : public MqttJsonTest {
 protected:
  MqttJsonLimitsTest() : MqttJsonTest(JsonLimits{.max_payload_bytes = 64, .max_values = 4}) {}
};

TEST_F(MqttJsonLimitsTest, OversizedPayload) {
  EXPECT_THAT(Rejected(RejectReason::kOversizedPayload, std::string(65, ' ')),
              HasSubstr("65 bytes exceeds the limit of 64"));
  Ok(R"({"start": 1, "values": [1, 2, 3, 4]})");  // exactly at both limits
  EXPECT_THAT(Rejected(RejectReason::kOversizedPayload, R"({"start": 1, "values": [1,2,3,4,5]})"),
              HasSubstr("more than 4 values"));
  // The budget counts all samples of a payload together.
  Rejected(RejectReason::kOversizedPayload,
           R"([{"t":1,"v":1},{"start":1,"values":[1,2,3]},{"t":2,"v":1}])");
}

TEST_F(MqttJsonLimitsTest, ParserBuffersGrowThenAreReused) {
  // A small payload, then one at the limit, then small again: all decode with the same parser.
  Ok(R"({"t": 1, "v": 1})");
  Ok(R"({"start": 1, "rate_hz": 10, "values": [1, 2, 3, 4]}          )");
  Ok(R"({"t": 2, "v": 2})");
}

TEST(MqttJsonDepthTest, DeepNestingIsMalformedNotACrash) {
  MqttJsonDecoder decoder(Topics(), JsonLimits{});
  const std::string deep = std::string(10000, '[') + std::string(10000, ']');
  const DecodeResult r = decoder.Decode(kVib, deep);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.rejection->reason, RejectReason::kMalformedJson);
  EXPECT_EQ(decoder.rejected(RejectReason::kMalformedJson), 1u);
}

TEST(MqttJsonReasonTest, NamesAreStableAndDistinct) {
  std::vector<std::string_view> names;
  for (size_t i = 0; i < kNumRejectReasons; ++i) {
    names.push_back(RejectReasonName(static_cast<RejectReason>(i)));
  }
  EXPECT_THAT(names, ElementsAre("unknown_topic", "malformed_json", "wrong_type", "missing_field",
                                 "conflicting_fields", "oversized_payload", "non_finite",
                                 "bad_time", "bad_rate", "empty"));
}

}  // namespace
}  // namespace edgeloop::ingest
