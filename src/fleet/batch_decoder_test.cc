#include "fleet/batch_decoder.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/base64.h"

namespace edgeloop::fleet {
namespace {

using nlohmann::json;

constexpr store::TimeMs kT0 = 1795405161713;  // 2026-11-23T03:39:21.713Z

json Window() {
  return {{"type", "window"},
          {"asset", "pump-1"},
          {"start", "2026-11-23T03:39:20.713Z"},
          {"end", "2026-11-23T03:39:21.713Z"},
          {"status", "scored"},
          {"detector", "pump-pca@1a2b3c4d5e6f"},
          {"score", 0.5},
          {"top_feature", "vib_x.rms"},
          {"features", {{"vib_x.rms", 1.25}, {"vib_x.kurtosis", nullptr}}}};
}

json Payload(json records, std::string node = "gw-1") {
  return {{"v", 1}, {"node", node}, {"created", "2026-11-23T03:39:21.713Z"}, {"records", records}};
}

Status Decode(const json& payload, store::DecodedBatch& out, const IngestLimits& limits = {}) {
  return DecodeBatchPayload(payload.dump(), "gw-1", limits, out);
}

// Decodes one record and returns the error message ("" when accepted).
std::string RecordError(const json& record) {
  store::DecodedBatch out;
  return Decode(Payload(json::array({record})), out).message();
}

json Request(std::vector<std::pair<int64_t, std::string>> batches, std::string node = "gw-1") {
  json list = json::array();
  for (const auto& [seq, payload] : batches) {
    list.push_back({{"seq", seq}, {"payload", Base64Encode(payload)}});
  }
  return {{"v", 1}, {"node", node}, {"dropped_batches", 3}, {"batches", list}};
}

std::string RequestError(const json& request) {
  auto r = DecodeIngestRequest(request.dump());
  EXPECT_FALSE(r.ok());
  if (!r.ok()) {
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
  return r.status().message();
}

TEST(Rfc3339Test, ParsesUtcOffsetsAndFractions) {
  EXPECT_EQ(*ParseRfc3339Ms("2026-11-23T03:39:21.713Z"), kT0);
  EXPECT_EQ(*ParseRfc3339Ms("2026-11-23T03:39:21Z"), kT0 - 713);
  EXPECT_EQ(*ParseRfc3339Ms("2026-11-23T04:39:21.713+01:00"), kT0);
  EXPECT_EQ(*ParseRfc3339Ms("2026-11-22T22:09:21.713-05:30"), kT0);
  EXPECT_EQ(*ParseRfc3339Ms("2026-11-23T03:39:21.7139999Z"), kT0);  // truncated to ms
  EXPECT_EQ(*ParseRfc3339Ms("2026-11-23T03:39:21.7Z"), kT0 + 700 - 713);
  EXPECT_EQ(*ParseRfc3339Ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*ParseRfc3339Ms("1969-12-31T23:59:59.999Z"), -1);
  EXPECT_EQ(*ParseRfc3339Ms("2024-02-29T00:00:00Z"), 1709164800000);
}

TEST(Rfc3339Test, RefusesWhatTheGrammarDoesNotAllow) {
  for (const char* bad : {"",
                          "2026-11-23",
                          "2026-11-23T03:39:21",
                          "2026-11-23 03:39:21Z",
                          "2026-11-23t03:39:21Z",
                          "2026-11-23T03:39:21z",
                          "2026-13-01T00:00:00Z",
                          "2026-00-01T00:00:00Z",
                          "2026-04-31T00:00:00Z",
                          "2025-02-29T00:00:00Z",
                          "2026-11-23T24:00:00Z",
                          "2026-11-23T23:60:00Z",
                          "2016-12-31T23:59:60Z",
                          "2026-11-23T03:39:21.Z",
                          "2026-11-23T03:39:21.1234567890Z",
                          "2026-11-23T03:39:21+0100",
                          "2026-11-23T03:39:21+24:00",
                          "2026-11-23T03:39:21Zjunk",
                          "+2026-11-23T03:39:21Z",
                          "2026-1-23T03:39:21Z"}) {
    EXPECT_FALSE(ParseRfc3339Ms(bad).ok()) << bad;
  }
}

TEST(Rfc3339Test, FormatsMillisecondsUtcAndRoundTrips) {
  EXPECT_EQ(FormatRfc3339Ms(kT0), "2026-11-23T03:39:21.713Z");
  EXPECT_EQ(FormatRfc3339Ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339Ms(-1), "1969-12-31T23:59:59.999Z");
  for (store::TimeMs t : {kT0, store::TimeMs{951782400000}, store::TimeMs{-86400001},
                          store::TimeMs{253402300799999}}) {
    EXPECT_EQ(*ParseRfc3339Ms(FormatRfc3339Ms(t)), t) << t;
  }
}

TEST(BatchPayloadTest, DecodesWindowFieldByField) {
  store::DecodedBatch out;
  ASSERT_TRUE(Decode(Payload(json::array({Window()})), out).ok());
  EXPECT_EQ(out.created, kT0);
  ASSERT_EQ(out.windows.size(), 1u);
  const store::HubWindowRecord& w = out.windows[0];
  EXPECT_EQ(w.asset, "pump-1");
  EXPECT_EQ(w.start, kT0 - 1000);
  EXPECT_EQ(w.end, kT0);
  EXPECT_EQ(w.status, "scored");
  EXPECT_EQ(w.detector, "pump-pca@1a2b3c4d5e6f");
  EXPECT_EQ(w.score, 0.5);
  EXPECT_EQ(w.top_feature, "vib_x.rms");
  EXPECT_EQ(json::parse(w.features_json), Window()["features"]);
  EXPECT_EQ(w.features_json.find(' '), std::string::npos);  // minified

  json learning = Window();
  learning["status"] = "learning";
  learning.erase("score");
  learning.erase("top_feature");
  json nan_score = Window();
  nan_score["score"] = nullptr;
  out = {};
  ASSERT_TRUE(Decode(Payload(json::array({learning, nan_score})), out).ok());
  EXPECT_EQ(out.windows[0].score, std::nullopt);
  EXPECT_EQ(out.windows[0].top_feature, "");
  EXPECT_EQ(out.windows[1].score, std::nullopt);
}

TEST(BatchPayloadTest, DecodesAlertFieldByField) {
  json alert = {{"type", "alert"},
                {"event", "opened"},
                {"id", 7},
                {"asset", "pump-1"},
                {"opened", "2026-11-23T03:39:21.713Z"},
                {"peak_score", 3.5},
                {"top_feature", "vib_x.kurtosis"},
                {"detector", "pump-pca@1a2b3c4d5e6f"},
                {"diagnosis", "inner_race (0.97)"},
                {"severity", "critical"},
                {"evidence", {{"vib_x.kurtosis", 9.5}, {"vib_x.rms", nullptr}}}};
  store::DecodedBatch out;
  ASSERT_TRUE(Decode(Payload(json::array({alert})), out).ok());
  ASSERT_EQ(out.alerts.size(), 1u);
  const store::AlertEventRecord& a = out.alerts[0];
  EXPECT_EQ(a.event, "opened");
  EXPECT_EQ(a.node_alert_id, 7);
  EXPECT_EQ(a.asset, "pump-1");
  EXPECT_EQ(a.opened, kT0);
  EXPECT_EQ(a.cleared, std::nullopt);
  EXPECT_EQ(a.peak_score, 3.5);
  EXPECT_EQ(a.severity, "critical");
  EXPECT_EQ(a.detector, "pump-pca@1a2b3c4d5e6f");
  EXPECT_EQ(a.diagnosis, "inner_race (0.97)");
  EXPECT_EQ(a.top_feature, "vib_x.kurtosis");
  EXPECT_EQ(json::parse(a.evidence_json), alert["evidence"]);

  alert["event"] = "cleared";
  alert["cleared"] = "2026-11-23T03:49:21.713Z";
  alert["peak_score"] = nullptr;  // a non-finite peak: the store keeps a number
  alert.erase("evidence");
  alert.erase("diagnosis");
  out = {};
  ASSERT_TRUE(Decode(Payload(json::array({alert})), out).ok());
  EXPECT_EQ(out.alerts[0].cleared, kT0 + 600000);
  EXPECT_EQ(out.alerts[0].peak_score, 0.0);
  EXPECT_EQ(out.alerts[0].evidence_json, "{}");
  EXPECT_EQ(out.alerts[0].diagnosis, "");
}

TEST(BatchPayloadTest, DecodesQualityDriftShadowAndHeartbeat) {
  json quality = {{"type", "quality_event"},
                  {"asset", "pump-1"},
                  {"channel", "vib_x"},
                  {"rule", "stuck"},
                  {"start", "2026-11-23T03:39:20.713Z"},
                  {"end", "2026-11-23T03:39:21.713Z"},
                  {"ongoing", true},
                  {"detail", "42 equal samples"}};
  json drift = {
      {"type", "drift"},       {"asset", "pump-1"},      {"model", "pump-pca@1a2b3c4d5e6f"},
      {"kind", "feature_psi"}, {"feature", "vib_x.rms"}, {"value", 0.31},
      {"threshold", 0.2},      {"window_count", 600},    {"time", "2026-11-23T03:39:21.713Z"}};
  json shadow = {{"type", "shadow_stats"},
                 {"asset", "pump-1"},
                 {"production", "a@111111111111"},
                 {"shadow", "b@222222222222"},
                 {"period_end", "2026-11-23T03:39:21.713Z"},
                 {"stats", {{"n", 60}, {"agreement", 0.95}, {"correlation", nullptr}}}};
  json heartbeat = {{"type", "heartbeat"},
                    {"time", "2026-11-23T03:39:21.713Z"},
                    {"version", "0.7.0"},
                    {"uptime_s", 3600.5},
                    {"inference_uptime", 0.999},
                    {"windows_decided", 3600},
                    {"latency_ms", {{"p50", 1.5}, {"p99", 9.25}}},
                    {"queue_depth", 0},
                    {"outbox", {{"pending", 2}, {"dropped", 0}}},
                    {"sources", {{"sim", {{"messages", 10}, {"rejected", {{"bad_time", 1}}}}}}},
                    {"models", {{"pump-bearing/production", "pump-pca@1a2b3c4d5e6f"}}},
                    {"desired_revision", 12},
                    {"drift_events", 1}};
  store::DecodedBatch out;
  ASSERT_TRUE(Decode(Payload(json::array({quality, drift, shadow, heartbeat})), out).ok());
  ASSERT_EQ(out.quality.size(), 1u);
  const store::HubQualityEventRecord& q = out.quality[0];
  EXPECT_EQ(q.asset, "pump-1");
  EXPECT_EQ(q.channel, "vib_x");
  EXPECT_EQ(q.rule, "stuck");
  EXPECT_EQ(q.start, kT0 - 1000);
  EXPECT_EQ(q.end, kT0);
  EXPECT_TRUE(q.ongoing);
  EXPECT_EQ(q.detail, "42 equal samples");

  ASSERT_EQ(out.drift.size(), 1u);
  const store::DriftRecord& d = out.drift[0];
  EXPECT_EQ(d.asset, "pump-1");
  EXPECT_EQ(d.model, "pump-pca@1a2b3c4d5e6f");
  EXPECT_EQ(d.kind, "feature_psi");
  EXPECT_EQ(d.feature, "vib_x.rms");
  EXPECT_EQ(d.value, 0.31);
  EXPECT_EQ(d.threshold, 0.2);
  EXPECT_EQ(d.window_count, 600);
  EXPECT_EQ(d.time, kT0);

  ASSERT_EQ(out.shadow_stats.size(), 1u);
  const store::HubShadowStatsRecord& s = out.shadow_stats[0];
  EXPECT_EQ(s.asset, "pump-1");
  EXPECT_EQ(s.production, "a@111111111111");
  EXPECT_EQ(s.shadow, "b@222222222222");
  EXPECT_EQ(s.period_end, kT0);
  EXPECT_EQ(json::parse(s.stats_json), shadow["stats"]);

  ASSERT_EQ(out.heartbeats.size(), 1u);
  const store::HeartbeatRecord& h = out.heartbeats[0];
  EXPECT_EQ(h.time, kT0);
  EXPECT_EQ(h.version, "0.7.0");
  EXPECT_EQ(h.uptime_s, 3600.5);
  EXPECT_EQ(h.inference_uptime, 0.999);
  EXPECT_EQ(h.windows_decided, 3600);
  EXPECT_EQ(h.latency_p50_ms, 1.5);
  EXPECT_EQ(h.latency_p99_ms, 9.25);
  EXPECT_EQ(json::parse(h.models_json), heartbeat["models"]);
  EXPECT_EQ(h.desired_revision, 12);
  EXPECT_EQ(json::parse(h.body_json), heartbeat);
}

TEST(BatchPayloadTest, OptionalFieldsTakeTheirDefaults) {
  json heartbeat = {{"type", "heartbeat"}, {"time", "2026-11-23T03:39:21.713Z"}, {"version", "1"}};
  json quality = {{"type", "quality_event"},
                  {"asset", "a"},
                  {"channel", "c"},
                  {"rule", "gap"},
                  {"start", "2026-11-23T03:39:21.713Z"},
                  {"end", nullptr}};
  store::DecodedBatch out;
  ASSERT_TRUE(Decode(Payload(json::array({heartbeat, quality})), out).ok());
  EXPECT_EQ(out.heartbeats[0].models_json, "{}");
  EXPECT_EQ(out.heartbeats[0].desired_revision, -1);
  EXPECT_EQ(out.heartbeats[0].inference_uptime, 0.0);
  EXPECT_EQ(out.quality[0].end, std::nullopt);
  EXPECT_FALSE(out.quality[0].ongoing);
}

TEST(BatchPayloadTest, IgnoresUnknownTypesAndFields) {
  json window = Window();
  window["future_field"] = {{"x", 1}};
  json future = {{"type", "vibration_snapshot"}, {"whatever", 1}};
  store::DecodedBatch out;
  json payload = Payload(json::array({future, window}));
  payload["compression"] = "none";
  ASSERT_TRUE(Decode(payload, out).ok());
  EXPECT_EQ(out.windows.size(), 1u);
  out = {};
  ASSERT_TRUE(Decode(Payload(json::array()), out).ok());
  EXPECT_TRUE(out.windows.empty());
}

TEST(BatchPayloadTest, EnvelopeErrorsNameTheField) {
  store::DecodedBatch out;
  EXPECT_EQ(DecodeBatchPayload("{", "gw-1", {}, out).message().rfind("not valid JSON: ", 0), 0u);
  EXPECT_EQ(DecodeBatchPayload("[1]", "gw-1", {}, out).message(), "expected a JSON object");
  EXPECT_EQ(DecodeBatchPayload("", "gw-1", {}, out).message().rfind("not valid JSON", 0), 0u);
  json p = Payload(json::array());
  p["v"] = 2;
  EXPECT_EQ(Decode(p, out).message(), "v: unsupported version 2");
  p = Payload(json::array());
  p.erase("v");
  EXPECT_EQ(Decode(p, out).message(), "v: missing");
  p = Payload(json::array(), "gw-2");
  EXPECT_EQ(Decode(p, out).message(), "node: \"gw-2\" is not the sending node \"gw-1\"");
  p = Payload(json::array());
  p["created"] = "yesterday";
  EXPECT_EQ(Decode(p, out).message(), "created: not an RFC 3339 time");
  p = Payload(json::array());
  p["records"] = {{"type", "window"}};
  EXPECT_EQ(Decode(p, out).message(), "records: expected an array");
  p.erase("records");
  EXPECT_EQ(Decode(p, out).message(), "records: missing");
  EXPECT_EQ(Decode(Payload(json::array({1})), out).message(), "records[0]: expected an object");
  EXPECT_EQ(Decode(Payload(json::array({{{"asset", "a"}}})), out).message(),
            "records[0].type: missing");
}

TEST(BatchPayloadTest, RecordErrorsNameRecordAndField) {
  const auto with = [](json record, const std::string& key, json value) {
    if (value.is_discarded()) {
      record.erase(key);
    } else {
      record[key] = value;
    }
    return RecordError(record);
  };
  const json gone(json::value_t::discarded);
  EXPECT_EQ(with(Window(), "start", "2026-11-23"),
            "records[0] (window): start: not an RFC 3339 time");
  EXPECT_EQ(with(Window(), "end", "2026-11-23T03:39:19.000Z"),
            "records[0] (window): end: before start");
  EXPECT_EQ(with(Window(), "asset", gone), "records[0] (window): asset: missing");
  EXPECT_EQ(with(Window(), "asset", ""), "records[0] (window): asset: empty");
  EXPECT_EQ(with(Window(), "asset", 5), "records[0] (window): asset: expected a string");
  EXPECT_EQ(with(Window(), "asset", std::string(129, 'a')),
            "records[0] (window): asset: longer than 128 bytes");
  EXPECT_TRUE(with(Window(), "asset", std::string(128, 'a')).empty());
  EXPECT_EQ(with(Window(), "status", "happy"),
            "records[0] (window): status: \"happy\" is not one of learning, scored, rejected");
  EXPECT_EQ(with(Window(), "score", "high"), "records[0] (window): score: expected a number");
  EXPECT_EQ(with(Window(), "features", json::array()),
            "records[0] (window): features: expected an object");
  EXPECT_EQ(with(Window(), "features", {{"rms", "x"}}),
            "records[0] (window): features.rms: expected a number or null");
  EXPECT_EQ(with(Window(), "detector", std::string(4097, 'd')),
            "records[0] (window): detector: longer than 4096 bytes");

  const json alert = {{"type", "alert"},
                      {"event", "opened"},
                      {"id", 1},
                      {"asset", "a"},
                      {"opened", "2026-11-23T03:39:21.713Z"},
                      {"peak_score", 1.0},
                      {"severity", "warning"},
                      {"detector", "d"}};
  EXPECT_TRUE(RecordError(alert).empty());
  EXPECT_EQ(with(alert, "id", -1), "records[0] (alert): id: -1 is below 0");
  EXPECT_EQ(with(alert, "id", 1.5), "records[0] (alert): id: expected an integer");
  EXPECT_EQ(with(alert, "event", "closed"),
            "records[0] (alert): event: \"closed\" is not one of opened, escalated, cleared");
  EXPECT_EQ(with(alert, "severity", "fatal"),
            "records[0] (alert): severity: \"fatal\" is not one of warning, critical");
  EXPECT_EQ(with(alert, "peak_score", gone), "records[0] (alert): peak_score: missing");
  EXPECT_EQ(with(alert, "cleared", "soon"), "records[0] (alert): cleared: not an RFC 3339 time");
  EXPECT_EQ(with(alert, "evidence", 3), "records[0] (alert): evidence: expected an object");

  const json quality = {{"type", "quality_event"},
                        {"asset", "a"},
                        {"channel", "c"},
                        {"rule", "gap"},
                        {"start", "2026-11-23T03:39:21.713Z"}};
  EXPECT_EQ(with(quality, "channel", std::string(129, 'c')),
            "records[0] (quality_event): channel: longer than 128 bytes");
  EXPECT_EQ(with(quality, "ongoing", "yes"),
            "records[0] (quality_event): ongoing: expected true or false");
  EXPECT_EQ(with(quality, "end", "2026-11-23T03:39:20.713Z"),
            "records[0] (quality_event): end: before start");

  const json drift = {{"type", "drift"},
                      {"asset", "a"},
                      {"model", "m"},
                      {"kind", "feature_psi"},
                      {"value", 1.0},
                      {"threshold", 0.5},
                      {"time", "2026-11-23T03:39:21.713Z"}};
  EXPECT_TRUE(RecordError(drift).empty());
  EXPECT_EQ(with(drift, "window_count", -3), "records[0] (drift): window_count: -3 is below 0");
  EXPECT_EQ(with(drift, "threshold", gone), "records[0] (drift): threshold: missing");

  const json shadow = {{"type", "shadow_stats"},
                       {"asset", "a"},
                       {"production", "p"},
                       {"shadow", "s"},
                       {"period_end", "2026-11-23T03:39:21.713Z"},
                       {"stats", json::object()}};
  EXPECT_EQ(with(shadow, "stats", gone), "records[0] (shadow_stats): stats: missing");

  const json heartbeat = {
      {"type", "heartbeat"}, {"time", "2026-11-23T03:39:21.713Z"}, {"version", "1"}};
  EXPECT_EQ(with(heartbeat, "inference_uptime", 1.5),
            "records[0] (heartbeat): inference_uptime: outside [0, 1]");
  EXPECT_EQ(with(heartbeat, "models", {{"g/production", 3}}),
            "records[0] (heartbeat): models.g/production: expected a string");
  EXPECT_EQ(with(heartbeat, "latency_ms", {{"p50", "fast"}}),
            "records[0] (heartbeat): latency_ms.p50: expected a number");
  EXPECT_EQ(with(heartbeat, "desired_revision", -2),
            "records[0] (heartbeat): desired_revision: -2 is below -1");

  // The index names the failing record, not the first one.
  store::DecodedBatch out;
  json bad = Window();
  bad["end"] = 5;
  EXPECT_EQ(Decode(Payload(json::array({Window(), Window(), bad})), out).message(),
            "records[2] (window): end: expected a string");
}

TEST(BatchPayloadTest, LimitsRecordsAndNesting) {
  store::DecodedBatch out;
  IngestLimits limits;
  limits.max_records_per_batch = 2;
  EXPECT_TRUE(Decode(Payload(json::array({Window(), Window()})), out, limits).ok());
  EXPECT_EQ(Decode(Payload(json::array({Window(), Window(), Window()})), out, limits).message(),
            "records: more than 2 records");
  std::string deep = "{\"v\":1,\"x\":" + std::string(40, '[') + std::string(40, ']') + "}";
  EXPECT_EQ(DecodeBatchPayload(deep, "gw-1", {}, out).message(), "nested deeper than 32 levels");
}

TEST(IngestRequestTest, DecodesEnvelopeAndBatches) {
  const std::string p1 = Payload(json::array({Window()})).dump();
  const std::string p2 = Payload(json::array({Window(), Window()})).dump();
  auto r = DecodeIngestRequest(Request({{41, p1}, {43, p2}}).dump());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->version, 1);
  EXPECT_EQ(r->node, "gw-1");
  EXPECT_EQ(r->dropped_batches, 3);
  ASSERT_EQ(r->batches.size(), 2u);
  EXPECT_EQ(r->batches[0].seq, 41);
  EXPECT_EQ(r->batches[0].payload_bytes, static_cast<int64_t>(p1.size()));
  EXPECT_EQ(r->batches[0].windows.size(), 1u);
  EXPECT_EQ(r->batches[1].seq, 43);
  EXPECT_EQ(r->batches[1].windows.size(), 2u);
  // Any order is accepted (protocol "Ordering"); dropped_batches is optional.
  json req = Request({{9, p1}, {2, p2}});
  req.erase("dropped_batches");
  r = DecodeIngestRequest(req.dump());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->dropped_batches, 0);
  EXPECT_EQ(r->batches[0].seq, 9);
}

TEST(IngestRequestTest, EveryEnvelopeErrorHasItsMessage) {
  const std::string p = Payload(json::array({Window()})).dump();
  json req = Request({{1, p}});
  req["v"] = 2;
  EXPECT_EQ(RequestError(req), "v: unsupported version 2");
  req = Request({{1, p}});
  req["node"] = "";
  EXPECT_EQ(RequestError(req), "node: empty");
  req = Request({{1, p}});
  req["dropped_batches"] = -1;
  EXPECT_EQ(RequestError(req), "dropped_batches: -1 is below 0");
  EXPECT_EQ(RequestError(Request({})), "batches: empty");
  req = Request({{1, p}});
  req.erase("batches");
  EXPECT_EQ(RequestError(req), "batches: missing");
  EXPECT_EQ(RequestError(Request({{0, p}})), "batches[0].seq: 0 is below 1");
  EXPECT_EQ(RequestError(Request({{1, p}, {2, p}, {1, p}})),
            "batches[2].seq: 1 appears twice in the request");
  req = Request({{1, p}});
  req["batches"][0]["seq"] = "1";
  EXPECT_EQ(RequestError(req), "batches[0].seq: expected an integer");
  req = Request({{1, p}});
  req["batches"][0]["payload"] = "not base64!";
  EXPECT_EQ(RequestError(req).rfind("batches[0].payload: not valid base64: ", 0), 0u);
  req["batches"][0]["payload"] = "eyJ3IjoxfQ";  // padding missing
  EXPECT_EQ(RequestError(req).rfind("batches[0].payload: not valid base64: ", 0), 0u);
  req["batches"][0].erase("payload");
  EXPECT_EQ(RequestError(req), "batches[0].payload: missing");
  req["batches"][0]["payload"] = 5;
  EXPECT_EQ(RequestError(req), "batches[0].payload: expected a base64 string");
  req["batches"] = {7};
  EXPECT_EQ(RequestError(req), "batches[0]: expected an object");
  // A payload error is prefixed with the batch that carries it.
  json bad = Window();
  bad["start"] = "2026-11-23";
  EXPECT_EQ(RequestError(Request({{1, p}, {2, Payload(json::array({Window(), bad})).dump()}})),
            "batches[1].payload: records[1] (window): start: not an RFC 3339 time");
  EXPECT_EQ(RequestError(Request({{1, p}}, "gw-2")),
            "batches[0].payload: node: \"gw-1\" is not the sending node \"gw-2\"");
  EXPECT_EQ(RequestError(Request({{1, "{\"v\":1"}})).rfind("batches[0].payload: not valid JSON", 0),
            0u);
  EXPECT_EQ(DecodeIngestRequest("").status().message().rfind("not valid JSON", 0), 0u);
  EXPECT_EQ(DecodeIngestRequest("null").status().message(), "expected a JSON object");
}

TEST(IngestRequestTest, LimitsBatchesPerRequest) {
  const std::string p = Payload(json::array()).dump();
  IngestLimits limits;
  limits.max_batches = 2;
  EXPECT_TRUE(DecodeIngestRequest(Request({{1, p}, {2, p}}).dump(), limits).ok());
  EXPECT_EQ(
      DecodeIngestRequest(Request({{1, p}, {2, p}, {3, p}}).dump(), limits).status().message(),
      "batches: more than 2 batches");
}

// A megabyte payload (what a busy node sends when it catches up) decodes quickly even under the
// sanitizers; the rate is printed for the record, not asserted.
TEST(IngestRequestTest, OneMegabytePayloadDecodesQuickly) {
  json records = json::array();
  std::string payload;
  while (payload.size() < (1u << 20)) {
    for (int i = 0; i < 256; ++i) records.push_back(Window());
    payload = Payload(records).dump();
  }
  const std::string body = Request({{1, payload}}).dump();
  const auto start = std::chrono::steady_clock::now();
  constexpr int kRounds = 5;
  for (int i = 0; i < kRounds; ++i) {
    auto r = DecodeIngestRequest(body);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->batches[0].windows.size(), records.size());
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("decoded %zu-byte payload (%zu window records) x%d in %.3f s: %.0f records/s\n",
              payload.size(), records.size(), kRounds, s,
              static_cast<double>(records.size()) * kRounds / s);
  EXPECT_LT(s, 60.0);
}

}  // namespace
}  // namespace edgeloop::fleet
