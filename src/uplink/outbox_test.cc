#include "uplink/outbox.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace edgeloop::uplink {
namespace {

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("outbox_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<Outbox> Open(int64_t budget = int64_t{1} << 20) {
    auto r = Outbox::Open({.path = (dir_ / "outbox.db").string(), .disk_budget_bytes = budget});
    EXPECT_TRUE(r.ok()) << r.status().message();
    return std::move(r).value();
  }
  static std::vector<int64_t> Seqs(Outbox& o) {
    std::vector<int64_t> out;
    const std::vector<OutboxBatch> pending = o.Pending(1000).value();
    for (const auto& b : pending) out.push_back(b.seq);
    return out;
  }
  std::filesystem::path dir_;
};

TEST_F(OutboxTest, AssignsSequenceNumbersAndKeepsOrder) {
  auto o = Open();
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(o->Append("p" + std::to_string(i)).value(), i);
  auto pending = o->Pending(3).value();
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[0].seq, 1);
  EXPECT_EQ(pending[2].payload, "p3");
}

TEST_F(OutboxTest, PayloadsAreBinarySafe) {
  auto o = Open();
  const std::string bytes("a\0b\xff\x01", 5);
  ASSERT_TRUE(o->Append(bytes).ok());
  EXPECT_EQ(o->Pending(1).value().at(0).payload, bytes);
}

TEST_F(OutboxTest, AckSetAndAckThroughRemoveOnlyThoseBatches) {
  auto o = Open();
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(o->Append("x").ok());
  const std::vector<int64_t> some = {2, 5, 99};
  ASSERT_TRUE(o->Ack(some).ok());
  EXPECT_EQ(Seqs(*o), (std::vector<int64_t>{1, 3, 4, 6}));
  ASSERT_TRUE(o->AckThrough(3).ok());
  EXPECT_EQ(Seqs(*o), (std::vector<int64_t>{4, 6}));
}

TEST_F(OutboxTest, ReopenKeepsSequenceEvenWhenEmpty) {
  {
    auto o = Open();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(o->Append("x").ok());
    ASSERT_TRUE(o->AckThrough(3).ok());
  }
  auto o = Open();
  EXPECT_EQ(o->Stats().value().pending, 0);
  EXPECT_EQ(o->Append("y").value(), 4);
}

TEST_F(OutboxTest, BudgetDropsOldestAndCountsPersistently) {
  {
    auto o = Open(100);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(o->Append(std::string(30, 'a' + i)).ok());
    EXPECT_EQ(Seqs(*o), (std::vector<int64_t>{3, 4, 5}));
    EXPECT_EQ(o->Pending(1).value().at(0).payload, std::string(30, 'c'));
  }
  auto o = Open(100);
  const OutboxStats s = o->Stats().value();
  EXPECT_EQ(s.dropped_batches, 2);
  EXPECT_EQ(s.dropped_bytes, 60);
  EXPECT_EQ(s.stored_bytes, 90);
  EXPECT_EQ(s.last_seq, 5);
}

TEST_F(OutboxTest, RefusesBatchLargerThanBudgetWithoutDropping) {
  auto o = Open(100);
  ASSERT_TRUE(o->Append("keep").ok());
  auto r = o->Append(std::string(101, 'x'));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(o->Stats().value().pending, 1);
  EXPECT_EQ(o->Stats().value().dropped_batches, 0);
}

TEST_F(OutboxTest, ParkedBatchesLeaveTheQueueWithTheirReason) {
  auto o = Open();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(o->Append("x").ok());
  ASSERT_TRUE(o->Park(2, "HTTP 400: bad").ok());
  EXPECT_EQ(Seqs(*o), (std::vector<int64_t>{1, 3}));
  auto parked = o->Parked(10).value();
  ASSERT_EQ(parked.size(), 1u);
  EXPECT_EQ(parked[0].seq, 2);
  EXPECT_EQ(parked[0].reason, "HTTP 400: bad");
  ASSERT_TRUE(o->AckThrough(3).ok());  // acks never delete parked batches
  EXPECT_EQ(o->Stats().value().parked, 1);
}

TEST_F(OutboxTest, GarbageFileIsAnErrorNotACrash) {
  std::ofstream(dir_ / "outbox.db") << std::string(4096, 'z');
  auto r = Outbox::Open({.path = (dir_ / "outbox.db").string()});
  EXPECT_FALSE(r.ok());
}

TEST_F(OutboxTest, RejectsNonPositiveBudget) {
  EXPECT_FALSE(Outbox::Open({.path = (dir_ / "o.db").string(), .disk_budget_bytes = 0}).ok());
}

}  // namespace
}  // namespace edgeloop::uplink
