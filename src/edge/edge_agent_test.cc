#include "edge/edge_agent.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <set>

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

namespace edgeloop::edge {
namespace {

// Sharding must not change results: the same plant through 1 and 3 workers gives the same
// windows and alerts per asset, and ForEachPipeline reaches every pipeline on its own worker.
TEST(EdgeAgentTest, ShardedWorkersGiveTheSameResultsAsOne) {
  const fs::path dir = fs::path(::testing::TempDir()) / "edge_agent_sharded";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::vector<sim::MachineSpec> specs(4);
  for (size_t i = 0; i < specs.size(); ++i) {
    specs[i].asset = {"asset-" + std::to_string(i), "pump", 1500.0 + 300 * i, Bearing6205()};
  }
  specs[2].fault = sim::BearingFault{kT0 + seconds(10), seconds(5), 2.0};
  const SimulatedClock clock(kT0 + std::chrono::hours(1));

  std::map<int, EdgeAgentSnapshot> results;
  for (int workers : {1, 3}) {
    EdgeAgentConfig config;
    config.node_id = "gw";
    for (const auto& s : specs) config.assets.push_back(s.asset);
    config.pipeline.detector.warmup_windows = 6;
    config.store_path = (dir / ("w" + std::to_string(workers) + ".db")).string();
    config.workers = workers;
    config.queue_capacity = 2;
    config.clock = &clock;
    std::atomic<int> outputs{0};
    config.on_output = [&](AssetPipeline&, const PipelineOutput&) { ++outputs; };
    auto agent = EdgeAgent::Create(config);
    ASSERT_TRUE(agent.ok()) << agent.status().ToString();
    (*agent)->Start();
    std::vector<sim::MachineSimulator> machines;
    for (size_t i = 0; i < specs.size(); ++i) machines.emplace_back(specs[i], 10 + i, kT0);
    while (machines[0].Now() < kT0 + seconds(25)) {
      std::vector<SampleBatch> group;
      for (auto& m : machines) m.Step(std::chrono::milliseconds(500), group);
      ASSERT_TRUE((*agent)->Submit(std::move(group)));
    }
    std::mutex mu;
    std::set<std::string> visited;
    ASSERT_TRUE((*agent)->ForEachPipeline([&](AssetPipeline& p) {
      std::lock_guard lock(mu);
      visited.insert(p.asset().id);
    }));
    EXPECT_EQ(visited.size(), specs.size());
    ASSERT_TRUE((*agent)->Stop().ok());
    EXPECT_GT(outputs.load(), 0);
    results[workers] = (*agent)->Snapshot();
    EXPECT_GT(results[workers].latency.count, 0u);
    EXPECT_GE(results[workers].latency.p99_ms, results[workers].latency.p50_ms);
  }
  for (const auto& s : specs) {
    const AssetStats& one = results[1].assets[s.asset.id];
    const AssetStats& three = results[3].assets[s.asset.id];
    EXPECT_EQ(one.windows_scored, three.windows_scored) << s.asset.id;
    EXPECT_EQ(one.windows_learning, three.windows_learning) << s.asset.id;
    EXPECT_EQ(one.alerts_opened, three.alerts_opened) << s.asset.id;
    EXPECT_DOUBLE_EQ(one.last_score, three.last_score) << s.asset.id;
  }
  EXPECT_EQ(results[1].assets["asset-2"].alerts_opened, 1u);
}

TEST(EdgeAgentTest, RefusesAnInvalidWorkerCount) {
  EdgeAgentConfig config;
  config.node_id = "gw";
  config.store_path = ":memory:";
  config.workers = 0;
  auto agent = EdgeAgent::Create(config);
  ASSERT_FALSE(agent.ok());
  EXPECT_NE(agent.status().message().find("workers"), std::string::npos);
}

}  // namespace
}  // namespace edgeloop::edge
