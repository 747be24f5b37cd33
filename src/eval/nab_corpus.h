// NAB's corpus layout and run protocol: read data/<category>/*.csv and
// labels/combined_windows.json, stream every file through a streaming detector, write NAB's
// results files and score them with NAB's rules (eval/nab_scorer.h).
//
// Layout (as in github.com/numenta/NAB): DIR/data/<category>/<file>.csv with header
// `timestamp,value`; DIR/labels/combined_windows.json maps "<category>/<file>.csv" to a list of
// [start, end] timestamps ("YYYY-MM-DD HH:MM:SS.ffffff"). Any subset of the corpus works: labels
// of files that are absent are ignored. A data file without an entry in the labels is an error
// naming it (scoring it as "no anomalies" would silently misreport it).
//
// Results (as NAB's detector runner writes them, so NAB's own scorer can read them):
// RESULTS/<detector>/<category>/<detector>_<file>.csv with `timestamp,value,anomaly_score,label`
// (label 1 inside a window), plus RESULTS/<detector>/<detector>_<profile>_scores.csv with NAB's
// per-file score table. Free functions, no shared state: safe from any thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "detect/detector.h"
#include "eval/nab_scorer.h"

namespace edgeloop::eval {

struct NabFile {
  std::string relative_path;  // "artificialWithAnomaly/art_daily_jumpsup.csv" (the labels key)
  std::vector<Timestamp> timestamps;
  std::vector<double> values;
  std::vector<NabWindow> windows;  // rows whose timestamp lies in [start, end] of each window
};

struct NabData {
  std::string dir;
  std::vector<NabFile> files;  // sorted by relative path
  size_t windows = 0;
};

// "2014-04-10 07:15:00.000000", "2014-04-10 07:15:00" or with 'T'; UTC.
Result<Timestamp> ParseNabTimestamp(std::string_view text);
// "2014-04-10 07:15:00" (fractional seconds only when not zero), as pandas writes them.
std::string FormatNabTimestamp(Timestamp t);
// Shortest text that reads back as the same double, with ".0" on integral values (Python's repr).
std::string FormatNabNumber(double v);

// Reads the corpus under `dir`. Errors: missing folders or labels file, malformed JSON, a data
// file without labels, unreadable CSVs, a window that matches no row of its file.
Result<NabData> LoadNabCorpus(const std::string& dir);

using StreamingFactory =
    std::function<Result<std::unique_ptr<detect::StreamingDetector>>(const detect::StreamInfo&)>;
using ProgressFn = std::function<void(const std::string&)>;

struct NabRunOptions {
  std::string detector;     // name in results paths and tables
  StreamingFactory make;    // a fresh detector per file
  std::string results_dir;  // empty: write nothing
  ProgressFn progress;      // optional, one line per file
  std::vector<NabProfile> profiles = NabProfiles();
};

struct NabFileScores {
  std::string relative_path;
  std::vector<NabThresholdScore> by_profile;  // at each profile's corpus threshold
};

struct NabRunResult {
  std::string detector;
  std::vector<NabProfileResult> profiles;
  std::vector<NabFileScores> files;
  size_t rows = 0;
  size_t windows = 0;
  double seconds = 0;  // detector time (reading and writing excluded)
};

// Runs `options.make`'s detector over every file (StreamInfo: NAB's probation length and the
// file's value range, as NAB gives its detectors) and scores the corpus.
Result<NabRunResult> RunNab(const NabData& data, const NabRunOptions& options);

}  // namespace edgeloop::eval
