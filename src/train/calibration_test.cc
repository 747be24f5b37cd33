#include "train/calibration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace edgeloop::train {
namespace {

// Six points; anomalies score 0.35, 0.8, 0.9; normal points 0.1, 0.4, 0.2.
const std::vector<double> kScores = {0.1, 0.4, 0.35, 0.8, 0.9, 0.2};
const std::vector<double> kLabels = {0, 0, 1, 1, 1, 0};

TEST(Calibration, PointMetricsAtAThreshold) {
  auto m = EvaluateThreshold(kScores, kLabels, 0.35);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  // Flagged: 0.4 (normal), 0.35, 0.8, 0.9 (anomalies).
  EXPECT_EQ(m->tp, 3);
  EXPECT_EQ(m->fp, 1);
  EXPECT_EQ(m->tn, 2);
  EXPECT_EQ(m->fn, 0);
  EXPECT_DOUBLE_EQ(m->precision, 0.75);
  EXPECT_DOUBLE_EQ(m->recall, 1.0);
  EXPECT_DOUBLE_EQ(m->f1, 3 / 3.5);
  EXPECT_DOUBLE_EQ(m->far, 100.0 / 3);
  EXPECT_DOUBLE_EQ(m->mar, 0.0);

  m = EvaluateThreshold(kScores, kLabels, 0.85);  // only 0.9
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->tp, 1);
  EXPECT_EQ(m->fn, 2);
  EXPECT_DOUBLE_EQ(m->f1, 1 / 2.0);  // 1 / (1 + (2 + 0) / 2)
  EXPECT_DOUBLE_EQ(m->mar, 200.0 / 3);
  EXPECT_DOUBLE_EQ(m->far, 0.0);
}

TEST(Calibration, MetricsWithEmptyClassesAreZeroNotNaN) {
  PointMetrics m = MetricsFromCounts(0, 0, 10, 0);
  EXPECT_EQ(m.precision, 0);
  EXPECT_EQ(m.recall, 0);
  EXPECT_EQ(m.f1, 0);
  EXPECT_EQ(m.far, 0);
  EXPECT_EQ(m.mar, 0);
  m = MetricsFromCounts(4, 0, 0, 0);
  EXPECT_EQ(m.f1, 1);
  EXPECT_EQ(m.far, 0);
  auto j = PointMetricsToJson(MetricsFromCounts(3, 1, 2, 0));
  EXPECT_EQ(j["tp"], 3);
  EXPECT_DOUBLE_EQ(j["f1"].get<double>(), 3 / 3.5);
}

TEST(Calibration, BestF1Threshold) {
  // Candidates from the top: 0.9 -> F1 1/2, 0.8 -> 2/2.5, 0.4 -> 2/3, 0.35 -> 3/3.5 (best),
  // 0.2 -> 3/4, 0.1 -> 3/4.5.
  auto best = BestF1Threshold(kScores, kLabels);
  ASSERT_TRUE(best.ok()) << best.status().ToString();
  EXPECT_EQ(best->threshold, 0.35);
  EXPECT_DOUBLE_EQ(best->metrics.f1, 3 / 3.5);
  EXPECT_EQ(best->metrics.fp, 1);
  // Equal F1 at two thresholds: the higher one (fewer alarms) wins.
  // t=4: 1/(1+0.5) = 2/3; t=3: 1/(1+1); t=2: 1/(1+1.5); t=1: 2/(2+1) = 2/3.
  auto tie = BestF1Threshold(std::vector<double>{4, 3, 2, 1}, std::vector<double>{1, 0, 0, 1});
  ASSERT_TRUE(tie.ok());
  EXPECT_EQ(tie->threshold, 4);
  EXPECT_DOUBLE_EQ(tie->metrics.f1, 2.0 / 3);
  auto tie2 = BestF1Threshold(std::vector<double>{5, 5, 1}, std::vector<double>{1, 0, 0});
  ASSERT_TRUE(tie2.ok());
  EXPECT_EQ(tie2->threshold, 5);  // equal scores are flagged together
  EXPECT_EQ(tie2->metrics.fp, 1);
}

TEST(Calibration, RocAuc) {
  // Anomaly above normal in 8 of 9 pairs (0.35 < 0.4 is the miss).
  auto auc = RocAuc(kScores, kLabels);
  ASSERT_TRUE(auc.ok());
  EXPECT_DOUBLE_EQ(*auc, 8.0 / 9);
  // Ties count one half; a perfect and a reversed ranking.
  EXPECT_DOUBLE_EQ(*RocAuc(std::vector<double>{1, 1}, std::vector<double>{0, 1}), 0.5);
  EXPECT_DOUBLE_EQ(*RocAuc(std::vector<double>{1, 2, 3}, std::vector<double>{0, 1, 1}), 1.0);
  EXPECT_DOUBLE_EQ(*RocAuc(std::vector<double>{3, 2, 1}, std::vector<double>{0, 1, 1}), 0.0);
  // Infinite scores rank like any other.
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_DOUBLE_EQ(*RocAuc(std::vector<double>{inf, 0, -inf}, std::vector<double>{1, 0, 0}), 1.0);
}

TEST(Calibration, ThresholdForFalseAlarmRateInterpolates) {
  std::vector<double> s;
  for (int i = 100; i >= 1; --i) s.push_back(i);  // unsorted on purpose
  // h = 99 * 0.99 = 98.01: between s[98] = 99 and s[99] = 100.
  EXPECT_NEAR(*ThresholdForFalseAlarmRate(s, 0.01), 99.01, 1e-12);
  EXPECT_NEAR(*ThresholdForFalseAlarmRate(s, 0.05), 95.05, 1e-12);
  EXPECT_EQ(*ThresholdForFalseAlarmRate(s, 0.0), 100);
  // The flagged fraction of the same scores is the rate.
  int flagged = 0;
  const double t = *ThresholdForFalseAlarmRate(s, 0.05);
  for (double v : s) flagged += v >= t ? 1 : 0;
  EXPECT_EQ(flagged, 5);
  // Sorted {1, 1, 3, 4, 5}: rate .25 -> h = 3 exactly -> 4; rate .1 -> h = 3.6 -> 4.6.
  const std::vector<double> small = {3, 1, 4, 1, 5};
  EXPECT_DOUBLE_EQ(*ThresholdForFalseAlarmRate(small, 0.25), 4.0);
  EXPECT_DOUBLE_EQ(*ThresholdForFalseAlarmRate(small, 0.1), 4.6);
  EXPECT_EQ(*ThresholdForFalseAlarmRate(std::vector<double>{7}, 0.01), 7);
}

TEST(Calibration, BadInputsAreErrors) {
  const std::vector<double> none;
  const std::vector<double> nan_scores = {1, std::nan("")};
  EXPECT_FALSE(ThresholdForFalseAlarmRate(none, 0.01).ok());
  EXPECT_FALSE(ThresholdForFalseAlarmRate(nan_scores, 0.01).ok());
  EXPECT_FALSE(ThresholdForFalseAlarmRate(kScores, 1.0).ok());
  EXPECT_FALSE(ThresholdForFalseAlarmRate(kScores, -0.1).ok());
  EXPECT_FALSE(EvaluateThreshold(kScores, std::vector<double>{0, 1}, 0.5).ok());
  EXPECT_FALSE(EvaluateThreshold(kScores, kLabels, std::nan("")).ok());
  auto no_anomaly = BestF1Threshold(kScores, std::vector<double>(6, 0.0));
  ASSERT_FALSE(no_anomaly.ok());
  EXPECT_NE(no_anomaly.status().message().find("no anomaly"), std::string::npos);
  EXPECT_FALSE(RocAuc(kScores, std::vector<double>(6, 1.0)).ok());
  EXPECT_FALSE(RocAuc(nan_scores, std::vector<double>{0, 1}).ok());
}

}  // namespace
}  // namespace edgeloop::train
