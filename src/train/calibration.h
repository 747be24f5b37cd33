// Alarm thresholds and point-wise detection metrics for anomaly scores.
//
// Conventions shared by every function here: a point is flagged when score >= threshold; a label
// > 0.5 marks an anomaly (Dataset labels are 0.0/1.0); scores may be ±inf but not NaN; scores and
// labels have the same length. Metrics follow SKAB's definitions (see
// ../shared/data/README.md): F1 = TP / (TP + (FN + FP) / 2), FAR = 100·FP / (FP + TN),
// MAR = 100·FN / (FN + TP). Pure functions, safe from any thread.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>

#include "common/status.h"

namespace edgeloop::train {

struct PointMetrics {
  int64_t tp = 0, fp = 0, tn = 0, fn = 0;
  double precision = 0;  // TP / (TP + FP); 0 when nothing was flagged
  double recall = 0;     // TP / (TP + FN); 0 when there is no anomaly
  double f1 = 0;         // TP / (TP + (FN + FP) / 2); 0 when TP == 0
  double far = 0;        // false alarm rate in %; 0 when there is no normal point
  double mar = 0;        // missed alarm rate in %; 0 when there is no anomaly
};

PointMetrics MetricsFromCounts(int64_t tp, int64_t fp, int64_t tn, int64_t fn);

// Confusion counts of `score >= threshold` against the labels.
Result<PointMetrics> EvaluateThreshold(std::span<const double> scores,
                                       std::span<const double> labels, double threshold);

// The threshold that flags a fraction `rate` (in [0, 1)) of scores of normal validation data:
// the (1 - rate) quantile with linear interpolation between order statistics (numpy's default:
// sorted s, h = (n - 1)(1 - rate), t = s[⌊h⌋] + (h - ⌊h⌋)(s[⌊h⌋ + 1] - s[⌊h⌋])). With distinct
// scores, at most ⌈rate·n⌉ validation points are flagged, and rate 0 gives the largest score.
Result<double> ThresholdForFalseAlarmRate(std::span<const double> normal_scores, double rate);

struct ThresholdChoice {
  double threshold = 0;
  PointMetrics metrics;  // at `threshold`
};
// The threshold (one of the scores) with the highest F1 on labelled data; among equal F1 the
// highest threshold (fewest alarms). Needs at least one anomaly.
Result<ThresholdChoice> BestF1Threshold(std::span<const double> scores,
                                        std::span<const double> labels);

// Area under the ROC curve (Mann–Whitney U with ties counted one half): the probability that an
// anomaly scores above a normal point. Needs both classes.
Result<double> RocAuc(std::span<const double> scores, std::span<const double> labels);

// {"tp":..,"fp":..,"tn":..,"fn":..,"precision":..,"recall":..,"f1":..,"far":..,"mar":..}
nlohmann::json PointMetricsToJson(const PointMetrics& m);

}  // namespace edgeloop::train
