// The fixture of edge_sources_test: a real mosquitto, a publisher, daemon configs and a simulated
// machine streamed in real time as MQTT JSON (the quality gate refuses future samples and flags
// batches that arrive more than 2 s late as clock skew, so simulated time must follow the clock).
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "edge/edge_config.h"
#include "edge/edge_daemon.h"
#include "edge/model_test_util.h"
#include "ingest/mqtt_client.h"
#include "mosquitto_broker.h"
#include "sim/machine_simulator.h"

namespace edgeloop::edge::sources_test {

using std::chrono::milliseconds;
using std::chrono::seconds;

inline bool WaitFor(const std::function<bool()>& pred, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return pred();
}

// Whole milliseconds, so that every 100 ms step starts at a time JSON states exactly.
inline Timestamp WallMs(Duration back = Duration::zero()) {
  const int64_t ns = ToNanos(SystemClock().Now() - back);
  return FromNanos(ns / 1'000'000 * 1'000'000);
}

inline std::string JsonTime(Timestamp t) {
  const int64_t ns = ToNanos(t);
  return fmt::format("{}.{:09d}", ns / 1'000'000'000, ns % 1'000'000'000);
}

inline ingest::MqttClientOptions ClientOptions(const std::string& uri, const std::string& id) {
  ingest::MqttClientOptions o;
  o.broker_uri = uri;
  o.client_id = id;
  o.subscribe_qos = 1;
  return o;
}

// A test-side MQTT client that keeps what it receives.
class Listener {
 public:
  Listener(const std::string& uri, const std::string& id) : client_(ClientOptions(uri, id)) {
    client_.set_message_handler([this](std::string_view topic, std::string_view payload) {
      std::lock_guard lock(mu_);
      messages_.emplace_back(std::string(topic), std::string(payload));
    });
  }
  Status Start(const std::vector<std::string>& filters) {
    EL_RETURN_IF_ERROR(client_.Connect());
    return client_.Subscribe(filters);
  }
  std::vector<std::pair<std::string, std::string>> messages() {
    std::lock_guard lock(mu_);
    return messages_;
  }

 private:
  ingest::MqttClient client_;
  std::mutex mu_;
  std::vector<std::pair<std::string, std::string>> messages_;
};

class EdgeSourcesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!::edgeloop::testing::MosquittoAvailable()) GTEST_SKIP() << "mosquitto is not installed";
    Status s = broker_.Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
    publisher_ = std::make_unique<ingest::MqttClient>(ClientOptions(broker_.uri(), "test-pub"));
    s = publisher_->Connect();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  void Publish(const std::string& topic, const std::string& payload) {
    Status s = publisher_->Publish(topic, payload, 1);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // Header of every config: node, store, HTTP on a free port, one worker, small warmup.
  std::string Common(const std::string& assets) const {
    return fmt::format(R"(
[node]
id = "gw-src"
[store]
path = "{}/edge.db"
[http]
listen = "127.0.0.1:0"
[pipeline]
workers = 1
[pipeline.detector]
warmup_windows = 8
[pipeline.alerts]
raise_windows = 2
clear_windows = 1000
[drift]
enabled = false
{}
)",
                       dir_.path(), assets);
  }

  std::unique_ptr<EdgeDaemon> StartDaemon(const std::string& text) {
    auto config = ParseEdgeConfig(text, "edge.toml");
    EXPECT_TRUE(config.ok()) << config.status().ToString();
    if (!config.ok()) return nullptr;
    auto daemon = EdgeDaemon::Create(*config, clock_);
    EXPECT_TRUE(daemon.ok()) << daemon.status().ToString();
    if (!daemon.ok()) return nullptr;
    Status s = (*daemon)->Start();
    EXPECT_TRUE(s.ok()) << s.ToString();
    return s.ok() ? std::move(daemon).value() : nullptr;
  }

  // Publishes the simulator's output in 100 ms steps as soon as the wall clock has passed each
  // step's end, until the simulation reaches `until` or `stop()` holds: vibration as a JSON
  // sample array on plant/<asset>/vib_de/vib, temperature readings (if `temperature`) as
  // scalars on plant/<asset>/temp. `between(step)` runs after each step.
  void Stream(
      sim::MachineSimulator& m, Timestamp until, bool temperature,
      const std::function<bool()>& stop = [] { return false; },
      const std::function<void(int)>& between = [](int) {}) {
    const std::string asset = m.spec().asset.id;
    for (int step = 0; m.Now() < until && !stop(); ++step) {
      const Timestamp end = m.Now() + milliseconds(100);
      while (SystemClock().Now() < end) std::this_thread::sleep_for(milliseconds(2));
      std::vector<SampleBatch> out;
      m.Step(milliseconds(100), out);
      for (const SampleBatch& b : out) {
        if (b.kind == ChannelKind::kVibration) {
          Publish("plant/" + asset + "/vib_de/vib",
                  fmt::format(R"({{"start": {}, "rate_hz": {}, "values": [{:.6g}]}})",
                              JsonTime(b.start), b.sample_rate_hz, fmt::join(b.values, ",")));
        } else if (temperature) {
          for (size_t i = 0; i < b.values.size(); ++i) {
            Publish("plant/" + asset + "/temp",
                    fmt::format(R"({{"t": {}, "v": {:.4f}}})", JsonTime(b.TimeOf(i)), b.values[i]));
            temps_.push_back(b.values[i]);
          }
        }
      }
      between(step);
    }
  }

  ::edgeloop::testing::MosquittoBroker broker_;
  std::unique_ptr<ingest::MqttClient> publisher_;
  edge::testing::TempDir dir_;
  SystemClock clock_;
  std::vector<float> temps_;  // temperatures published by Stream
};

inline constexpr char kJsonSource[] = R"(
[[source]]
name = "json"
type = "mqtt_json"
broker = "{}"
  [[source.topic]]
  pattern = "plant/{{asset}}/{{channel}}/vib"
  rate_hz = 25600
  [[source.topic]]
  pattern = "plant/{{asset}}/temp"
  channel = "temp_bearing"
  kind = "temperature"
  rate_hz = 1
)";

}  // namespace edgeloop::edge::sources_test
