// The simulator and replay sources: pacing, timestamps never in the future, clear errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <mutex>

#include "edge/replay_source.h"
#include "edge/sim_source.h"

namespace edgeloop::edge {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

struct Collected {
  std::mutex mu;
  std::vector<SampleBatch> batches;
  size_t Size() {
    std::lock_guard lock(mu);
    return batches.size();
  }
};

ingest::BatchSink Into(Collected& c) {
  return [&c](std::vector<SampleBatch> group) {
    std::lock_guard lock(c.mu);
    for (SampleBatch& b : group) c.batches.push_back(std::move(b));
    return true;
  };
}

template <typename Pred>
bool WaitFor(Pred pred, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  return pred();
}

TEST(SimSourceTest, CatchesUpFromTheBacklogButNeverStampsTheFuture) {
  SystemClock clock;
  SimSourceOptions o;
  o.assets = {{"pump-1", "pump", 1500, Bearing6205()}};
  o.speed = 50;
  o.backlog = seconds(4);
  auto source = SimSource::Create(o, clock);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  Collected c;
  const Timestamp started = clock.Now();
  ASSERT_TRUE((*source)->Start(Into(c)).ok());
  // 4 s of backlog at 50x takes 80 ms; then it is live.
  ASSERT_TRUE(WaitFor([&] { return c.Size() >= 2 * 45; }, seconds(20)));
  (*source)->Stop();
  std::lock_guard lock(c.mu);
  Timestamp first = c.batches.front().start;
  // The backlog starts 4 s before the source thread read the clock (a little after `started`).
  EXPECT_LT(first, started - seconds(3));
  EXPECT_GE(first, started - seconds(4));
  for (const SampleBatch& b : c.batches) {
    EXPECT_LE(b.TimeOf(b.values.size() - 1), clock.Now()) << "a sample from the future";
  }
  EXPECT_GT((*source)->counters().values, 0u);
}

TEST(SimSourceTest, RefusesBadOptions) {
  SystemClock clock;
  SimSourceOptions o;
  EXPECT_FALSE(SimSource::Create(o, clock).ok()) << "no assets";
  o.assets = {{"pump-1", "pump", 1500, Bearing6205()}};
  o.fault_asset = "other";
  auto bad = SimSource::Create(o, clock);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("other"), std::string::npos);
}

class ReplaySourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / "replay_source_test";
    fs::create_directories(dir_);
    csv_ = (dir_ / "rec.csv").string();
    std::ofstream f(csv_);
    f << "vib\n";
    for (int i = 0; i < 1000; ++i) f << (i % 10) * 0.1 << "\n";
  }
  fs::path dir_;
  std::string csv_;
};

TEST_F(ReplaySourceTest, FastReplayDeliversEverySampleEndingNow) {
  SystemClock clock;
  ReplaySourceOptions o;
  o.path = csv_;
  o.asset = "pump-1";
  o.rate_hz = 1000;
  o.speed = 0;  // as fast as the sink takes it
  auto source = ReplaySource::Create(o, clock);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  Collected c;
  const Timestamp started = clock.Now();
  ASSERT_TRUE((*source)->Start(Into(c)).ok());
  ASSERT_TRUE(WaitFor([&] { return (*source)->finished(); }, seconds(10)));
  (*source)->Stop();
  size_t n = 0;
  for (const SampleBatch& b : c.batches) {
    EXPECT_EQ(b.asset, "pump-1");
    EXPECT_EQ(b.channel, "vib");
    EXPECT_EQ(b.sample_rate_hz, 1000);
    EXPECT_FLOAT_EQ(b.values[0], static_cast<float>((n % 10) * 0.1));
    n += b.values.size();
  }
  EXPECT_EQ(n, 1000u);
  // The recording (1 s) is stamped as the second before the replay started (its thread's start).
  EXPECT_GE(c.batches.front().start, started - seconds(1));
  EXPECT_LT(c.batches.front().start, started);
  const SampleBatch& last = c.batches.back();
  EXPECT_LE(last.TimeOf(last.values.size() - 1), clock.Now());
}

TEST_F(ReplaySourceTest, RealTimeReplayIsPaced) {
  SystemClock clock;
  ReplaySourceOptions o;
  o.path = csv_;
  o.asset = "pump-1";
  o.rate_hz = 1000;
  o.speed = 4;  // 1 s of recording in 250 ms
  auto source = ReplaySource::Create(o, clock);
  ASSERT_TRUE(source.ok());
  Collected c;
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE((*source)->Start(Into(c)).ok());
  ASSERT_TRUE(WaitFor([&] { return (*source)->finished(); }, seconds(10)));
  const auto took = std::chrono::steady_clock::now() - t0;
  (*source)->Stop();
  EXPECT_GE(took, milliseconds(240));
  EXPECT_EQ((*source)->counters().values, 1000u);
}

TEST_F(ReplaySourceTest, ClearErrors) {
  SystemClock clock;
  ReplaySourceOptions o;
  o.path = (dir_ / "missing.csv").string();
  o.asset = "a";
  o.rate_hz = 10;
  auto missing = ReplaySource::Create(o, clock);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("missing.csv"), std::string::npos);

  o.path = csv_;
  o.channel = "nope";
  auto column = ReplaySource::Create(o, clock);
  EXPECT_TRUE(column.ok()) << "a single column is used whatever the channel is called";
  o.channel = "";
  o.rate_hz = 0;
  auto rate = ReplaySource::Create(o, clock);
  ASSERT_FALSE(rate.ok());
  EXPECT_NE(rate.status().message().find("rate"), std::string::npos);
  o.rate_hz = 10;
  o.loop = true;
  o.speed = 0;
  EXPECT_FALSE(ReplaySource::Create(o, clock).ok()) << "loop needs real time";
}

}  // namespace
}  // namespace edgeloop::edge
