#include "edge/uplink_batcher.h"

#include <gtest/gtest.h>

#include <cmath>

namespace edgeloop::edge {
namespace {

using std::chrono::seconds;

TEST(UplinkBatcherTest, CutsABatchAtMaxRecordsOrWhenTheOldestWaitedMaxDelay) {
  auto outbox = uplink::Outbox::Open({.path = ":memory:"});
  ASSERT_TRUE(outbox.ok());
  SimulatedClock clock(FromNanos(1767592800'000'000'000));
  UplinkBatcher batcher(**outbox, clock,
                        {.node_id = "gw", .max_records = 3, .max_delay = seconds(2)});
  for (int i = 0; i < 3; ++i) batcher.Add({{"type", "window"}, {"i", i}});
  auto pending = (*outbox)->Pending(10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u) << "three records make a full batch";
  const nlohmann::json batch = nlohmann::json::parse((*pending)[0].payload);
  EXPECT_EQ(batch["v"], kBatchFormatVersion);
  EXPECT_EQ(batch["node"], "gw");
  ASSERT_EQ(batch["records"].size(), 3u);
  EXPECT_EQ(batch["records"][2]["i"], 2);

  batcher.Add({{"type", "heartbeat"}});
  ASSERT_TRUE(batcher.FlushIfDue().ok());
  EXPECT_EQ((*outbox)->Pending(10)->size(), 1u) << "not due yet";
  clock.Advance(seconds(2));
  ASSERT_TRUE(batcher.FlushIfDue().ok());
  EXPECT_EQ((*outbox)->Pending(10)->size(), 2u);
  ASSERT_TRUE(batcher.Flush().ok());
  EXPECT_EQ((*outbox)->Pending(10)->size(), 2u) << "nothing waiting, no empty batch";
  EXPECT_EQ(batcher.stats().records, 4u);
  EXPECT_EQ(batcher.stats().batches, 2u);
  EXPECT_EQ(batcher.stats().append_errors, 0u);
}

TEST(UplinkBatcherTest, RecordEncodingsWriteNullForNonFiniteNumbers) {
  store::WindowRecord w;
  w.asset = "pump-1";
  w.status = store::WindowStatus::kScored;
  w.score = 1.5;
  w.features = {{"rms_g", 0.25}, {"temp_c", std::nan("")}};
  const nlohmann::json j = WindowRecordJson(w);
  EXPECT_EQ(j["type"], "window");
  EXPECT_EQ(j["status"], "scored");
  EXPECT_EQ(j["score"], 1.5);
  EXPECT_EQ(j["features"]["rms_g"], 0.25);
  EXPECT_TRUE(j["features"]["temp_c"].is_null());
}

}  // namespace
}  // namespace edgeloop::edge
