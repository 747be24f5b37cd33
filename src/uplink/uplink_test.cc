#include "uplink/uplink.h"

#include <gtest/gtest.h>

#include "uplink/test_hub.h"

namespace edgeloop::uplink {
namespace {

using std::chrono::milliseconds;

class UplinkTest : public ::testing::Test {
 protected:
  UplinkTest() : clock_(FromNanos(0)) {
    outbox_ = std::move(Outbox::Open({.path = ":memory:"})).value();
  }
  std::unique_ptr<Uplink> Make(int port, std::string token = "secret", uint64_t seed = 7) {
    return std::make_unique<Uplink>(
        *outbox_, MakeHttpTransport("127.0.0.1", port, milliseconds(2000)), clock_,
        UplinkOptions{.node_id = "gw-1",
                      .token = std::move(token),
                      .max_batches_per_request = 3,
                      .initial_backoff = milliseconds(100),
                      .max_backoff = milliseconds(1000),
                      .idle_poll = milliseconds(500),
                      .seed = seed});
  }
  SimulatedClock clock_;
  std::unique_ptr<Outbox> outbox_;
};

TEST_F(UplinkTest, DeliversInOrderAndAcks) {
  TestHub hub("secret");
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(outbox_->Append("b" + std::to_string(i)).ok());
  auto up = Make(hub.port());
  EXPECT_EQ(up->Step().value(), Duration::zero());   // 1..3, more pending
  EXPECT_EQ(up->Step().value(), Duration::zero());   // 4..5
  EXPECT_EQ(up->Step().value(), milliseconds(500));  // empty: idle poll
  EXPECT_EQ(hub.distinct("gw-1"), 5);
  EXPECT_EQ(hub.payload("gw-1", 4), "b4");
  EXPECT_EQ(hub.requests(), 2);
  EXPECT_EQ(outbox_->Stats().value().pending, 0);
  EXPECT_EQ(up->stats().acked, 5);
}

TEST_F(UplinkTest, RetriesTransientFailuresWithCappedJitteredBackoff) {
  TestHub hub("secret");
  ASSERT_TRUE(outbox_->Append("x").ok());
  hub.FailNext(6, 503);
  auto up = Make(hub.port());
  std::vector<Duration> waits;
  for (int i = 0; i < 6; ++i) waits.push_back(up->Step().value());
  for (size_t i = 0; i < waits.size(); ++i) {
    const Duration cap = std::min<Duration>(milliseconds(100) * (1 << i), milliseconds(1000));
    EXPECT_GE(waits[i], Duration::zero());
    EXPECT_LE(waits[i], cap) << "attempt " << i;
  }
  EXPECT_EQ(outbox_->Stats().value().pending, 1);  // nothing lost while the hub fails
  EXPECT_EQ(up->Step().value(), Duration::zero());
  EXPECT_EQ(hub.distinct("gw-1"), 1);
  EXPECT_EQ(up->stats().transient_failures, 6);
  EXPECT_EQ(up->stats().consecutive_failures, 0);
}

TEST_F(UplinkTest, SameSeedSameJitter) {
  auto a = Make(1, "secret", 42);  // port 1: nothing listens, every attempt fails
  ASSERT_TRUE(outbox_->Append("x").ok());
  auto b = Make(1, "secret", 42);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(a->Step().value(), b->Step().value());
}

TEST_F(UplinkTest, HubDownKeepsBatchesAndReportsError) {
  int port = 0;
  { port = TestHub("secret").port(); }  // now closed
  ASSERT_TRUE(outbox_->Append("x").ok());
  auto up = Make(port);
  EXPECT_LE(up->Step().value(), milliseconds(100));
  EXPECT_EQ(outbox_->Stats().value().pending, 1);
  EXPECT_FALSE(up->stats().last_error.empty());
}

TEST_F(UplinkTest, TooManyRequestsIsRetriedNotParked) {
  TestHub hub("secret");
  ASSERT_TRUE(outbox_->Append("x").ok());
  hub.FailNext(1, 429);
  auto up = Make(hub.port());
  EXPECT_TRUE(up->Step().ok());
  EXPECT_EQ(outbox_->Stats().value().parked, 0);
  EXPECT_EQ(up->Step().value(), Duration::zero());
  EXPECT_EQ(hub.distinct("gw-1"), 1);
}

TEST_F(UplinkTest, PermanentClientErrorParksWithReason) {
  TestHub hub("secret");
  ASSERT_TRUE(outbox_->Append("x").ok());
  auto up = Make(hub.port(), "wrong-token");
  EXPECT_EQ(up->Step().value(), Duration::zero());
  EXPECT_EQ(up->Step().value(), milliseconds(500));  // nothing left to send: no retry loop
  auto parked = outbox_->Parked(10).value();
  ASSERT_EQ(parked.size(), 1u);
  EXPECT_NE(parked[0].reason.find("HTTP 401"), std::string::npos);
  EXPECT_EQ(up->stats().parked, 1);
  EXPECT_EQ(hub.requests(), 1);
}

TEST_F(UplinkTest, ConflictMeansAlreadyStored) {
  TestHub hub("secret");
  hub.set_conflict_on_duplicates(true);
  ASSERT_TRUE(outbox_->Append("x").ok());
  ASSERT_TRUE(Make(hub.port())->Step().ok());
  // A second outbox of the same node replays seq 1 (e.g. restored from a backup).
  auto other = std::move(Outbox::Open({.path = ":memory:"})).value();
  ASSERT_TRUE(other->Append("x").ok());
  Uplink up(*other, MakeHttpTransport("127.0.0.1", hub.port(), milliseconds(2000)), clock_,
            {.node_id = "gw-1", .token = "secret"});
  EXPECT_EQ(up.Step().value(), Duration::zero());
  EXPECT_EQ(up.stats().duplicate_answers, 1);
  EXPECT_EQ(other->Stats().value().pending, 0);
  EXPECT_EQ(hub.duplicates(), 1);
  EXPECT_EQ(hub.distinct("gw-1"), 1);
}

TEST_F(UplinkTest, ReportsBudgetDropsToTheHub) {
  TestHub hub("secret");
  outbox_ = std::move(Outbox::Open({.path = ":memory:", .disk_budget_bytes = 10})).value();
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(outbox_->Append("12345").ok());
  ASSERT_TRUE(Make(hub.port())->Step().ok());
  EXPECT_EQ(hub.last_dropped_report("gw-1"), 2);
  EXPECT_EQ(hub.distinct("gw-1"), 2);
  EXPECT_EQ(hub.payload("gw-1", 1), std::nullopt);
}

// Fake transport for answers the TestHub does not give.
class CannedTransport final : public Transport {
 public:
  explicit CannedTransport(HttpResponse r) : r_(std::move(r)) {}
  Result<HttpResponse> Post(const std::string&,
                            const std::vector<std::pair<std::string, std::string>>&,
                            const std::string&, const std::string&) override {
    return r_;
  }

 private:
  HttpResponse r_;
};

TEST_F(UplinkTest, AckedThroughRemovesEverythingUpToIt) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(outbox_->Append("x").ok());
  Uplink up(*outbox_,
            std::make_unique<CannedTransport>(HttpResponse{200, R"({"acked_through":2})"}), clock_,
            {.node_id = "gw-1", .token = "t"});
  ASSERT_TRUE(up.Step().ok());
  auto pending = outbox_->Pending(10).value();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].seq, 3);
}

TEST_F(UplinkTest, GarbageAnswerIsRetriedAndAcksNothing) {
  ASSERT_TRUE(outbox_->Append("x").ok());
  for (const char* body : {"not json", R"({"acked":"1"})", R"({"acked":[1.5]})", "[1]"}) {
    Uplink up(*outbox_, std::make_unique<CannedTransport>(HttpResponse{200, body}), clock_,
              {.node_id = "gw-1", .token = "t"});
    ASSERT_TRUE(up.Step().ok());
    EXPECT_EQ(up.stats().transient_failures, 1) << body;
    EXPECT_EQ(outbox_->Stats().value().pending, 1) << body;
  }
}

TEST_F(UplinkTest, RetryAfterIsObeyedWithinMaxBackoff) {
  ASSERT_TRUE(outbox_->Append("x").ok());
  TestHub hub("secret");
  hub.FailNext(1, 429, 7);
  Uplink up(*outbox_, MakeHttpTransport("127.0.0.1", hub.port(), milliseconds(2000)), clock_,
            {.node_id = "gw-1", .token = "secret", .max_backoff = std::chrono::seconds(60)});
  auto wait = up.Step();
  ASSERT_TRUE(wait.ok());
  EXPECT_GE(*wait, std::chrono::seconds(7)) << "the hub asked for 7 s";
  EXPECT_LT(*wait, std::chrono::seconds(8));
  EXPECT_EQ(outbox_->Stats().value().pending, 1);

  Uplink capped(*outbox_, std::make_unique<CannedTransport>(HttpResponse{503, "", int64_t{3600}}),
                clock_, {.node_id = "gw-1", .token = "t", .max_backoff = std::chrono::seconds(60)});
  auto capped_wait = capped.Step();
  ASSERT_TRUE(capped_wait.ok());
  EXPECT_EQ(*capped_wait, std::chrono::seconds(60)) << "an hour is capped at max_backoff";
}

TEST(UplinkEncodeTest, EnvelopeCarriesNodeSeqAndBase64Payload) {
  const std::string body = Uplink::EncodeRequest("gw-1", 3, {{7, std::string("a\0", 2)}});
  EXPECT_EQ(body,
            R"({"batches":[{"payload":"YQA=","seq":7}],"dropped_batches":3,"node":"gw-1","v":1})");
}

}  // namespace
}  // namespace edgeloop::uplink
