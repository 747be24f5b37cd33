#include "ingest/mqtt_client.h"

#include <mqtt/async_client.h>
#include <spdlog/spdlog.h>

#include <random>
#include <utility>

#include "ingest/topic_map.h"

namespace edgeloop::ingest {

namespace {

std::string RandomClientId() {
  std::random_device rd;
  return "edgeloop-" + std::to_string(rd()) + std::to_string(rd());
}

// Paho's message for a failed call, e.g. "MQTT error [-1]: TCP/TLS connect failure".
std::string Describe(const mqtt::exception& e) {
  std::string what = e.what();
  return what.empty() ? "MQTT error " + std::to_string(e.get_return_code()) : what;
}

}  // namespace

// Paho's client plus the listener that counts asynchronous publish failures (a QoS 1/2 message
// the broker never acknowledged, or one dropped while disconnected).
struct MqttClient::Paho {
  class PublishListener final : public mqtt::iaction_listener {
   public:
    explicit PublishListener(std::atomic<uint64_t>& failures) : failures_(failures) {}
    void on_failure(const mqtt::token&) override { failures_.fetch_add(1); }
    void on_success(const mqtt::token&) override {}

   private:
    std::atomic<uint64_t>& failures_;
  };

  Paho(const std::string& uri, const std::string& id, std::atomic<uint64_t>& failures)
      : client(uri, id), listener(failures) {}

  mqtt::async_client client;
  PublishListener listener;
};

std::string_view MqttConnectionStateName(MqttConnectionState state) {
  switch (state) {
    case MqttConnectionState::kDisconnected:
      return "disconnected";
    case MqttConnectionState::kConnected:
      return "connected";
    case MqttConnectionState::kReconnecting:
      return "reconnecting";
  }
  return "unknown";
}

MqttClient::MqttClient(MqttClientOptions options) : options_(std::move(options)) {
  if (options_.client_id.empty()) options_.client_id = RandomClientId();
}

MqttClient::~MqttClient() {
  if (paho_ == nullptr) return;
  Status s = Disconnect();
  if (!s.ok()) spdlog::debug("mqtt: {}", s.message());
  // Paho's client goes first: its callbacks use the members below.
  paho_.reset();
}

Status MqttClient::ValidateOptions(const MqttClientOptions& options) {
  const std::string& uri = options.broker_uri;
  const bool known_scheme = uri.starts_with("tcp://") || uri.starts_with("mqtt://") ||
                            uri.starts_with("ssl://") || uri.starts_with("mqtts://") ||
                            uri.starts_with("ws://") || uri.starts_with("wss://");
  if (!known_scheme) {
    return InvalidArgument("mqtt broker URI '" + uri +
                           "' must start with tcp://, mqtt://, ssl://, mqtts://, ws:// or wss://");
  }
  if (options.subscribe_qos < 0 || options.subscribe_qos > 2) {
    return InvalidArgument("mqtt subscribe QoS must be 0, 1 or 2, got " +
                           std::to_string(options.subscribe_qos));
  }
  if (options.keepalive.count() < 0 || options.connect_timeout.count() <= 0) {
    return InvalidArgument("mqtt keepalive must be >= 0 s and connect timeout > 0 s");
  }
  if (options.auto_reconnect &&
      (options.reconnect_min.count() <= 0 || options.reconnect_max < options.reconnect_min)) {
    return InvalidArgument("mqtt reconnect interval must satisfy 0 < min <= max");
  }
  return Status::Ok();
}

void MqttClient::set_message_handler(MqttMessageHandler handler) {
  std::lock_guard lock(handler_mu_);
  handler_ = std::move(handler);
}

void MqttClient::SetError(std::string error) {
  std::lock_guard lock(mu_);
  last_error_ = std::move(error);
}

Status MqttClient::Connect() {
  EL_RETURN_IF_ERROR(ValidateOptions(options_));
  const std::string& uri = options_.broker_uri;
  try {
    if (paho_ == nullptr) {
      paho_ = std::make_unique<Paho>(uri, options_.client_id, publish_failures_);
      paho_->client.set_message_callback([this](mqtt::const_message_ptr msg) {
        messages_received_.fetch_add(1, std::memory_order_relaxed);
        std::lock_guard lock(handler_mu_);
        if (handler_) handler_(msg->get_topic(), msg->get_payload());
      });
      paho_->client.set_connected_handler([this](const std::string&) { OnConnected(); });
      paho_->client.set_connection_lost_handler(
          [this](const std::string& cause) { OnConnectionLost(cause); });
    }
    mqtt::connect_options_builder builder;
    builder.keep_alive_interval(options_.keepalive)
        .clean_session(options_.clean_session)
        .connect_timeout(options_.connect_timeout);
    if (options_.auto_reconnect) {
      builder.automatic_reconnect(options_.reconnect_min, options_.reconnect_max);
    }
    if (!options_.username.empty()) {
      builder.user_name(options_.username).password(options_.password);
    }
    mqtt::token_ptr token = paho_->client.connect(builder.finalize());
    // Paho's own connect timeout ends the attempt; the extra second only covers its bookkeeping.
    if (!token->wait_for(options_.connect_timeout + std::chrono::seconds(1))) {
      std::string error = "cannot connect to " + uri + ": timed out";
      SetError(error);
      return Unavailable(error);
    }
    // The connected callback may still be on its way; the state is known now.
    state_.store(MqttConnectionState::kConnected);
  } catch (const mqtt::exception& e) {
    std::string error = "cannot connect to " + uri + ": " + Describe(e);
    if (e.get_return_code() == MQTTASYNC_FAILURE) error += " (connection refused or unreachable)";
    SetError(error);
    return Unavailable(error);
  }
  return Status::Ok();
}

void MqttClient::OnConnected() {
  // Called for the first connect and for every automatic reconnect.
  const bool reconnect = ever_connected_.exchange(true);
  state_.store(MqttConnectionState::kConnected);
  if (!reconnect) return;
  reconnects_.fetch_add(1);
  std::vector<std::string> filters;
  {
    std::lock_guard lock(mu_);
    filters = filters_;
  }
  // A clean session forgets subscriptions; resubscribe without waiting (waiting on Paho's
  // callback thread would deadlock it).
  for (const std::string& filter : filters) {
    try {
      paho_->client.subscribe(filter, options_.subscribe_qos);
    } catch (const mqtt::exception& e) {
      SetError("cannot resubscribe to '" + filter + "': " + Describe(e));
    }
  }
  spdlog::info("mqtt: reconnected to {}, resubscribed {} filter(s)", options_.broker_uri,
               filters.size());
}

void MqttClient::OnConnectionLost(const std::string& cause) {
  state_.store(options_.auto_reconnect ? MqttConnectionState::kReconnecting
                                       : MqttConnectionState::kDisconnected);
  std::string error = "connection to " + options_.broker_uri + " lost";
  if (!cause.empty()) error += ": " + cause;
  spdlog::warn("mqtt: {}", error);
  SetError(std::move(error));
}

Status MqttClient::Subscribe(const std::vector<std::string>& filters) {
  for (const std::string& filter : filters) EL_RETURN_IF_ERROR(ValidateTopicFilter(filter));
  if (paho_ == nullptr) return FailedPrecondition("mqtt: Subscribe before Connect");
  {
    std::lock_guard lock(mu_);
    filters_.insert(filters_.end(), filters.begin(), filters.end());
  }
  for (const std::string& filter : filters) {
    try {
      mqtt::token_ptr token = paho_->client.subscribe(filter, options_.subscribe_qos);
      if (!token->wait_for(options_.connect_timeout)) {
        return Unavailable("mqtt: subscribe to '" + filter + "' not acknowledged in time");
      }
    } catch (const mqtt::exception& e) {
      std::string error = "cannot subscribe to '" + filter + "': " + Describe(e);
      SetError(error);
      return Unavailable(error);
    }
  }
  return Status::Ok();
}

Status MqttClient::Publish(std::string_view topic, std::string_view payload, int qos, bool retain) {
  if (qos < 0 || qos > 2) {
    publish_failures_.fetch_add(1);
    return InvalidArgument("mqtt publish QoS must be 0, 1 or 2");
  }
  if (Status s = ValidateTopicName(topic); !s.ok()) {
    publish_failures_.fetch_add(1);
    return s;
  }
  if (paho_ == nullptr) {
    publish_failures_.fetch_add(1);
    return FailedPrecondition("mqtt: Publish before Connect");
  }
  try {
    auto msg = mqtt::make_message(std::string(topic), payload.data(), payload.size(), qos, retain);
    paho_->client.publish(msg, nullptr, paho_->listener);
  } catch (const mqtt::exception& e) {
    publish_failures_.fetch_add(1);
    return Unavailable("cannot publish to '" + std::string(topic) + "': " + Describe(e));
  }
  return Status::Ok();
}

Status MqttClient::Disconnect() {
  if (paho_ == nullptr) return Status::Ok();
  try {
    if (paho_->client.is_connected() || state_.load() == MqttConnectionState::kReconnecting) {
      mqtt::token_ptr token = paho_->client.disconnect();
      if (!token->wait_for(options_.connect_timeout)) {
        state_.store(MqttConnectionState::kDisconnected);
        return Unavailable("mqtt: disconnect from " + options_.broker_uri + " timed out");
      }
    }
  } catch (const mqtt::exception& e) {
    state_.store(MqttConnectionState::kDisconnected);
    return Unavailable("mqtt: disconnect from " + options_.broker_uri + ": " + Describe(e));
  }
  state_.store(MqttConnectionState::kDisconnected);
  // A Connect() after an orderly Disconnect() is a new session, not a reconnect to count.
  ever_connected_.store(false);
  return Status::Ok();
}

bool MqttClient::connected() const { return state_.load() == MqttConnectionState::kConnected; }

MqttClientCounters MqttClient::counters() const {
  MqttClientCounters c;
  c.messages_received = messages_received_.load();
  c.publish_failures = publish_failures_.load();
  c.reconnects = reconnects_.load();
  c.state = state_.load();
  std::lock_guard lock(mu_);
  c.last_error = last_error_;
  return c;
}

}  // namespace edgeloop::ingest
