// The Skoltech Anomaly Benchmark's protocol (github.com/waico/SKAB, see
// ../shared/data/README.md): for each labelled file the first 400 rows train a multivariate
// detector and the rest is the test portion, scored row by row in time order.
// - Outlier detection, point by point over all test portions together: F1 = TP/(TP + (FN+FP)/2),
//   FAR = 100·FP/(FP+TN), MAR = 100·FN/(FN+TP), the detector's own alarms against `anomaly`.
// - Changepoint detection as SKAB's notebooks derive it: predicted changepoints are the alarm
//   sequence's transitions, |alarm[i] − alarm[i−1]| with the first test row's alarm itself; each
//   true changepoint (`changepoint` = 1 in the test portion) gets a window of the rows in
//   [t_cp, t_cp + 60 s] (right-hand window). Where two windows meet (SKAB's changepoints are often
//   exactly 60 s apart) the earlier one ends just before the next changepoint's row, so each
//   changepoint row opens its own window. The detections are scored with NAB's rules
//   (eval/nab_scorer.h, no probation: the training rows are not scored) for NAB's three profiles.
//   SKAB's own tsad scorer uses a different (tanh) weighting; see eval/README.md.
//
// Files: every *.csv under DIR, recursively, with `anomaly` and `changepoint` columns and a time
// column; files without both label columns (anomaly-free.csv) are skipped and listed. Free
// functions, no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "detect/detector.h"
#include "eval/nab_corpus.h"
#include "eval/nab_scorer.h"
#include "train/calibration.h"

namespace edgeloop::eval {

struct SkabFile {
  std::string relative_path;  // "valve1/0.csv"
  std::vector<std::string> feature_names;
  std::vector<Timestamp> timestamps;
  std::vector<double> features;  // row-major, feature_names.size() per row
  std::vector<uint8_t> anomaly;
  std::vector<uint8_t> changepoint;
  size_t rows() const { return timestamps.size(); }
};

struct SkabData {
  std::string dir;
  std::vector<SkabFile> files;       // sorted by relative path
  std::vector<std::string> skipped;  // "anomaly-free/anomaly-free.csv: no anomaly/changepoint"
};

// Errors: no such directory, no labelled file, unreadable CSVs, a labelled file without a time
// column, with only one of the two label columns, or with non-finite feature values.
Result<SkabData> LoadSkab(const std::string& dir);

using MultivariateFactory = std::function<Result<std::unique_ptr<detect::MultivariateDetector>>()>;

struct SkabOptions {
  std::string detector;      // name in results paths and tables
  MultivariateFactory make;  // a fresh detector per file
  size_t train_rows = 400;   // SKAB's training portion
  Duration changepoint_window = std::chrono::seconds(60);
  std::string results_dir;  // empty: write nothing
  ProgressFn progress;      // optional, one line per file
};

struct SkabFileResult {
  std::string relative_path;
  size_t test_rows = 0;
  int64_t tp = 0, fp = 0, tn = 0, fn = 0;
  size_t changepoints = 0;            // true changepoints in the test portion
  size_t predicted_changepoints = 0;  // alarm transitions
};

struct SkabRunResult {
  std::string detector;
  train::PointMetrics outlier;                // over all test portions together
  std::vector<NabProfileResult> changepoint;  // NAB profiles
  std::vector<SkabFileResult> files;
  size_t test_rows = 0;
  double seconds = 0;  // fit + score time
};

// Runs the protocol. Files must hold more rows than `train_rows`.
Result<SkabRunResult> RunSkab(const SkabData& data, const SkabOptions& options);

// The changepoint windows of one test portion (row indices into it), as described above.
std::vector<NabWindow> SkabChangepointWindows(const std::vector<Timestamp>& times,
                                              const std::vector<uint8_t>& changepoint,
                                              Duration width);

}  // namespace edgeloop::eval
