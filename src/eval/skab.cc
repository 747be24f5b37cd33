#include "eval/skab.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

#include "eval/result_files.h"
#include "ingest/signal_file.h"

namespace edgeloop::eval {
namespace fs = std::filesystem;
namespace {

bool IsCsv(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext == ".csv";
}

// A file without label columns comes back with an empty relative_path (the caller skips it).
Result<SkabFile> ReadSkabFile(const fs::path& path, std::string relative) {
  EL_ASSIGN_OR_RETURN(ingest::SignalTable table, ingest::ReadCsvFile(path.string()));
  const ingest::SignalColumn* anomaly = table.Find("anomaly");
  const ingest::SignalColumn* changepoint = table.Find("changepoint");
  SkabFile f;
  if (anomaly == nullptr && changepoint == nullptr) return f;  // unlabelled: caller skips it
  if (anomaly == nullptr || changepoint == nullptr) {
    return InvalidArgument(relative + ": has '" + (anomaly ? "anomaly" : "changepoint") +
                           "' but not '" + (anomaly ? "changepoint" : "anomaly") +
                           "'; SKAB files label both");
  }
  const size_t n = anomaly->values.size();
  if (table.timestamps.size() != n) {
    return InvalidArgument(relative + ": no time column (SKAB's 'datetime')");
  }
  f.relative_path = std::move(relative);
  f.timestamps = std::move(table.timestamps);
  std::vector<const ingest::SignalColumn*> features;
  for (const auto& c : table.columns) {
    if (&c == anomaly || &c == changepoint) continue;
    features.push_back(&c);
    f.feature_names.push_back(c.name);
  }
  if (features.empty()) return InvalidArgument(f.relative_path + ": no feature columns");
  f.features.resize(n * features.size());
  f.anomaly.resize(n);
  f.changepoint.resize(n);
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && f.timestamps[i] < f.timestamps[i - 1]) {
      return InvalidArgument(fmt::format("{}: row {} goes back in time", f.relative_path, i + 1));
    }
    const double a = anomaly->values[i], c = changepoint->values[i];
    if (!std::isfinite(a) || !std::isfinite(c)) {
      return InvalidArgument(fmt::format("{}: row {} has no label", f.relative_path, i + 1));
    }
    f.anomaly[i] = a > 0.5;
    f.changepoint[i] = c > 0.5;
    for (size_t j = 0; j < features.size(); ++j) {
      const double v = features[j]->values[i];
      if (!std::isfinite(v)) {
        return InvalidArgument(fmt::format("{}: row {} has no value for {}", f.relative_path, i + 1,
                                           features[j]->name));
      }
      f.features[i * features.size() + j] = v;
    }
  }
  return f;
}

}  // namespace

Result<SkabData> LoadSkab(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return NotFound("no directory " + dir);
  std::vector<fs::path> paths;
  for (auto it =
           fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file() && IsCsv(it->path())) paths.push_back(it->path());
  }
  if (ec) return IoError("cannot list " + dir + ": " + ec.message());
  std::sort(paths.begin(), paths.end());

  SkabData out;
  out.dir = dir;
  for (const fs::path& p : paths) {
    std::string relative = fs::relative(p, dir, ec).generic_string();
    if (ec || relative.empty()) relative = p.generic_string();
    EL_ASSIGN_OR_RETURN(SkabFile f, ReadSkabFile(p, relative));
    if (f.relative_path.empty()) {
      out.skipped.push_back(relative + ": no anomaly/changepoint columns");
      continue;
    }
    out.files.push_back(std::move(f));
  }
  if (out.files.empty()) {
    return NotFound("no labelled SKAB files (*.csv with anomaly and changepoint columns) under " +
                    dir + (paths.empty() ? " (no CSV files at all)" : ""));
  }
  return out;
}

std::vector<NabWindow> SkabChangepointWindows(const std::vector<Timestamp>& times,
                                              const std::vector<uint8_t>& changepoint,
                                              Duration width) {
  std::vector<NabWindow> out;
  for (size_t j = 0; j < changepoint.size() && j < times.size(); ++j) {
    if (!changepoint[j]) continue;
    const auto end = std::upper_bound(times.begin() + static_cast<std::ptrdiff_t>(j), times.end(),
                                      times[j] + width);
    out.push_back({j, static_cast<size_t>(end - times.begin()) - 1});
  }
  for (size_t k = 0; k + 1 < out.size(); ++k) {
    if (out[k].last >= out[k + 1].first) out[k].last = out[k + 1].first - 1;
  }
  return out;
}

Result<SkabRunResult> RunSkab(const SkabData& data, const SkabOptions& options) {
  if (options.detector.empty() || options.detector.find_first_of("/\\") != std::string::npos) {
    return InvalidArgument("detector name '" + options.detector + "' cannot name result files");
  }
  if (!options.make) return InvalidArgument("no detector factory for " + options.detector);
  SkabRunResult result;
  result.detector = options.detector;
  NabScorer scorer;
  int64_t tp = 0, fp = 0, tn = 0, fn = 0;
  for (size_t k = 0; k < data.files.size(); ++k) {
    const SkabFile& f = data.files[k];
    const size_t n = f.rows(), cols = f.feature_names.size(), train = options.train_rows;
    if (n <= train) {
      return InvalidArgument(fmt::format("{}: {} rows, but SKAB's protocol trains on the first {}",
                                         f.relative_path, n, train));
    }
    auto made = options.make();
    if (!made.ok()) return made.status().WithContext(options.detector + " on " + f.relative_path);
    std::unique_ptr<detect::MultivariateDetector> detector = std::move(made).value();

    const auto start = std::chrono::steady_clock::now();
    EL_RETURN_IF_ERROR(detector->Fit(std::span<const double>(f.features.data(), train * cols), cols)
                           .WithContext(options.detector + " fit on " + f.relative_path));
    SkabFileResult fr;
    fr.relative_path = f.relative_path;
    fr.test_rows = n - train;
    std::vector<double> scores(n - train);
    std::vector<uint8_t> alarms(n - train), predicted(n - train);
    for (size_t i = train; i < n; ++i) {
      const auto s = detector->Score(f.timestamps[i],
                                     std::span<const double>(f.features.data() + i * cols, cols));
      if (!std::isfinite(s.score)) {
        return Internal(fmt::format("detector {} returned a non-finite score at row {} of {}",
                                    options.detector, i + 1, f.relative_path));
      }
      scores[i - train] = s.score;
      alarms[i - train] = s.alarm;
      const bool truth = f.anomaly[i];
      (s.alarm ? (truth ? fr.tp : fr.fp) : (truth ? fr.fn : fr.tn)) += 1;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.seconds += seconds;

    // SKAB's notebooks: changepoints = |diff(alarms)|, the first row keeps its own alarm.
    for (size_t j = 0; j < alarms.size(); ++j) {
      predicted[j] = j == 0 ? alarms[0] : alarms[j] != alarms[j - 1];
      fr.predicted_changepoints += predicted[j];
    }
    const std::vector<Timestamp> times(f.timestamps.begin() + static_cast<std::ptrdiff_t>(train),
                                       f.timestamps.end());
    const std::vector<uint8_t> truth_cp(f.changepoint.begin() + static_cast<std::ptrdiff_t>(train),
                                        f.changepoint.end());
    std::vector<NabWindow> windows =
        SkabChangepointWindows(times, truth_cp, options.changepoint_window);
    fr.changepoints = windows.size();
    EL_RETURN_IF_ERROR(scorer.AddDetections(f.relative_path, predicted, std::move(windows), 0));
    if (!options.results_dir.empty()) {
      EL_RETURN_IF_ERROR(WriteSkabResultFile(options.results_dir, options.detector, f, train,
                                             scores, alarms, predicted));
    }
    tp += fr.tp;
    fp += fr.fp;
    tn += fr.tn;
    fn += fr.fn;
    result.test_rows += fr.test_rows;
    if (options.progress) {
      options.progress(fmt::format(
          "skab {}: [{}/{}] {} ({} test rows, {} alarms, {} of {} anomalous rows flagged) {:.2f} s",
          options.detector, k + 1, data.files.size(), f.relative_path, fr.test_rows, fr.tp + fr.fp,
          fr.tp, fr.tp + fr.fn, seconds));
    }
    result.files.push_back(std::move(fr));
  }
  result.outlier = train::MetricsFromCounts(tp, fp, tn, fn);
  result.changepoint = ScoreDetections(scorer);
  return result;
}

}  // namespace edgeloop::eval
