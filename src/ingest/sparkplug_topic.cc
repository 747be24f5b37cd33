// Stateless Sparkplug helpers: topic parsing, reason names, the rebirth command and grouping of
// samples into SampleBatches. The session state machine is in sparkplug.cc.
#include <algorithm>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

#include "ingest/sparkplug.h"
#include "ingest/sparkplug_b.pb.h"

namespace edgeloop::ingest {
namespace {

constexpr std::pair<std::string_view, SparkplugMessageType> kTypeNames[] = {
    {"NBIRTH", SparkplugMessageType::kNBirth}, {"NDEATH", SparkplugMessageType::kNDeath},
    {"NDATA", SparkplugMessageType::kNData},   {"NCMD", SparkplugMessageType::kNCmd},
    {"DBIRTH", SparkplugMessageType::kDBirth}, {"DDEATH", SparkplugMessageType::kDDeath},
    {"DDATA", SparkplugMessageType::kDData},   {"DCMD", SparkplugMessageType::kDCmd},
};

bool IsDeviceType(SparkplugMessageType type) {
  return type == SparkplugMessageType::kDBirth || type == SparkplugMessageType::kDDeath ||
         type == SparkplugMessageType::kDData || type == SparkplugMessageType::kDCmd;
}

// An identifier level: non-empty and free of MQTT wildcards (which would make it a filter).
bool IsValidLevel(std::string_view level) {
  return !level.empty() && level.find_first_of("+#") == std::string_view::npos &&
         sparkplug_internal::IsValidUtf8(level);
}

}  // namespace

namespace sparkplug_internal {

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<uint8_t>(s[i]);
    size_t extra = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i <= extra) return false;
    for (size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    constexpr uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

}  // namespace sparkplug_internal

Result<SparkplugTopic> ParseSparkplugTopic(std::string_view topic) {
  std::vector<std::string_view> levels;
  size_t begin = 0;
  while (true) {
    const size_t slash = topic.find('/', begin);
    levels.push_back(
        topic.substr(begin, slash == std::string_view::npos ? topic.npos : slash - begin));
    if (slash == std::string_view::npos || levels.size() > 5) break;
    begin = slash + 1;
  }
  auto bad = [&](std::string_view why) {
    // Echo the topic only when it is short, well-formed text (it may end up in JSON or logs).
    const bool echo = topic.size() <= 200 && sparkplug_internal::IsValidUtf8(topic);
    return InvalidArgument("Sparkplug topic" + (echo ? " '" + std::string(topic) + "'" : "") +
                           ": " + std::string(why));
  };
  if (levels[0] != kSparkplugNamespace) return bad("does not start with spBv1.0/");
  if (levels.size() < 3) return bad("too few levels");
  for (const auto level : levels) {
    if (!IsValidLevel(level)) return bad("empty level or wildcard character");
  }
  SparkplugTopic parsed;
  if (levels[1] == "STATE") {
    if (levels.size() != 3) return bad("STATE takes exactly one host id");
    parsed.type = SparkplugMessageType::kState;
    parsed.edge_node = levels[2];
    return parsed;
  }
  const auto* it = std::find_if(std::begin(kTypeNames), std::end(kTypeNames),
                                [&](const auto& entry) { return entry.first == levels[2]; });
  if (it == std::end(kTypeNames)) return bad("unknown message type");
  parsed.type = it->second;
  const size_t want = IsDeviceType(parsed.type) ? 5 : 4;
  if (levels.size() != want) {
    return bad(want == 5 ? "device message without exactly one device id"
                         : "node message with extra levels");
  }
  parsed.group = levels[1];
  parsed.edge_node = levels[3];
  if (want == 5) parsed.device = levels[4];
  return parsed;
}

std::string_view SparkplugReasonName(SparkplugReason reason) {
  switch (reason) {
    case SparkplugReason::kOk:
      return "ok";
    case SparkplugReason::kBadTopic:
      return "bad_topic";
    case SparkplugReason::kOversized:
      return "oversized";
    case SparkplugReason::kBadProtobuf:
      return "bad_protobuf";
    case SparkplugReason::kTooManyNodes:
      return "too_many_nodes";
    case SparkplugReason::kMissingSeq:
      return "missing_seq";
    case SparkplugReason::kMissingBdSeq:
      return "missing_bdseq";
    case SparkplugReason::kBadBirth:
      return "bad_birth";
    case SparkplugReason::kNotBorn:
      return "not_born";
    case SparkplugReason::kSeqGap:
      return "seq_gap";
    case SparkplugReason::kBdSeqMismatch:
      return "bdseq_mismatch";
    case SparkplugReason::kUnknownAlias:
      return "unknown_alias";
    case SparkplugReason::kUnknownMetric:
      return "unknown_metric";
    case SparkplugReason::kWrongDatatype:
      return "wrong_datatype";
    case SparkplugReason::kBadTimestamp:
      return "bad_timestamp";
  }
  return "unknown";
}

std::vector<SampleBatch> ToSampleBatches(const std::vector<SparkplugSample>& samples,
                                         ChannelKind kind, double nominal_rate_hz) {
  // Keyed by (group, edge node, device, metric) so equal metric names on different nodes stay
  // apart; std::map keeps the output order deterministic.
  std::map<std::tuple<std::string, std::string, std::string, std::string>, SampleBatch> batches;
  for (const auto& sample : samples) {
    auto [it, inserted] = batches.try_emplace(
        std::tuple(sample.group, sample.edge_node, sample.device, sample.metric));
    SampleBatch& batch = it->second;
    if (inserted) {
      batch.asset = sample.device.empty() ? sample.edge_node : sample.device;
      batch.channel = sample.metric;
      batch.kind = kind;
      batch.start = sample.time;
      batch.sample_rate_hz = nominal_rate_hz;
    }
    batch.values.push_back(static_cast<float>(sample.value));
    batch.timestamps.push_back(sample.time);
  }
  std::vector<SampleBatch> out;
  out.reserve(batches.size());
  for (auto& [key, batch] : batches) out.push_back(std::move(batch));
  return out;
}

std::string RebirthTopic(std::string_view group, std::string_view edge_node) {
  return std::string(kSparkplugNamespace) + "/" + std::string(group) + "/NCMD/" +
         std::string(edge_node);
}

std::string BuildRebirthCommand(Timestamp now) {
  const uint64_t ms = static_cast<uint64_t>(std::max<int64_t>(0, ToNanos(now) / 1'000'000));
  spb::Payload payload;
  payload.set_timestamp(ms);  // NCMD carries no seq (spec 3.0, 6.4.19)
  auto* metric = payload.add_metrics();
  metric->set_name("Node Control/Rebirth");
  metric->set_timestamp(ms);
  metric->set_datatype(spb::Boolean);
  metric->set_boolean_value(true);
  return payload.SerializeAsString();
}

}  // namespace edgeloop::ingest
