#include "eval/nab_scorer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>

namespace edgeloop::eval {

const std::vector<NabProfile>& NabProfiles() {
  static const std::vector<NabProfile> kProfiles = {
      {"standard", 1.0, 0.11, 1.0},
      {"reward_low_FP_rate", 1.0, 0.22, 1.0},
      {"reward_low_FN_rate", 1.0, 0.11, 2.0},
  };
  return kProfiles;
}

size_t NabProbationLength(size_t rows, double probation_percent) {
  // NAB compares floor(p·N) with the float p·5000 and uses the result as a row index bound;
  // rows below it are probationary, so the bound rounds up to whole rows.
  const double by_rows = std::floor(probation_percent * static_cast<double>(rows));
  const double cap = probation_percent * 5000.0;
  return static_cast<size_t>(std::ceil(std::min(by_rows, cap)));
}

double ScaledSigmoid(double y) {
  if (y > 3.0) return -1.0;
  return 2.0 / (1.0 + std::exp(5.0 * y)) - 1.0;
}

double NormalizeNabScore(double raw, double null_score, double perfect_score) {
  if (perfect_score == null_score) return 0;
  return 100.0 * (raw - null_score) / (perfect_score - null_score);
}

Status NabScorer::AddSeries(std::string name, std::span<const double> scores,
                            std::vector<NabWindow> windows, size_t probation) {
  const size_t n = scores.size();
  if (probation > n) {
    return InvalidArgument(name + ": probation of " + std::to_string(probation) +
                           " rows exceeds the series' " + std::to_string(n) + " rows");
  }
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(scores[i])) {
      return InvalidArgument(name + ": anomaly score at row " + std::to_string(i) +
                             " is not a finite number");
    }
  }
  for (size_t k = 0; k < windows.size(); ++k) {
    const NabWindow& w = windows[k];
    if (w.first > w.last || w.last >= n) {
      return InvalidArgument(name + ": window " + std::to_string(k) + " [" +
                             std::to_string(w.first) + ", " + std::to_string(w.last) +
                             "] is not inside the series' " + std::to_string(n) + " rows");
    }
    if (k > 0 && w.first <= windows[k - 1].last) {
      return InvalidArgument(name + ": windows " + std::to_string(k - 1) + " and " +
                             std::to_string(k) + " overlap or are not in time order");
    }
  }

  Series s;
  s.name = std::move(name);
  s.rows = n;
  s.windows = windows.size();
  s.first_row = rows_.size();
  s.first_window = window_scored_.size();
  window_scored_.resize(window_scored_.size() + windows.size(), 0);

  const double max_tp = ScaledSigmoid(-1.0);
  size_t next = 0;         // next window not yet passed
  bool have_prev = false;  // a window ended before the current row
  size_t prev_last = 0;
  double prev_width = 0;
  for (size_t i = 0; i < n; ++i) {
    Row row{scores[i], -1.0, -1};
    const bool inside = next < windows.size() && i >= windows[next].first;
    if (inside) {
      const NabWindow& w = windows[next];
      const double width = static_cast<double>(w.last - w.first + 1);
      const double y = -static_cast<double>(w.last - i + 1) / width;
      row.base = ScaledSigmoid(y) / max_tp;
      row.window = static_cast<int64_t>(s.first_window + next);
    } else if (have_prev) {
      // NAB divides by W - 1; a one-row window counts as two rows wide (NAB would fail).
      const double y = static_cast<double>(i - prev_last) / std::max(prev_width - 1.0, 1.0);
      row.base = ScaledSigmoid(y);
    }
    if (i >= probation) {
      rows_.push_back(row);
      if (inside) window_scored_[s.first_window + next] = 1;
    }
    if (inside && i == windows[next].last) {
      have_prev = true;
      prev_last = i;
      prev_width = static_cast<double>(windows[next].last - windows[next].first + 1);
      ++next;
    }
  }
  s.row_count = rows_.size() - s.first_row;
  series_.push_back(std::move(s));
  return Status::Ok();
}

Status NabScorer::AddDetections(std::string name, std::span<const uint8_t> detected,
                                std::vector<NabWindow> windows, size_t probation) {
  std::vector<double> scores(detected.size());
  for (size_t i = 0; i < detected.size(); ++i) scores[i] = detected[i] ? 1.0 : 0.0;
  return AddSeries(std::move(name), scores, std::move(windows), probation);
}

size_t NabScorer::window_count() const { return window_scored_.size(); }

template <typename ScoreOf>
std::vector<NabThresholdScore> NabScorer::SweepRows(const NabProfile& profile, ScoreOf score_of,
                                                    double start_threshold) const {
  std::vector<size_t> order(rows_.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return score_of(rows_[a]) > score_of(rows_[b]); });

  // Start: nothing detected, every scorable window missed.
  std::vector<double> part(window_scored_.size(), -profile.fn_weight);
  std::vector<uint8_t> detected(window_scored_.size(), 0);
  NabThresholdScore cur;
  cur.threshold = start_threshold;
  for (uint8_t scored : window_scored_) cur.windows_scored += scored;
  double windows_total = -profile.fn_weight * static_cast<double>(cur.windows_scored);
  double fp_total = 0;
  for (const Row& r : rows_) (r.window >= 0 ? cur.fn : cur.tn) += 1;

  std::vector<NabThresholdScore> out;
  for (size_t idx : order) {
    const Row& r = rows_[idx];
    const double s = score_of(r);
    if (s != cur.threshold) {
      cur.score = fp_total + windows_total;
      out.push_back(cur);
      cur.threshold = s;
    }
    if (r.window >= 0) {
      ++cur.tp;
      --cur.fn;
      const auto w = static_cast<size_t>(r.window);
      const double updated = std::max(part[w], r.base * profile.tp_weight);
      windows_total += updated - part[w];
      part[w] = updated;
      if (!detected[w]) {
        detected[w] = 1;
        ++cur.windows_detected;
      }
    } else {
      ++cur.fp;
      --cur.tn;
      fp_total += r.base * profile.fp_weight;
    }
  }
  cur.score = fp_total + windows_total;
  out.push_back(cur);
  return out;
}

std::vector<NabThresholdScore> NabScorer::Sweep(const NabProfile& profile) const {
  // NAB starts at 1.1, above every score in [0, 1]; stay above larger scores too.
  double max_score = 0;
  for (const Row& r : rows_) max_score = std::max(max_score, r.score);
  const double start = max_score < 1.1 ? 1.1 : max_score + 1.0;
  return SweepRows(
      profile, [](const Row& r) { return r.score; }, start);
}

namespace {
NabThresholdScore Best(const std::vector<NabThresholdScore>& sweep) {
  NabThresholdScore best = sweep.front();
  for (const auto& s : sweep) {
    if (s.score > best.score) best = s;  // strict: ties keep the higher threshold, as NAB
  }
  return best;
}
}  // namespace

NabThresholdScore NabScorer::Optimize(const NabProfile& profile) const {
  return Best(Sweep(profile));
}

double NabScorer::NullScore(const NabProfile& profile) const {
  return Best(SweepRows(
                  profile, [](const Row&) { return 0.5; }, 1.1))
      .score;
}

double NabScorer::PerfectScore(const NabProfile& profile) const {
  return profile.tp_weight * static_cast<double>(window_count());
}

NabThresholdScore NabScorer::ScoreRange(const NabProfile& profile, double threshold,
                                        size_t first_row, size_t row_count, size_t first_window,
                                        size_t windows) const {
  NabThresholdScore out;
  out.threshold = threshold;
  std::vector<double> part(windows, -profile.fn_weight);
  std::vector<uint8_t> detected(windows, 0);
  double fp_total = 0;
  for (size_t i = first_row; i < first_row + row_count; ++i) {
    const Row& r = rows_[i];
    const bool hit = r.score >= threshold;
    if (r.window >= 0) {
      const size_t w = static_cast<size_t>(r.window) - first_window;
      if (hit) {
        ++out.tp;
        part[w] = std::max(part[w], r.base * profile.tp_weight);
        detected[w] = 1;
      } else {
        ++out.fn;
      }
    } else if (hit) {
      ++out.fp;
      fp_total += r.base * profile.fp_weight;
    } else {
      ++out.tn;
    }
  }
  double score = fp_total;
  for (size_t w = 0; w < windows; ++w) {
    if (!window_scored_[first_window + w]) continue;  // wholly inside probation: not scored
    ++out.windows_scored;
    out.windows_detected += detected[w];
    score += part[w];
  }
  out.score = score;
  return out;
}

NabThresholdScore NabScorer::ScoreAt(const NabProfile& profile, double threshold) const {
  return ScoreRange(profile, threshold, 0, rows_.size(), 0, window_scored_.size());
}

std::vector<NabThresholdScore> NabScorer::ScoreSeriesAt(const NabProfile& profile,
                                                        double threshold) const {
  std::vector<NabThresholdScore> out;
  out.reserve(series_.size());
  for (const Series& s : series_) {
    out.push_back(
        ScoreRange(profile, threshold, s.first_row, s.row_count, s.first_window, s.windows));
  }
  return out;
}

std::vector<NabProfileResult> ScoreNabCorpus(const NabScorer& scorer,
                                             const std::vector<NabProfile>& profiles) {
  std::vector<NabProfileResult> out;
  for (const NabProfile& p : profiles) {
    NabProfileResult r;
    r.profile = p;
    // NAB's two passes: the optimizer picks the threshold, the scorer scores at it.
    r.best = scorer.ScoreAt(p, scorer.Optimize(p).threshold);
    r.null_score = scorer.NullScore(p);
    r.perfect_score = scorer.PerfectScore(p);
    r.normalized = NormalizeNabScore(r.best.score, r.null_score, r.perfect_score);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<NabProfileResult> ScoreDetections(const NabScorer& scorer,
                                              const std::vector<NabProfile>& profiles) {
  std::vector<NabProfileResult> out;
  for (const NabProfile& p : profiles) {
    NabProfileResult r;
    r.profile = p;
    r.best = scorer.ScoreAt(p, 1.0);
    // The null detector "makes no detections" (NAB's README); with binary detections there is no
    // threshold to optimise for it.
    r.null_score = scorer.ScoreAt(p, std::numeric_limits<double>::infinity()).score;
    r.perfect_score = scorer.PerfectScore(p);
    r.normalized = NormalizeNabScore(r.best.score, r.null_score, r.perfect_score);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace edgeloop::eval
