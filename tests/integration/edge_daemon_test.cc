// The edge daemon in-process, end to end: simulated machines -> sharded workers -> production
// and shadow PCA models -> alerts with evidence -> outbox -> HTTP uplink to a test hub; desired
// state from the hub hot-swaps the production model while windows keep flowing; /metrics and
// /healthz over real HTTP.
#include "edge/edge_daemon.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "common/sha256.h"
#include "edge/edge_config.h"
#include "edge/model_test_util.h"
#include "ingest/signal_file.h"
#include "train/reference_spectrum.h"
#include "uplink/test_hub.h"

namespace edgeloop::edge {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

sim::MachineSpec DaemonPump() {
  sim::MachineSpec spec;  // what SimSource simulates for the asset below
  spec.asset = {"pump-1", "pump", 1770, Bearing6205()};
  return spec;
}

// Every record the hub received from `node`, in sequence order.
std::vector<nlohmann::json> HubRecords(const uplink::TestHub& hub, const std::string& node) {
  std::vector<nlohmann::json> out;
  for (const auto& [seq, payload] : hub.payloads(node)) {
    nlohmann::json batch = nlohmann::json::parse(payload);
    EXPECT_EQ(batch["node"], node);
    for (auto& r : batch["records"]) out.push_back(r);
  }
  return out;
}

template <typename Pred>
bool WaitFor(Pred pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return pred();
}

// `model` with the reference spectrum of 10 s of the healthy simulated pump attached, so the
// daemon also watches spectral drift.
std::string WithHealthySpectrum(const std::string& model) {
  sim::MachineSimulator machine(DaemonPump(), 99, testing::kT0);
  std::vector<SampleBatch> batches;
  machine.Step(seconds(10), batches);
  ingest::SignalTable table;
  for (const SampleBatch& b : batches) {
    if (b.kind == ChannelKind::kVibration) {
      table.columns.push_back({b.channel, std::vector<double>(b.values.begin(), b.values.end())});
    }
  }
  auto spectrum = train::ComputeReferenceSpectrum(table, "", 25600);
  EXPECT_TRUE(spectrum.ok()) << spectrum.status().ToString();
  auto with = train::AttachReferenceSpectrum(model, *spectrum);
  EXPECT_TRUE(with.ok()) << with.status().ToString();
  return *with;
}

bool HasRecord(const uplink::TestHub& hub, const std::string& type, const std::string& kind) {
  for (const nlohmann::json& r : HubRecords(hub, "gw-it")) {
    if (r["type"] == type && (kind.empty() || r["kind"] == kind)) return true;
  }
  return false;
}

class EdgeDaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A bearing model: impulsiveness and the bands around the structural resonance that bearing
    // impacts ring. The low bands and the overall RMS follow the load, which wanders over
    // minutes; a model trained on 200 s of them false-alarms on a healthy machine later on.
    const std::vector<std::string> features = {"crest", "kurtosis", "band_2000_5000hz_rms_g",
                                               "band_5000_10000hz_rms_g"};
    v1_ = WithHealthySpectrum(testing::TrainPcaModel(11, 200, features, DaemonPump()));
    v2_ = testing::TrainPcaModel(12, 200, features, DaemonPump());
    v3_ = testing::TrainPcaModel(13, 200, features, DaemonPump());
    v1_path_ = dir_.Write("v1.onnx", v1_);
    v2_path_ = dir_.Write("v2.onnx", v2_);
  }

  std::string Config(int hub_port) const {
    return fmt::format(R"(
[node]
id = "gw-it"
[hub]
url = "http://127.0.0.1:{}"
token = "node-secret"
desired_poll = "300ms"
heartbeat = "1s"
[store]
path = "{}/edge.db"
[http]
listen = "127.0.0.1:0"
[pipeline]
workers = 2
[[asset]]
id = "pump-1"
kind = "pump"
shaft_rpm = 1770
[[asset]]
id = "fan-1"
kind = "fan"
shaft_rpm = 990
[[source]]
name = "sim"
type = "sim"
assets = ["pump-1", "fan-1"]
seed = 5
speed = 20
fault_asset = "pump-1"
[[models]]
group = "pumps"
assets = ["pump-1"]
production = "{}"
shadow = "{}"
[drift]
window_capacity = 60
evaluate_every = 20
)",
                       hub_port, dir_.path(), v1_path_, v2_path_);
  }

  testing::TempDir dir_;
  std::string v1_, v2_, v3_, v1_path_, v2_path_;
};

TEST_F(EdgeDaemonTest, ClosesTheLoopAndHotSwapsFromDesiredStateWithoutAMissedWindow) {
  uplink::TestHub hub("node-secret");
  auto config = ParseEdgeConfig(Config(hub.port()), "edge.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  SystemClock clock;
  auto daemon = EdgeDaemon::Create(*config, clock);
  ASSERT_TRUE(daemon.ok()) << daemon.status().ToString();
  EdgeDaemon& d = **daemon;
  ASSERT_TRUE(d.Start().ok());

  // The fault (sim onset 60 s, full at 180 s) opens a model alert on the pump; the fan, scored
  // by the baseline detector, stays quiet.
  ASSERT_TRUE(
      WaitFor([&] { return d.Snapshot().agent.assets["pump-1"].alerts_opened > 0; }, seconds(120)))
      << "no alert; pump windows scored: " << d.Snapshot().agent.assets["pump-1"].windows_scored;
  DaemonStatus s = d.Snapshot();
  EXPECT_EQ(s.agent.assets["fan-1"].alerts_opened, 0u);
  EXPECT_EQ(s.snapshots_stored, 1u) << "the alert's waveform is kept as evidence";
  const std::string v1_version = s.model_versions["pumps/production"];
  // The developing fault also changes the vibration spectrum against v1's healthy reference.
  EXPECT_TRUE(WaitFor([&] { return HasRecord(hub, "drift", "spectrum_js"); }, seconds(60)))
      << "no spectral drift event reached the hub";
  EXPECT_NE(v1_version.find(Sha256Hex(testing::AsBytes(v1_)).substr(0, 12)), std::string::npos);

  // Desired state: a corrupt artifact (sha256 mismatch) is refused and v1 keeps running...
  const std::string v3_sha = Sha256Hex(testing::AsBytes(v3_));
  std::string corrupt = v3_;
  corrupt[corrupt.size() / 2] ^= 0x5a;
  hub.AddArtifact("/artifacts/bad.onnx", corrupt);
  hub.SetDesired("gw-it", nlohmann::json{{"revision", 1},
                                         {"models",
                                          {{{"group", "pumps"},
                                            {"role", "production"},
                                            {"version", "v3"},
                                            {"sha256", v3_sha},
                                            {"url", "/artifacts/bad.onnx"},
                                            {"size", corrupt.size()}}}}}
                              .dump());
  ASSERT_TRUE(WaitFor(
      [&] { return d.Snapshot().desired_error.find("sha256") != std::string::npos; }, seconds(20)))
      << d.Snapshot().desired_error;
  EXPECT_EQ(d.Snapshot().model_versions["pumps/production"], v1_version);

  // ...then the right artifact is swapped in while the sim keeps streaming.
  const uint64_t scored_before = d.Snapshot().agent.assets["pump-1"].windows_scored;
  hub.AddArtifact("/artifacts/v3.onnx", v3_);
  hub.SetDesired("gw-it", nlohmann::json{{"revision", 2},
                                         {"models",
                                          {{{"group", "pumps"},
                                            {"role", "production"},
                                            {"version", "v3"},
                                            {"sha256", v3_sha},
                                            {"url", "/artifacts/v3.onnx"},
                                            {"size", v3_.size()}}}}}
                              .dump());
  ASSERT_TRUE(WaitFor([&] { return d.Snapshot().desired_revision == 2; }, seconds(20)))
      << d.Snapshot().desired_error;
  ASSERT_TRUE(WaitFor(
      [&] {
        return d.Snapshot().agent.assets["pump-1"].model_version.find(v3_sha.substr(0, 12)) !=
               std::string::npos;
      },
      seconds(20)));
  ASSERT_TRUE(WaitFor(
      [&] { return d.Snapshot().agent.assets["pump-1"].windows_scored > scored_before + 20; },
      seconds(30)));
  s = d.Snapshot();
  EXPECT_EQ(s.model_versions.count("pumps/shadow"), 0u)
      << "revision 2 names no shadow, so the shadow is removed";

  // /metrics and /healthz over HTTP while running.
  httplib::Client http("127.0.0.1", d.http_port());
  auto metrics = http.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("edgeloop_windows_total{asset=\"pump-1\",status=\"scored\"}"),
            std::string::npos);
  EXPECT_NE(metrics->body.find("edgeloop_model_info{group=\"pumps\",role=\"production\""),
            std::string::npos);
  auto health = http.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200) << health->body;

  ASSERT_TRUE(d.Stop().ok());
  s = d.Snapshot();
  // No window of the pump went unscored across the swaps, and every one was decided in time.
  const AssetStats& pump = s.agent.assets["pump-1"];
  EXPECT_EQ(pump.windows_rejected, 0u);
  EXPECT_EQ(pump.windows_score_errors, 0u);
  EXPECT_GT(pump.model_swaps, 0u);
  EXPECT_GT(s.inference_uptime, 0.99);
  EXPECT_EQ(s.outbox_pending, 0) << "Stop drains the outbox while the hub answers";

  // What the hub got: every batch once (seq 1..N), windows of both assets, the alert with its
  // evidence, heartbeats, and paired shadow statistics from before the swap.
  const auto payloads = hub.payloads("gw-it");
  ASSERT_FALSE(payloads.empty());
  EXPECT_EQ(payloads.begin()->first, 1);
  EXPECT_EQ(payloads.rbegin()->first, static_cast<int64_t>(payloads.size()));
  std::map<std::string, int> types;
  bool alert_seen = false, shadow_seen = false;
  std::vector<std::string> pump_window_ends;  // fixed-width RFC 3339: compare like times
  std::string alert_opened;
  for (const nlohmann::json& r : HubRecords(hub, "gw-it")) {
    if (r["type"] == "window" && r["asset"] == "pump-1") pump_window_ends.push_back(r["end"]);
    ++types[r["type"].get<std::string>()];
    if (r["type"] == "alert" && r["event"] == "opened") {
      alert_seen = true;
      EXPECT_EQ(r["asset"], "pump-1");
      EXPECT_FALSE(r["evidence"].empty());
      EXPECT_EQ(r["detector"], v1_version);
      alert_opened = r["opened"];
    }
    if (r["type"] == "shadow_stats") {
      shadow_seen = true;
      EXPECT_GT(r["stats"]["n"].get<int64_t>(), 0) << r.dump();
    }
  }
  EXPECT_TRUE(alert_seen);
  // The fault starts 60 s into the simulation: an alert before it would be a false alarm.
  const auto windows_before_alert =
      std::count_if(pump_window_ends.begin(), pump_window_ends.end(),
                    [&](const std::string& end) { return end <= alert_opened; });
  EXPECT_GE(windows_before_alert, 60) << "alert at " << alert_opened;
  std::printf("pump alert after %ld s of simulation (fault onset at 60 s)\n",
              static_cast<long>(windows_before_alert));
  EXPECT_TRUE(shadow_seen);
  EXPECT_GT(types["window"], 100);
  EXPECT_GE(types["heartbeat"], 2);
}

TEST_F(EdgeDaemonTest, RefusesAModelWhoseChecksumDoesNotMatchTheConfig) {
  std::string text = Config(1);
  const std::string needle = "production = \"" + v1_path_ + "\"";
  text.replace(text.find(needle), needle.size(),
               needle + "\nproduction_sha256 = \"" + std::string(64, 'a') + "\"");
  auto config = ParseEdgeConfig(text, "edge.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  SystemClock clock;
  auto daemon = EdgeDaemon::Create(*config, clock);
  ASSERT_FALSE(daemon.ok());
  EXPECT_NE(daemon.status().message().find("pumps"), std::string::npos)
      << daemon.status().ToString();
  EXPECT_NE(daemon.status().message().find("sha256"), std::string::npos)
      << daemon.status().ToString();
}

}  // namespace
}  // namespace edgeloop::edge
