#include "train/calibration.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

namespace edgeloop::train {
namespace {

bool IsAnomaly(double label) { return label > 0.5; }

Status CheckScores(std::span<const double> scores) {
  if (scores.empty()) return InvalidArgument("no scores");
  for (size_t i = 0; i < scores.size(); ++i) {
    if (std::isnan(scores[i])) return InvalidArgument("score " + std::to_string(i) + " is NaN");
  }
  return Status::Ok();
}

Status CheckLabelled(std::span<const double> scores, std::span<const double> labels) {
  EL_RETURN_IF_ERROR(CheckScores(scores));
  if (labels.size() != scores.size()) {
    return InvalidArgument(std::to_string(scores.size()) + " scores but " +
                           std::to_string(labels.size()) + " labels");
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    if (!std::isfinite(labels[i])) {
      return InvalidArgument("label " + std::to_string(i) + " is not finite");
    }
  }
  return Status::Ok();
}

double Ratio(double num, double den) { return den > 0 ? num / den : 0.0; }

}  // namespace

PointMetrics MetricsFromCounts(int64_t tp, int64_t fp, int64_t tn, int64_t fn) {
  PointMetrics m;
  m.tp = tp;
  m.fp = fp;
  m.tn = tn;
  m.fn = fn;
  const auto d = [](int64_t v) { return static_cast<double>(v); };
  m.precision = Ratio(d(tp), d(tp + fp));
  m.recall = Ratio(d(tp), d(tp + fn));
  m.f1 = Ratio(d(tp), d(tp) + 0.5 * d(fn + fp));
  m.far = 100 * Ratio(d(fp), d(fp + tn));
  m.mar = 100 * Ratio(d(fn), d(fn + tp));
  return m;
}

Result<PointMetrics> EvaluateThreshold(std::span<const double> scores,
                                       std::span<const double> labels, double threshold) {
  EL_RETURN_IF_ERROR(CheckLabelled(scores, labels));
  if (std::isnan(threshold)) return InvalidArgument("threshold is NaN");
  int64_t tp = 0, fp = 0, tn = 0, fn = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    const bool flagged = scores[i] >= threshold;
    if (IsAnomaly(labels[i])) {
      flagged ? ++tp : ++fn;
    } else {
      flagged ? ++fp : ++tn;
    }
  }
  return MetricsFromCounts(tp, fp, tn, fn);
}

Result<double> ThresholdForFalseAlarmRate(std::span<const double> normal_scores, double rate) {
  EL_RETURN_IF_ERROR(CheckScores(normal_scores));
  if (!(rate >= 0 && rate < 1)) {
    return InvalidArgument("false alarm rate must be in [0, 1), got " + std::to_string(rate));
  }
  std::vector<double> s(normal_scores.begin(), normal_scores.end());
  std::sort(s.begin(), s.end());
  const double h = static_cast<double>(s.size() - 1) * (1 - rate);
  const auto lo = static_cast<size_t>(std::floor(h));
  if (lo + 1 >= s.size()) return s.back();
  const double frac = h - static_cast<double>(lo);
  // Written so that equal neighbours (or infinite ones with frac 0) give that value exactly.
  if (frac == 0 || s[lo] == s[lo + 1]) return s[lo];
  return s[lo] + frac * (s[lo + 1] - s[lo]);
}

Result<ThresholdChoice> BestF1Threshold(std::span<const double> scores,
                                        std::span<const double> labels) {
  EL_RETURN_IF_ERROR(CheckLabelled(scores, labels));
  int64_t positives = 0;
  for (double l : labels) positives += IsAnomaly(l) ? 1 : 0;
  if (positives == 0) return InvalidArgument("no anomaly among the labels: F1 is undefined");
  const auto n = static_cast<int64_t>(scores.size());
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  // Lower the threshold one distinct score at a time; every point at or above it is flagged.
  ThresholdChoice best;
  best.metrics.f1 = -1;
  int64_t tp = 0, fp = 0;
  for (size_t i = 0; i < order.size();) {
    const double t = scores[order[i]];
    for (; i < order.size() && scores[order[i]] == t; ++i) {
      IsAnomaly(labels[order[i]]) ? ++tp : ++fp;
    }
    PointMetrics m = MetricsFromCounts(tp, fp, n - positives - fp, positives - tp);
    if (m.f1 > best.metrics.f1) best = {t, m};
  }
  return best;
}

Result<double> RocAuc(std::span<const double> scores, std::span<const double> labels) {
  EL_RETURN_IF_ERROR(CheckLabelled(scores, labels));
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  // Sum of the (1-based, tie-averaged) ranks of the anomalies.
  double rank_sum = 0;
  int64_t positives = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && scores[order[j]] == scores[order[i]]) ++j;
    const double mean_rank = 0.5 * static_cast<double>(i + 1 + j);  // ranks i+1 .. j
    for (size_t r = i; r < j; ++r) {
      if (IsAnomaly(labels[order[r]])) {
        rank_sum += mean_rank;
        ++positives;
      }
    }
    i = j;
  }
  const auto negatives = static_cast<int64_t>(scores.size()) - positives;
  if (positives == 0 || negatives == 0) {
    return InvalidArgument("ROC AUC needs both anomalies and normal points");
  }
  const double p = static_cast<double>(positives);
  return (rank_sum - p * (p + 1) / 2) / (p * static_cast<double>(negatives));
}

nlohmann::json PointMetricsToJson(const PointMetrics& m) {
  return {
      {"tp", m.tp},         {"fp", m.fp}, {"tn", m.tn},   {"fn", m.fn},  {"precision", m.precision},
      {"recall", m.recall}, {"f1", m.f1}, {"far", m.far}, {"mar", m.mar}};
}

}  // namespace edgeloop::train
