// Result files of `edgeloop eval`: NAB's own formats (so NAB's scorer can read them) and SKAB's
// per-row predictions. Free functions; each writes whole files, creating folders as needed.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "common/status.h"
#include "eval/nab_corpus.h"
#include "eval/skab.h"

namespace edgeloop::eval {

// RESULTS/<detector>/<category>/<detector>_<file>.csv: timestamp,value,anomaly_score,label.
std::string NabResultPath(const std::string& results_dir, const std::string& detector,
                          const std::string& relative_path);
Status WriteNabResultFile(const std::string& results_dir, const std::string& detector,
                          const NabFile& file, std::span<const double> scores);

// RESULTS/<detector>/<detector>_<profile>_scores.csv as NAB's scorer writes it: one row per file
// (Detector,Profile,File,Threshold,Score,TP,TN,FP,FN,Total_Count) and a Totals row.
Status WriteNabScoreTables(const std::string& results_dir, const NabRunResult& result);

// RESULTS/<detector>/<relative path of the SKAB file>: the test portion's rows as
// datetime,anomaly_score,alarm,changepoint_predicted,anomaly,changepoint.
Status WriteSkabResultFile(const std::string& results_dir, const std::string& detector,
                           const SkabFile& file, size_t train_rows, std::span<const double> scores,
                           std::span<const uint8_t> alarms, std::span<const uint8_t> predicted);

}  // namespace edgeloop::eval
