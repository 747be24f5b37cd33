// A thin owner of a Paho MQTT C++ async client: connect, subscribe, publish, disconnect, with
// every Paho exception turned into a Status at this boundary.
//
// Paho runs its own network thread and delivers messages and connection events on one callback
// thread; the message handler given here runs there, so it must not block for long and must not
// call Connect/Disconnect (which wait for Paho). Publish and Subscribe do not wait and may be
// called from any thread, including the handler.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace edgeloop::ingest {

struct MqttClientOptions {
  std::string broker_uri = "tcp://127.0.0.1:1883";
  std::string client_id;  // empty: "edgeloop-<random>"
  std::string username;   // empty: no authentication
  std::string password;
  std::chrono::seconds keepalive{30};
  bool clean_session = true;
  int subscribe_qos = 0;  // 0, 1 or 2
  // Paho's automatic reconnect after a lost connection (not after a failed first Connect),
  // backing off from min to max; the client resubscribes its filters once reconnected.
  bool auto_reconnect = true;
  std::chrono::seconds reconnect_min{1};
  std::chrono::seconds reconnect_max{8};
  std::chrono::seconds connect_timeout{5};
};

// Called on Paho's callback thread for every received message.
using MqttMessageHandler = std::function<void(std::string_view topic, std::string_view payload)>;

enum class MqttConnectionState { kDisconnected, kConnected, kReconnecting };
std::string_view MqttConnectionStateName(MqttConnectionState state);

struct MqttClientCounters {
  uint64_t messages_received = 0;
  uint64_t publish_failures = 0;
  uint64_t reconnects = 0;  // connections made after a lost one
  MqttConnectionState state = MqttConnectionState::kDisconnected;
  std::string last_error;  // empty until something went wrong
};

// Owns one Paho async client. Not copyable. counters(), Publish and set_message_handler are
// thread-safe (set_message_handler must not be called from inside the handler); Connect,
// Subscribe and Disconnect are called by the owner's thread only.
class MqttClient {
 public:
  explicit MqttClient(MqttClientOptions options);
  ~MqttClient();  // disconnects (bounded by connect_timeout) if still connected
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  // Checks the options (URI scheme, QoS) before any network activity. InvalidArgument.
  [[nodiscard]] static Status ValidateOptions(const MqttClientOptions& options);

  void set_message_handler(MqttMessageHandler handler);

  // Connects and waits up to connect_timeout. Unavailable with the URI and Paho's reason when
  // the broker cannot be reached; InvalidArgument for bad options.
  [[nodiscard]] Status Connect();
  // Subscribes to each filter (validated first) at options.subscribe_qos and waits up to
  // connect_timeout for the broker's acknowledgement. Filters are remembered and resubscribed
  // after every automatic reconnect.
  [[nodiscard]] Status Subscribe(const std::vector<std::string>& filters);
  // Queues one message and returns without waiting; a failure (not connected, Paho's queue
  // full, bad topic) is counted in publish_failures and returned.
  [[nodiscard]] Status Publish(std::string_view topic, std::string_view payload, int qos = 0,
                               bool retain = false);
  // Disconnects and waits up to connect_timeout; a no-op when not connected.
  [[nodiscard]] Status Disconnect();

  bool connected() const;
  MqttClientCounters counters() const;
  const MqttClientOptions& options() const { return options_; }

 private:
  struct Paho;  // Paho's async_client and its callbacks, kept out of this header

  void OnConnected();
  void OnConnectionLost(const std::string& cause);
  void SetError(std::string error);

  MqttClientOptions options_;
  std::unique_ptr<Paho> paho_;
  // Held while the handler runs, so that once set_message_handler returns the old handler is
  // neither running nor called again.
  std::mutex handler_mu_;
  MqttMessageHandler handler_;

  std::atomic<uint64_t> messages_received_{0};
  std::atomic<uint64_t> publish_failures_{0};
  std::atomic<uint64_t> reconnects_{0};
  std::atomic<MqttConnectionState> state_{MqttConnectionState::kDisconnected};
  std::atomic<bool> ever_connected_{false};
  mutable std::mutex mu_;  // guards filters_ and last_error_
  std::vector<std::string> filters_;
  std::string last_error_;
};

}  // namespace edgeloop::ingest
