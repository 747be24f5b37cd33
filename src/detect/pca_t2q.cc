#include "detect/pca_t2q.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "detect/multivariate_input.h"

namespace edgeloop::detect {
namespace {

constexpr char kName[] = "pca_t2q";

double Median(std::span<const double> values, std::vector<double>* scratch) {
  scratch->assign(values.begin(), values.end());
  const size_t n = scratch->size();
  auto mid = scratch->begin() + static_cast<ptrdiff_t>(n / 2);
  std::nth_element(scratch->begin(), mid, scratch->end());
  if (n % 2 == 1) return *mid;
  const double upper = *mid;
  const double lower = *std::max_element(scratch->begin(), mid);
  return 0.5 * (lower + upper);
}

}  // namespace

PcaT2QDetector::PcaT2QDetector(PcaT2QOptions options) : options_(options) {
  options_.median_window = std::max<size_t>(options_.median_window, 1);
}

Status PcaT2QDetector::Fit(std::span<const double> rows, size_t cols) {
  fitted_ = false;
  // TrainPca needs more rows than features; one more keeps T²'s F limit defined (n > k).
  EL_RETURN_IF_ERROR(CheckFitRows(kName, rows, cols, {.min_cols = 2, .min_rows = cols + 2}));
  train::PcaOptions po;
  po.explained_variance = options_.explained_variance;
  po.confidence = options_.confidence;
  auto model = train::TrainPca(ToDataset(rows, cols), po);
  if (!model.ok()) return model.status().WithContext(kName);
  model_ = std::move(*model);
  cols_ = cols;
  t2_ring_.assign(options_.median_window, 0.0);
  q_ring_.assign(options_.median_window, 0.0);
  head_ = filled_ = 0;
  // Seed the medians with the last fit rows, so the first scored rows are smoothed like the
  // rest when they continue the fit rows (SKAB's test portion does).
  const size_t n = rows.size() / cols;
  const size_t seed = std::min(n, options_.median_window - 1);
  for (size_t i = n - seed; i < n; ++i) {
    const train::PcaScore s = model_.ScoreRow(rows.subspan(i * cols, cols));
    Push(s.t2, s.q);
  }
  fitted_ = true;
  return Status::Ok();
}

void PcaT2QDetector::Push(double t2, double q) {
  t2_ring_[head_] = t2;
  q_ring_[head_] = q;
  head_ = (head_ + 1) % t2_ring_.size();
  filled_ = std::min(filled_ + 1, t2_ring_.size());
}

MultivariateScore PcaT2QDetector::Score(Timestamp /*t*/, std::span<const double> row) {
  CheckScoreCall(kName, fitted_, cols_, row.size());
  row_.assign(row.begin(), row.end());
  for (size_t j = 0; j < cols_; ++j) {
    if (!std::isfinite(row_[j])) row_[j] = model_.mean[j];
  }
  const train::PcaScore s = model_.ScoreRow(row_);
  // Values near the double limit can make inf - inf inside the score; such a row is as far from
  // the model as a row can be, and NaN must not reach the median's comparisons.
  const double inf = std::numeric_limits<double>::infinity();
  Push(std::isnan(s.t2) ? inf : s.t2, std::isnan(s.q) ? inf : s.q);
  // The ring holds the newest `filled_` values; before it is full they are its first entries.
  const std::span<const double> t2s(t2_ring_.data(), filled_), qs(q_ring_.data(), filled_);
  const double r =
      std::max(Median(t2s, &sort_) / model_.t2_limit, Median(qs, &sort_) / model_.q_limit);
  MultivariateScore out;
  // T² and Q of a finite row are finite; r is +inf only for rows beyond double range.
  out.score = std::isfinite(r) ? r / (1.0 + r) : 1.0;
  out.alarm = r > 1.0;
  return out;
}

}  // namespace edgeloop::detect
