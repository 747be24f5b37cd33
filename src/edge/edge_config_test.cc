#include "edge/edge_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace edgeloop::edge {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

// A temp directory holding edge.toml (and whatever a test adds), removed at the end.
class EdgeConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("edge_config_test_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  Result<EdgeConfig> Load(const std::string& text) {
    return LoadEdgeConfig(Write("edge.toml", text));
  }
  // The error of loading `text`, which must fail.
  std::string Error(const std::string& text) {
    Result<EdgeConfig> c = Load(text);
    EXPECT_FALSE(c.ok()) << "config unexpectedly loaded:\n" << text;
    return c.ok() ? "" : c.status().message();
  }

  fs::path dir_;
};

// Minimal valid config, lines 1-8: what a test appends starts on line 9.
constexpr char kBase[] = R"([node]
id = "gw-1"
[store]
path = "edge.db"
[[asset]]
id = "pump-1"
kind = "pump"
shaft_rpm = 2970
)";

TEST_F(EdgeConfigTest, ExampleLoads) {
  Result<EdgeConfig> c = LoadEdgeConfig(EDGELOOP_SOURCE_DIR "/docs/edge.toml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->node.id, "gw-line1");
  EXPECT_EQ(c->node.site, "plant-north");
  ASSERT_TRUE(c->hub.has_value());
  EXPECT_EQ(c->hub->token, "change-me");
  EXPECT_EQ(c->hub->desired_poll, std::chrono::seconds(30));
  EXPECT_EQ(c->store.path, EDGELOOP_SOURCE_DIR "/docs/var/edge.db");
  EXPECT_EQ(c->store.outbox_path, EDGELOOP_SOURCE_DIR "/docs/var/edge.db.outbox");
  EXPECT_EQ(c->store.models_dir, EDGELOOP_SOURCE_DIR "/docs/var/models");
  EXPECT_EQ(c->store.max_age, std::chrono::hours(24 * 30));
  EXPECT_EQ(c->http.port, 9100);
  EXPECT_EQ(c->assets.size(), 4u);
  ASSERT_EQ(c->sources.size(), 4u);
  EXPECT_EQ(c->sources[0].type(), SourceType::kMqttJson);
  const auto& mqtt = std::get<MqttJsonSourceConfig>(c->sources[0].spec);
  EXPECT_EQ(mqtt.connection.client_id, "gw-line1-line1-mqtt");
  ASSERT_EQ(mqtt.topics.size(), 2u);
  EXPECT_EQ(mqtt.topics[1].kind, ChannelKind::kTemperature);
  EXPECT_TRUE(ingest::TopicMap::Create(mqtt.topics).ok());
  const auto& spb = std::get<SparkplugSourceConfig>(c->sources[1].spec);
  EXPECT_EQ(spb.group, "line1");
  EXPECT_EQ(spb.metrics.at(0).device, "fan-drive");
  const auto& modbus = std::get<ModbusSourceConfig>(c->sources[2].spec).poller;
  ASSERT_EQ(modbus.points.size(), 1u);
  EXPECT_EQ(modbus.points[0].address, 100);
  EXPECT_EQ(modbus.points[0].data_type, ingest::ModbusDataType::kInt16);
  EXPECT_DOUBLE_EQ(modbus.points[0].scale, 0.1);
  EXPECT_EQ(modbus.response_timeout, std::chrono::milliseconds(500));
  const auto& sim = std::get<SimSourceConfig>(c->sources[3].spec);
  EXPECT_EQ(sim.seed, 7u);
  EXPECT_EQ(sim.fault, sim::FaultKind::kOuterRace);
  ASSERT_EQ(c->models.size(), 1u);
  EXPECT_EQ(c->models[0].production, EDGELOOP_SOURCE_DIR "/docs/models/pumps-v3.onnx");
  EXPECT_DOUBLE_EQ(c->models[0].alerts.raise_score, 1.0);
  EXPECT_DOUBLE_EQ(c->models[0].alerts.critical_score, 2.0);
  ASSERT_TRUE(c->alerts_mqtt.has_value());
  EXPECT_EQ(c->alerts_mqtt->topic, "edgeloop/gw-line1/alerts");
}

TEST_F(EdgeConfigTest, DefaultsOfAMinimalConfig) {
  Result<EdgeConfig> c = Load(kBase);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_FALSE(c->hub.has_value());
  EXPECT_FALSE(c->alerts_mqtt.has_value());
  EXPECT_EQ(c->store.path, (dir_ / "edge.db").string());
  EXPECT_EQ(c->store.max_mb, 1024);
  EXPECT_EQ(c->store.outbox_max_mb, 256);
  EXPECT_EQ(c->http.host, "127.0.0.1");
  EXPECT_EQ(c->pipeline.workers, 2);
  EXPECT_EQ(c->pipeline.queue_capacity, 64);
  EXPECT_DOUBLE_EQ(c->pipeline.pipeline.alerts.raise_score, PipelineConfig{}.alerts.raise_score);
  EXPECT_EQ(c->drift.options.window_capacity, drift::DriftMonitorOptions{}.window_capacity);
  EXPECT_TRUE(c->drift.enabled);
  ASSERT_NE(c->FindAsset("pump-1"), nullptr);
  EXPECT_EQ(c->FindAsset("pump-1")->bearing.designation, "6205");
}

TEST_F(EdgeConfigTest, MissingNodeId) {
  const std::string e = Error("[node]\nsite = \"x\"\n[store]\npath = \"a.db\"\n");
  EXPECT_THAT(e, HasSubstr("edge.toml:1"));
  EXPECT_THAT(e, HasSubstr("missing required key 'node.id'"));
}

TEST_F(EdgeConfigTest, BadNodeId) {
  const std::string e = Error("[node]\nid = \"gw 1\"\n[store]\npath = \"a.db\"\n");
  EXPECT_THAT(e, HasSubstr("edge.toml:2:"));
  EXPECT_THAT(e, HasSubstr("'node.id'"));
}

TEST_F(EdgeConfigTest, UnknownKeyWithSuggestion) {
  const std::string e = Error(std::string(kBase) + "[pipeline]\nworkrs = 4\n");
  EXPECT_THAT(e, HasSubstr("edge.toml:10:"));
  EXPECT_THAT(e, HasSubstr("unknown key 'pipeline.workrs' (did you mean 'workers'?)"));
}

TEST_F(EdgeConfigTest, WrongType) {
  const std::string e = Error(std::string(kBase) + "[pipeline]\nworkers = \"four\"\n");
  EXPECT_THAT(e, HasSubstr("edge.toml:10:"));
  EXPECT_THAT(e, HasSubstr("'pipeline.workers' must be an integer, got a string"));
}

TEST_F(EdgeConfigTest, OutOfRange) {
  const std::string e = Error(std::string(kBase) + "[pipeline]\nworkers = 65\n");
  EXPECT_THAT(e, HasSubstr("edge.toml:10:"));
  EXPECT_THAT(e, HasSubstr("'pipeline.workers' = 65 is out of range [1, 64]"));
}

TEST_F(EdgeConfigTest, BadDuration) {
  const std::string e = Error(std::string(kBase) +
                              "[hub]\nurl = \"http://hub\"\ntoken = \"t\"\nheartbeat = \"10\"\n");
  EXPECT_THAT(e, HasSubstr("edge.toml:12:"));
  EXPECT_THAT(e, HasSubstr("'hub.heartbeat' is not a duration"));
}

TEST_F(EdgeConfigTest, BadHubUrl) {
  const std::string e = Error(std::string(kBase) + "[hub]\nurl = \"ftp://hub\"\ntoken = \"t\"\n");
  EXPECT_THAT(e, HasSubstr("edge.toml:10:"));
  EXPECT_THAT(e, HasSubstr("'hub.url' must start with http:// or https://"));
}

TEST_F(EdgeConfigTest, BothTokenAndTokenFile) {
  const std::string e = Error(std::string(kBase) +
                              "[hub]\nurl = \"http://hub\"\ntoken = \"t\"\ntoken_file = \"t\"\n");
  EXPECT_THAT(e, HasSubstr("edge.toml:12:"));
  EXPECT_THAT(e, HasSubstr("'hub.token_file' conflicts with 'hub.token'"));
  const std::string none = Error(std::string(kBase) + "[hub]\nurl = \"http://hub\"\n");
  EXPECT_THAT(none, HasSubstr("edge.toml:9"));
  EXPECT_THAT(none, HasSubstr("'hub.token' is missing"));
}

TEST_F(EdgeConfigTest, TokenFileIsReadAndTrimmed) {
  Write("token", "s3cret\n");
  Result<EdgeConfig> c =
      Load(std::string(kBase) + "[hub]\nurl = \"https://hub:8443\"\ntoken_file = \"token\"\n");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->hub->token, "s3cret");
  EXPECT_EQ(c->hub->token_file, (dir_ / "token").string());
  Write("token", "");
  const std::string e =
      Error(std::string(kBase) + "[hub]\nurl = \"https://hub\"\ntoken_file = \"token\"\n");
  EXPECT_THAT(e, HasSubstr("edge.toml:11:"));
  EXPECT_THAT(e, HasSubstr("'hub.token_file'"));
  EXPECT_THAT(e, HasSubstr("is empty"));
  // Reading is bounded: a device file cannot hang the start.
  const std::string huge =
      Error(std::string(kBase) + "[hub]\nurl = \"https://hub\"\ntoken_file = \"/dev/zero\"\n");
  EXPECT_THAT(huge, HasSubstr("edge.toml:11:"));
  EXPECT_THAT(huge, HasSubstr("is too large"));
}

TEST_F(EdgeConfigTest, UnreadableTokenFile) {
  const std::string e =
      Error(std::string(kBase) + "[hub]\nurl = \"http://hub\"\ntoken_file = \"missing\"\n");
  EXPECT_THAT(e, HasSubstr("edge.toml:11:"));
  EXPECT_THAT(e, HasSubstr("'hub.token_file' cannot be read"));
  EXPECT_THAT(e, HasSubstr("missing"));
}

constexpr char kMqtt[] = R"([[source]]
name = "m"
type = "mqtt_json"
broker = "tcp://127.0.0.1:1883"
  [[source.topic]]
  pattern = "%s"
  asset = "%s"
  channel = "vib"
  rate_hz = 25600
)";

std::string Mqtt(const std::string& pattern, const std::string& asset) {
  std::string s = kMqtt;
  s.replace(s.find("%s"), 2, pattern);
  s.replace(s.find("%s"), 2, asset);
  return s;
}

TEST_F(EdgeConfigTest, MqttSourceLoads) {
  Result<EdgeConfig> c = Load(std::string(kBase) + Mqtt("plant/pump-1/vib", "pump-1"));
  ASSERT_TRUE(c.ok()) << c.status().message();
  const auto& m = std::get<MqttJsonSourceConfig>(c->sources.at(0).spec);
  EXPECT_EQ(m.connection.client_id, "gw-1-m");
  EXPECT_EQ(m.topics.at(0).asset, "pump-1");
}

TEST_F(EdgeConfigTest, BadTopicPattern) {
  // Lines 9-17: the pattern is on line 14.
  const std::string e = Error(std::string(kBase) + Mqtt("plant/#/vib", "pump-1"));
  EXPECT_THAT(e, HasSubstr("edge.toml:14:"));
  EXPECT_THAT(e, HasSubstr("'source[0].topic[0].pattern' is invalid"));
}

TEST_F(EdgeConfigTest, UndeclaredAssetInTopic) {
  const std::string e = Error(std::string(kBase) + Mqtt("plant/x/vib", "pump-9"));
  EXPECT_THAT(e, HasSubstr("edge.toml:15:"));
  EXPECT_THAT(e, HasSubstr("'source[0].topic[0].asset' names asset 'pump-9'"));
}

TEST_F(EdgeConfigTest, DuplicateSourceName) {
  const std::string sim = "[[source]]\nname = \"m\"\ntype = \"sim\"\nassets = [\"pump-1\"]\n";
  const std::string e = Error(std::string(kBase) + Mqtt("plant/x/vib", "pump-1") + sim);
  EXPECT_THAT(e, HasSubstr("edge.toml:19:"));
  EXPECT_THAT(e, HasSubstr("'source[1].name' repeats source 'm'"));
}

TEST_F(EdgeConfigTest, UnknownSourceType) {
  const std::string e = Error(std::string(kBase) + "[[source]]\nname = \"s\"\ntype = \"opcua\"\n");
  EXPECT_THAT(e, HasSubstr("edge.toml:11:"));
  EXPECT_THAT(e, HasSubstr("'source[0].type' must be one of"));
}

TEST_F(EdgeConfigTest, SimUndeclaredAssetAndBadFault) {
  std::string e = Error(std::string(kBase) +
                        "[[source]]\nname = \"s\"\ntype = \"sim\"\nassets = [\"pump-1\", \"x\"]\n");
  EXPECT_THAT(e, HasSubstr("edge.toml:12:"));
  EXPECT_THAT(e, HasSubstr("'source[0].assets' names asset 'x'"));
  e = Error(std::string(kBase) +
            "[[source]]\nname = \"s\"\ntype = \"sim\"\nassets = [\"pump-1\"]\n"
            "fault_asset = \"pump-1\"\nfault = \"rust\"\n");
  EXPECT_THAT(e, HasSubstr("edge.toml:14:"));
  EXPECT_THAT(e, HasSubstr("'source[0].fault'"));
}

TEST_F(EdgeConfigTest, ReplaySourceConfig) {
  const std::string tail =
      "[[source]]\nname = \"r\"\ntype = \"replay\"\npath = \"rec.csv\"\nasset = \"pump-1\"\n"
      "channel = \"vib\"\nspeed = %s\n";
  auto with_speed = [&](const std::string& speed) {
    std::string s = std::string(kBase) + tail;
    s.replace(s.find("%s"), 2, speed);
    return s;
  };
  std::string e = Error(with_speed("\"fast\""));
  EXPECT_THAT(e, HasSubstr("edge.toml:12:"));
  EXPECT_THAT(e, HasSubstr("'source[0].path'"));
  EXPECT_THAT(e, HasSubstr("does not exist"));

  Write("rec.csv", "0.1\n0.2\n");
  Result<EdgeConfig> c = Load(with_speed("\"fast\""));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(std::get<ReplaySourceConfig>(c->sources[0].spec).speed,
            ReplaySourceConfig::Speed::kFast);
  c = Load(with_speed("4"));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_DOUBLE_EQ(std::get<ReplaySourceConfig>(c->sources[0].spec).multiplier, 4);
  e = Error(with_speed("\"warp\""));
  EXPECT_THAT(e, HasSubstr("edge.toml:15:"));
  EXPECT_THAT(e, HasSubstr("'source[0].speed' must be \"realtime\", \"fast\" or a number"));
}

TEST_F(EdgeConfigTest, ModbusPointErrors) {
  const std::string src =
      "[[source]]\nname = \"mb\"\ntype = \"modbus\"\nhost = \"10.0.0.2\"\n"
      "  [[source.point]]\n  asset = \"pump-1\"\n  channel = \"t\"\n  register = %s\n"
      "  data_type = \"float32\"\n  word_order = \"low_first\"\n";
  auto with_register = [&](const std::string& reg) {
    std::string s = std::string(kBase) + src;
    s.replace(s.find("%s"), 2, reg);
    return s;
  };
  Result<EdgeConfig> c = Load(with_register("65534"));
  ASSERT_TRUE(c.ok()) << c.status().message();
  const auto& p = std::get<ModbusSourceConfig>(c->sources[0].spec).poller.points.at(0);
  EXPECT_EQ(p.word_order, ingest::WordOrder::kLowWordFirst);
  EXPECT_EQ(p.kind, ChannelKind::kTemperature);
  // A float32 takes two registers: 65535 would run past the address space.
  const std::string e = Error(with_register("65535"));
  EXPECT_THAT(e, HasSubstr("edge.toml:16:"));
  EXPECT_THAT(e, HasSubstr("'source[0].point[0].register' = 65535 is out of range"));
}

TEST_F(EdgeConfigTest, SparkplugDuplicateMetric) {
  const std::string metric =
      "  [[source.metric]]\n  edge_node = \"n\"\n  metric = \"m\"\n  asset = \"pump-1\"\n"
      "  channel = \"c\"\n  rate_hz = 1\n";
  const std::string e = Error(std::string(kBase) +
                              "[[source]]\nname = \"s\"\ntype = \"sparkplug\"\n"
                              "broker = \"tcp://h:1883\"\ngroup = \"g\"\n" +
                              metric + metric);
  EXPECT_THAT(e, HasSubstr("edge.toml:22:"));
  EXPECT_THAT(e, HasSubstr("'source[0].metric[1].metric' repeats metric 'm'"));
}

TEST_F(EdgeConfigTest, AssetInTwoModelGroups) {
  const std::string models =
      "[[models]]\ngroup = \"a\"\nassets = [\"pump-1\"]\nproduction = \"a.onnx\"\n"
      "[[models]]\ngroup = \"b\"\nassets = [\"pump-1\"]\nproduction = \"b.onnx\"\n";
  const std::string e = Error(std::string(kBase) + models);
  EXPECT_THAT(e, HasSubstr("edge.toml:15:"));
  EXPECT_THAT(e, HasSubstr("'models[1].assets' puts asset 'pump-1' in group 'b'"));
  EXPECT_THAT(e, HasSubstr("already in group 'a'"));
}

TEST_F(EdgeConfigTest, ModelShaAndAlertPolicy) {
  const std::string models =
      "[[models]]\ngroup = \"a\"\nassets = [\"pump-1\"]\nproduction = \"a.onnx\"\n"
      "production_sha256 = \"%s\"\n[models.alerts]\nraise_score = 1.5\n";
  std::string ok = std::string(kBase) + models;
  ok.replace(ok.find("%s"), 2, std::string(64, 'A'));
  Result<EdgeConfig> c = Load(ok);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->models[0].production_sha256, std::string(64, 'a'));
  EXPECT_DOUBLE_EQ(c->models[0].alerts.raise_score, 1.5);
  EXPECT_DOUBLE_EQ(c->models[0].alerts.critical_score, 2.0);
  std::string bad = std::string(kBase) + models;
  bad.replace(bad.find("%s"), 2, "abc");
  const std::string e = Error(bad);
  EXPECT_THAT(e, HasSubstr("edge.toml:13:"));
  EXPECT_THAT(e, HasSubstr("'models[0].production_sha256' must be 64 hex digits"));
}

TEST_F(EdgeConfigTest, HttpListen) {
  Result<EdgeConfig> c = Load(std::string(kBase) + "[http]\nlisten = \"[::1]:0\"\n");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->http.host, "::1");
  EXPECT_EQ(c->http.port, 0);
  const std::string e = Error(std::string(kBase) + "[http]\nlisten = \"0.0.0.0:70000\"\n");
  EXPECT_THAT(e, HasSubstr("edge.toml:10:"));
  EXPECT_THAT(e, HasSubstr("'http.listen' must be \"host:port\""));
}

TEST_F(EdgeConfigTest, DriftEvaluateEveryBoundedByCapacity) {
  const std::string e =
      Error(std::string(kBase) + "[drift]\nwindow_capacity = 100\nevaluate_every = 200\n");
  EXPECT_THAT(e, HasSubstr("edge.toml:11:"));
  EXPECT_THAT(e, HasSubstr("'drift.evaluate_every' = 200 is out of range [1, 100]"));
}

TEST_F(EdgeConfigTest, ParseStringUsesSourceName) {
  Result<EdgeConfig> c = ParseEdgeConfig("[node]\nid = \"n\"\n", "inline.toml");
  ASSERT_FALSE(c.ok());
  // A missing top-level table has no line of its own: the message names the file.
  EXPECT_THAT(c.status().message(), HasSubstr("inline.toml: missing required key 'store'"));
}

}  // namespace
}  // namespace edgeloop::edge
