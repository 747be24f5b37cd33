#include "edge/edge_agent.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "sim/machine_simulator.h"

namespace edgeloop::edge {
namespace {

using std::chrono::seconds;
namespace fs = std::filesystem;
const Timestamp kT0 = FromNanos(1767592800'000'000'000);

TEST(EdgeAgentTest, ProcessesSubmittedBatchesAndPersistsWindowsAndAlerts) {
  const fs::path dir = fs::path(::testing::TempDir()) / "edge_agent_test";
  fs::remove_all(dir);
  fs::create_directories(dir);

  sim::MachineSpec healthy, faulty;
  healthy.asset = {"fan-1", "fan", 990, Bearing6205()};
  faulty.asset = {"pump-2", "pump", 2970, Bearing6205()};
  faulty.fault = sim::BearingFault{kT0 + seconds(15), seconds(10), 2.0};

  EdgeAgentConfig config;
  config.node_id = "gw-test";
  config.assets = {healthy.asset, faulty.asset};
  config.pipeline.detector.warmup_windows = 8;
  config.store_path = (dir / "gw-test.db").string();
  config.queue_capacity = 2;  // small, to exercise backpressure
  // The clock the quality gates check sample times against: past every simulated sample.
  const SimulatedClock clock(kT0 + std::chrono::hours(1));
  config.clock = &clock;
  auto agent = EdgeAgent::Create(config);
  ASSERT_TRUE(agent.ok()) << agent.status().ToString();
  (*agent)->Start();

  sim::MachineSimulator m1(healthy, 1, kT0), m2(faulty, 2, kT0);
  while (m1.Now() < kT0 + seconds(30)) {
    std::vector<SampleBatch> group;
    m1.Step(std::chrono::milliseconds(500), group);
    m2.Step(std::chrono::milliseconds(500), group);
    ASSERT_TRUE((*agent)->Submit(std::move(group)));
  }
  SampleBatch stray;
  stray.asset = "unknown-asset";
  stray.sample_rate_hz = 1;
  stray.values = {1};
  ASSERT_TRUE((*agent)->Submit({stray}));
  ASSERT_TRUE((*agent)->Stop().ok());
  EXPECT_FALSE((*agent)->Submit({})) << "no submissions after Stop";

  EdgeAgentSnapshot snap = (*agent)->Snapshot();
  EXPECT_EQ(snap.batches_refused, 1u);
  EXPECT_EQ(snap.assets["fan-1"].alerts_opened, 0u);
  EXPECT_EQ(snap.assets["pump-2"].alerts_opened, 1u);

  auto store = store::EdgeStore::Open(config.store_path, "gw-test");
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(store->CountWindows("fan-1").value(), 30);
  EXPECT_EQ(store->CountWindows("pump-2", store::WindowStatus::kLearning).value(), 8);
  auto alerts = store->Alerts();
  ASSERT_TRUE(alerts.ok());
  ASSERT_EQ(alerts->size(), 1u);
  EXPECT_EQ((*alerts)[0].asset, "pump-2");
  EXPECT_GT((*alerts)[0].opened, kT0 + seconds(15));
}

TEST(EdgeAgentTest, CreateFailsClearlyOnBadStorePathOrDuplicateAssets) {
  EdgeAgentConfig config;
  config.node_id = "gw";
  config.assets = {{"a", "pump", 1500, Bearing6205()}};
  config.store_path = "/nonexistent-dir/x/gw.db";
  auto agent = EdgeAgent::Create(config);
  ASSERT_FALSE(agent.ok());
  EXPECT_NE(agent.status().message().find("/nonexistent-dir/x/gw.db"), std::string::npos);

  config.assets.push_back(config.assets[0]);
  auto dup = EdgeAgent::Create(config);
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("twice"), std::string::npos);
}

}  // namespace
}  // namespace edgeloop::edge
