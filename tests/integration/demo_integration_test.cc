// The walking skeleton end to end: simulated plant -> gateways -> SQLite, checked against the
// simulator's ground truth, for several seeds; and the same through the edgeloop binary.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "cli_runner.h"
#include "demo/demo_runner.h"
#include "demo/plant_config.h"
#include "store/edge_store.h"

namespace edgeloop::demo {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

using edgeloop::testing::FreshDir;

class DemoSeedTest : public ::testing::TestWithParam<uint64_t> {};

TEST_P(DemoSeedTest, FaultyAssetAlertsAfterOnsetAndNoHealthyAssetAlerts) {
  const uint64_t seed = GetParam();
  auto plant = ParsePlantConfig(DefaultPlantToml(), "<built-in>");
  ASSERT_TRUE(plant.ok()) << plant.status().ToString();
  DemoOptions options;
  options.duration = seconds(60);
  options.speed = 0;  // simulated time as fast as the gateways go
  options.seed = seed;
  options.data_dir = FreshDir("seed" + std::to_string(seed)).string();
  options.hub_listen = "127.0.0.1:0";
  int progress_calls = 0;
  auto summary = RunDemo(*plant, options, [&](const DemoProgress&) { ++progress_calls; });
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_GT(progress_calls, 10);
  EXPECT_EQ(summary->simulated, seconds(60));
  ASSERT_EQ(summary->assets.size(), 7u);

  const AssetOutcome* faulty = summary->Faulty();
  ASSERT_NE(faulty, nullptr);
  ASSERT_TRUE(faulty->stats.first_alert.has_value())
      << "seed " << seed << ": " << faulty->asset << " was never alerted";
  EXPECT_GE(*faulty->stats.first_alert, *faulty->fault_onset) << "alert before the fault began";
  EXPECT_EQ(faulty->stats.diagnosis, faulty->fault_kind)
      << "seed " << seed << ": the alert's waveform diagnosis names the simulated fault";
  for (const AssetOutcome& a : summary->assets) {
    if (a.fault_onset) continue;
    EXPECT_EQ(a.stats.alerts_opened, 0u) << "seed " << seed << ": false alert on " << a.asset;
    EXPECT_EQ(a.stats.samples, 60u * 25600u + 60u);
  }
  EXPECT_TRUE(summary->DetectedCleanly());

  // What the gateways persisted agrees with what they reported.
  int64_t windows = 0, quarantined = 0;
  std::vector<store::AlertRecord> alerts;
  for (const std::string& path : summary->store_paths) {
    auto store = store::EdgeStore::Open(path, "reader");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    windows += store->CountWindows().value();
    quarantined += store->CountQuarantinedSamples().value();
    auto a = store->Alerts();
    ASSERT_TRUE(a.ok());
    alerts.insert(alerts.end(), a->begin(), a->end());
  }
  EXPECT_EQ(windows, 7 * 60);
  // Everything the gateways stored reached the hub over HTTP, once.
  EXPECT_EQ(summary->hub.undelivered_batches, 0);
  ASSERT_EQ(summary->hub.nodes.size(), 3u);
  int64_t hub_windows = 0;
  for (const HubNodeSummary& n : summary->hub.nodes) {
    hub_windows += n.windows;
    EXPECT_GT(n.batches, 0) << n.node;
  }
  EXPECT_EQ(hub_windows, 7 * 60);
  EXPECT_EQ(summary->hub.alerts.size(), alerts.size());
  for (const HubAlertSummary& a : summary->hub.alerts) EXPECT_EQ(a.asset, faulty->asset);
  EXPECT_EQ(quarantined, 50 + 1 + 3) << "the injected sensor glitches are quarantined";
  ASSERT_GE(alerts.size(), 1u);
  for (const auto& a : alerts) {
    EXPECT_EQ(a.asset, faulty->asset);
    EXPECT_EQ(a.diagnosis.rfind(faulty->fault_kind + " (", 0), 0u) << a.diagnosis;
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, DemoSeedTest, ::testing::Values(1, 2, 3));

using edgeloop::testing::RunEdgeloop;

TEST(DemoCliTest, HeadlessSixtySecondRunExitsZeroWithSummary) {
  const fs::path dir = FreshDir("cli");
  auto [code, out] = RunEdgeloop(
      "demo --headless --duration 60s --hub-listen 127.0.0.1:0 --data-dir " + dir.string());
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("[100%]"), std::string::npos) << out;
  EXPECT_NE(out.find(" fault detected "), std::string::npos) << out;
  EXPECT_NE(out.find("0 false alert(s)"), std::string::npos) << out;
  EXPECT_TRUE(fs::exists(dir / "gw-line1.db"));
  EXPECT_TRUE(fs::exists(dir / "gw-line2.db"));
  EXPECT_TRUE(fs::exists(dir / "hub.db"));
  EXPECT_TRUE(fs::exists(dir / "admin.token"));
  EXPECT_NE(out.find("hub: http://127.0.0.1:"), std::string::npos) << out;
  EXPECT_NE(out.find("420 feature-window rows ingested in"), std::string::npos) << out;
  for (const char* node : {"gw-line1", "gw-line2", "gw-utility"}) {
    EXPECT_NE(out.find(std::string("  ") + node), std::string::npos) << node << "\n" << out;
  }
}

TEST(DemoCliTest, BadArgumentsAndConfigsAreClearErrors) {
  auto [code1, out1] = RunEdgeloop("demo --headless --duration 60");
  EXPECT_EQ(code1, 2);
  EXPECT_NE(out1.find("needs a unit"), std::string::npos) << out1;

  auto [code2, out2] =
      RunEdgeloop("demo --headless --duration 10s --data-dir " + FreshDir("short").string());
  EXPECT_EQ(code2, 1);
  EXPECT_NE(out2.find("too short"), std::string::npos) << out2;

  const fs::path dir = FreshDir("badcfg");
  fs::create_directories(dir);
  const std::string cfg = (dir / "plant.toml").string();
  FILE* f = std::fopen(cfg.c_str(), "w");
  std::fputs("[signals]\nvibration_rate_hz = \"fast\"\n", f);
  std::fclose(f);
  auto [code3, out3] = RunEdgeloop("demo --headless --config " + cfg);
  EXPECT_EQ(code3, 2);
  EXPECT_NE(out3.find("plant.toml:2:21: 'signals.vibration_rate_hz' must be a number"),
            std::string::npos)
      << out3;

  auto [code4, out4] = RunEdgeloop("demo --speed -3");
  EXPECT_EQ(code4, 2);
  auto [code5, out5] = RunEdgeloop("frobnicate");
  EXPECT_NE(code5, 0);
}

TEST(DemoCliTest, PrintConfigRoundTripsThroughConfig) {
  const fs::path dir = FreshDir("roundtrip");
  fs::create_directories(dir);
  auto [code, toml] = RunEdgeloop("demo --print-config");
  ASSERT_EQ(code, 0);
  auto plant = ParsePlantConfig(toml, "printed");
  EXPECT_TRUE(plant.ok()) << plant.status().ToString();
  auto [vcode, version] = RunEdgeloop("version");
  EXPECT_EQ(vcode, 0);
  EXPECT_NE(version.find("edgeloop 0.1.0"), std::string::npos);
}

}  // namespace
}  // namespace edgeloop::demo
