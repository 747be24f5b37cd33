// The Sparkplug host session state machine (spec 3.0, chapters 5 and 6): births build alias
// tables, data resolves them, seq/bdSeq numbers detect lost messages and stale deaths.
#include "ingest/sparkplug.h"

#include <limits>
#include <optional>
#include <utility>

#include "ingest/sparkplug_b.pb.h"

namespace edgeloop::ingest {
namespace {

using Metric = spb::Payload::Metric;
using sparkplug_internal::MetricInfo;
using sparkplug_internal::MetricTable;

constexpr std::string_view kBdSeq = "bdSeq";
constexpr std::string_view kNodeControlPrefix = "Node Control/";
constexpr uint32_t kLastDatatype = spb::DateTimeArray;

// A refusal while walking a payload's metrics.
struct Refusal {
  SparkplugReason reason;
  std::string detail;
  bool rebirth = false;
};

Result<Timestamp> MillisToTime(uint64_t ms) {
  if (ms > static_cast<uint64_t>(std::numeric_limits<int64_t>::max() / 1'000'000)) {
    return OutOfRange("timestamp " + std::to_string(ms) + " ms is out of range");
  }
  return FromNanos(static_cast<int64_t>(ms) * 1'000'000);
}

// Checks that the metric's value field is the one its datatype uses (spec 6.4.16) and returns
// the numeric value, or nullopt for null and non-numeric metrics. False: wrong field.
bool ExtractValue(const Metric& m, uint32_t datatype, std::optional<double>& out) {
  out.reset();
  if (m.is_null()) return true;
  // Signed types travel in unsigned fields as two's complement: casting to the type's width
  // recovers the value whether the sender sign-extended to 32/64 bits or not.
  switch (datatype) {
    case spb::Int8:
      if (!m.has_int_value()) return false;
      out = static_cast<int8_t>(m.int_value());
      return true;
    case spb::Int16:
      if (!m.has_int_value()) return false;
      out = static_cast<int16_t>(m.int_value());
      return true;
    case spb::Int32:
      if (!m.has_int_value()) return false;
      out = static_cast<int32_t>(m.int_value());
      return true;
    case spb::UInt8:
    case spb::UInt16:
    case spb::UInt32:
      if (!m.has_int_value()) return false;
      out = m.int_value();
      return true;
    case spb::Int64:
      if (!m.has_long_value()) return false;
      out = static_cast<double>(static_cast<int64_t>(m.long_value()));
      return true;
    case spb::UInt64:
      if (!m.has_long_value()) return false;
      out = static_cast<double>(m.long_value());
      return true;
    case spb::Float:
      if (!m.has_float_value()) return false;
      out = m.float_value();
      return true;
    case spb::Double:
      if (!m.has_double_value()) return false;
      out = m.double_value();
      return true;
    case spb::Boolean:
      if (!m.has_boolean_value()) return false;
      out = m.boolean_value() ? 1.0 : 0.0;
      return true;
    case spb::DateTime:
      return m.has_long_value();
    case spb::String:
    case spb::Text:
    case spb::UUID:
      return m.has_string_value();
    case spb::Bytes:
    case spb::File:
      return m.has_bytes_value();
    case spb::DataSet:
      return m.has_dataset_value();
    case spb::Template:
      return m.has_template_value();
    default:  // property sets and arrays: no samples, any encoding accepted
      return true;
  }
}

// The sample time: metric timestamp, else payload timestamp, else when we received it.
Result<Timestamp> SampleTime(const spb::Payload& payload, const Metric& m, Timestamp received) {
  if (m.has_timestamp()) return MillisToTime(m.timestamp());
  if (payload.has_timestamp()) return MillisToTime(payload.timestamp());
  return received;
}

// Appends a sample for a numeric metric value; bookkeeping metrics produce none.
std::optional<Refusal> AddSample(const spb::Payload& payload, const Metric& m,
                                 const std::string& name, uint32_t datatype, Timestamp received,
                                 const SparkplugTopic& topic, SparkplugDecision& decision) {
  std::optional<double> value;
  if (!ExtractValue(m, datatype, value)) {
    return Refusal{
        SparkplugReason::kWrongDatatype,
        "metric '" + name + "': value field does not match datatype " + std::to_string(datatype)};
  }
  auto time = SampleTime(payload, m, received);
  if (!time.ok()) {
    return Refusal{SparkplugReason::kBadTimestamp,
                   "metric '" + name + "': " + time.status().message()};
  }
  if (!value || name == kBdSeq || name.starts_with(kNodeControlPrefix)) return std::nullopt;
  decision.samples.push_back(SparkplugSample{.group = topic.group,
                                             .edge_node = topic.edge_node,
                                             .device = topic.device,
                                             .metric = name,
                                             .time = *time,
                                             .value = *value,
                                             .is_historical = m.is_historical()});
  return std::nullopt;
}

// Builds the metric table of an NBIRTH/DBIRTH and the samples of its current values.
std::optional<Refusal> ReadBirth(const spb::Payload& payload, Timestamp received,
                                 const SparkplugTopic& topic, MetricTable& table,
                                 SparkplugDecision& decision) {
  for (const Metric& m : payload.metrics()) {
    if (!m.has_name() || m.name().empty()) {
      return Refusal{SparkplugReason::kBadBirth, "birth metric without a name"};
    }
    if (!sparkplug_internal::IsValidUtf8(m.name())) {
      return Refusal{SparkplugReason::kBadBirth, "birth metric name is not UTF-8"};
    }
    if (!m.has_datatype() || m.datatype() == spb::Unknown || m.datatype() > kLastDatatype) {
      return Refusal{SparkplugReason::kBadBirth,
                     "birth metric '" + m.name() + "' without a valid datatype"};
    }
    if (!table.datatype_by_name.emplace(m.name(), m.datatype()).second) {
      return Refusal{SparkplugReason::kBadBirth, "birth metric '" + m.name() + "' appears twice"};
    }
    if (m.has_alias() &&
        !table.by_alias.emplace(m.alias(), MetricInfo{m.name(), m.datatype()}).second) {
      return Refusal{SparkplugReason::kBadBirth,
                     "birth alias " + std::to_string(m.alias()) + " used twice"};
    }
    if (auto refusal = AddSample(payload, m, m.name(), m.datatype(), received, topic, decision)) {
      return refusal;
    }
  }
  return std::nullopt;
}

// Resolves the metrics of an NDATA/DDATA against the birth's table.
std::optional<Refusal> ReadData(const spb::Payload& payload, Timestamp received,
                                const SparkplugTopic& topic, const MetricTable& table,
                                SparkplugDecision& decision) {
  for (const Metric& m : payload.metrics()) {
    const std::string* name = nullptr;
    uint32_t datatype = 0;
    if (m.has_alias()) {
      const auto it = table.by_alias.find(m.alias());
      if (it == table.by_alias.end()) {
        return Refusal{SparkplugReason::kUnknownAlias,
                       "alias " + std::to_string(m.alias()) + " is not in the birth", true};
      }
      name = &it->second.name;
      datatype = it->second.datatype;
    } else {
      const auto it = table.datatype_by_name.find(m.name());
      if (it == table.datatype_by_name.end()) {
        // Only names from a birth are known to be UTF-8: this one is not echoed.
        return Refusal{SparkplugReason::kUnknownMetric, "a metric name is not in the birth", true};
      }
      name = &it->first;
      datatype = it->second;
    }
    if (m.has_datatype() && m.datatype() != datatype) {
      return Refusal{SparkplugReason::kWrongDatatype,
                     "metric '" + *name + "' has datatype " + std::to_string(m.datatype()) +
                         ", birth said " + std::to_string(datatype)};
    }
    if (auto refusal = AddSample(payload, m, *name, datatype, received, topic, decision)) {
      return refusal;
    }
  }
  return std::nullopt;
}

// The bdSeq metric of an NBIRTH/NDEATH (spec 6.4.13: Int64, in long_value).
std::optional<uint64_t> FindBdSeq(const spb::Payload& payload) {
  for (const Metric& m : payload.metrics()) {
    if (m.name() == kBdSeq && m.has_long_value()) return m.long_value();
  }
  return std::nullopt;
}

}  // namespace

SparkplugDecision SparkplugHost::Handle(std::string_view topic, std::span<const uint8_t> payload,
                                        Timestamp received) {
  SparkplugDecision decision;
  auto refuse = [&](SparkplugReason reason, std::string detail) {
    decision.reason = reason;
    decision.detail = std::move(detail);
  };
  auto parsed = ParseSparkplugTopic(topic);
  if (!parsed.ok()) {
    refuse(SparkplugReason::kBadTopic, parsed.status().message());
  } else {
    decision.group = parsed->group;
    decision.edge_node = parsed->edge_node;
    spb::Payload message;
    if (payload.size() > limits_.max_payload_bytes) {
      refuse(SparkplugReason::kOversized, "payload of " + std::to_string(payload.size()) +
                                              " bytes exceeds the limit of " +
                                              std::to_string(limits_.max_payload_bytes));
    } else if (parsed->type == SparkplugMessageType::kState) {
      // STATE carries the host's own JSON online flag (spec 3.0): nothing to decode for us.
    } else if (!message.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
      refuse(SparkplugReason::kBadProtobuf, "payload is not a Sparkplug B protobuf");
    } else {
      Apply(*parsed, message, received, decision);
    }
  }
  if (decision.reason != SparkplugReason::kOk) decision.samples.clear();
  ++counts_[static_cast<size_t>(decision.reason)];
  return decision;
}

void SparkplugHost::Apply(const SparkplugTopic& topic, const spb::Payload& payload,
                          Timestamp received, SparkplugDecision& decision) {
  using Type = SparkplugMessageType;
  auto refuse = [&](SparkplugReason reason, std::string detail, bool rebirth = false) {
    decision.reason = reason;
    decision.detail = std::move(detail);
    decision.rebirth_needed = rebirth;
  };
  if (topic.type == Type::kNCmd || topic.type == Type::kDCmd) return;  // commands go to nodes

  const auto key = std::pair(topic.group, topic.edge_node);
  auto node_it = nodes_.find(key);
  if (topic.type == Type::kNBirth) {
    if (node_it == nodes_.end()) {
      if (nodes_.size() >= limits_.max_nodes) {
        return refuse(SparkplugReason::kTooManyNodes,
                      "more than " + std::to_string(limits_.max_nodes) + " edge nodes");
      }
      node_it = nodes_.try_emplace(key).first;
    }
    Node& node = node_it->second;
    // Whatever this birth holds, the previous session (and its devices) is over.
    node = Node{};
    if (!payload.has_seq() || payload.seq() > 255) {
      return refuse(SparkplugReason::kMissingSeq, "NBIRTH without a seq in 0..255");
    }
    const auto bd_seq = FindBdSeq(payload);
    if (!bd_seq) return refuse(SparkplugReason::kMissingBdSeq, "NBIRTH without bdSeq");
    if (auto refusal = ReadBirth(payload, received, topic, node.metrics, decision)) {
      node.metrics = {};
      return refuse(refusal->reason, std::move(refusal->detail));
    }
    node.online = true;
    node.bd_seq = *bd_seq;
    node.last_seq = static_cast<uint8_t>(payload.seq());
    return;
  }

  if (topic.type == Type::kNDeath) {
    const auto bd_seq = FindBdSeq(payload);
    if (!bd_seq) return refuse(SparkplugReason::kMissingBdSeq, "NDEATH without bdSeq");
    if (node_it == nodes_.end()) return refuse(SparkplugReason::kNotBorn, "NDEATH of unknown node");
    Node& node = node_it->second;
    // A death whose bdSeq belongs to an earlier session (the broker delivers the will late,
    // after the node has reconnected) must not take the new session offline.
    if (*bd_seq != node.bd_seq) {
      return refuse(SparkplugReason::kBdSeqMismatch, "NDEATH bdSeq " + std::to_string(*bd_seq) +
                                                         ", session has " +
                                                         std::to_string(node.bd_seq));
    }
    node.online = false;
    for (auto& [name, device] : node.devices) device.online = false;
    return;
  }

  // DATA, DBIRTH, DDEATH: need a live node session and the next seq.
  if (node_it == nodes_.end() || !node_it->second.online) {
    return refuse(SparkplugReason::kNotBorn, "message before NBIRTH", true);
  }
  Node& node = node_it->second;
  if (!payload.has_seq() || payload.seq() > 255) {
    node.online = false;
    return refuse(SparkplugReason::kMissingSeq, "message without a seq in 0..255", true);
  }
  const uint8_t expected = static_cast<uint8_t>(node.last_seq + 1);
  if (payload.seq() != expected) {
    // Lost messages mean our values and alias tables may be stale: stop until rebirth.
    node.online = false;
    return refuse(SparkplugReason::kSeqGap,
                  "seq " + std::to_string(payload.seq()) + ", expected " + std::to_string(expected),
                  true);
  }
  node.last_seq = expected;

  std::optional<Refusal> refusal;
  switch (topic.type) {
    case Type::kNData:
      refusal = ReadData(payload, received, topic, node.metrics, decision);
      break;
    case Type::kDBirth: {
      if (node.devices.size() >= limits_.max_nodes && !node.devices.contains(topic.device)) {
        return refuse(SparkplugReason::kTooManyNodes, "too many devices on one edge node");
      }
      Device& device = node.devices[topic.device];
      device = Device{};
      refusal = ReadBirth(payload, received, topic, device.metrics, decision);
      if (refusal) {
        device.metrics = {};
      } else {
        device.online = true;
      }
      break;
    }
    case Type::kDDeath: {
      const auto it = node.devices.find(topic.device);
      if (it == node.devices.end()) {
        return refuse(SparkplugReason::kNotBorn, "DDEATH of unknown device");
      }
      it->second.online = false;
      break;
    }
    case Type::kDData: {
      const auto it = node.devices.find(topic.device);
      if (it == node.devices.end() || !it->second.online) {
        return refuse(SparkplugReason::kNotBorn, "DDATA before DBIRTH", true);
      }
      refusal = ReadData(payload, received, topic, it->second.metrics, decision);
      break;
    }
    default:
      break;
  }
  if (refusal) refuse(refusal->reason, std::move(refusal->detail), refusal->rebirth);
}

bool SparkplugHost::IsOnline(std::string_view group, std::string_view edge_node) const {
  const auto it = nodes_.find(std::pair(std::string(group), std::string(edge_node)));
  return it != nodes_.end() && it->second.online;
}

bool SparkplugHost::IsDeviceOnline(std::string_view group, std::string_view edge_node,
                                   std::string_view device) const {
  const auto it = nodes_.find(std::pair(std::string(group), std::string(edge_node)));
  if (it == nodes_.end() || !it->second.online) return false;
  const auto dev = it->second.devices.find(device);
  return dev != it->second.devices.end() && dev->second.online;
}

}  // namespace edgeloop::ingest
