#include "fleet/slo.h"

#include <gtest/gtest.h>

namespace edgeloop::fleet {
namespace {

store::HeartbeatSummary Summary(std::string node, int64_t heartbeats, double mean) {
  store::HeartbeatSummary s;
  s.node = std::move(node);
  s.heartbeats = heartbeats;
  s.mean_inference_uptime = mean;
  s.min_inference_uptime = mean;
  return s;
}

TEST(InferenceUptimeSloTest, MetWhenAtOrAboveTarget) {
  const auto slos = InferenceUptimeSlos(
      {Summary("gw-c", 0, 0.9), Summary("gw-a", 360, 0.995), Summary("gw-b", 360, 0.99)});
  ASSERT_EQ(slos.size(), 3u);
  EXPECT_EQ(slos[0].node, "gw-a");
  EXPECT_TRUE(slos[0].met);
  EXPECT_DOUBLE_EQ(slos[0].uptime, 0.995);
  EXPECT_EQ(slos[0].heartbeats, 360);
  EXPECT_DOUBLE_EQ(slos[0].target, 0.995);
  EXPECT_EQ(slos[1].node, "gw-b");
  EXPECT_FALSE(slos[1].met);
  // No heartbeat: nothing proves the node scored anything.
  EXPECT_EQ(slos[2].node, "gw-c");
  EXPECT_FALSE(slos[2].met);
  EXPECT_EQ(slos[2].uptime, 0.0);
  const auto loose = InferenceUptimeSlos({Summary("gw-b", 10, 0.99)}, 0.98);
  EXPECT_TRUE(loose[0].met);
  EXPECT_DOUBLE_EQ(loose[0].target, 0.98);
}

store::Alert Opened(store::TimeMs opened, std::optional<store::TimeMs> acked,
                    store::AlertState state = store::AlertState::kOpen) {
  store::Alert a;
  a.opened = opened;
  a.acknowledged = acked;
  a.state = acked ? store::AlertState::kAcknowledged : state;
  return a;
}

TEST(AlertAckLatencyTest, NearestRankPercentilesAndOverdueOpenAlerts) {
  const store::TimeMs now = 10'000'000;
  std::vector<store::Alert> alerts;
  // Acknowledged after 10, 20, ..., 100 s.
  for (int i = 1; i <= 10; ++i) alerts.push_back(Opened(1000 * i, 1000 * i + 10'000 * i));
  alerts.push_back(Opened(now - 7'300'000, std::nullopt));  // open 2 h 1 m 40 s: overdue
  alerts.push_back(Opened(now - 60'000, std::nullopt));     // open 1 min: not yet
  alerts.push_back(Opened(0, std::nullopt, store::AlertState::kResolved));  // closed, not overdue
  const AckLatencySlo slo = AlertAckLatency(alerts, now);
  EXPECT_EQ(slo.alerts, 13);
  EXPECT_EQ(slo.acknowledged, 10);
  EXPECT_DOUBLE_EQ(slo.p50_s, 50.0);  // rank ceil(0.5 * 10) = 5
  EXPECT_DOUBLE_EQ(slo.p90_s, 90.0);  // rank 9
  EXPECT_DOUBLE_EQ(slo.max_s, 100.0);
  EXPECT_EQ(slo.open_over_target, 1);
  EXPECT_DOUBLE_EQ(slo.target_s, 7200.0);

  const AckLatencySlo tight = AlertAckLatency(alerts, now, 30.0);
  EXPECT_EQ(tight.open_over_target, 2);
}

TEST(AlertAckLatencyTest, SmallAndEmptySets) {
  const AckLatencySlo none = AlertAckLatency({}, 0);
  EXPECT_EQ(none.alerts, 0);
  EXPECT_EQ(none.acknowledged, 0);
  EXPECT_EQ(none.p50_s, 0.0);
  EXPECT_EQ(none.max_s, 0.0);
  // Three values: p50 is rank 2, p90 rank 3.
  const AckLatencySlo three =
      AlertAckLatency({Opened(0, 3000), Opened(0, 1000), Opened(0, 2000)}, 5000);
  EXPECT_DOUBLE_EQ(three.p50_s, 2.0);
  EXPECT_DOUBLE_EQ(three.p90_s, 3.0);
  // An acknowledgement stamped before the opening (clock skew) counts as instant.
  const AckLatencySlo skew = AlertAckLatency({Opened(5000, 4000)}, 6000);
  EXPECT_EQ(skew.max_s, 0.0);
}

}  // namespace
}  // namespace edgeloop::fleet
