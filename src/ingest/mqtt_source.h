// Live MQTT sources: JSON payloads (MqttJsonSource) and Sparkplug B (MqttSparkplugSource).
//
// Each owns an MqttClient and a decoder. Paho delivers messages on its one callback thread; the
// decoder and the sink run there, under a mutex that Stop also takes, so Stop returns only once
// no callback is inside the sink and the decoders (not thread-safe) are never used concurrently.
// Payloads are untrusted: a refused message is counted by reason, logged rate-limited and
// dropped; it never stops the source.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "ingest/mqtt_client.h"
#include "ingest/mqtt_json.h"
#include "ingest/source.h"
#include "ingest/sparkplug.h"
#include "ingest/topic_map.h"

namespace edgeloop::ingest {

namespace source_internal {
// Thread-safe counters behind Source::counters(), with rate-limited logging of rejections: the
// first rejection of each reason is logged, then at most one line per reason per interval
// (stating how many were not logged).
class SourceStats {
 public:
  SourceStats(std::string source_name, std::chrono::seconds log_interval)
      : name_(std::move(source_name)), log_interval_(log_interval) {}
  void Accepted(uint64_t values);
  void Rejected(std::string_view reason, std::string_view message, uint64_t count = 1);
  void SetError(std::string error);
  SourceCounters Snapshot() const;

 private:
  struct LogState {
    std::chrono::steady_clock::time_point last{};
    uint64_t suppressed = 0;
    bool logged = false;
  };
  std::string name_;
  std::chrono::seconds log_interval_;
  mutable std::mutex mu_;
  SourceCounters counters_;
  std::map<std::string, LogState, std::less<>> log_;
};
}  // namespace source_internal

struct MqttJsonSourceOptions {
  std::string name = "mqtt-json";
  MqttClientOptions mqtt;
  JsonLimits limits;
  std::chrono::seconds log_interval{10};  // rate limit of rejection logs, per reason
};

// Subscribes to topics.SubscriptionFilters(), decodes each message with an MqttJsonDecoder and
// hands the batches to the sink. Rejection reasons are RejectReasonName() ("unknown_topic",
// "malformed_json", ...), each counting messages.
class MqttJsonSource final : public Source {
 public:
  // `clock` stamps the receive time of each message; it must outlive the source (nullptr: the
  // system clock).
  MqttJsonSource(MqttJsonSourceOptions options, TopicMap topics, const Clock* clock = nullptr);
  ~MqttJsonSource() override;

  // Connects and subscribes; an error (broker unreachable, bad options) leaves it stopped.
  [[nodiscard]] Status Start(BatchSink sink) override;
  void Stop() override;
  std::string name() const override { return options_.name; }
  SourceCounters counters() const override;
  // Connection state, reconnects and publish counters of the underlying client (thread-safe).
  MqttClientCounters client_counters() const { return client_.counters(); }

 private:
  void OnMessage(std::string_view topic, std::string_view payload);

  MqttJsonSourceOptions options_;
  const Clock* clock_;
  SystemClock system_clock_;
  MqttClient client_;
  source_internal::SourceStats stats_;
  std::mutex mu_;  // held while decoding and calling the sink; guards the members below
  MqttJsonDecoder decoder_;
  BatchSink sink_;
  bool running_ = false;
};

struct MqttSparkplugSourceOptions {
  std::string name = "mqtt-sparkplug";
  MqttClientOptions mqtt;
  std::vector<std::string> groups;  // Sparkplug group ids; subscribes to "spBv1.0/<group>/#"
  SparkplugLimits limits;
  // At most one rebirth request (NCMD "Node Control/Rebirth") per edge node per interval, so a
  // node that keeps sending bad data is not flooded with commands.
  std::chrono::milliseconds rebirth_min_interval{5000};
  std::chrono::seconds log_interval{10};
};

// A Sparkplug B host: decodes session messages with a SparkplugHost and maps each numeric metric
// to an asset/channel with a TopicMap applied to the key "<group>/<edge node>/<device>/<metric>"
// (device empty for node metrics, so such keys have an empty third level; metric names may
// contain '/'). Examples:
//   {"plant1/+/{asset}/Vibration", "", "vib_de", kVibration, 1000}: device -> asset
//   {"plant1/{asset}//{channel}", "", "", kTemperature, 1}: node metrics, one level names
// Batches carry per-sample timestamps at the mapping's nominal rate, one batch per
// (asset, channel) and message, in the order metrics appear.
// Rejection reasons: SparkplugReasonName() for refused messages (each counts one message), and
// "unmapped_metric" counting metric values that no mapping matched (dropped, not an error).
// When the host asks for a rebirth, the source publishes BuildRebirthCommand on RebirthTopic.
class MqttSparkplugSource final : public Source {
 public:
  MqttSparkplugSource(MqttSparkplugSourceOptions options, TopicMap metrics,
                      const Clock* clock = nullptr);
  ~MqttSparkplugSource() override;

  // Checks the groups (non-empty, no '/', '+', '#'), connects and subscribes.
  [[nodiscard]] Status Start(BatchSink sink) override;
  void Stop() override;
  std::string name() const override { return options_.name; }
  SourceCounters counters() const override;
  MqttClientCounters client_counters() const { return client_.counters(); }
  uint64_t rebirth_requests() const;  // NCMD rebirth commands published

 private:
  void OnMessage(std::string_view topic, std::string_view payload);
  void MaybeRequestRebirth(const std::string& group, const std::string& edge_node, Timestamp now);

  MqttSparkplugSourceOptions options_;
  TopicMap metrics_;
  const Clock* clock_;
  SystemClock system_clock_;
  MqttClient client_;
  source_internal::SourceStats stats_;
  std::mutex mu_;  // held while decoding and calling the sink; guards the members below
  SparkplugHost host_;
  BatchSink sink_;
  bool running_ = false;
  std::map<std::pair<std::string, std::string>, Timestamp> last_rebirth_;
  std::atomic<uint64_t> rebirth_requests_{0};
};

}  // namespace edgeloop::ingest
