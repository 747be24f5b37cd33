#include "edge/shadow_stats.h"

#include <gtest/gtest.h>

#include <cmath>

namespace edgeloop::edge {
namespace {

TEST(ShadowStatsTest, EmptyStatsAreUndefinedNotZero) {
  ShadowStats s;
  EXPECT_EQ(s.n(), 0u);
  EXPECT_TRUE(std::isnan(s.agreement()));
  EXPECT_FALSE(s.correlation().has_value());
  const nlohmann::json j = s.ToJson();
  EXPECT_TRUE(j["agreement"].is_null());
  EXPECT_TRUE(j["correlation"].is_null());
  EXPECT_EQ(j["n"], 0);
}

TEST(ShadowStatsTest, KnownPairs) {
  ShadowStats s;
  s.SetModels("prod@1", "cand@2");
  // (raw x, norm x, raw y, norm y); threshold 2 for production, 4 for the shadow.
  const double x[] = {1, 2, 3, 4, 5};
  const double y[] = {2, 4, 5, 4, 5};
  for (int i = 0; i < 5; ++i) s.Add(x[i], x[i] / 2, y[i], y[i] / 4);
  // Alarms (normalized >= 1): production at x >= 2 -> 4 of 5; shadow at y >= 4 -> 4 of 5.
  // Pairs: (F,F) (T,T) (T,T) (T,T) (T,T) -> agreement 1.
  EXPECT_EQ(s.n(), 5u);
  EXPECT_DOUBLE_EQ(s.production_alert_rate(), 0.8);
  EXPECT_DOUBLE_EQ(s.shadow_alert_rate(), 0.8);
  EXPECT_DOUBLE_EQ(s.alert_rate_difference(), 0.0);
  EXPECT_DOUBLE_EQ(s.agreement(), 1.0);
  // Pearson by hand: x̄ = 3, ȳ = 4, Σdxdy = 6, Σdx² = 10, Σdy² = 6.
  double mx = 3, my = 4, sxy = 0, sxx = 0, syy = 0;
  for (int i = 0; i < 5; ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  ASSERT_TRUE(s.correlation().has_value());
  EXPECT_NEAR(*s.correlation(), sxy / std::sqrt(sxx * syy), 1e-12);
  EXPECT_NEAR(*s.correlation(), 6 / std::sqrt(10.0 * 6.0), 1e-12);
  // |x/2 - y/4|: 0, 0, 0.25, 1, 1.25 -> mean 0.5.
  EXPECT_NEAR(s.mean_abs_normalized_difference(), 0.5, 1e-12);

  const nlohmann::json j = s.ToJson();
  EXPECT_EQ(j["production_version"], "prod@1");
  EXPECT_EQ(j["shadow_version"], "cand@2");
  EXPECT_EQ(j["n"], 5);
  EXPECT_NEAR(j["correlation"].get<double>(), *s.correlation(), 1e-15);
}

TEST(ShadowStatsTest, DisagreementAndRateDifference) {
  ShadowStats s;
  s.Add(0.5, 0.5, 3, 1.5);  // shadow alone alarms
  s.Add(0.6, 0.6, 0.1, 0.1);
  s.Add(2, 2, 0.2, 0.2);  // production alone alarms
  s.Add(3, 3, 4, 2);
  EXPECT_DOUBLE_EQ(s.agreement(), 0.5);
  EXPECT_DOUBLE_EQ(s.production_alert_rate(), 0.5);
  EXPECT_DOUBLE_EQ(s.shadow_alert_rate(), 0.5);
  s.Add(0.1, 0.1, 5, 5);
  EXPECT_DOUBLE_EQ(s.alert_rate_difference(), 3.0 / 5 - 2.0 / 5);
}

TEST(ShadowStatsTest, ConstantScoresHaveNoCorrelation) {
  ShadowStats s;
  for (int i = 0; i < 10; ++i) s.Add(0.7, 0.7, 1.0 + i, 0.1 * i);
  EXPECT_FALSE(s.correlation().has_value()) << "production constant: undefined";
  EXPECT_TRUE(s.ToJson()["correlation"].is_null());
  EXPECT_EQ(s.n(), 10u);
  EXPECT_TRUE(std::isfinite(s.agreement()));
}

TEST(ShadowStatsTest, IdenticalModelsCorrelateOneEvenFarFromZero) {
  // Scores around 1e8 with tiny spread: a naive Σxy - n·x̄ȳ loses every digit here.
  ShadowStats s;
  for (int i = 0; i < 1000; ++i) {
    const double v = 1e8 + std::sin(i) * 1e-2;
    s.Add(v, v / 1e8, v, v / 1e8);
  }
  ASSERT_TRUE(s.correlation().has_value());
  EXPECT_NEAR(*s.correlation(), 1.0, 1e-9);
  // Offsets whose ulp stays far below the spread, so the inputs are exactly anti-correlated;
  // Σxy ~ 1e15 here would still swamp the naive formula's Σdxdy ~ 0.05.
  ShadowStats anti;
  for (int i = 0; i < 1000; ++i) {
    const double v = std::sin(i) * 1e-2;
    anti.Add(1e6 + v, 1, 5e5 - v, 1);
  }
  EXPECT_NEAR(*anti.correlation(), -1.0, 1e-9);
}

TEST(ShadowStatsTest, NonFinitePairsAreSkippedAndResetStartsOver) {
  ShadowStats s;
  s.SetModels("a", "b");
  s.Add(1, 1, std::nan(""), 1);
  s.Add(1, 1, 2, 2);
  s.Add(2, 2, 3, 3);
  EXPECT_EQ(s.n(), 2u);
  EXPECT_EQ(s.skipped(), 1u);
  s.SetModels("a", "b");  // same pair: kept
  EXPECT_EQ(s.n(), 2u);
  s.SetModels("a", "c");  // new candidate: a new comparison
  EXPECT_EQ(s.n(), 0u);
  EXPECT_EQ(s.shadow_version(), "c");
  s.Add(1, 1, 2, 2);
  s.Reset();
  EXPECT_EQ(s.n(), 0u);
  EXPECT_FALSE(s.correlation().has_value());
  EXPECT_EQ(s.ToJson()["shadow_version"], "c");
}

}  // namespace
}  // namespace edgeloop::edge
