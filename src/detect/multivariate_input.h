// Input checks and helpers shared by the multivariate detectors (pca_t2q, isolation_forest,
// mewma): the same Fit errors and the same missing-value rule everywhere.
//
// Pure functions, safe from any thread.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "train/dataset.h"

namespace edgeloop::detect {

struct FitRequirements {
  size_t min_cols = 1;
  size_t min_rows = 2;
};

// Errors (InvalidArgument, prefixed with `detector`): cols == 0 or below min_cols; rows.size()
// not a multiple of cols; fewer than min_rows rows; a non-finite value (the message names its
// row and column); every column constant (nothing to learn from).
Status CheckFitRows(std::string_view detector, std::span<const double> rows, size_t cols,
                    const FitRequirements& req);

// The rows as a train::Dataset with features named c0, c1, ... (for the trainers).
train::Dataset ToDataset(std::span<const double> rows, size_t cols);

// Column means of row-major `rows`.
std::vector<double> ColumnMeans(std::span<const double> rows, size_t cols);

// Score() with a row of the wrong width, or before a successful Fit, is a bug in the caller (it
// chose the schema when it fitted): abort loudly with the detector's name.
void CheckScoreCall(std::string_view detector, bool fitted, size_t expected_cols, size_t got_cols);

}  // namespace edgeloop::detect
