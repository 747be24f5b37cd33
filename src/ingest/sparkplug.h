// Sparkplug B (Eclipse Sparkplug 3.0) host-side decoding: topic parsing, per-edge-node session
// state (bdSeq, seq, metric alias tables) and conversion of numeric metrics into samples.
//
// Entry point: SparkplugHost::Handle(topic, payload, received) for every MQTT message under
// "spBv1.0/#". It returns a SparkplugDecision: the samples the message carried, a reason code
// when it was refused, and whether the caller should ask the edge node to rebirth (publish
// BuildRebirthCommand() on RebirthTopic()). Payloads are untrusted: every refusal is a reason
// code, counted per code, never a crash.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/sample.h"
#include "common/status.h"

namespace edgeloop::ingest {

namespace spb {
class Payload;  // generated from sparkplug_b.proto; kept out of this header
}  // namespace spb

inline constexpr std::string_view kSparkplugNamespace = "spBv1.0";

enum class SparkplugMessageType {
  kNBirth,
  kNDeath,
  kNData,
  kNCmd,
  kDBirth,
  kDDeath,
  kDData,
  kDCmd,
  kState
};

// "spBv1.0/<group>/<type>/<edge node>[/<device>]" or "spBv1.0/STATE/<host id>".
struct SparkplugTopic {
  SparkplugMessageType type = SparkplugMessageType::kNData;
  std::string group;      // empty for STATE
  std::string edge_node;  // the host id for STATE
  std::string device;     // non-empty exactly for DBIRTH/DDEATH/DDATA/DCMD
};

// InvalidArgument unless the topic follows the Sparkplug 3.0 namespace: the right number of
// levels for the type, no empty level, no MQTT wildcard characters.
Result<SparkplugTopic> ParseSparkplugTopic(std::string_view topic);

// Why a message was refused. kOk: accepted (possibly with no samples, e.g. NCMD or STATE).
enum class SparkplugReason {
  kOk = 0,
  kBadTopic,       // not a valid Sparkplug B topic
  kOversized,      // payload larger than SparkplugLimits::max_payload_bytes
  kBadProtobuf,    // payload does not decode as a Sparkplug B Payload
  kTooManyNodes,   // a new edge node beyond SparkplugLimits::max_nodes
  kMissingSeq,     // BIRTH/DATA/DDEATH without a seq, or seq > 255
  kMissingBdSeq,   // NBIRTH/NDEATH without an Int64 "bdSeq" metric
  kBadBirth,       // a birth metric without name/datatype, or a name/alias used twice
  kNotBorn,        // DATA/DBIRTH/DDEATH for a node or device that has no valid birth
  kSeqGap,         // seq is not the previous seq + 1 (mod 256): messages were lost
  kBdSeqMismatch,  // NDEATH whose bdSeq is not the one of the current session (stale)
  kUnknownAlias,   // a data metric's alias is not in the birth's alias table
  kUnknownMetric,  // a data metric's name is not in the birth
  kWrongDatatype,  // datatype differs from the birth, or the value field does not fit it
  kBadTimestamp,   // a timestamp that does not fit in nanoseconds since the epoch
};
inline constexpr size_t kSparkplugReasonCount = 15;
std::string_view SparkplugReasonName(SparkplugReason reason);

struct SparkplugLimits {
  size_t max_payload_bytes = size_t{1} << 20;  // refused before decoding
  size_t max_nodes = 4096;                     // distinct (group, edge node) sessions
};

// One numeric metric value. Booleans become 0/1, integers and floats their value.
struct SparkplugSample {
  std::string group;
  std::string edge_node;
  std::string device;  // empty for node metrics
  std::string metric;  // the metric name from the birth (aliases resolved)
  Timestamp time;      // metric timestamp, else payload timestamp, else receive time
  double value = 0;
  bool is_historical = false;
};

struct SparkplugDecision {
  SparkplugReason reason = SparkplugReason::kOk;
  std::string detail;  // human-readable explanation when reason != kOk
  // The host's view of the node is stale (data before birth, seq gap, unknown alias): publish
  // BuildRebirthCommand() on RebirthTopic(group, edge_node). Rate-limiting is the caller's job.
  bool rebirth_needed = false;
  std::string group;
  std::string edge_node;
  std::vector<SparkplugSample> samples;
};

// Groups samples by (device or edge node, metric) into SampleBatches with per-sample
// timestamps: asset = device (edge node for node metrics), channel = metric name.
std::vector<SampleBatch> ToSampleBatches(const std::vector<SparkplugSample>& samples,
                                         ChannelKind kind, double nominal_rate_hz);

// "spBv1.0/<group>/NCMD/<edge node>".
std::string RebirthTopic(std::string_view group, std::string_view edge_node);
// Encoded NCMD payload with the Boolean metric "Node Control/Rebirth" = true, stamped `now`.
std::string BuildRebirthCommand(Timestamp now);

// Tracks the sessions of all edge nodes seen on one broker, as a Sparkplug host application.
// Owns all session state. Not thread-safe: call from one thread (the MQTT callback thread).
namespace sparkplug_internal {
// Whether `s` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
// Protobuf proto2 does not enforce it for string fields, and names end up in JSON and logs.
bool IsValidUtf8(std::string_view s);

struct MetricInfo {
  std::string name;
  uint32_t datatype = 0;
};
// The metrics announced by one birth: alias -> (name, datatype) and name -> datatype.
struct MetricTable {
  std::map<uint64_t, MetricInfo> by_alias;
  std::map<std::string, uint32_t, std::less<>> datatype_by_name;
};
}  // namespace sparkplug_internal

class SparkplugHost {
 public:
  explicit SparkplugHost(SparkplugLimits limits = {}) : limits_(limits) {}

  // Decodes one message and updates the session it belongs to.
  SparkplugDecision Handle(std::string_view topic, std::span<const uint8_t> payload,
                           Timestamp received);

  // Whether the edge node (device) has a valid birth and has not died since.
  bool IsOnline(std::string_view group, std::string_view edge_node) const;
  bool IsDeviceOnline(std::string_view group, std::string_view edge_node,
                      std::string_view device) const;

  // How many messages ended with `reason` (kOk counts accepted messages).
  uint64_t count(SparkplugReason reason) const { return counts_[static_cast<size_t>(reason)]; }

 private:
  using MetricTable = sparkplug_internal::MetricTable;
  struct Device {
    bool online = false;
    MetricTable metrics;
  };
  struct Node {
    bool online = false;  // valid NBIRTH, no NDEATH or seq gap since
    uint64_t bd_seq = 0;
    uint8_t last_seq = 0;
    MetricTable metrics;
    std::map<std::string, Device, std::less<>> devices;
  };

  // Applies one decoded payload to the session of `topic`, filling `decision`.
  void Apply(const SparkplugTopic& topic, const spb::Payload& payload, Timestamp received,
             SparkplugDecision& decision);

  SparkplugLimits limits_;
  std::map<std::pair<std::string, std::string>, Node> nodes_;
  std::array<uint64_t, kSparkplugReasonCount> counts_{};
};

}  // namespace edgeloop::ingest
