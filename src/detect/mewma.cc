#include "detect/mewma.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <string>

#include "detect/multivariate_input.h"

namespace edgeloop::detect {
namespace {

constexpr char kName[] = "mewma";
// Standardized values are clamped here (see the header).
constexpr double kClamp = 1e6;
// Relative tolerance below which a column counts as constant, and the scale it then gets.
constexpr double kConstantRelStd = 1e-9;
constexpr double kConstantScale = 1e-2;
constexpr double kRidge = 1e-9;
// Drift allowance (see the header): the random-walk growth factor 6 e / n, and the age in fit
// lengths after which it stops growing.
constexpr double kDriftGrowth = 6.0;
constexpr double kMaxAgeFits = 2.0;

// Floor of an innovation's variance in fit standard deviations (a very smooth column would
// otherwise make any noise on it infinitely surprising), and the cap of one row's contribution
// to D, so that D recovers within tens of rows after an extreme row.
constexpr double kMinInnovationVar = 1e-2;
constexpr double kMaxInnovation = 1e4;

// xᵀ A x for a symmetric p x p row-major A; A is positive definite, so >= 0 up to rounding.
double QuadraticForm(const std::vector<double>& a, const std::vector<double>& x) {
  const size_t p = x.size();
  double sum = 0;
  for (size_t i = 0; i < p; ++i) {
    double row_dot = 0;
    for (size_t j = 0; j < p; ++j) row_dot += a[i * p + j] * x[j];
    sum += x[i] * row_dot;
  }
  return std::max(sum, 0.0);
}

size_t WarmupRows(double lambda) { return static_cast<size_t>(std::ceil(3.0 / lambda)); }

Status CheckOptions(const MewmaOptions& o) {
  if (!(o.lambda > 0 && o.lambda <= 1)) {
    return InvalidArgument(std::string(kName) + ": lambda must be in (0, 1], got " +
                           std::to_string(o.lambda));
  }
  if (!(o.shrinkage >= 0 && o.shrinkage <= 1)) {
    return InvalidArgument(std::string(kName) + ": shrinkage must be in [0, 1], got " +
                           std::to_string(o.shrinkage));
  }
  if (!(o.limit > 0 && std::isfinite(o.limit))) {
    return InvalidArgument(std::string(kName) + ": limit must be positive, got " +
                           std::to_string(o.limit));
  }
  if (!(o.dispersion_limit > 1)) {  // D's in-control level is 1
    return InvalidArgument(std::string(kName) + ": dispersion_limit must be above 1, got " +
                           std::to_string(o.dispersion_limit));
  }
  return Status::Ok();
}

}  // namespace

MewmaDetector::MewmaDetector(MewmaOptions options) : options_(options) {}

Status MewmaDetector::Fit(std::span<const double> rows, size_t cols) {
  fitted_ = false;
  EL_RETURN_IF_ERROR(CheckOptions(options_));
  const size_t warmup = WarmupRows(options_.lambda);
  EL_RETURN_IF_ERROR(
      CheckFitRows(kName, rows, cols, {.min_cols = 1, .min_rows = warmup + 2 * cols + 10}));
  const size_t n = rows.size() / cols, p = cols;

  mean_ = ColumnMeans(rows, p);
  scale_.assign(p, 0.0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < p; ++j) {
      const double d = rows[i * p + j] - mean_[j];
      scale_[j] += d * d;
    }
  }
  for (size_t j = 0; j < p; ++j) {
    const double sd = std::sqrt(scale_[j] / static_cast<double>(n - 1));
    if (!std::isfinite(sd) || !std::isfinite(mean_[j])) {
      return InvalidArgument(std::string(kName) + ": column " + std::to_string(j) +
                             " has values too large for its spread to be computed");
    }
    const double level = std::fabs(mean_[j]);
    scale_[j] = sd > kConstantRelStd * level ? sd : (level > 0 ? kConstantScale * level : 1.0);
  }

  // Smooth the fit rows; the state then continues into Score.
  cols_ = p;
  z_.assign(p, 0.0);
  e_.assign(p, 0.0);
  inv_e_.clear();  // D is not updated until E is known
  Eigen::MatrixXd z(n - warmup, p), innovations(n - warmup, p);
  for (size_t i = 0; i < n; ++i) {
    Smooth(rows.subspan(i * p, p));
    if (i >= warmup) {
      for (size_t j = 0; j < p; ++j) {
        z(static_cast<Eigen::Index>(i - warmup), j) = z_[j];
        innovations(static_cast<Eigen::Index>(i - warmup), j) = e_[j];
      }
    }
  }
  const Eigen::VectorXd zbar = z.colwise().mean();
  const Eigen::MatrixXd centered = z.rowwise() - zbar.transpose();
  Eigen::MatrixXd cov = centered.transpose() * centered / static_cast<double>(z.rows() - 1);
  const double alpha = options_.shrinkage;
  for (size_t a = 0; a < p; ++a) {
    for (size_t b = 0; b < p; ++b) {
      if (a != b) cov(a, b) *= 1.0 - alpha;
    }
  }
  const double white = options_.lambda / (2.0 - options_.lambda);
  for (size_t j = 0; j < p; ++j) cov(j, j) = std::max(cov(j, j), white);
  drift_.assign(p, 0.0);
  if (options_.drift_allowance) {
    for (size_t j = 0; j < p; ++j) drift_[j] = std::max(0.0, 1.0 - white / cov(j, j));
  }
  cov.diagonal().array() += kRidge * cov.trace() / static_cast<double>(p);
  Eigen::LDLT<Eigen::MatrixXd> ldlt(cov);
  if (ldlt.info() != Eigen::Success || !ldlt.isPositive()) {
    return Internal(std::string(kName) + ": covariance of the smoothed rows is not positive");
  }
  const Eigen::MatrixXd inv = ldlt.solve(Eigen::MatrixXd::Identity(p, p));
  inv_.assign(p * p, 0.0);
  zbar_.assign(p, 0.0);
  for (size_t a = 0; a < p; ++a) {
    zbar_[a] = zbar(a);
    for (size_t b = 0; b < p; ++b) inv_[a * p + b] = 0.5 * (inv(a, b) + inv(b, a));
  }
  // The dispersion chart: second moments of the innovations, then D over the same rows.
  Eigen::MatrixXd second =
      innovations.transpose() * innovations / static_cast<double>(innovations.rows());
  for (size_t j = 0; j < p; ++j) second(j, j) = std::max(second(j, j), kMinInnovationVar);
  second.diagonal().array() += kRidge * second.trace() / static_cast<double>(p);
  Eigen::LDLT<Eigen::MatrixXd> ldlt_e(second);
  if (ldlt_e.info() != Eigen::Success || !ldlt_e.isPositive()) {
    return Internal(std::string(kName) + ": second moments of the innovations are not positive");
  }
  const Eigen::MatrixXd inv_e = ldlt_e.solve(Eigen::MatrixXd::Identity(p, p));
  inv_e_.assign(p * p, 0.0);
  for (size_t a = 0; a < p; ++a) {
    for (size_t b = 0; b < p; ++b) inv_e_[a * p + b] = 0.5 * (inv_e(a, b) + inv_e(b, a));
  }
  dispersion_ = 1.0;
  for (Eigen::Index i = 0; i < innovations.rows(); ++i) {
    for (size_t j = 0; j < p; ++j) e_[j] = innovations(i, static_cast<Eigen::Index>(j));
    UpdateDispersion();
  }
  d_.assign(p, 0.0);
  fit_rows_ = n;
  scored_ = 0;
  last_statistic_ = 0;
  fitted_ = true;
  return Status::Ok();
}

void MewmaDetector::Smooth(std::span<const double> row) {
  const double lambda = options_.lambda;
  bool complete = true;
  for (size_t j = 0; j < cols_; ++j) {
    if (!std::isfinite(row[j])) {  // missing: hold the smoothed value, no innovation
      complete = false;
      e_[j] = 0;
      continue;
    }
    // May overflow to ±inf for extreme values: clamped.
    const double u = std::clamp((row[j] - mean_[j]) / scale_[j], -kClamp, kClamp);
    e_[j] = u - z_[j];
    z_[j] = (1.0 - lambda) * z_[j] + lambda * u;
  }
  if (complete && !inv_e_.empty()) UpdateDispersion();
}

void MewmaDetector::UpdateDispersion() {
  const double q = QuadraticForm(inv_e_, e_) / static_cast<double>(cols_);
  dispersion_ =
      (1.0 - options_.lambda) * dispersion_ + options_.lambda * std::min(q, kMaxInnovation);
}

MultivariateScore MewmaDetector::Score(Timestamp /*t*/, std::span<const double> row) {
  CheckScoreCall(kName, fitted_, cols_, row.size());
  Smooth(row);
  ++scored_;
  const size_t p = cols_;
  const double fit = static_cast<double>(fit_rows_);
  const double elapsed = std::min(static_cast<double>(scored_), kMaxAgeFits * fit);
  const double growth = kDriftGrowth * elapsed / fit + 1.0;
  for (size_t j = 0; j < p; ++j) d_[j] = (z_[j] - zbar_[j]) / std::sqrt(1.0 + drift_[j] * growth);
  const double s = QuadraticForm(inv_, d_) / static_cast<double>(p);
  last_statistic_ = s;
  const double r = std::max(s / options_.limit, dispersion_ / options_.dispersion_limit);
  MultivariateScore out;
  out.score = r / (1.0 + r);
  out.alarm = r > 1.0;
  return out;
}

}  // namespace edgeloop::detect
