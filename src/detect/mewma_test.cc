#include "detect/mewma.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "detect/multivariate_test_data.h"

namespace edgeloop::detect {
namespace {

using testing::Fault;
using testing::kChannels;
using testing::PlantStream;

double AlarmFraction(MewmaDetector& d, const std::vector<double>& rows, size_t cols,
                     size_t skip = 0) {
  const size_t n = rows.size() / cols;
  size_t alarms = 0;
  for (size_t i = 0; i < n; ++i) {
    if (d.Score(Timestamp{}, {rows.data() + i * cols, cols}).alarm && i >= skip) ++alarms;
  }
  return static_cast<double>(alarms) / static_cast<double>(n - skip);
}

// One column, λ = 1 (no smoothing: z = u), 16 rows alternating +1, -1, so everything can be
// followed by hand: mean 0, sample std sd = √(16/15); the warm-up skips ceil(3/λ) = 3 rows, so
// the smoothed fit rows are u_3..u_15: seven -1/sd and six +1/sd.
TEST(MewmaTest, HandComputedStatistics) {
  std::vector<double> rows;
  for (int i = 0; i < 16; ++i) rows.push_back(i % 2 == 0 ? 1.0 : -1.0);
  const double sd = std::sqrt(16.0 / 15.0);
  const double zbar = (6.0 - 7.0) / 13.0 / sd;
  // Sample variance of the 13 values ±1/sd around zbar.
  const double var = (13.0 / (sd * sd) - 13.0 * zbar * zbar) / 12.0;
  ASSERT_GT(var, 1.0);  // above the white-noise floor λ / (2 - λ) = 1
  // Innovations u_i - u_{i-1} = ±2/sd, so their second moment is 4/sd² and every row's
  // normalized square is 1: D stays at 1.
  const double second = 4.0 / (sd * sd);

  for (bool drift : {false, true}) {
    MewmaDetector d({.lambda = 1, .shrinkage = 0, .limit = 6, .drift_allowance = drift});
    ASSERT_TRUE(d.Fit(rows, 1).ok());
    // Tolerances: Σ and E carry a 1e-9 relative ridge.
    EXPECT_NEAR(d.last_dispersion(), 1.0, 1e-8);
    const double w = drift ? 1.0 - 1.0 / var : 0.0;
    ASSERT_EQ(d.drift_share().size(), 1u);
    EXPECT_NEAR(d.drift_share()[0], w, 1e-12);

    // The next row, 3: u = 3/sd, innovation 3/sd - (-1/sd) = 4/sd, so D = 16/sd² / second = 4,
    // exactly the dispersion limit. e = 1 row after a 16-row fit: g = 1 + w (6/16 + 1).
    const MultivariateScore s = d.Score(Timestamp{}, std::vector<double>{3.0});
    const double g = 1.0 + w * (6.0 / 16.0 + 1.0);
    const double dev = (3.0 / sd - zbar) / std::sqrt(g);
    const double stat = dev * dev / var;
    EXPECT_NEAR(d.last_statistic(), stat, 1e-8 * stat);
    EXPECT_NEAR(d.last_dispersion(), (16.0 / (sd * sd)) / second, 1e-8);
    const double r = std::max(stat / 6.0, 4.0 / 4.0);
    EXPECT_NEAR(s.score, r / (1.0 + r), 1e-8);
    EXPECT_EQ(s.alarm, r > 1.0);
    EXPECT_TRUE(s.alarm);  // stat is about 8.8 > 6
  }
}

TEST(MewmaTest, DriftShareSeparatesDriftFromNoise) {
  testing::Gaussian rng(4);
  std::vector<double> rows;
  double walk = 0;
  for (int i = 0; i < 400; ++i) {
    walk += rng.Next();
    rows.push_back(walk);        // a random walk: slow, accumulating
    rows.push_back(rng.Next());  // white noise
  }
  MewmaDetector d;
  ASSERT_TRUE(d.Fit(rows, 2).ok());
  EXPECT_GT(d.drift_share()[0], 0.8);
  EXPECT_LT(d.drift_share()[1], 0.3);
}

// Why the allowance exists: a column drifting steadily through the fit rows keeps drifting
// afterwards. Without the allowance the drift alone soon alarms; with it the chart stays quiet,
// and a real shift of a noisy column is still found.
TEST(MewmaTest, DriftAllowanceKeepsASteadyDriftQuiet) {
  testing::Gaussian rng(8);
  auto make_rows = [&](size_t begin, size_t n, double shift) {
    std::vector<double> rows;
    for (size_t i = begin; i < begin + n; ++i) {
      const double noise = rng.Next();
      rows.push_back(60.0 + 0.01 * static_cast<double>(i) + 0.2 * rng.Next());  // warming
      rows.push_back(30.0 + noise + shift);                                     // noisy flow
      rows.push_back(2.0 + 0.5 * noise + 0.3 * rng.Next());                     // follows flow
    }
    return rows;
  };
  const std::vector<double> fit = make_rows(0, 400, 0);
  const std::vector<double> later = make_rows(400, 800, 0);
  const std::vector<double> shifted = make_rows(1200, 200, 3.0);
  MewmaDetector with, without({.drift_allowance = false});
  ASSERT_TRUE(with.Fit(fit, 3).ok());
  ASSERT_TRUE(without.Fit(fit, 3).ok());
  EXPECT_GT(with.drift_share()[0], 0.8);
  EXPECT_LT(with.drift_share()[1], 0.3);
  const double plain = AlarmFraction(without, later, 3), allowed = AlarmFraction(with, later, 3);
  const double found = AlarmFraction(with, shifted, 3, 30);
  std::printf("steady drift: alarms %.3f without the allowance, %.3f with; shift found %.3f\n",
              plain, allowed, found);
  EXPECT_GT(plain, 0.5);
  EXPECT_LT(allowed, 0.02);
  EXPECT_GT(found, 0.95);
}

// The price, measured: on a stationary but slow process (AR(1) factors with a 10-row memory)
// the allowance discounts the slow columns like drifting ones, so a 3-sd shift of such a column
// that the plain chart finds is missed once the fit is old (here 1500 rows after a 600-row fit).
TEST(MewmaTest, DriftAllowanceCostsSensitivityOnSlowStationaryColumns) {
  const testing::FaultSpec shift{Fault::kShift, 2, 3.0};
  double found[2] = {0, 0};
  for (int allowance = 0; allowance < 2; ++allowance) {
    PlantStream stream(11, /*phi=*/0.9);
    MewmaDetector d({.drift_allowance = allowance == 1});
    ASSERT_TRUE(d.Fit(stream.Rows(600), kChannels).ok());
    EXPECT_LE(AlarmFraction(d, stream.Rows(1500), kChannels), 0.01);
    found[allowance] = AlarmFraction(d, stream.Rows(400, shift), kChannels, 30);
  }
  std::printf("slow stationary columns: 3-sd shift found %.3f without the allowance, %.3f with\n",
              found[0], found[1]);
  EXPECT_GT(found[0], 0.9);
  EXPECT_LT(found[1], 0.5);
}

// Smoothing damps an isolated spike (8 standard deviations on the noisiest column) instead of
// alarming. (The same spike on a column tightly correlated with others is a correlation break
// for that row and may alarm the dispersion chart briefly.)
TEST(MewmaTest, IsolatedSpikeDoesNotAlarm) {
  PlantStream stream(13);
  MewmaDetector d;
  ASSERT_TRUE(d.Fit(stream.Rows(600), kChannels).ok());
  std::vector<double> rows = stream.Rows(100);
  rows[50 * kChannels + 4] += 8 * 0.01 * PlantStream::StdDev(4);  // channel 4's scale is 0.01
  EXPECT_EQ(AlarmFraction(d, rows, kChannels), 0.0);
}

TEST(MewmaTest, AllMissingRowLeavesTheStatisticUnchanged) {
  PlantStream stream(17);
  MewmaDetector d({.drift_allowance = false});
  ASSERT_TRUE(d.Fit(stream.Rows(600), kChannels).ok());
  const std::vector<double> row = stream.Rows(1);
  const MultivariateScore before = d.Score(Timestamp{}, row);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const MultivariateScore missing = d.Score(Timestamp{}, std::vector<double>(kChannels, nan));
  EXPECT_EQ(missing.score, before.score);
  EXPECT_EQ(missing.alarm, before.alarm);
}

TEST(MewmaTest, BadOptionsAreFitErrors) {
  PlantStream stream(19);
  const std::vector<double> rows = stream.Rows(200);
  const MewmaOptions bad[] = {
      {.lambda = 0}, {.lambda = 1.5},         {.shrinkage = -0.1},     {.shrinkage = 2},
      {.limit = 0},  {.limit = std::nan("")}, {.dispersion_limit = 1},
  };
  for (const MewmaOptions& o : bad) {
    MewmaDetector d(o);
    EXPECT_EQ(d.Fit(rows, kChannels).code(), StatusCode::kInvalidArgument);
  }
  // λ = 0.01 needs 300 warm-up rows plus 2p + 10.
  MewmaDetector slow({.lambda = 0.01});
  const Status s = slow.Fit(rows, kChannels);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("at least 320 rows"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace edgeloop::detect
