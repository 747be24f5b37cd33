// `mewma`: a multivariate EWMA control chart (Lowry et al. 1992) with its limits taken from the
// fit rows and an allowance for slow drift; Edgeloop's strongest multivariate detector on SKAB.
//
// Why: SKAB's anomalies (a valve closed, a rotor unbalanced, cavitation) are sustained shifts of
// a few channels lasting minutes, while the normal rows carry per-row noise and slow drift
// (temperatures wander by many fit-row standard deviations within minutes). Smoothing the rows
// before measuring their distance turns a sustained shift of one noise standard deviation into
// many standard deviations of the smoothed value; isolated spikes are damped instead of alarming,
// which point-wise scoring of long anomaly segments rewards. Channels whose smoothed values
// wandered during the fit rows (drift rather than noise) keep a large variance and weigh little,
// and that variance grows with the time since the fit because drift, unlike noise, accumulates.
//
// Fit, on rows x_1..x_n (all normal, no labels):
//   u_i = (x_i - mean) / scale                     per column; scale = sample std
//   z_i = (1 - λ) z_{i-1} + λ u_i,  z_0 = 0         the smoothed rows
//   zbar, S = mean and covariance of z_i for i > b  (b = ceil(3/λ) rows of warm-up skipped)
//   Σ = S with off-diagonal entries scaled by (1 - α), Σ_jj >= v = λ / (2 - λ), plus a ridge
//       of 1e-9 times its mean diagonal (E below too)
//   w_j = 1 - v / Σ_jj                               share of column j's variance not noise
// Score, on the e-th row after the fit rows (the smoothing continues from them):
//   g_j = 1 + w_j (6 min(e, 2n) / n + 1)            drift allowance, see below
//   d_j = (z_j - zbar_j) / sqrt(g_j),  T² = dᵀ Σ⁻¹ d,  s = T² / p  (p = columns)
// and a dispersion chart beside it (smoothing hides changes of spread and of correlation between
// fast columns, because they do not move the mean), on the innovations e_i = u_i - z_{i-1}:
//   at Fit: E = mean of e_i e_iᵀ over the fit rows after the warm-up, E_jj >= 0.01
//   D_i = (1 - λ) D_{i-1} + λ min(e_iᵀ E⁻¹ e_i / p, 1e4),  D = 1 at the start of the fit rows
// Both combine into r = max(s / limit, D / dispersion_limit):
//   alarm = r > 1,  score = r / (1 + r)             (0.5 at the limits)
// v is the variance smoothed white noise of one fit standard deviation has, so w_j is near 0 for
// noisy columns and near 1 for slowly varying ones. The allowance treats the slow part as a
// random walk: seen over n rows its level varies around the fit mean with variance q n / 6; e
// rows after the fit it differs from that mean by variance q (e + n / 3), i.e. (6 e / n + 2)
// times as much, so the slow part of Σ_jj is scaled by that (on both sides of Σ, keeping its
// correlations). Beyond two fit lengths the extrapolation stops growing: refit then.
//
// Trade-off (measured, see mewma_test.cc): a column that is slow but stationary (say an AR(1)
// with a 10-row memory) is discounted like a drifting one, and so is the residual of a
// correlation between such columns; faults on slow columns are found later or not at all as the
// fit ages. On SKAB that discount is what keeps the drifting temperatures, the wandering
// accelerometers and the autocorrelated motor current from alarming. For a process known to be
// stationary, set drift_allowance = false. The defaults (λ 0.1, α 0, limit 6) were chosen on
// SKAB's valve1 experiments together with stretches of its anomaly-free run, and are not
// re-tuned per file or on test data. F1 is flat around them; the false alarm rate is not: it
// rises quickly for λ below 0.1 (see README.md).
//
// Constant columns (sample std <= 1e-9·|mean|, or 0) get scale 1e-2·|mean| (1 when the mean is
// 0): a sustained change of about 1 % of their level alarms, a one-row blip does not.
// Missing values: a non-finite entry leaves that column's smoothed value unchanged (the other
// columns update), and a row with any missing entry does not update D. Finite entries are clamped
// to ±1e6 scales so that the smoothed state stays finite and recovers after an extreme event.
// Timestamps are ignored: rows are assumed evenly spaced (SKAB: 1 s). A drifting column's weight
// falls until the fit is two fit lengths old: refit when the operating point is known to be
// normal again.
//
// Single-threaded object: one per stream. Owns O(p²) doubles; Score is O(p²).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "detect/detector.h"

namespace edgeloop::detect {

struct MewmaOptions {
  double lambda = 0.1;  // weight of the newest row, in (0, 1]
  // α, in [0, 1]: > 0 guards against a covariance estimated from too few independent smoothed
  // rows (about n λ / (2 - λ)) when there are many columns; it also weakens correlations.
  double shrinkage = 0;
  double limit = 6;             // alarm when T² / p exceeds it, > 0
  double dispersion_limit = 4;  // alarm when D exceeds it, > 1; infinity disables the chart
  bool drift_allowance = true;  // false: g_j = 1 (a stationary process)
};

class MewmaDetector final : public MultivariateDetector {
 public:
  explicit MewmaDetector(MewmaOptions options = {});

  // Needs options in range, ceil(3/λ) + 2p + 10 rows or more, finite values whose spread fits in
  // a double, and some non-constant column.
  Status Fit(std::span<const double> rows, size_t cols) override;
  MultivariateScore Score(Timestamp t, std::span<const double> row) override;

  // T² / p and D of the last scored row (0 and D's fit value right after Fit).
  double last_statistic() const { return last_statistic_; }
  double last_dispersion() const { return dispersion_; }
  // w_j of the fitted columns (0: noise only, towards 1: drift).
  const std::vector<double>& drift_share() const { return drift_; }

 private:
  // Folds one row into z_ and D (missing values and clamping as documented).
  void Smooth(std::span<const double> row);
  // Folds the innovation in e_ into D.
  void UpdateDispersion();

  MewmaOptions options_;
  bool fitted_ = false;
  size_t cols_ = 0;
  size_t fit_rows_ = 0;
  uint64_t scored_ = 0;  // e of the last scored row
  std::vector<double> mean_, scale_;
  std::vector<double> zbar_;
  std::vector<double> inv_;    // Σ⁻¹, p x p row-major
  std::vector<double> inv_e_;  // E⁻¹, p x p row-major; empty while E is being estimated
  std::vector<double> drift_;  // w_j
  std::vector<double> z_;      // smoothed state
  std::vector<double> d_, e_;  // scratch
  double last_statistic_ = 0;
  double dispersion_ = 1;  // D
};

}  // namespace edgeloop::detect
