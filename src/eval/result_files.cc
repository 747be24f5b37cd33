#include "eval/result_files.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

namespace edgeloop::eval {
namespace fs = std::filesystem;
namespace {

Status WriteWhole(const fs::path& path, const std::string& text) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return IoError("cannot create " + path.parent_path().string() + ": " + ec.message());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return IoError("cannot write " + path.string());
  return Status::Ok();
}

}  // namespace

std::string NabResultPath(const std::string& results_dir, const std::string& detector,
                          const std::string& relative_path) {
  const fs::path rel(relative_path);
  return (fs::path(results_dir) / detector / rel.parent_path() /
          (detector + "_" + rel.filename().string()))
      .string();
}

Status WriteNabResultFile(const std::string& results_dir, const std::string& detector,
                          const NabFile& file, std::span<const double> scores) {
  std::string text = "timestamp,value,anomaly_score,label\n";
  text.reserve(file.values.size() * 48);
  size_t w = 0;
  for (size_t i = 0; i < file.values.size(); ++i) {
    while (w < file.windows.size() && file.windows[w].last < i) ++w;
    const bool label = w < file.windows.size() && file.windows[w].first <= i;
    text += FormatNabTimestamp(file.timestamps[i]);
    text += ',';
    text += FormatNabNumber(file.values[i]);
    text += ',';
    text += FormatNabNumber(scores[i]);
    text += label ? ",1\n" : ",0\n";
  }
  return WriteWhole(NabResultPath(results_dir, detector, file.relative_path), text);
}

Status WriteNabScoreTables(const std::string& results_dir, const NabRunResult& result) {
  for (size_t p = 0; p < result.profiles.size(); ++p) {
    const NabProfileResult& profile = result.profiles[p];
    std::string text = "Detector,Profile,File,Threshold,Score,TP,TN,FP,FN,Total_Count\n";
    NabThresholdScore total;
    for (const NabFileScores& f : result.files) {
      const NabThresholdScore& s = f.by_profile[p];
      const int64_t count = s.tp + s.tn + s.fp + s.fn;
      text += fmt::format("{},{},{},{},{},{},{},{},{},{}\n", result.detector, profile.profile.name,
                          f.relative_path, FormatNabNumber(s.threshold), FormatNabNumber(s.score),
                          s.tp, s.tn, s.fp, s.fn, count);
      total.score += s.score;
      total.tp += s.tp;
      total.tn += s.tn;
      total.fp += s.fp;
      total.fn += s.fn;
    }
    text += fmt::format("Totals,,,,{},{},{},{},{},{}\n", FormatNabNumber(total.score), total.tp,
                        total.tn, total.fp, total.fn, total.tp + total.tn + total.fp + total.fn);
    const fs::path path = fs::path(results_dir) / result.detector /
                          (result.detector + "_" + profile.profile.name + "_scores.csv");
    EL_RETURN_IF_ERROR(WriteWhole(path, text));
  }
  return Status::Ok();
}

Status WriteSkabResultFile(const std::string& results_dir, const std::string& detector,
                           const SkabFile& file, size_t train_rows, std::span<const double> scores,
                           std::span<const uint8_t> alarms, std::span<const uint8_t> predicted) {
  std::string text = "datetime,anomaly_score,alarm,changepoint_predicted,anomaly,changepoint\n";
  for (size_t j = 0; j < scores.size(); ++j) {
    const size_t i = train_rows + j;
    text += fmt::format("{},{},{},{},{},{}\n", FormatNabTimestamp(file.timestamps[i]),
                        FormatNabNumber(scores[j]), int{alarms[j]}, int{predicted[j]},
                        int{file.anomaly[i]}, int{file.changepoint[i]});
  }
  return WriteWhole(fs::path(results_dir) / detector / file.relative_path, text);
}

}  // namespace edgeloop::eval
