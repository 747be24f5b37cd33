#include "train/pca.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "train/calibration.h"
#include "train/distributions.h"
#include "train/feature_metadata.h"

namespace edgeloop::train {
namespace {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Below this relative spread a column is constant for a float32 model (about 16 float ulps).
constexpr double kConstantRelStd = 1e-6;
// Eigenvalues below this fraction of the total variance are numerically zero: a component
// boundary there would leave Q with no variance to model.
constexpr double kRankTolerance = 1e-9;
// Rows standardized at a time while accumulating the correlation matrix (bounded memory).
constexpr size_t kBlockRows = 4096;

double ToFloatPrecision(double v) { return static_cast<double>(static_cast<float>(v)); }

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Mean and scale of every column (see TrainedPca::scale), rounded to float32.
void FitScaling(const Dataset& data, std::vector<double>* mean, std::vector<double>* scale,
                std::vector<std::string>* constant) {
  const size_t n = data.rows(), f = data.cols();
  mean->assign(f, 0.0);
  scale->assign(f, 0.0);
  constant->clear();
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < f; ++j) (*mean)[j] += data.at(i, j);
  }
  for (size_t j = 0; j < f; ++j) (*mean)[j] /= static_cast<double>(n);
  std::vector<double> ss(f, 0.0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < f; ++j) {
      const double d = data.at(i, j) - (*mean)[j];
      ss[j] += d * d;
    }
  }
  for (size_t j = 0; j < f; ++j) {
    const double sd = n > 1 ? std::sqrt(ss[j] / static_cast<double>(n - 1)) : 0.0;
    const double floor = kConstantRelStd * std::fabs((*mean)[j]);
    (*mean)[j] = ToFloatPrecision((*mean)[j]);
    if (sd == 0 || sd <= floor) {
      (*scale)[j] = ToFloatPrecision(floor > 0 ? floor : 1.0);
      constant->push_back(data.features[j]);
    } else {
      (*scale)[j] = ToFloatPrecision(sd);
    }
  }
}

// The exported model computes in float32: keep every feature's level and spread far from
// float32's limits (1e±38), so the model never divides by a denormal or overflows.
constexpr double kMaxMagnitude = 1e15;
constexpr double kMinScale = 1e-15;

Status CheckFloatRange(const std::string& source, const std::vector<std::string>& features,
                       const std::vector<double>& mean, const std::vector<double>& scale) {
  for (size_t j = 0; j < features.size(); ++j) {
    if (!(std::fabs(mean[j]) <= kMaxMagnitude && scale[j] <= kMaxMagnitude &&
          scale[j] >= kMinScale)) {
      return InvalidArgument(source + ": feature '" + features[j] + "' (mean " + Num(mean[j]) +
                             ", spread " + Num(scale[j]) +
                             ") is outside the range a float32 model handles; rescale it");
    }
  }
  return Status::Ok();
}

Status ValidateOptions(const PcaOptions& o) {
  if (o.components < 0) {
    return InvalidArgument("components must be >= 0 (0 = by explained variance), got " +
                           std::to_string(o.components));
  }
  if (!(o.explained_variance > 0 && o.explained_variance <= 1)) {
    return InvalidArgument("explained_variance must be in (0, 1], got " +
                           Num(o.explained_variance));
  }
  if (!(o.confidence > 0 && o.confidence < 1)) {
    return InvalidArgument("confidence must be in (0, 1), got " + Num(o.confidence));
  }
  return Status::Ok();
}

Status CheckFinite(const Dataset& data) {
  for (size_t i = 0; i < data.rows(); ++i) {
    for (size_t j = 0; j < data.cols(); ++j) {
      if (!std::isfinite(data.at(i, j))) {
        return InvalidArgument(data.source + ": row " + std::to_string(i) + ", feature '" +
                               data.features[j] +
                               "' is not finite (ReadDataset drops such rows; PCA needs them "
                               "removed)");
      }
    }
  }
  return Status::Ok();
}

}  // namespace

double T2Limit(int64_t rows, int components, double confidence) {
  const auto n = static_cast<double>(rows);
  const auto k = static_cast<double>(components);
  if (!(k >= 1 && n > k)) return std::numeric_limits<double>::quiet_NaN();
  return k * (n * n - 1) / (n * (n - k)) * FQuantile(confidence, k, n - k);
}

Result<QLimit> ComputeQLimit(std::span<const double> discarded, double confidence) {
  if (!(confidence > 0 && confidence < 1)) {
    return InvalidArgument("confidence must be in (0, 1), got " + Num(confidence));
  }
  double th1 = 0, th2 = 0, th3 = 0;
  for (double l : discarded) {
    if (!(l >= 0 && std::isfinite(l))) {
      return InvalidArgument("eigenvalue " + Num(l) + " is not a finite non-negative number");
    }
    th1 += l;
    th2 += l * l;
    th3 += l * l * l;
  }
  if (!(th1 > 0 && th2 > 0)) return InvalidArgument("no residual variance for the Q limit");
  QLimit out;
  const double h0 = 1 - 2 * th1 * th3 / (3 * th2 * th2);
  if (h0 > 0) {
    const double z = NormalQuantile(confidence);
    const double base =
        z * std::sqrt(2 * th2 * h0 * h0) / th1 + 1 + th2 * h0 * (h0 - 1) / (th1 * th1);
    if (base > 0) out = {th1 * std::pow(base, 1 / h0), "jackson-mudholkar"};
  }
  if (out.method.empty()) {
    // Box: Q ~ g·χ²_h with the same first two moments as Q.
    const double g = th2 / th1, h = th1 * th1 / th2;
    out = {g * ChiSquareQuantile(confidence, h), "box"};
  }
  if (!(std::isfinite(out.value) && out.value > 0)) {
    return Internal("Q limit is not a positive number: " + Num(out.value));
  }
  return out;
}

PcaScore TrainedPca::ScoreRow(std::span<const double> row) const {
  const size_t f = features.size();
  const auto k = static_cast<size_t>(components);
  if (row.size() != f) {
    std::fprintf(stderr, "TrainedPca::ScoreRow: row of %zu values for %zu features\n", row.size(),
                 f);
    std::abort();
  }
  std::vector<double> xs(f), t(k, 0.0);
  for (size_t j = 0; j < f; ++j) xs[j] = (row[j] - mean[j]) / scale[j];
  for (size_t j = 0; j < f; ++j) {
    for (size_t c = 0; c < k; ++c) t[c] += xs[j] * loadings[j * k + c];
  }
  PcaScore s;
  for (size_t c = 0; c < k; ++c) s.t2 += t[c] * t[c] * inv_eigenvalues[c];
  for (size_t j = 0; j < f; ++j) {
    double recon = 0;
    for (size_t c = 0; c < k; ++c) recon += t[c] * loadings[j * k + c];
    const double r = xs[j] - recon;
    s.q += r * r;
  }
  s.score = std::max(s.t2 / t2_limit, s.q / q_limit);
  return s;
}

Result<std::vector<PcaScore>> TrainedPca::Score(const Dataset& data) const {
  if (data.features != features) {
    return InvalidArgument(data.source + ": features [" + Join(data.features) +
                           "] differ from the model's [" + Join(features) + "]");
  }
  std::vector<PcaScore> out;
  out.reserve(data.rows());
  for (size_t i = 0; i < data.rows(); ++i) out.push_back(ScoreRow(data.row(i)));
  return out;
}

Result<TrainedPca> TrainPca(const Dataset& data, const PcaOptions& options) {
  EL_RETURN_IF_ERROR(ValidateOptions(options));
  const size_t n = data.rows(), f = data.cols();
  if (f < 2) {
    return InvalidArgument(data.source + ": PCA T²/Q needs at least 2 features, got " +
                           std::to_string(f));
  }
  if (n <= f) {
    return InvalidArgument(data.source + ": PCA needs more rows than features, got " +
                           std::to_string(n) + " rows for " + std::to_string(f) + " features");
  }
  EL_RETURN_IF_ERROR(CheckFinite(data));

  TrainedPca m;
  m.features = data.features;
  m.confidence = options.confidence;
  m.training = data.Window();
  FitScaling(data, &m.mean, &m.scale, &m.constant_features);
  EL_RETURN_IF_ERROR(CheckFloatRange(data.source, m.features, m.mean, m.scale));

  // Correlation matrix of the standardized rows, accumulated block by block.
  Eigen::MatrixXd corr =
      Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(f), static_cast<Eigen::Index>(f));
  const Eigen::Map<const Eigen::RowVectorXd> mean(m.mean.data(), static_cast<Eigen::Index>(f));
  const Eigen::Map<const Eigen::RowVectorXd> scale(m.scale.data(), static_cast<Eigen::Index>(f));
  RowMatrix block;
  for (size_t b = 0; b < n; b += kBlockRows) {
    const size_t rows = std::min(kBlockRows, n - b);
    Eigen::Map<const RowMatrix> x(data.x.data() + b * f, static_cast<Eigen::Index>(rows),
                                  static_cast<Eigen::Index>(f));
    block = (x.rowwise() - mean).array().rowwise() / scale.array();
    corr.selfadjointView<Eigen::Lower>().rankUpdate(block.transpose());
  }
  corr = corr.selfadjointView<Eigen::Lower>();
  corr /= static_cast<double>(n - 1);

  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(corr);
  if (solver.info() != Eigen::Success) {
    return Internal(data.source + ": the eigen-decomposition of the correlation matrix failed");
  }
  // Eigen sorts ascending; we want descending, with a deterministic sign per axis (largest
  // component positive) so retraining on the same data gives the same model bytes.
  const auto& values = solver.eigenvalues();
  const auto& vectors = solver.eigenvectors();
  double total = 0;
  for (size_t i = 0; i < f; ++i) {
    const double l = std::max(0.0, values(static_cast<Eigen::Index>(f - 1 - i)));
    m.eigenvalues.push_back(l);
    total += l;
  }
  if (!(total > 0)) return InvalidArgument(data.source + ": every feature is constant");
  int rank = 0;
  for (double l : m.eigenvalues) rank += l > kRankTolerance * total ? 1 : 0;
  const int max_k = std::min(static_cast<int>(f) - 1, rank - 1);
  if (max_k < 1) {
    return InvalidArgument(data.source +
                           ": the data has fewer than 2 independent varying "
                           "features (constant: [" +
                           Join(m.constant_features) + "]); PCA T²/Q needs at least 2");
  }
  int k = options.components;
  if (k > max_k) {
    return InvalidArgument(data.source + ": " + std::to_string(k) +
                           " components requested, at most " + std::to_string(max_k) +
                           " possible (F - 1, and below the numerical rank " +
                           std::to_string(rank) + " so that Q has variance to model)");
  }
  if (k == 0) {
    double cum = 0;
    while (k < max_k) {
      cum += m.eigenvalues[static_cast<size_t>(k)];
      ++k;
      if (cum >= options.explained_variance * total) break;
    }
  }
  m.components = k;
  const auto ku = static_cast<size_t>(k);
  double kept = 0;
  for (size_t c = 0; c < ku; ++c) kept += m.eigenvalues[c];
  m.explained_variance = kept / total;

  m.loadings.assign(f * ku, 0.0);
  for (size_t c = 0; c < ku; ++c) {
    const auto col = static_cast<Eigen::Index>(f - 1 - c);
    Eigen::Index arg = 0;
    vectors.col(col).cwiseAbs().maxCoeff(&arg);
    const double sign = vectors(arg, col) < 0 ? -1.0 : 1.0;
    for (size_t j = 0; j < f; ++j) {
      m.loadings[j * ku + c] = ToFloatPrecision(sign * vectors(static_cast<Eigen::Index>(j), col));
    }
    m.inv_eigenvalues.push_back(ToFloatPrecision(1 / m.eigenvalues[c]));
  }

  m.t2_limit = T2Limit(static_cast<int64_t>(n), k, m.confidence);
  if (!(std::isfinite(m.t2_limit) && m.t2_limit > 0)) {
    return Internal("T² limit is not a positive number: " + Num(m.t2_limit));
  }
  EL_ASSIGN_OR_RETURN(
      QLimit q, ComputeQLimit(std::span<const double>(m.eigenvalues).subspan(ku), m.confidence));
  m.q_limit = q.value;
  m.q_limit_method = q.method;

  m.histograms = ReferenceHistograms(data);
  return m;
}

Result<TrainedPca> RefitScaling(const TrainedPca& model, const Dataset& reference) {
  if (reference.features != model.features) {
    return InvalidArgument(reference.source + ": features [" + Join(reference.features) +
                           "] differ from the model's [" + Join(model.features) + "]");
  }
  if (reference.rows() < 2) {
    return InvalidArgument(reference.source + ": refitting the scaling needs at least 2 rows");
  }
  EL_RETURN_IF_ERROR(CheckFinite(reference));
  TrainedPca out = model;
  FitScaling(reference, &out.mean, &out.scale, &out.constant_features);
  EL_RETURN_IF_ERROR(CheckFloatRange(reference.source, out.features, out.mean, out.scale));
  return out;
}

Status CalibrateThreshold(const Dataset& normal, double false_alarm_rate, TrainedPca* model) {
  EL_ASSIGN_OR_RETURN(auto scores, model->Score(normal));
  std::vector<double> values;
  int64_t over_limit = 0;
  for (const auto& s : scores) {
    values.push_back(s.score);
    over_limit += s.score >= 1.0 ? 1 : 0;
  }
  EL_ASSIGN_OR_RETURN(double threshold, ThresholdForFalseAlarmRate(values, false_alarm_rate));
  model->threshold = threshold;
  model->metrics["calibration"] = {
      {"source", normal.source},
      {"rows", static_cast<int64_t>(normal.rows())},
      {"target_false_alarm_rate", false_alarm_rate},
      {"threshold", threshold},
      // How the theoretical limits (score 1.0) did on the same normal rows.
      {"false_alarm_rate_at_limit",
       static_cast<double>(over_limit) / static_cast<double>(normal.rows())}};
  return Status::Ok();
}

}  // namespace edgeloop::train
