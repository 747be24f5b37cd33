#include "eval/nab_corpus.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "eval/result_files.h"
#include "ingest/signal_file.h"

namespace edgeloop::eval {
namespace fs = std::filesystem;
namespace {

// Reads `n` decimal digits at `pos`; false when they are not all digits.
bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

Result<std::vector<std::pair<Timestamp, Timestamp>>> ParseWindowList(const nlohmann::json& list,
                                                                     const std::string& key) {
  std::vector<std::pair<Timestamp, Timestamp>> out;
  if (!list.is_array()) {
    return InvalidArgument("labels for " + key + " are not a list of [start, end] windows");
  }
  for (const auto& w : list) {
    if (!w.is_array() || w.size() != 2 || !w[0].is_string() || !w[1].is_string()) {
      return InvalidArgument("a window of " + key + " is not a [start, end] pair of timestamps");
    }
    EL_ASSIGN_OR_RETURN(Timestamp a, ParseNabTimestamp(w[0].get<std::string>()));
    EL_ASSIGN_OR_RETURN(Timestamp b, ParseNabTimestamp(w[1].get<std::string>()));
    if (b < a) return InvalidArgument("a window of " + key + " ends before it starts");
    out.emplace_back(a, b);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::map<std::string, nlohmann::json>> ReadLabels(const fs::path& path) {
  std::ifstream in(path);
  if (!in) {
    return NotFound("no " + path.string() +
                    " (NAB's layout: data/<category>/*.csv and labels/combined_windows.json)");
  }
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return InvalidArgument(path.string() + " is not a JSON object of file -> windows");
  }
  std::map<std::string, nlohmann::json> out;
  for (auto it = j.begin(); it != j.end(); ++it) out[it.key()] = it.value();
  return out;
}

Result<NabFile> ReadNabFile(const fs::path& path, std::string relative,
                            const nlohmann::json& labels) {
  EL_ASSIGN_OR_RETURN(ingest::SignalTable table, ingest::ReadCsvFile(path.string()));
  const ingest::SignalColumn* value = table.Find("value");
  if (value == nullptr || (table.timestamps.empty() && !value->values.empty())) {
    return InvalidArgument(path.string() + ": expected NAB's columns timestamp,value");
  }
  NabFile f;
  f.relative_path = std::move(relative);
  f.timestamps = std::move(table.timestamps);
  f.values = value->values;
  for (size_t i = 0; i < f.values.size(); ++i) {
    if (!std::isfinite(f.values[i])) {
      return InvalidArgument(fmt::format("{}: row {} has no numeric value", path.string(), i + 1));
    }
    if (i > 0 && f.timestamps[i] < f.timestamps[i - 1]) {
      return InvalidArgument(fmt::format("{}: row {} goes back in time", path.string(), i + 1));
    }
  }
  EL_ASSIGN_OR_RETURN(auto limits, ParseWindowList(labels, f.relative_path));
  for (const auto& [a, b] : limits) {
    const auto lo = std::lower_bound(f.timestamps.begin(), f.timestamps.end(), a);
    const auto hi = std::upper_bound(f.timestamps.begin(), f.timestamps.end(), b);
    if (lo >= hi) {
      return InvalidArgument(fmt::format("{}: window [{}, {}] matches no row of the file",
                                         f.relative_path, FormatNabTimestamp(a),
                                         FormatNabTimestamp(b)));
    }
    NabWindow w{static_cast<size_t>(lo - f.timestamps.begin()),
                static_cast<size_t>(hi - f.timestamps.begin()) - 1};
    if (!f.windows.empty() && w.first <= f.windows.back().last) {
      return InvalidArgument(f.relative_path + ": labelled windows overlap");
    }
    f.windows.push_back(w);
  }
  return f;
}

}  // namespace

Result<Timestamp> ParseNabTimestamp(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '"')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '"' || text.back() == 'Z')) {
    text.remove_suffix(1);
  }
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  const bool ok = Digits(text, 0, 4, &y) && text.size() >= 19 && text[4] == '-' &&
                  Digits(text, 5, 2, &mo) && text[7] == '-' && Digits(text, 8, 2, &d) &&
                  (text[10] == ' ' || text[10] == 'T') && Digits(text, 11, 2, &h) &&
                  text[13] == ':' && Digits(text, 14, 2, &mi) && text[16] == ':' &&
                  Digits(text, 17, 2, &s);
  const std::chrono::year_month_day ymd{std::chrono::year{y},
                                        std::chrono::month{static_cast<unsigned>(mo)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ok || !ymd.ok() || h > 23 || mi > 59 || s > 60) {
    return InvalidArgument("'" + std::string(text) + "' is not a timestamp YYYY-MM-DD HH:MM:SS");
  }
  int64_t nanos = 0;
  if (text.size() > 19) {
    if (text[19] != '.' || text.size() == 20 || text.size() > 29) {
      return InvalidArgument("'" + std::string(text) + "' is not a timestamp YYYY-MM-DD HH:MM:SS");
    }
    int64_t scale = 100'000'000;
    for (size_t i = 20; i < text.size(); ++i, scale /= 10) {
      if (text[i] < '0' || text[i] > '9') {
        return InvalidArgument("'" + std::string(text) + "' has a malformed fraction of a second");
      }
      nanos += (text[i] - '0') * scale;
    }
  }
  return Timestamp(std::chrono::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) +
                   std::chrono::seconds(s) + std::chrono::nanoseconds(nanos));
}

std::string FormatNabTimestamp(Timestamp t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{t - day};
  std::string out =
      fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  hms.hours().count(), hms.minutes().count(), hms.seconds().count());
  const int64_t ns = hms.subseconds().count();
  if (ns != 0) {
    out += ns % 1000 == 0 ? fmt::format(".{:06}", ns / 1000) : fmt::format(".{:09}", ns);
  }
  return out;
}

std::string FormatNabNumber(double v) {
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  std::string out(buf, res.ptr);
  if (out.find_first_of(".eEn") == std::string::npos) out += ".0";
  return out;
}

Result<NabData> LoadNabCorpus(const std::string& dir) {
  const fs::path root(dir);
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return NotFound("no directory " + dir);
  const fs::path data_dir = root / "data";
  if (!fs::is_directory(data_dir, ec)) {
    return NotFound("no " + data_dir.string() +
                    " (NAB's layout: data/<category>/*.csv and labels/combined_windows.json)");
  }
  EL_ASSIGN_OR_RETURN(auto labels, ReadLabels(root / "labels" / "combined_windows.json"));

  std::vector<std::pair<std::string, fs::path>> found;  // relative path, file
  for (const auto& category : fs::directory_iterator(data_dir, ec)) {
    if (!category.is_directory()) continue;
    for (const auto& entry : fs::directory_iterator(category.path(), ec)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".csv") continue;
      found.emplace_back(
          category.path().filename().string() + "/" + entry.path().filename().string(),
          entry.path());
    }
  }
  if (ec) return IoError("cannot list " + data_dir.string() + ": " + ec.message());
  if (found.empty()) return NotFound("no data/<category>/*.csv files under " + dir);
  std::sort(found.begin(), found.end());

  std::string unlabelled;
  for (const auto& [relative, path] : found) {
    if (!labels.contains(relative)) unlabelled += (unlabelled.empty() ? "" : ", ") + relative;
  }
  if (!unlabelled.empty()) {
    return InvalidArgument("no windows in labels/combined_windows.json for: " + unlabelled);
  }

  NabData out;
  out.dir = dir;
  for (const auto& [relative, path] : found) {
    EL_ASSIGN_OR_RETURN(NabFile f, ReadNabFile(path, relative, labels.at(relative)));
    out.windows += f.windows.size();
    out.files.push_back(std::move(f));
  }
  return out;
}

Result<NabRunResult> RunNab(const NabData& data, const NabRunOptions& options) {
  if (options.detector.empty() || options.detector.find_first_of("/\\") != std::string::npos) {
    return InvalidArgument("detector name '" + options.detector + "' cannot name result files");
  }
  if (!options.make) return InvalidArgument("no detector factory for " + options.detector);
  NabRunResult result;
  result.detector = options.detector;
  NabScorer scorer;
  for (size_t k = 0; k < data.files.size(); ++k) {
    const NabFile& f = data.files[k];
    detect::StreamInfo info;
    info.probation = NabProbationLength(f.values.size());
    if (!f.values.empty()) {
      const auto [lo, hi] = std::minmax_element(f.values.begin(), f.values.end());
      info.min = *lo;
      info.max = *hi;
    }
    auto made = options.make(info);
    if (!made.ok()) return made.status().WithContext(options.detector + " on " + f.relative_path);
    std::unique_ptr<detect::StreamingDetector> detector = std::move(made).value();

    std::vector<double> scores(f.values.size());
    const auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < f.values.size(); ++i) {
      scores[i] = detector->Update(f.timestamps[i], f.values[i]);
      if (!std::isfinite(scores[i])) {
        return Internal(fmt::format("detector {} returned a non-finite score at row {} of {}",
                                    options.detector, i + 1, f.relative_path));
      }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.seconds += seconds;
    result.rows += f.values.size();
    result.windows += f.windows.size();
    if (!options.results_dir.empty()) {
      EL_RETURN_IF_ERROR(WriteNabResultFile(options.results_dir, options.detector, f, scores));
    }
    EL_RETURN_IF_ERROR(scorer.AddSeries(f.relative_path, scores, f.windows, info.probation));
    if (options.progress) {
      options.progress(fmt::format("nab {}: [{}/{}] {} ({} rows, {} windows) {:.2f} s",
                                   options.detector, k + 1, data.files.size(), f.relative_path,
                                   f.values.size(), f.windows.size(), seconds));
    }
  }

  result.profiles = ScoreNabCorpus(scorer, options.profiles);
  result.files.resize(data.files.size());
  for (size_t k = 0; k < data.files.size(); ++k) {
    result.files[k].relative_path = data.files[k].relative_path;
  }
  for (const NabProfileResult& p : result.profiles) {
    const auto per_file = scorer.ScoreSeriesAt(p.profile, p.best.threshold);
    for (size_t k = 0; k < per_file.size(); ++k) result.files[k].by_profile.push_back(per_file[k]);
  }
  if (!options.results_dir.empty()) {
    EL_RETURN_IF_ERROR(WriteNabScoreTables(options.results_dir, result));
  }
  return result;
}

}  // namespace edgeloop::eval
