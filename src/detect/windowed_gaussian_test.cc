#include "detect/windowed_gaussian.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "detect/detector.h"

namespace edgeloop::detect {
namespace {

Timestamp T(int64_t i) { return FromNanos(i * 300'000'000'000LL); }

double TwoSided(double z) { return std::erf(std::fabs(z) / std::sqrt(2.0)); }

TEST(WindowedGaussianTest, HandComputedScoresOnTinySeries) {
  WindowedGaussianDetector d({.window = 3});
  // 1: nothing to compare with yet.
  EXPECT_EQ(d.Update(T(0), 1), 0.0);
  // 2 against {1}: std 0 is replaced by 1e-6 (as NAB does), z = 1e6.
  EXPECT_DOUBLE_EQ(d.Update(T(1), 2), TwoSided(1e6));
  // 3 against {1, 2}: mean 1.5, population std 0.5, z = 3; erf(3/√2) from tables.
  EXPECT_NEAR(d.Update(T(2), 3), 0.9973002039367398, 1e-12);
  // Window {1, 2, 3}: mean 2, variance (1 + 0 + 1)/3.
  EXPECT_NEAR(d.mean(), 2.0, 1e-12);
  EXPECT_NEAR(d.stddev(), std::sqrt(2.0 / 3.0), 1e-12);
  // 10 against {1, 2, 3}: z = 8/√(2/3) ≈ 9.80, essentially certain.
  EXPECT_NEAR(d.Update(T(3), 10), TwoSided(8.0 / std::sqrt(2.0 / 3.0)), 1e-12);
  // The window slid to {2, 3, 10}: mean 5, variance (9 + 4 + 25)/3 = 38/3.
  EXPECT_NEAR(d.mean(), 5.0, 1e-12);
  EXPECT_NEAR(d.stddev(), std::sqrt(38.0 / 3.0), 1e-12);
  // 5 sits exactly on the mean.
  EXPECT_NEAR(d.Update(T(4), 5), 0.0, 1e-12);
  // Window {3, 10, 5}: mean 6, variance (9 + 16 + 1)/3 = 26/3; 4 is z = 2/√(26/3) = 0.6794 below,
  // erf(0.6794/√2) = 0.503094 (tables).
  EXPECT_NEAR(d.Update(T(5), 4), 0.503094, 1e-6);
  // Window {10, 5, 4}: mean 19/3, deviations (11, −4, −7)/3, variance 186/27 = 62/9; another 4
  // is 7/3 below the mean, z = 7/√62.
  EXPECT_NEAR(d.Update(T(6), 4), TwoSided(7.0 / std::sqrt(62.0)), 1e-12);
}

TEST(WindowedGaussianTest, OneSidedModeIsNabsUpperTailProbability) {
  WindowedGaussianDetector d({.window = 3, .nab_one_sided = true});
  d.Update(T(0), 1);
  d.Update(T(1), 3);  // window {1, 3}: mean 2, std 1
  // 3 is one std above: P(X > 3) = Q(1) = 0.158655...; 4 two above: Q(2) = 0.022750...
  WindowedGaussianDetector up = d;
  WindowedGaussianDetector up2 = d;
  EXPECT_NEAR(up.Update(T(2), 3), 0.15865525393145707, 1e-12);
  EXPECT_NEAR(up2.Update(T(2), 4), 0.022750131948179195, 1e-12);
  // 0 is two std below: P(X > 0) = 1 − Q(2) = 0.977249...
  EXPECT_NEAR(d.Update(T(2), 0), 0.9772498680518208, 1e-12);
}

TEST(WindowedGaussianTest, ConstantSeriesScoresZeroThenFlagsAnyChange) {
  WindowedGaussianDetector d({.window = 50});
  for (int i = 0; i < 500; ++i) EXPECT_EQ(d.Update(T(i), 42.125), 0.0) << i;
  EXPECT_GT(d.Update(T(500), 42.126), 0.999);
}

TEST(WindowedGaussianTest, ConstantAfterLevelShiftStaysQuiet) {
  // Running sums keep a rounding residue after the window turns constant; the detector must
  // still see zero spread and not flag the constant as a 10-sigma event.
  WindowedGaussianDetector d({.window = 64});
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0, 3);
  for (int i = 0; i < 1000; ++i) d.Update(T(i), 1e6 + noise(rng));
  for (int i = 0; i < 64; ++i) d.Update(T(1000 + i), 0.3);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(d.Update(T(2000 + i), 0.3), 0.0);
}

TEST(WindowedGaussianTest, RunningStatisticsMatchExactOnesOnLongOffsetStream) {
  const size_t window = 100;
  WindowedGaussianDetector d({.window = window});
  std::mt19937 rng(11);
  std::normal_distribution<double> noise(0, 0.01);
  std::vector<double> all;
  for (int i = 0; i < 20'050; ++i) {
    const double x = 1e9 + (i > 10'000 ? 5.0 : 0.0) + noise(rng);
    all.push_back(x);
    d.Update(T(i), x);
  }
  double mean = 0;
  for (size_t i = all.size() - window; i < all.size(); ++i) mean += all[i];
  mean /= window;
  double var = 0;
  for (size_t i = all.size() - window; i < all.size(); ++i)
    var += (all[i] - mean) * (all[i] - mean);
  EXPECT_NEAR(d.mean(), mean, 1e-6);
  EXPECT_NEAR(d.stddev(), std::sqrt(var / window), 1e-4);
}

TEST(WindowedGaussianTest, NonFiniteInputScoresZeroAndLeavesStateUntouched) {
  WindowedGaussianDetector with_gaps({.window = 20});
  WindowedGaussianDetector clean({.window = 20});
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(10, 2);
  const double bad[] = {std::numeric_limits<double>::quiet_NaN(),
                        std::numeric_limits<double>::infinity(),
                        -std::numeric_limits<double>::infinity()};
  for (int i = 0; i < 300; ++i) {
    if (i % 7 == 3) {
      EXPECT_EQ(with_gaps.Update(T(i), bad[i % 3]), 0.0);
    }
    const double x = noise(rng);
    EXPECT_EQ(with_gaps.Update(T(i), x), clean.Update(T(i), x)) << i;
  }
}

TEST(WindowedGaussianTest, HugeValuesGiveFiniteScoresAndRecover) {
  WindowedGaussianDetector d({.window = 10});
  const double xs[] = {1,
                       2,
                       1e300,
                       -1e300,
                       std::numeric_limits<double>::max(),
                       -std::numeric_limits<double>::max(),
                       3,
                       1e-300,
                       0};
  for (int rep = 0; rep < 5; ++rep) {
    for (double x : xs) {
      const double s = d.Update(T(rep), x);
      EXPECT_TRUE(std::isfinite(s));
      EXPECT_GE(s, 0.0);
      EXPECT_LE(s, 1.0);
    }
  }
  EXPECT_TRUE(std::isfinite(d.mean()));
  EXPECT_TRUE(std::isfinite(d.stddev()));
  for (int i = 0; i < 20; ++i) d.Update(T(i), 5.0 + (i % 2));
  EXPECT_NEAR(d.mean(), 5.5, 1e-9);
  EXPECT_LT(d.Update(T(30), 5.5), 0.01);
}

TEST(WindowedGaussianTest, Deterministic) {
  std::mt19937 rng(5);
  std::normal_distribution<double> noise(0, 1);
  std::vector<double> xs(3000);
  for (double& x : xs) x = noise(rng);
  WindowedGaussianDetector a, b;
  for (size_t i = 0; i < xs.size(); ++i) {
    ASSERT_EQ(a.Update(T(i), xs[i]), b.Update(T(i), xs[i]));
  }
}

// NAB's normaliser reads the detector name from result file names up to the first '_', so a
// streaming detector (whose results NAB's own tools may read) must not have one in its name.
TEST(DetectorRegistryTest, StreamingNamesAreNabSafeAndConstructible) {
  int streaming = 0;
  for (const auto& d : ListDetectors()) {
    if (d.multivariate) continue;
    ++streaming;
    EXPECT_EQ(d.name.find('_'), std::string::npos) << d.name;
    EXPECT_TRUE(MakeStreamingDetector(d.name, StreamInfo{100, 0, 1}).ok()) << d.name;
  }
  EXPECT_GE(streaming, 2);
  auto unknown = MakeStreamingDetector("nosuch", StreamInfo{});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("windowedGaussian"), std::string::npos);
}

}  // namespace
}  // namespace edgeloop::detect
