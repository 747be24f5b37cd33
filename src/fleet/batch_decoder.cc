// The ingest hot path: simdjson's DOM API (error codes, no exceptions) validates a whole document
// in one pass, then a schema walk reads it field by field. Each thread keeps its own parsers, so
// the functions stay pure and thread-safe while the buffers are reused across requests.
#include "fleet/batch_decoder.h"

#include <simdjson.h>

#include <cmath>
#include <limits>
#include <set>
#include <utility>

#include "common/base64.h"

namespace edgeloop::fleet {
namespace {

namespace dom = simdjson::dom;

// Depth of the deepest record we know (heartbeat -> sources -> name -> rejected -> reason) is 6;
// 32 leaves room for additive fields while refusing pathological nesting early.
constexpr size_t kMaxDepth = 32;
constexpr size_t kMaxIdBytes = 128;     // asset and channel ids (store key columns)
constexpr size_t kMaxTextBytes = 4096;  // any other string
constexpr int kPayloadVersion = 1;
constexpr int kProtocolVersion = 1;

// One parser for the envelope and one for payloads: a payload is parsed while the envelope's
// DOM is still being walked.
dom::parser& ThreadParser(int which) {
  thread_local dom::parser parsers[2];
  return parsers[which];
}

Status Fail(const std::string& where, std::string_view what) {
  return InvalidArgument(where + std::string(what));
}

Status ParseDocument(int which, std::string_view text, const std::string& where,
                     dom::element& root) {
  // simdjson copies the input with memcpy, which must not see the null data of an empty view.
  if (text.empty()) return Fail(where, "not valid JSON: empty document");
  dom::parser& parser = ThreadParser(which);
  if (parser.max_depth() != kMaxDepth) {
    if (const auto error = parser.allocate(dom::MINIMAL_DOCUMENT_CAPACITY, kMaxDepth)) {
      return Internal(where + "cannot size the JSON parser: " + simdjson::error_message(error));
    }
  }
  if (const auto error = parser.parse(text.data(), text.size()).get(root)) {
    if (error == simdjson::DEPTH_ERROR) {
      return Fail(where, "nested deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    return Fail(where, std::string("not valid JSON: ") + simdjson::error_message(error));
  }
  if (root.type() != dom::element_type::OBJECT) return Fail(where, "expected a JSON object");
  return Status::Ok();
}

// Field readers. `where` is the path so far ("batches[2].payload: records[5] (window): "); each
// error names the field after it.
class Fields {
 public:
  Fields(dom::object obj, std::string where) : obj_(obj), where_(std::move(where)) {}

  const std::string& where() const { return where_; }
  Status Error(std::string_view key, std::string_view what) const {
    return InvalidArgument(where_ + std::string(key) + ": " + std::string(what));
  }

  // Absent and null both count as missing.
  bool Get(std::string_view key, dom::element& out) const {
    return obj_.at_key(key).get(out) == simdjson::SUCCESS &&
           out.type() != dom::element_type::NULL_VALUE;
  }

  Result<std::string> String(std::string_view key, size_t max_bytes = kMaxTextBytes,
                             bool required = true, bool non_empty = false) const {
    dom::element e;
    if (!Get(key, e)) {
      if (required) return Error(key, "missing");
      return std::string();
    }
    std::string_view s;
    if (e.get_string().get(s) != simdjson::SUCCESS) return Error(key, "expected a string");
    if (s.size() > max_bytes) {
      return Error(key, "longer than " + std::to_string(max_bytes) + " bytes");
    }
    if (non_empty && s.empty()) return Error(key, "empty");
    return std::string(s);
  }

  Result<std::string> Id(std::string_view key) const {
    return String(key, kMaxIdBytes, /*required=*/true, /*non_empty=*/true);
  }

  // One of `allowed` (a protocol enum).
  Result<std::string> Enum(std::string_view key,
                           std::initializer_list<std::string_view> allowed) const {
    EL_ASSIGN_OR_RETURN(std::string s, String(key, kMaxIdBytes));
    for (std::string_view a : allowed) {
      if (s == a) return s;
    }
    std::string list;
    for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    return Error(key, "\"" + s + "\" is not one of " + list);
  }

  Result<store::TimeMs> Time(std::string_view key) const {
    EL_ASSIGN_OR_RETURN(std::string s, String(key, 64));
    auto t = ParseRfc3339Ms(s);
    if (!t.ok()) return Error(key, "not an RFC 3339 time");
    return *t;
  }

  Result<std::optional<store::TimeMs>> OptionalTime(std::string_view key) const {
    dom::element e;
    if (!Get(key, e)) return std::optional<store::TimeMs>();
    EL_ASSIGN_OR_RETURN(store::TimeMs t, Time(key));
    return std::optional<store::TimeMs>(t);
  }

  // A number; null (the encoding of a non-finite value) or absent is nullopt.
  Result<std::optional<double>> OptionalNumber(std::string_view key) const {
    dom::element e;
    if (!Get(key, e)) return std::optional<double>();
    double d = 0;
    if (e.get_double().get(d) != simdjson::SUCCESS) return Error(key, "expected a number");
    return std::optional<double>(d);
  }

  // A number the store keeps NOT NULL: a non-finite value the node sent as null becomes 0.
  Result<double> Number(std::string_view key) const {
    dom::element e;
    if (obj_.at_key(key).get(e) != simdjson::SUCCESS) return Error(key, "missing");
    EL_ASSIGN_OR_RETURN(std::optional<double> d, OptionalNumber(key));
    return d.value_or(0.0);
  }

  Result<int64_t> Int(std::string_view key, int64_t min, bool required = true,
                      int64_t fallback = 0) const {
    dom::element e;
    if (!Get(key, e)) {
      if (required) return Error(key, "missing");
      return fallback;
    }
    int64_t v = 0;
    if (e.get_int64().get(v) != simdjson::SUCCESS) return Error(key, "expected an integer");
    if (v < min) return Error(key, std::to_string(v) + " is below " + std::to_string(min));
    return v;
  }

  Result<bool> Bool(std::string_view key) const {
    dom::element e;
    if (!Get(key, e)) return false;
    bool b = false;
    if (e.get_bool().get(b) != simdjson::SUCCESS) return Error(key, "expected true or false");
    return b;
  }

  // The sub-object re-serialized minified; "{}" when absent and not required.
  Result<std::string> ObjectJson(std::string_view key, bool required) const {
    dom::element e;
    if (!Get(key, e)) {
      if (required) return Error(key, "missing");
      return std::string("{}");
    }
    if (e.type() != dom::element_type::OBJECT) return Error(key, "expected an object");
    return simdjson::to_string(e);
  }

  // Like ObjectJson, and every value must be a number or null (feature vectors).
  Result<std::string> NumberMapJson(std::string_view key, bool required) const {
    EL_ASSIGN_OR_RETURN(std::string json, ObjectJson(key, required));
    dom::element e;
    if (!Get(key, e)) return json;
    const dom::object members = e.get_object().value_unsafe();  // type checked above
    for (auto [name, value] : members) {
      const auto t = value.type();
      if (t != dom::element_type::INT64 && t != dom::element_type::UINT64 &&
          t != dom::element_type::DOUBLE && t != dom::element_type::NULL_VALUE) {
        return Error(std::string(key) + "." + std::string(name), "expected a number or null");
      }
    }
    return json;
  }

  // Like ObjectJson, and every value must be a string ("group/role" -> version).
  Result<std::string> StringMapJson(std::string_view key) const {
    EL_ASSIGN_OR_RETURN(std::string json, ObjectJson(key, false));
    dom::element e;
    if (!Get(key, e)) return json;
    const dom::object members = e.get_object().value_unsafe();  // type checked above
    for (auto [name, value] : members) {
      if (value.type() != dom::element_type::STRING) {
        return Error(std::string(key) + "." + std::string(name), "expected a string");
      }
    }
    return json;
  }

  Result<dom::object> Object(std::string_view key) const {
    dom::element e;
    if (!Get(key, e)) return Error(key, "missing");
    dom::object o;
    if (e.get_object().get(o) != simdjson::SUCCESS) return Error(key, "expected an object");
    return o;
  }

 private:
  dom::object obj_;
  std::string where_;
};

Status CheckOrder(const Fields& f, store::TimeMs start, store::TimeMs end) {
  if (end < start) return f.Error("end", "before start");
  return Status::Ok();
}

Status DecodeWindow(Fields& f, store::DecodedBatch& out) {
  store::HubWindowRecord w;
  EL_ASSIGN_OR_RETURN(w.asset, f.Id("asset"));
  EL_ASSIGN_OR_RETURN(w.start, f.Time("start"));
  EL_ASSIGN_OR_RETURN(w.end, f.Time("end"));
  EL_RETURN_IF_ERROR(CheckOrder(f, w.start, w.end));
  EL_ASSIGN_OR_RETURN(w.status, f.Enum("status", {"learning", "scored", "rejected"}));
  EL_ASSIGN_OR_RETURN(w.detector, f.String("detector"));
  EL_ASSIGN_OR_RETURN(w.score, f.OptionalNumber("score"));
  EL_ASSIGN_OR_RETURN(w.top_feature, f.String("top_feature", kMaxTextBytes, false));
  EL_ASSIGN_OR_RETURN(w.features_json, f.NumberMapJson("features", true));
  out.windows.push_back(std::move(w));
  return Status::Ok();
}

Status DecodeAlert(Fields& f, store::DecodedBatch& out) {
  store::AlertEventRecord a;
  EL_ASSIGN_OR_RETURN(a.event, f.Enum("event", {"opened", "escalated", "cleared"}));
  EL_ASSIGN_OR_RETURN(a.node_alert_id, f.Int("id", 0));
  EL_ASSIGN_OR_RETURN(a.asset, f.Id("asset"));
  EL_ASSIGN_OR_RETURN(a.opened, f.Time("opened"));
  EL_ASSIGN_OR_RETURN(a.cleared, f.OptionalTime("cleared"));
  EL_ASSIGN_OR_RETURN(a.peak_score, f.Number("peak_score"));
  EL_ASSIGN_OR_RETURN(a.severity, f.Enum("severity", {"warning", "critical"}));
  EL_ASSIGN_OR_RETURN(a.detector, f.String("detector"));
  EL_ASSIGN_OR_RETURN(a.diagnosis, f.String("diagnosis", kMaxTextBytes, false));
  EL_ASSIGN_OR_RETURN(a.top_feature, f.String("top_feature", kMaxTextBytes, false));
  EL_ASSIGN_OR_RETURN(a.evidence_json, f.NumberMapJson("evidence", false));
  out.alerts.push_back(std::move(a));
  return Status::Ok();
}

Status DecodeQuality(Fields& f, store::DecodedBatch& out) {
  store::HubQualityEventRecord q;
  EL_ASSIGN_OR_RETURN(q.asset, f.Id("asset"));
  EL_ASSIGN_OR_RETURN(q.channel, f.Id("channel"));
  EL_ASSIGN_OR_RETURN(q.rule, f.String("rule", kMaxIdBytes, true, true));
  EL_ASSIGN_OR_RETURN(q.start, f.Time("start"));
  EL_ASSIGN_OR_RETURN(q.end, f.OptionalTime("end"));
  if (q.end) EL_RETURN_IF_ERROR(CheckOrder(f, q.start, *q.end));
  EL_ASSIGN_OR_RETURN(q.ongoing, f.Bool("ongoing"));
  EL_ASSIGN_OR_RETURN(q.detail, f.String("detail", kMaxTextBytes, false));
  out.quality.push_back(std::move(q));
  return Status::Ok();
}

Status DecodeDrift(Fields& f, store::DecodedBatch& out) {
  store::DriftRecord d;
  EL_ASSIGN_OR_RETURN(d.asset, f.Id("asset"));
  EL_ASSIGN_OR_RETURN(d.model, f.String("model"));
  EL_ASSIGN_OR_RETURN(d.kind, f.String("kind", kMaxIdBytes, true, true));
  EL_ASSIGN_OR_RETURN(d.feature, f.String("feature", kMaxTextBytes, false));
  EL_ASSIGN_OR_RETURN(d.value, f.Number("value"));
  EL_ASSIGN_OR_RETURN(d.threshold, f.Number("threshold"));
  EL_ASSIGN_OR_RETURN(d.window_count, f.Int("window_count", 0, false));
  EL_ASSIGN_OR_RETURN(d.time, f.Time("time"));
  out.drift.push_back(std::move(d));
  return Status::Ok();
}

Status DecodeShadowStats(Fields& f, store::DecodedBatch& out) {
  store::HubShadowStatsRecord s;
  EL_ASSIGN_OR_RETURN(s.asset, f.Id("asset"));
  EL_ASSIGN_OR_RETURN(s.production, f.String("production"));
  EL_ASSIGN_OR_RETURN(s.shadow, f.String("shadow"));
  EL_ASSIGN_OR_RETURN(s.period_end, f.Time("period_end"));
  EL_ASSIGN_OR_RETURN(s.stats_json, f.ObjectJson("stats", true));
  out.shadow_stats.push_back(std::move(s));
  return Status::Ok();
}

Status DecodeHeartbeat(Fields& f, dom::element record, store::DecodedBatch& out) {
  store::HeartbeatRecord h;
  EL_ASSIGN_OR_RETURN(h.time, f.Time("time"));
  EL_ASSIGN_OR_RETURN(h.version, f.String("version"));
  EL_ASSIGN_OR_RETURN(std::optional<double> uptime, f.OptionalNumber("uptime_s"));
  h.uptime_s = uptime.value_or(0.0);
  EL_ASSIGN_OR_RETURN(std::optional<double> inference, f.OptionalNumber("inference_uptime"));
  h.inference_uptime = inference.value_or(0.0);
  if (h.inference_uptime < 0 || h.inference_uptime > 1) {
    return f.Error("inference_uptime", "outside [0, 1]");
  }
  EL_ASSIGN_OR_RETURN(h.windows_decided, f.Int("windows_decided", 0, false));
  dom::element latency;
  if (f.Get("latency_ms", latency)) {
    EL_ASSIGN_OR_RETURN(dom::object lo, f.Object("latency_ms"));
    Fields lf(lo, f.where() + "latency_ms.");
    EL_ASSIGN_OR_RETURN(std::optional<double> p50, lf.OptionalNumber("p50"));
    EL_ASSIGN_OR_RETURN(std::optional<double> p99, lf.OptionalNumber("p99"));
    h.latency_p50_ms = p50.value_or(0.0);
    h.latency_p99_ms = p99.value_or(0.0);
  }
  EL_ASSIGN_OR_RETURN(h.models_json, f.StringMapJson("models"));
  EL_ASSIGN_OR_RETURN(h.desired_revision,
                      f.Int("desired_revision", -1, /*required=*/false, /*fallback=*/-1));
  h.body_json = simdjson::to_string(record);
  out.heartbeats.push_back(std::move(h));
  return Status::Ok();
}

Status DecodeRecord(dom::element record, size_t index, store::DecodedBatch& out) {
  const std::string at = "records[" + std::to_string(index) + "]";
  dom::object obj;
  if (record.get_object().get(obj) != simdjson::SUCCESS) {
    return InvalidArgument(at + ": expected an object");
  }
  EL_ASSIGN_OR_RETURN(std::string type, Fields(obj, at + ".").String("type", kMaxIdBytes));
  Fields f(obj, at + " (" + type + "): ");
  if (type == "window") return DecodeWindow(f, out);
  if (type == "alert") return DecodeAlert(f, out);
  if (type == "quality_event") return DecodeQuality(f, out);
  if (type == "drift") return DecodeDrift(f, out);
  if (type == "shadow_stats") return DecodeShadowStats(f, out);
  if (type == "heartbeat") return DecodeHeartbeat(f, record, out);
  return Status::Ok();  // unknown types are for newer hubs (docs/protocol.md "Versioning")
}

}  // namespace

Status DecodeBatchPayload(std::string_view payload, std::string_view node,
                          const IngestLimits& limits, store::DecodedBatch& out) {
  dom::element root;
  EL_RETURN_IF_ERROR(ParseDocument(1, payload, "", root));
  const dom::object obj = root.get_object().value_unsafe();  // type checked
  Fields f(obj, "");
  EL_ASSIGN_OR_RETURN(const int64_t v, f.Int("v", 0));
  if (v != kPayloadVersion) return f.Error("v", "unsupported version " + std::to_string(v));
  EL_ASSIGN_OR_RETURN(const std::string payload_node, f.String("node", kMaxIdBytes));
  if (payload_node != node) {
    return f.Error(
        "node", "\"" + payload_node + "\" is not the sending node \"" + std::string(node) + "\"");
  }
  EL_ASSIGN_OR_RETURN(out.created, f.Time("created"));
  dom::element records_el;
  if (!f.Get("records", records_el)) return f.Error("records", "missing");
  dom::array records;
  if (records_el.get_array().get(records) != simdjson::SUCCESS) {
    return f.Error("records", "expected an array");
  }
  size_t index = 0;
  for (dom::element record : records) {
    if (index >= limits.max_records_per_batch) {
      return f.Error("records",
                     "more than " + std::to_string(limits.max_records_per_batch) + " records");
    }
    EL_RETURN_IF_ERROR(DecodeRecord(record, index, out));
    ++index;
  }
  return Status::Ok();
}

Result<IngestRequest> DecodeIngestRequest(std::string_view body, const IngestLimits& limits) {
  dom::element root;
  EL_RETURN_IF_ERROR(ParseDocument(0, body, "", root));
  const dom::object obj = root.get_object().value_unsafe();  // type checked
  Fields f(obj, "");
  IngestRequest request;
  EL_ASSIGN_OR_RETURN(const int64_t v, f.Int("v", 0));
  if (v != kProtocolVersion) return f.Error("v", "unsupported version " + std::to_string(v));
  request.version = static_cast<int>(v);
  EL_ASSIGN_OR_RETURN(request.node, f.Id("node"));
  EL_ASSIGN_OR_RETURN(request.dropped_batches, f.Int("dropped_batches", 0, false));
  dom::element batches_el;
  if (!f.Get("batches", batches_el)) return f.Error("batches", "missing");
  dom::array batches;
  if (batches_el.get_array().get(batches) != simdjson::SUCCESS) {
    return f.Error("batches", "expected an array");
  }
  std::set<int64_t> seen;
  size_t index = 0;
  for (dom::element batch : batches) {
    if (index >= limits.max_batches) {
      return f.Error("batches", "more than " + std::to_string(limits.max_batches) + " batches");
    }
    const std::string at = "batches[" + std::to_string(index) + "]";
    dom::object obj;
    if (batch.get_object().get(obj) != simdjson::SUCCESS) {
      return InvalidArgument(at + ": expected an object");
    }
    Fields bf(obj, at + ".");
    store::DecodedBatch decoded;
    EL_ASSIGN_OR_RETURN(decoded.seq, bf.Int("seq", 1));
    if (!seen.insert(decoded.seq).second) {
      return bf.Error("seq", std::to_string(decoded.seq) + " appears twice in the request");
    }
    dom::element payload_el;
    std::string_view b64;
    if (!bf.Get("payload", payload_el)) return bf.Error("payload", "missing");
    if (payload_el.get_string().get(b64) != simdjson::SUCCESS) {
      return bf.Error("payload", "expected a base64 string");
    }
    auto bytes = Base64Decode(b64);
    if (!bytes.ok()) return bf.Error("payload", "not valid base64: " + bytes.status().message());
    decoded.payload_bytes = static_cast<int64_t>(bytes->size());
    Status s = DecodeBatchPayload(*bytes, request.node, limits, decoded);
    if (!s.ok()) return InvalidArgument(at + ".payload: " + s.message());
    request.batches.push_back(std::move(decoded));
    ++index;
  }
  if (index == 0) return f.Error("batches", "empty");
  return request;
}

}  // namespace edgeloop::fleet
