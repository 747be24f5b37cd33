#include "detect/pca_t2q.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "detect/multivariate_input.h"
#include "detect/multivariate_test_data.h"

namespace edgeloop::detect {
namespace {

using testing::kChannels;
using testing::PlantStream;

TEST(PcaT2QTest, UsesTheTrainersModelAndLimits) {
  PlantStream stream(31);
  const std::vector<double> fit = stream.Rows(500);
  PcaT2QDetector d;
  ASSERT_TRUE(d.Fit(fit, kChannels).ok());
  auto direct =
      train::TrainPca(ToDataset(fit, kChannels), {.explained_variance = 0.85, .confidence = 0.999});
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(d.model().components, direct->components);
  EXPECT_EQ(d.model().t2_limit, direct->t2_limit);
  EXPECT_EQ(d.model().q_limit, direct->q_limit);

  // Without smoothing, the score is r / (1 + r) of the row's own T² and Q.
  PcaT2QDetector raw({.median_window = 1});
  ASSERT_TRUE(raw.Fit(fit, kChannels).ok());
  const std::vector<double> rows = stream.Rows(50);
  for (size_t i = 0; i < 50; ++i) {
    const std::span<const double> row(rows.data() + i * kChannels, kChannels);
    const train::PcaScore p = direct->ScoreRow(row);
    const double r = std::max(p.t2 / direct->t2_limit, p.q / direct->q_limit);
    const MultivariateScore s = raw.Score(Timestamp{}, row);
    EXPECT_NEAR(s.score, r / (1 + r), 1e-12);
    EXPECT_EQ(s.alarm, r > 1);
  }
}

// The median of the last 5 rows' T² and Q: one or two spike rows never alarm, a third in a row
// does, and the alarm lasts exactly as long as spikes are the majority of the window.
TEST(PcaT2QTest, MedianOfFiveIgnoresShortSpikes) {
  PlantStream stream(33);
  const std::vector<double> fit = stream.Rows(500);
  PcaT2QDetector d;
  ASSERT_TRUE(d.Fit(fit, kChannels).ok());
  const std::vector<double> normal(d.model().mean.begin(), d.model().mean.end());
  std::vector<double> spike_row = normal;
  spike_row[1] += 20 * d.model().scale[1];
  const std::vector<double>& spike = spike_row;

  // Two spikes, then normal rows: never an alarm.
  for (const auto* row : {&spike, &spike, &normal, &normal, &normal, &normal, &normal}) {
    EXPECT_FALSE(d.Score(Timestamp{}, *row).alarm);
  }
  // Three spikes: rows 3, 4 and 5 of the sequence alarm (3 of the last 5 are spikes).
  const std::vector<const std::vector<double>*> seq = {&spike,  &spike,  &spike, &normal,
                                                       &normal, &normal, &normal};
  const bool want[] = {false, false, true, true, true, false, false};
  for (size_t i = 0; i < seq.size(); ++i) {
    EXPECT_EQ(d.Score(Timestamp{}, *seq[i]).alarm, want[i]) << i;
  }
}

TEST(PcaT2QTest, MissingValuesScoreAsTheFitMean) {
  PlantStream stream(35);
  PcaT2QDetector a({.median_window = 1}), b({.median_window = 1});
  const std::vector<double> fit = stream.Rows(500);
  ASSERT_TRUE(a.Fit(fit, kChannels).ok());
  ASSERT_TRUE(b.Fit(fit, kChannels).ok());
  std::vector<double> row = stream.Rows(1);
  std::vector<double> imputed = row;
  row[2] = std::numeric_limits<double>::quiet_NaN();
  imputed[2] = a.model().mean[2];
  EXPECT_EQ(a.Score(Timestamp{}, row).score, b.Score(Timestamp{}, imputed).score);
}

TEST(PcaT2QTest, NeedsTwoColumnsAndEnoughRows) {
  PcaT2QDetector d;
  std::vector<double> one(100);
  for (size_t i = 0; i < one.size(); ++i) one[i] = std::sin(static_cast<double>(i));
  EXPECT_EQ(d.Fit(one, 1).code(), StatusCode::kInvalidArgument);
  PlantStream stream(37);
  const std::vector<double> few = stream.Rows(kChannels + 1);
  const Status s = d.Fit(few, kChannels);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("pca_t2q"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace edgeloop::detect
