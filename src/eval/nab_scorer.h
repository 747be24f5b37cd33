// The Numenta Anomaly Benchmark's scoring rules (NAB v1.1: nab/sweeper.py, nab/optimizer.py,
// nab/scorer.py, nab/runner.py normalisation, config/profiles.json), for NAB itself and for any
// benchmark that scores detections against anomaly windows (SKAB's changepoints).
//
// Rules, as NAB applies them to each series:
// - The first `probation` rows are not scored at all (NAB: min(floor(0.15·N), 0.15·5000)).
// - A row inside window [first, last] (width W) has relative position y = -(last - i + 1)/W and
//   NAB weight tp·S(y)/S(-1) with S(y) = 2/(1 + e^(5y)) - 1. Each window contributes the largest
//   weight among its detected rows (i.e. its earliest detection), or -fn when none is detected.
// - A detected row outside every window is a false positive weighted fp·S(y) with
//   y = (i - last)/(W - 1) relative to the closest preceding window (S = -1 for y > 3), or -fp
//   when no window precedes it.
// - Detections are rows whose score >= threshold. NAB's optimizer sweeps every distinct score of
//   the whole corpus (one threshold per profile for all files) and keeps the best; ties go to the
//   higher threshold.
// - Normalised score = 100·(S − S_null)/(S_perfect − S_null), where S_perfect = tp × number of
//   windows and S_null is the null detector's (constant score 0.5, threshold optimised) score.
// Deviation from NAB, documented: a one-row window would make NAB divide by zero when weighting a
// later false positive; here its width counts as 2 (distance in rows).
//
// NabScorer is a plain value; it is not safe to mutate from several threads, const methods may
// run concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"

namespace edgeloop::eval {

// One application profile of NAB: weights of a detected window, a false detection and a missed
// window.
struct NabProfile {
  std::string name;
  double tp_weight = 1;
  double fp_weight = 0.11;
  double fn_weight = 1;
};

// NAB's profiles: standard (1, 0.11, 1), reward_low_FP_rate (1, 0.22, 1) and
// reward_low_FN_rate (1, 0.11, 2), in that order.
const std::vector<NabProfile>& NabProfiles();

inline constexpr double kNabProbationPercent = 0.15;

// NAB's probation length for a series of `rows` rows: min(floor(p·rows), p·5000).
size_t NabProbationLength(size_t rows, double probation_percent = kNabProbationPercent);

// NAB's scaled sigmoid: 2/(1 + e^(5y)) - 1, and -1 for y > 3.
double ScaledSigmoid(double y);

// An anomaly window: rows first..last of one series, inclusive.
struct NabWindow {
  size_t first = 0;
  size_t last = 0;
};

// A raw NAB score at one threshold, with NAB's row counts (scored rows only: a tp is a detected
// row inside a window, an fn an undetected one, fp/tn likewise outside windows).
struct NabThresholdScore {
  double threshold = 0;  // detections: score >= threshold
  double score = 0;
  int64_t tp = 0, tn = 0, fp = 0, fn = 0;
  int64_t windows_detected = 0;  // scorable windows with at least one detection
  int64_t windows_scored = 0;    // windows with at least one row after probation
};

// NAB's full result for one profile.
struct NabProfileResult {
  NabProfile profile;
  NabThresholdScore best;  // at the optimised (or fixed) threshold
  double null_score = 0;
  double perfect_score = 0;
  double normalized = 0;  // 100·(best.score − null)/(perfect − null)
};

// 100·(raw − null)/(perfect − null); 0 when perfect == null (a corpus without windows).
double NormalizeNabScore(double raw, double null_score, double perfect_score);

class NabScorer {
 public:
  // Adds one series (a NAB file). `scores` must be finite; `windows` sorted, disjoint and inside
  // the series; `probation` <= scores.size(). Errors name the series.
  Status AddSeries(std::string name, std::span<const double> scores, std::vector<NabWindow> windows,
                   size_t probation);

  // Binary detections instead of scores (SKAB's changepoints): detected rows get score 1, the
  // others 0, so ScoreAt(profile, 1.0) scores exactly these detections (see ScoreDetections).
  Status AddDetections(std::string name, std::span<const uint8_t> detected,
                       std::vector<NabWindow> windows, size_t probation);

  // Every threshold NAB's sweeper records for `profile`, highest first: first "no detections"
  // (threshold 1.1, or above every score if some exceed it), then one entry per distinct score
  // of the scored rows, each with all rows scoring >= it detected.
  std::vector<NabThresholdScore> Sweep(const NabProfile& profile) const;

  // NAB's optimizer: the highest-scoring entry of Sweep (ties: the higher threshold).
  NabThresholdScore Optimize(const NabProfile& profile) const;

  // The corpus score with detections = rows scoring >= threshold, computed row by row as NAB's
  // scoring pass does (independently of Sweep).
  NabThresholdScore ScoreAt(const NabProfile& profile, double threshold) const;
  // The same per series, in the order added.
  std::vector<NabThresholdScore> ScoreSeriesAt(const NabProfile& profile, double threshold) const;

  // The null detector's score: constant 0.5 for every row, its threshold optimised.
  double NullScore(const NabProfile& profile) const;
  // tp weight × number of windows (all windows, also those inside probation, as NAB counts).
  double PerfectScore(const NabProfile& profile) const;

  size_t series_count() const { return series_.size(); }
  size_t window_count() const;
  const std::string& series_name(size_t i) const { return series_[i].name; }

 private:
  struct Row {
    double score;
    double base;     // NAB weight before the profile: S(y)/S(-1) inside, S(y) outside a window
    int64_t window;  // global window index, or -1 outside windows
  };
  struct Series {
    std::string name;
    size_t rows = 0;
    size_t windows = 0;
    size_t first_row = 0;     // into rows_ (scored rows only)
    size_t row_count = 0;     // scored rows
    size_t first_window = 0;  // into window_scored_
  };

  // Sweeps `order` (indices into rows_, sorted by score descending) with scores from `score_of`.
  template <typename ScoreOf>
  std::vector<NabThresholdScore> SweepRows(const NabProfile& profile, ScoreOf score_of,
                                           double start_threshold) const;
  NabThresholdScore ScoreRange(const NabProfile& profile, double threshold, size_t first_row,
                               size_t row_count, size_t first_window, size_t windows) const;

  std::vector<Series> series_;
  std::vector<Row> rows_;
  std::vector<uint8_t> window_scored_;  // per global window: has a row after probation
};

// NAB's procedure per profile: optimise the threshold over the corpus, score at it, normalise.
std::vector<NabProfileResult> ScoreNabCorpus(
    const NabScorer& scorer, const std::vector<NabProfile>& profiles = NabProfiles());

// For binary detections (AddDetections): no threshold to optimise, detections scored as given;
// S_null is the score of no detections at all (-fn per scored window).
std::vector<NabProfileResult> ScoreDetections(
    const NabScorer& scorer, const std::vector<NabProfile>& profiles = NabProfiles());

}  // namespace edgeloop::eval
