#include "detect/isolation_forest_detector.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "detect/multivariate_input.h"

namespace edgeloop::detect {
namespace {
constexpr char kName[] = "isolation_forest";
constexpr double kFloatMax = std::numeric_limits<float>::max();
}  // namespace

IsolationForestDetector::IsolationForestDetector(train::IsolationForestOptions options)
    : options_(options) {}

Status IsolationForestDetector::Fit(std::span<const double> rows, size_t cols) {
  fitted_ = false;
  EL_RETURN_IF_ERROR(CheckFitRows(kName, rows, cols, {.min_cols = 1, .min_rows = 2}));
  auto forest = train::TrainIsolationForest(ToDataset(rows, cols), options_);
  if (!forest.ok()) return forest.status().WithContext(kName);
  forest_ = std::move(*forest);
  mean_ = ColumnMeans(rows, cols);
  cols_ = cols;
  fitted_ = true;
  return Status::Ok();
}

MultivariateScore IsolationForestDetector::Score(Timestamp /*t*/, std::span<const double> row) {
  CheckScoreCall(kName, fitted_, cols_, row.size());
  row_.assign(row.begin(), row.end());
  for (size_t j = 0; j < cols_; ++j) {
    // The forest splits in float32: keep values within float range (casting beyond it is
    // undefined behaviour); a clamped value is still past every split.
    row_[j] = std::isfinite(row_[j]) ? std::clamp(row_[j], -kFloatMax, kFloatMax) : mean_[j];
  }
  MultivariateScore out;
  out.score = forest_.Score(row_);
  out.alarm = out.score >= forest_.threshold;
  return out;
}

}  // namespace edgeloop::detect
