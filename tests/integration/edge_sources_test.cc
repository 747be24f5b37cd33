// The edge daemon in-process against real transports: an MQTT JSON source and a Sparkplug B
// source on a real mosquitto, alerts published back on MQTT (edge_sources_fixture.h).
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "edge_sources_fixture.h"
#include "ingest/sparkplug_b.pb.h"

namespace edgeloop::edge::sources_test {
namespace {

sim::MachineSpec Pump() {
  sim::MachineSpec spec;
  spec.asset = {"pump-1", "pump", 1770, Bearing6205()};
  return spec;
}

TEST_F(EdgeSourcesTest, MqttJsonBearingFaultOpensAnAlertPublishedOnMqttAndRejectsAreCounted) {
  const std::string text = Common(R"(
[[asset]]
id = "pump-1"
kind = "pump"
shaft_rpm = 1770
[alerts_mqtt]
broker = ")" + broker_.uri() + R"("
)") + fmt::format(kJsonSource, broker_.uri());
  Listener scada(broker_.uri(), "scada");
  ASSERT_TRUE(scada.Start({"edgeloop/gw-src/alerts/#"}).ok());
  auto daemon = StartDaemon(text);
  ASSERT_NE(daemon, nullptr);

  // Healthy for 10 s (8 windows learned, then scored), then an outer-race defect that grows to
  // full size in 3 s. The simulation starts 1 s in the past: batches arrive less than 2 s late.
  const Timestamp start = WallMs(seconds(1));
  const Timestamp onset = start + seconds(10);
  sim::MachineSpec spec = Pump();
  spec.faults.push_back({sim::FaultKind::kOuterRace, onset, seconds(3)});
  sim::MachineSimulator machine(spec, 3, start);

  // Bad messages 3 s into the stream, long before the fault: the alert below shows that the
  // daemon kept going.
  const std::string oversized = R"({"start": 1, "values": [)" + std::string(1'100'000, '1') + "]}";
  auto bad = [&](int step) {
    if (step != 30) return;
    for (int i = 0; i < 3; ++i) Publish("plant/pump-1/vib_de/vib", R"({"start": 1, "values": [1)");
    for (int i = 0; i < 2; ++i) Publish("plant/pump-1/temp", R"({"t": 1, "v": "hot"})");
    Publish("plant/pump-1/vib_de/vib", oversized);
    for (int i = 0; i < 4; ++i) Publish("plant//vib_de/vib", R"({"start": 1, "values": [1]})");
  };
  auto opened = [&] { return daemon->Snapshot().agent.assets["pump-1"].alerts_opened > 0; };
  Stream(machine, start + seconds(35), /*temperature=*/true, opened, bad);
  ASSERT_TRUE(WaitFor(opened, seconds(10)))
      << "no alert; windows scored: " << daemon->Snapshot().agent.assets["pump-1"].windows_scored;

  DaemonStatus s = daemon->Snapshot();
  const AssetStats& pump = s.agent.assets["pump-1"];
  EXPECT_GE(pump.windows_learning, 8u);
  EXPECT_GT(pump.windows_scored, 0u);
  EXPECT_EQ(pump.windows_rejected, 0u) << "no quality problem in paced, well-formed data";
  EXPECT_EQ(pump.quarantined_samples, 0u);
  ASSERT_TRUE(pump.first_alert.has_value());
  EXPECT_GE(*pump.first_alert, onset) << "the alert must come from the fault, not from noise";

  // The alert on the SCADA topic, with the window's temperature as evidence.
  ASSERT_TRUE(WaitFor([&] { return !scada.messages().empty(); }, seconds(10)));
  const auto [topic, payload] = scada.messages().front();
  EXPECT_EQ(topic, "edgeloop/gw-src/alerts/pump-1");
  nlohmann::json alert = nlohmann::json::parse(payload);
  EXPECT_EQ(alert["type"], "alert");
  EXPECT_EQ(alert["event"], "opened");
  EXPECT_EQ(alert["asset"], "pump-1");
  ASSERT_TRUE(alert["evidence"]["temp_c"].is_number()) << payload;
  const double temp_c = alert["evidence"]["temp_c"].get<double>();
  ASSERT_FALSE(temps_.empty());
  EXPECT_GE(temp_c, *std::min_element(temps_.begin(), temps_.end()) - 1e-3);
  EXPECT_LE(temp_c, *std::max_element(temps_.begin(), temps_.end()) + 1e-3);
  EXPECT_GE(s.alerts_published, 1u);

  // Rejections by reason, in the status and on /metrics.
  ingest::SourceCounters c = s.sources["json"];
  EXPECT_EQ(c.rejected.size(), 4u);
  EXPECT_EQ(c.rejected["malformed_json"], 3u);
  EXPECT_EQ(c.rejected["wrong_type"], 2u);
  EXPECT_EQ(c.rejected["oversized_payload"], 1u);
  EXPECT_EQ(c.rejected["unknown_topic"], 4u);
  EXPECT_GT(c.messages, 100u);
  httplib::Client http("127.0.0.1", daemon->http_port());
  auto metrics = http.Get("/metrics");
  ASSERT_TRUE(metrics);
  for (const char* line :
       {"edgeloop_source_rejected_total{source=\"json\",reason=\"malformed_json\"} 3",
        "edgeloop_source_rejected_total{source=\"json\",reason=\"wrong_type\"} 2",
        "edgeloop_source_rejected_total{source=\"json\",reason=\"oversized_payload\"} 1",
        "edgeloop_source_rejected_total{source=\"json\",reason=\"unknown_topic\"} 4",
        "edgeloop_alerts_opened_total{asset=\"pump-1\"} 1"}) {
    EXPECT_NE(metrics->body.find(std::string(line) + "\n"), std::string::npos) << line;
  }
  ASSERT_TRUE(daemon->Stop().ok());
}

// ---------------------------------------------------------------------------------------------
// Sparkplug B

using Metric = ingest::spb::Payload::Metric;

Metric* AddMetric(ingest::spb::Payload& p, const std::string& name, uint32_t datatype) {
  Metric* m = p.add_metrics();
  if (!name.empty()) m->set_name(name);
  m->set_datatype(datatype);
  return m;
}

uint64_t Ms(Timestamp t) { return static_cast<uint64_t>(ToNanos(t) / 1'000'000); }

std::string NodeBirth(Timestamp t) {
  ingest::spb::Payload p;
  p.set_timestamp(Ms(t));
  p.set_seq(0);
  AddMetric(p, "bdSeq", ingest::spb::Int64)->set_long_value(0);
  AddMetric(p, "Node Control/Rebirth", ingest::spb::Boolean)->set_boolean_value(false);
  return p.SerializeAsString();
}

std::string DeviceBirth(Timestamp t, float temp) {
  ingest::spb::Payload p;
  p.set_timestamp(Ms(t));
  p.set_seq(1);
  Metric* m = AddMetric(p, "bearing/temp", ingest::spb::Float);
  m->set_alias(5);
  m->set_timestamp(Ms(t));
  m->set_float_value(temp);
  AddMetric(p, "status", ingest::spb::Int32)->set_int_value(1);  // not mapped
  return p.SerializeAsString();
}

// DDATA by alias only, as a real edge node sends after its birth.
std::string DeviceData(uint64_t seq, Timestamp t, float temp) {
  ingest::spb::Payload p;
  p.set_timestamp(Ms(t));
  p.set_seq(seq);
  Metric* m = p.add_metrics();
  m->set_alias(5);
  m->set_timestamp(Ms(t));
  m->set_float_value(temp);
  return p.SerializeAsString();
}

TEST_F(EdgeSourcesTest, SparkplugDataArrivesAndASeqGapRequestsARebirth) {
  const std::string text = Common(R"(
[[asset]]
id = "fan-1"
kind = "fan"
shaft_rpm = 990
[[source]]
name = "spb"
type = "sparkplug"
broker = ")" + broker_.uri() + R"("
group = "line1"
  [[source.metric]]
  edge_node = "plc-7"
  device = "fan-drive"
  metric = "bearing/temp"
  asset = "fan-1"
  channel = "temp_de"
  kind = "temperature"
  rate_hz = 1
)");
  Listener node(broker_.uri(), "plc-7");  // the edge node listens for commands
  ASSERT_TRUE(node.Start({"spBv1.0/line1/NCMD/plc-7"}).ok());
  auto daemon = StartDaemon(text);
  ASSERT_NE(daemon, nullptr);
  auto samples = [&] { return daemon->Snapshot().agent.assets["fan-1"].samples; };

  // Readings one second apart, ending now: in the past, in order, no duplicates.
  const Timestamp t0 = WallMs(seconds(6));
  // Start() returns once the source is subscribed, so nothing published from now on is missed.
  Publish("spBv1.0/line1/NBIRTH/plc-7", NodeBirth(t0));
  Publish("spBv1.0/line1/DBIRTH/plc-7/fan-drive", DeviceBirth(t0, 40.0f));
  ASSERT_TRUE(WaitFor([&] { return samples() >= 1; }, seconds(10)));
  const uint64_t after_birth = samples();
  for (uint64_t seq = 2; seq <= 4; ++seq) {
    Publish("spBv1.0/line1/DDATA/plc-7/fan-drive",
            DeviceData(seq, t0 + seconds(seq - 1), 40.0f + 0.1f * seq));
  }
  ASSERT_TRUE(WaitFor([&] { return samples() >= after_birth + 3; }, seconds(10)))
      << "samples: " << samples();
  EXPECT_EQ(daemon->Snapshot().agent.assets["fan-1"].quarantined_samples, 0u);

  // seq 5 is lost: 6 is a gap and the host asks the node for a rebirth.
  Publish("spBv1.0/line1/DDATA/plc-7/fan-drive", DeviceData(6, t0 + seconds(5), 40.6f));
  ASSERT_TRUE(WaitFor([&] { return !node.messages().empty(); }, seconds(10)));
  ingest::spb::Payload cmd;
  ASSERT_TRUE(cmd.ParseFromString(node.messages().front().second));
  ASSERT_EQ(cmd.metrics_size(), 1);
  EXPECT_EQ(cmd.metrics(0).name(), "Node Control/Rebirth");
  EXPECT_TRUE(cmd.metrics(0).boolean_value());

  Publish("spBv1.0/line1/NDATA/plc-7", std::string("\xff\xff\xff\x0f garbage", 12));
  ASSERT_TRUE(
      WaitFor([&] { return daemon->Snapshot().sources["spb"].rejected.count("bad_protobuf") > 0; },
              seconds(10)));
  DaemonStatus s = daemon->Snapshot();
  ingest::SourceCounters c = s.sources["spb"];
  EXPECT_EQ(c.rejected["bad_protobuf"], 1u);
  EXPECT_EQ(c.rejected["seq_gap"], 1u);
  EXPECT_EQ(c.rejected["unmapped_metric"], 1u) << "the DBIRTH's 'status'";
  EXPECT_EQ(s.agent.assets["fan-1"].samples, after_birth + 3) << "the gap's data is dropped";
  EXPECT_GE(c.values, 4u);
  ASSERT_TRUE(daemon->Stop().ok());
}

}  // namespace
}  // namespace edgeloop::edge::sources_test

namespace edgeloop::edge::sources_test {
namespace {

// A gateway boots before its broker (power restored to the cabinet): the daemon starts anyway,
// keeps retrying the MQTT source with backoff, and ingests once the broker is up.
TEST_F(EdgeSourcesTest, ABrokerDownAtStartIsRetriedUntilItComesUp) {
  const int port = broker_.port();
  broker_.Stop();
  const std::string text = Common(R"(
[[asset]]
id = "pump-1"
kind = "pump"
shaft_rpm = 1770
)") + fmt::format(kJsonSource, broker_.uri());
  auto daemon = StartDaemon(text);
  ASSERT_NE(daemon, nullptr) << "a broker that is down must not stop the gateway";
  EXPECT_EQ(daemon->Snapshot().sources["json"].messages, 0u);

  ASSERT_TRUE(broker_.Start(port).ok());
  // Publish a temperature every 200 ms until the daemon has taken one (the publisher reconnects
  // by itself; publishes while it does are simply lost).
  const bool ingested = WaitFor(
      [&] {
        (void)publisher_->Publish(
            "plant/pump-1/temp",
            fmt::format(R"({{"t": {}, "v": 41.5}})", JsonTime(SystemClock().Now())), 1);
        std::this_thread::sleep_for(milliseconds(200));
        return daemon->Snapshot().sources["json"].messages > 0;
      },
      seconds(60));
  EXPECT_TRUE(ingested) << "source never reconnected: "
                        << daemon->Snapshot().sources["json"].last_error;
  EXPECT_TRUE(daemon->Stop().ok());
}

}  // namespace
}  // namespace edgeloop::edge::sources_test
