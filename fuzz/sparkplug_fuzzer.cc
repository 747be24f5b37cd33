// Fuzzes SparkplugHost::Handle, which decodes Sparkplug B payloads from any MQTT client on the
// broker (untrusted bytes). One host sees a valid NBIRTH (seq 0) and DBIRTH (seq 1) first, so
// that the input reaches alias resolution; then the input is fed as NDATA, DDATA, DBIRTH,
// NBIRTH and NDEATH, and as a topic string.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "ingest/sparkplug.h"
#include "ingest/sparkplug_b.pb.h"

namespace {

using edgeloop::ingest::SparkplugHost;
using edgeloop::ingest::SparkplugReason;
namespace spb = edgeloop::ingest::spb;

std::span<const uint8_t> AsBytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

void AddMetric(spb::Payload& p, const char* name, uint64_t alias, spb::DataType type) {
  auto* m = p.add_metrics();
  m->set_name(name);
  m->set_alias(alias);
  m->set_datatype(type);
  switch (type) {
    case spb::Float:
      m->set_float_value(1.5f);
      break;
    case spb::Double:
      m->set_double_value(2.5);
      break;
    case spb::Boolean:
      m->set_boolean_value(true);
      break;
    case spb::Int64:
      m->set_long_value(4);
      break;
    case spb::String:
      m->set_string_value("s");
      break;
    default:
      m->set_int_value(3);
      break;
  }
}

// Births matching the seeds in corpus/sparkplug_fuzzer/ (aliases 1..4 node, 10..11 device).
const std::string& NodeBirth() {
  static const std::string bytes = [] {
    spb::Payload p;
    p.set_timestamp(1'700'000'000'000);
    p.set_seq(0);
    AddMetric(p, "bdSeq", 0, spb::Int64);
    AddMetric(p, "Temperature", 1, spb::Float);
    AddMetric(p, "Count", 2, spb::Int16);
    AddMetric(p, "Running", 3, spb::Boolean);
    AddMetric(p, "Label", 4, spb::String);
    return p.SerializeAsString();
  }();
  return bytes;
}

const std::string& DeviceBirth() {
  static const std::string bytes = [] {
    spb::Payload p;
    p.set_seq(1);
    AddMetric(p, "Vibration", 10, spb::Double);
    AddMetric(p, "Speed", 11, spb::UInt32);
    return p.SerializeAsString();
  }();
  return bytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  const auto received = edgeloop::FromNanos(1'700'000'000'000'000'000);
  SparkplugHost host(edgeloop::ingest::SparkplugLimits{.max_payload_bytes = 1 << 16});
  if (host.Handle("spBv1.0/g/NBIRTH/n", AsBytes(NodeBirth()), received).reason !=
          SparkplugReason::kOk ||
      host.Handle("spBv1.0/g/DBIRTH/n/d", AsBytes(DeviceBirth()), received).reason !=
          SparkplugReason::kOk) {
    __builtin_trap();  // the fixed births must always be accepted
  }
  uint64_t sent = 2;
  for (const char* topic : {"spBv1.0/g/NDATA/n", "spBv1.0/g/DDATA/n/d", "spBv1.0/g/DBIRTH/n/d",
                            "spBv1.0/g/NBIRTH/n", "spBv1.0/g/NDEATH/n"}) {
    auto decision = host.Handle(topic, input, received);
    ++sent;
    if (decision.reason != SparkplugReason::kOk && !decision.samples.empty()) __builtin_trap();
    if (decision.reason != SparkplugReason::kOk && decision.detail.empty()) __builtin_trap();
  }
  const std::string_view as_text(reinterpret_cast<const char*>(data), size);
  auto topic = edgeloop::ingest::ParseSparkplugTopic(as_text);
  if (topic.ok() && topic->edge_node.empty()) __builtin_trap();
  host.Handle(as_text, AsBytes(NodeBirth()), received);
  ++sent;
  uint64_t counted = 0;
  for (size_t i = 0; i < edgeloop::ingest::kSparkplugReasonCount; ++i) {
    counted += host.count(static_cast<SparkplugReason>(i));
  }
  if (counted != sent) __builtin_trap();  // every message is counted exactly once
  return 0;
}
