#include "detect/multivariate_input.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace edgeloop::detect {

Status CheckFitRows(std::string_view detector, std::span<const double> rows, size_t cols,
                    const FitRequirements& req) {
  const std::string name(detector);
  if (cols == 0) return InvalidArgument(name + ": rows have no columns");
  if (cols < req.min_cols) {
    return InvalidArgument(name + ": needs at least " + std::to_string(req.min_cols) +
                           " columns, got " + std::to_string(cols));
  }
  if (rows.size() % cols != 0) {
    return InvalidArgument(name + ": " + std::to_string(rows.size()) +
                           " values are not whole rows of " + std::to_string(cols));
  }
  const size_t n = rows.size() / cols;
  if (n < req.min_rows) {
    return InvalidArgument(name + ": needs at least " + std::to_string(req.min_rows) +
                           " rows to fit, got " + std::to_string(n));
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!std::isfinite(rows[i])) {
      return InvalidArgument(name + ": non-finite value in fit row " + std::to_string(i / cols) +
                             ", column " + std::to_string(i % cols));
    }
  }
  for (size_t j = 0; j < cols; ++j) {
    for (size_t i = 1; i < n; ++i) {
      if (rows[i * cols + j] != rows[j]) return Status::Ok();
    }
  }
  return InvalidArgument(name + ": every column is constant over the " + std::to_string(n) +
                         " fit rows; there is no normal variation to learn");
}

train::Dataset ToDataset(std::span<const double> rows, size_t cols) {
  train::Dataset d;
  d.source = "fit rows";
  for (size_t j = 0; j < cols; ++j) d.features.push_back("c" + std::to_string(j));
  d.x.assign(rows.begin(), rows.end());
  return d;
}

std::vector<double> ColumnMeans(std::span<const double> rows, size_t cols) {
  std::vector<double> mean(cols, 0.0);
  const size_t n = rows.size() / cols;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < cols; ++j) mean[j] += rows[i * cols + j];
  }
  for (double& m : mean) m /= static_cast<double>(n);
  return mean;
}

void CheckScoreCall(std::string_view detector, bool fitted, size_t expected_cols, size_t got_cols) {
  if (!fitted) {
    std::fprintf(stderr, "%.*s: Score() called before a successful Fit()\n",
                 static_cast<int>(detector.size()), detector.data());
    std::abort();
  }
  if (got_cols != expected_cols) {
    std::fprintf(stderr, "%.*s: Score() got a row of %zu values, fitted on %zu columns\n",
                 static_cast<int>(detector.size()), detector.data(), got_cols, expected_cols);
    std::abort();
  }
}

}  // namespace edgeloop::detect
