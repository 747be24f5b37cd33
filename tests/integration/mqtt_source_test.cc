// MqttJsonSource and MqttSparkplugSource against a real mosquitto broker: decoding through the
// network, rejection counting, Sparkplug rebirth requests, and reconnecting after the broker
// restarts.
#include "ingest/mqtt_source.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ingest/mqtt_client.h"
#include "ingest/sparkplug_b.pb.h"
#include "mosquitto_broker.h"

namespace edgeloop::ingest {
namespace {

using std::chrono::seconds;
constexpr auto kDeadline = seconds(20);

// Waits (with a deadline) until `pred` holds; polls because the condition lives in other objects.
bool WaitUntil(const std::function<bool()>& pred, std::chrono::seconds deadline = kDeadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

// A thread-safe sink that keeps every batch.
class Collector {
 public:
  BatchSink Sink() {
    return [this](std::vector<SampleBatch> batches) {
      std::lock_guard lock(mu_);
      for (SampleBatch& b : batches) batches_.push_back(std::move(b));
      ++calls_;
      cv_.notify_all();
      return true;
    };
  }
  // Waits until the sink was called `calls` times in total; false on timeout.
  bool WaitForCalls(size_t calls) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kDeadline, [&] { return calls_ >= calls; });
  }
  std::vector<SampleBatch> batches() {
    std::lock_guard lock(mu_);
    return batches_;
  }
  size_t calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<SampleBatch> batches_;
  size_t calls_ = 0;
};

MqttClientOptions ClientOptions(const std::string& uri, const std::string& id) {
  MqttClientOptions o;
  o.broker_uri = uri;
  o.client_id = id;
  o.subscribe_qos = 1;
  o.connect_timeout = seconds(5);
  return o;
}

TopicMap JsonTopics() {
  auto topics = TopicMap::Create({
      {"plant/{asset}/{channel}/vib", "", "", ChannelKind::kVibration, 25600},
      {"plant/{asset}/temp", "", "temp_de", ChannelKind::kTemperature, 1},
  });
  EXPECT_TRUE(topics.ok()) << topics.status().ToString();
  return *std::move(topics);
}

class MqttSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Status s = broker_.Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
    publisher_ = std::make_unique<MqttClient>(ClientOptions(broker_.uri(), "test-publisher"));
    s = publisher_->Connect();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // QoS 1: the test must not depend on QoS 0 luck; one publisher keeps the order.
  void Publish(const std::string& topic, const std::string& payload) {
    Status s = publisher_->Publish(topic, payload, 1);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  std::unique_ptr<MqttJsonSource> StartJsonSource(Collector& collector, JsonLimits limits = {}) {
    MqttJsonSourceOptions options;
    options.mqtt = ClientOptions(broker_.uri(), "json-source");
    options.limits = limits;
    auto source = std::make_unique<MqttJsonSource>(options, JsonTopics());
    Status s = source->Start(collector.Sink());
    EXPECT_TRUE(s.ok()) << s.ToString();
    return source;
  }

  testing::MosquittoBroker broker_;
  std::unique_ptr<MqttClient> publisher_;
};

TEST_F(MqttSourceTest, JsonScalarArrayAndBatchBecomeSampleBatches) {
  Collector collector;
  auto source = StartJsonSource(collector);
  Publish("plant/pump-101/temp", R"({"t": 1767592801.25, "v": 41.5})");
  Publish("plant/pump-101/vib_de/vib",
          R"({"start": 1767592800, "rate_hz": 1000, "values": [0.5, -1, 0.25]})");
  Publish("plant/fan-2/temp", R"([{"t": 1, "v": 20.5}, {"t": 2, "v": 20.75}])");
  ASSERT_TRUE(collector.WaitForCalls(3));

  std::vector<SampleBatch> b = collector.batches();
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].asset, "pump-101");
  EXPECT_EQ(b[0].channel, "temp_de");
  EXPECT_EQ(b[0].kind, ChannelKind::kTemperature);
  EXPECT_EQ(b[0].values, std::vector<float>({41.5f}));
  ASSERT_EQ(b[0].timestamps.size(), 1u);
  EXPECT_EQ(ToNanos(b[0].timestamps[0]), 1'767'592'801'250'000'000);
  EXPECT_TRUE(b[0].received.has_value());

  EXPECT_EQ(b[1].asset, "pump-101");
  EXPECT_EQ(b[1].channel, "vib_de");
  EXPECT_EQ(b[1].kind, ChannelKind::kVibration);
  EXPECT_EQ(b[1].sample_rate_hz, 1000);
  EXPECT_EQ(ToNanos(b[1].start), 1'767'592'800'000'000'000);
  EXPECT_EQ(b[1].values, std::vector<float>({0.5f, -1.0f, 0.25f}));
  EXPECT_TRUE(b[1].timestamps.empty());

  EXPECT_EQ(b[2].asset, "fan-2");
  EXPECT_EQ(b[2].values, std::vector<float>({20.5f, 20.75f}));
  ASSERT_EQ(b[2].timestamps.size(), 2u);
  EXPECT_EQ(ToNanos(b[2].timestamps[1]), 2'000'000'000);

  SourceCounters c = source->counters();
  EXPECT_EQ(c.messages, 3u);
  EXPECT_EQ(c.values, 6u);
  EXPECT_TRUE(c.rejected.empty());
  EXPECT_EQ(source->name(), "mqtt-json");
}

TEST_F(MqttSourceTest, JsonRejectionsAreCountedByReasonAndTheSourceKeepsWorking) {
  Collector collector;
  JsonLimits limits;
  limits.max_payload_bytes = 1024;
  auto source = StartJsonSource(collector, limits);
  const std::string oversized =
      R"({"start": 1, "rate_hz": 1, "values": [)" + std::string(2000, '1') + "]}";
  for (int i = 0; i < 5; ++i) {
    Publish("plant/pump-101/vib_de/vib", "{\"start\": 1, \"values\": [1, 2");
    Publish("plant/pump-101/vib_de/vib", R"({"start": 1, "values": "abc"})");
    Publish("plant/pump-101/vib_de/vib", oversized);
    // Matches the subscription plant/+/+/vib, but a capture needs a non-empty level.
    Publish("plant//vib_de/vib", R"({"start": 1, "values": [1]})");
  }
  Publish("plant/pump-101/vib_de/vib", R"({"start": 1, "rate_hz": 10, "values": [7]})");
  ASSERT_TRUE(collector.WaitForCalls(1));

  std::vector<SampleBatch> b = collector.batches();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].values, std::vector<float>({7.0f}));
  SourceCounters c = source->counters();
  EXPECT_EQ(c.messages, 1u);
  EXPECT_EQ(c.rejected["malformed_json"], 5u);
  EXPECT_EQ(c.rejected["wrong_type"], 5u);
  EXPECT_EQ(c.rejected["oversized_payload"], 5u);
  EXPECT_EQ(c.rejected["unknown_topic"], 5u);
  EXPECT_EQ(c.rejected.size(), 4u);
  EXPECT_FALSE(c.last_error.empty());
  EXPECT_EQ(source->client_counters().messages_received, 21u);
}

TEST_F(MqttSourceTest, StopEndsDelivery) {
  Collector collector;
  auto source = StartJsonSource(collector);
  Publish("plant/a/temp", R"({"t": 1, "v": 1})");
  ASSERT_TRUE(collector.WaitForCalls(1));
  source->Stop();
  EXPECT_EQ(source->client_counters().state, MqttConnectionState::kDisconnected);
  Publish("plant/a/temp", R"({"t": 2, "v": 2})");
  // A second source that sees the message proves it was delivered by the broker.
  Collector other;
  MqttJsonSourceOptions options;
  options.mqtt = ClientOptions(broker_.uri(), "json-source-2");
  MqttJsonSource second(options, JsonTopics());
  ASSERT_TRUE(second.Start(other.Sink()).ok());
  Publish("plant/a/temp", R"({"t": 3, "v": 3})");
  ASSERT_TRUE(other.WaitForCalls(1));
  EXPECT_EQ(collector.calls(), 1u);
  EXPECT_EQ(source->counters().messages, 1u);
}

TEST_F(MqttSourceTest, ASinkThatReturnsFalseGetsNothingMore) {
  MqttJsonSourceOptions options;
  options.mqtt = ClientOptions(broker_.uri(), "json-source");
  MqttJsonSource source(options, JsonTopics());
  std::atomic<int> calls{0};
  ASSERT_TRUE(source
                  .Start([&](std::vector<SampleBatch>) {
                    ++calls;
                    return false;
                  })
                  .ok());
  for (int i = 0; i < 3; ++i) Publish("plant/a/temp", R"({"t": 1, "v": 1})");
  // Paho runs callbacks one at a time, in order: once the third message is counted, the
  // handler of the second has finished.
  ASSERT_TRUE(WaitUntil([&] { return source.client_counters().messages_received >= 3; }));
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(source.counters().messages, 1u);
}

TEST_F(MqttSourceTest, ReconnectsAndResubscribesAfterBrokerRestart) {
  Collector collector;
  auto source = StartJsonSource(collector);
  Publish("plant/a/temp", R"({"t": 1, "v": 1})");
  ASSERT_TRUE(collector.WaitForCalls(1));

  Status s = broker_.Restart();
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(WaitUntil([&] {
    MqttClientCounters c = source->client_counters();
    return c.reconnects >= 1 && c.state == MqttConnectionState::kConnected;
  })) << "source did not reconnect: "
      << source->client_counters().last_error;
  ASSERT_TRUE(WaitUntil([&] { return publisher_->connected(); }));
  EXPECT_NE(source->client_counters().last_error.find("lost"), std::string::npos);

  // The resubscription is asynchronous: publish until one message comes through.
  ASSERT_TRUE(WaitUntil([&] {
    Status p = publisher_->Publish("plant/a/temp", R"({"t": 2, "v": 2})", 1);
    return p.ok() && collector.WaitForCalls(2);
  }));
  std::vector<SampleBatch> b = collector.batches();
  EXPECT_EQ(b.back().values, std::vector<float>({2.0f}));
}

TEST(MqttClientTest, ConnectRefusedIsAClearError) {
  const int port = testing::FreeLoopbackPort();
  ASSERT_GT(port, 0);
  MqttClientOptions options;
  options.broker_uri = "tcp://127.0.0.1:" + std::to_string(port);
  options.connect_timeout = seconds(2);
  MqttClient client(options);
  Status s = client.Connect();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("cannot connect to " + options.broker_uri), std::string::npos)
      << s.message();
  EXPECT_FALSE(client.connected());
  EXPECT_FALSE(client.Publish("a/b", "x").ok());
  EXPECT_EQ(client.counters().publish_failures, 1u);
}

TEST(MqttClientTest, BadOptionsAndTopicsAreRefusedBeforeTheNetwork) {
  MqttClientOptions options;
  options.broker_uri = "http://127.0.0.1:1883";
  EXPECT_EQ(MqttClient(options).Connect().code(), StatusCode::kInvalidArgument);
  options.broker_uri = "tcp://127.0.0.1:1883";
  options.subscribe_qos = 3;
  EXPECT_EQ(MqttClient::ValidateOptions(options).code(), StatusCode::kInvalidArgument);
  MqttClient client(MqttClientOptions{});
  EXPECT_EQ(client.Publish("a/+/b", "x").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(client.Publish("a/b", "x", 5).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(client.counters().publish_failures, 2u);
}

// ---------------------------------------------------------------------------------------------
// Sparkplug B

using Metric = spb::Payload::Metric;
constexpr uint64_t kMs = 1'767'592'800'000;

Metric* AddMetric(spb::Payload& p, const std::string& name, uint32_t datatype) {
  Metric* m = p.add_metrics();
  if (!name.empty()) m->set_name(name);
  m->set_datatype(datatype);
  return m;
}

std::string NodeBirth() {
  spb::Payload p;
  p.set_timestamp(kMs);
  p.set_seq(0);
  AddMetric(p, "bdSeq", spb::Int64)->set_long_value(0);
  AddMetric(p, "Node Control/Rebirth", spb::Boolean)->set_boolean_value(false);
  AddMetric(p, "Uptime", spb::Int32)->set_int_value(7);  // no mapping for it
  Metric* temp = AddMetric(p, "Temperature", spb::Float);
  temp->set_alias(1);
  temp->set_float_value(40.5f);
  return p.SerializeAsString();
}

std::string DeviceBirth() {
  spb::Payload p;
  p.set_timestamp(kMs);
  p.set_seq(1);
  Metric* vib = AddMetric(p, "Vibration", spb::Double);
  vib->set_alias(10);
  vib->set_double_value(0.25);
  return p.SerializeAsString();
}

std::string DeviceData(uint64_t seq, double value) {
  spb::Payload p;
  p.set_timestamp(kMs + 1000);
  p.set_seq(seq);
  Metric* m = p.add_metrics();
  m->set_alias(10);
  m->set_timestamp(kMs + 1500);
  m->set_double_value(value);
  return p.SerializeAsString();
}

TEST_F(MqttSourceTest, SparkplugBirthsAndDataBecomeBatchesAndASeqGapRequestsARebirth) {
  // A stand-in for the edge node: it listens for commands.
  MqttClient node(ClientOptions(broker_.uri(), "edge-node"));
  std::mutex mu;
  std::vector<std::string> commands;
  node.set_message_handler([&](std::string_view, std::string_view payload) {
    std::lock_guard lock(mu);
    commands.emplace_back(payload);
  });
  ASSERT_TRUE(node.Connect().ok());
  ASSERT_TRUE(node.Subscribe({"spBv1.0/plant1/NCMD/node1"}).ok());

  auto metrics = TopicMap::Create({
      {"plant1/+/{asset}/{channel}", "", "", ChannelKind::kVibration, 1000},
      {"plant1/{asset}//Temperature", "", "temp", ChannelKind::kTemperature, 1},
  });
  ASSERT_TRUE(metrics.ok()) << metrics.status().ToString();
  MqttSparkplugSourceOptions options;
  options.mqtt = ClientOptions(broker_.uri(), "sparkplug-host");
  options.groups = {"plant1"};
  MqttSparkplugSource source(options, *metrics);
  Collector collector;
  ASSERT_TRUE(source.Start(collector.Sink()).ok());

  Publish("spBv1.0/plant1/NBIRTH/node1", NodeBirth());
  Publish("spBv1.0/plant1/DBIRTH/node1/pump-7", DeviceBirth());
  Publish("spBv1.0/plant1/DDATA/node1/pump-7", DeviceData(2, 0.75));
  ASSERT_TRUE(collector.WaitForCalls(3));
  std::vector<SampleBatch> b = collector.batches();
  ASSERT_EQ(b.size(), 3u);
  // NBIRTH: the node metric Temperature (bdSeq and the Boolean control are not mapped).
  EXPECT_EQ(b[0].asset, "node1");
  EXPECT_EQ(b[0].channel, "temp");
  EXPECT_EQ(b[0].kind, ChannelKind::kTemperature);
  EXPECT_EQ(b[0].values, std::vector<float>({40.5f}));
  // DBIRTH's current value, then DDATA resolved through alias 10.
  EXPECT_EQ(b[1].asset, "pump-7");
  EXPECT_EQ(b[1].channel, "Vibration");
  EXPECT_EQ(b[1].values, std::vector<float>({0.25f}));
  EXPECT_EQ(b[2].asset, "pump-7");
  EXPECT_EQ(b[2].channel, "Vibration");
  EXPECT_EQ(b[2].kind, ChannelKind::kVibration);
  EXPECT_EQ(b[2].sample_rate_hz, 1000);
  EXPECT_EQ(b[2].values, std::vector<float>({0.75f}));
  ASSERT_EQ(b[2].timestamps.size(), 1u);
  EXPECT_EQ(ToNanos(b[2].timestamps[0]), static_cast<int64_t>(kMs + 1500) * 1'000'000);
  SourceCounters c = source.counters();
  EXPECT_EQ(c.messages, 3u);
  EXPECT_EQ(c.values, 3u);
  EXPECT_EQ(c.rejected["unmapped_metric"], 1u);  // Uptime

  // seq 3 is lost: seq 4 is a gap, the host asks the node to rebirth.
  Publish("spBv1.0/plant1/DDATA/node1/pump-7", DeviceData(4, 0.5));
  ASSERT_TRUE(WaitUntil([&] {
    std::lock_guard lock(mu);
    return !commands.empty();
  }));
  {
    std::lock_guard lock(mu);
    spb::Payload cmd;
    ASSERT_TRUE(cmd.ParseFromString(commands[0]));
    ASSERT_EQ(cmd.metrics_size(), 1);
    EXPECT_EQ(cmd.metrics(0).name(), "Node Control/Rebirth");
    EXPECT_TRUE(cmd.metrics(0).boolean_value());
  }
  EXPECT_EQ(source.rebirth_requests(), 1u);

  // Garbage is counted; the source keeps going (a fresh birth is accepted again).
  Publish("spBv1.0/plant1/NDATA/node1", std::string("\xff\xff\xff\x0f garbage", 12));
  Publish("spBv1.0/plant1/NBIRTH/node1", NodeBirth());
  ASSERT_TRUE(collector.WaitForCalls(4));
  c = source.counters();
  EXPECT_EQ(c.rejected["seq_gap"], 1u);
  EXPECT_EQ(c.rejected["bad_protobuf"], 1u);
  EXPECT_EQ(c.messages, 5u);  // 3 + our own NCMD (we subscribe to the whole group) + NBIRTH
  // The rebirth request was rate-limited: the garbage did not cause a second one.
  EXPECT_EQ(source.rebirth_requests(), 1u);
}

TEST_F(MqttSourceTest, SparkplugRefusesBadGroups) {
  MqttSparkplugSourceOptions options;
  options.mqtt = ClientOptions(broker_.uri(), "sparkplug-host");
  auto metrics = TopicMap::Create({{"#", "a", "b", ChannelKind::kVibration, 1}});
  ASSERT_TRUE(metrics.ok());
  {
    MqttSparkplugSource source(options, *metrics);
    EXPECT_EQ(source.Start([](std::vector<SampleBatch>) { return true; }).code(),
              StatusCode::kInvalidArgument);
  }
  options.groups = {"plant/1"};
  MqttSparkplugSource source(options, *metrics);
  EXPECT_EQ(source.Start([](std::vector<SampleBatch>) { return true; }).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace edgeloop::ingest
