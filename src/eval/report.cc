#include "eval/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <vector>

namespace edgeloop::eval {
namespace {

// Published rows, from ../shared/data/README.md (full corpora, not the shared subsets).
struct NabPublished {
  const char* name;
  double standard, low_fp, low_fn;
};
constexpr NabPublished kNabPublished[] = {
    {"Perfect", 100.0, 100.0, 100.0},
    {"ARTime", 74.9, 65.1, 80.4},
    {"HTM", 70.1, 63.1, 74.3},
    {"CAD OSE", 69.9, 67.0, 73.2},
    {"KNN-CAD", 58.0, 43.4, 64.8},
    {"Random Cut Forest", 51.7, 38.4, 59.7},
    {"Windowed Gaussian", 39.6, 20.9, 47.4},
    {"Random", 11.0, 1.2, 19.5},
    {"Null", 0.0, 0.0, 0.0},
};

struct SkabOutlierPublished {
  const char* name;
  double f1, far, mar;
};
constexpr SkabOutlierPublished kSkabOutlierPublished[] = {
    {"Perfect detector", 1, 0, 0},
    {"Conv-AE", 0.78, 13.55, 28.02},
    {"MSET", 0.78, 39.73, 14.13},
    {"T2+Q (PCA)", 0.76, 26.62, 24.92},
    {"LSTM-AE", 0.74, 29.96, 25.92},
    {"T2", 0.66, 19.21, 42.60},
    {"Isolation forest", 0.29, 2.56, 82.89},
    {"Null detector", 0, 0, 100},
};

// Only MSCRED's standard score is given in the README; the other cells stay empty.
struct SkabCpPublished {
  const char* name;
  std::optional<double> standard, low_fp, low_fn;
};
const SkabCpPublished kSkabCpPublished[] = {
    {"Perfect detector", 100, 100, 100},
    {"MSCRED (best published)", 32.42, std::nullopt, std::nullopt},
    {"Null detector", 0, 0, 0},
};

using Row = std::vector<std::string>;

// A Markdown table with padded columns (the leaderboards are Markdown tables).
std::string Table(const Row& header, const std::vector<Row>& rows) {
  std::vector<size_t> width(header.size(), 3);
  for (size_t c = 0; c < header.size(); ++c) width[c] = std::max(width[c], header[c].size());
  for (const Row& r : rows) {
    for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  }
  const auto line = [&](const Row& r) {
    std::string out = "|";
    for (size_t c = 0; c < r.size(); ++c) {
      out += c == 0 ? fmt::format(" {:<{}} |", r[c], width[c])
                    : fmt::format(" {:>{}} |", r[c], width[c]);
    }
    return out + "\n";
  };
  std::string out = line(header) + "|";
  for (size_t c = 0; c < header.size(); ++c) {
    out += c == 0 ? std::string(width[c] + 2, '-') + "|" : std::string(width[c] + 1, '-') + ":|";
  }
  out += "\n";
  for (const Row& r : rows) out += line(r);
  return out;
}

std::string Cell(std::optional<double> v, int decimals) {
  return v ? fmt::format("{:.{}f}", *v, decimals) : std::string("-");
}

const NabProfileResult* Profile(const std::vector<NabProfileResult>& results, const char* name) {
  for (const auto& r : results) {
    if (r.profile.name == name) return &r;
  }
  return nullptr;
}

std::optional<double> Normalized(const std::vector<NabProfileResult>& results, const char* name) {
  const NabProfileResult* r = Profile(results, name);
  return r ? std::optional<double>(r->normalized) : std::nullopt;
}

// Sorted rows: (sort key, cells), highest key first, stable for equal keys.
void SortRows(std::vector<std::pair<double, Row>>* rows) {
  std::stable_sort(rows->begin(), rows->end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
}

std::vector<Row> Cells(const std::vector<std::pair<double, Row>>& rows) {
  std::vector<Row> out;
  for (const auto& r : rows) out.push_back(r.second);
  return out;
}

nlohmann::json ProfilesToJson(const std::vector<NabProfileResult>& results) {
  nlohmann::json out = nlohmann::json::object();
  for (const NabProfileResult& r : results) {
    out[r.profile.name] = {{"score", r.normalized},
                           {"raw", r.best.score},
                           {"null", r.null_score},
                           {"perfect", r.perfect_score},
                           {"threshold", r.best.threshold},
                           {"tp", r.best.tp},
                           {"tn", r.best.tn},
                           {"fp", r.best.fp},
                           {"fn", r.best.fn},
                           {"windows_detected", r.best.windows_detected},
                           {"windows_scored", r.best.windows_scored}};
  }
  return out;
}

}  // namespace

std::string FormatNabLeaderboard(std::span<const NabRunResult> ours, const NabData& data) {
  std::vector<std::pair<double, Row>> rows;
  for (const NabPublished& p : kNabPublished) {
    rows.push_back(
        {p.standard, {p.name, Cell(p.standard, 1), Cell(p.low_fp, 1), Cell(p.low_fn, 1)}});
  }
  for (const NabRunResult& r : ours) {
    const auto standard = Normalized(r.profiles, "standard");
    rows.push_back({standard.value_or(-1e9),
                    {r.detector + " (edgeloop)", Cell(standard, 1),
                     Cell(Normalized(r.profiles, "reward_low_FP_rate"), 1),
                     Cell(Normalized(r.profiles, "reward_low_FN_rate"), 1)}});
  }
  SortRows(&rows);
  size_t rows_total = 0;
  for (const NabFile& f : data.files) rows_total += f.values.size();
  std::string out = fmt::format(
      "NAB scoreboard (published rows: the full NAB corpus; edgeloop rows: {} files, {} windows, "
      "{} rows under {})\n\n",
      data.files.size(), data.windows, rows_total, data.dir);
  out += Table({"Detector", "Standard Profile", "Reward Low FP", "Reward Low FN"}, Cells(rows));
  for (const NabRunResult& r : ours) {
    std::vector<Row> detail;
    for (const NabProfileResult& p : r.profiles) {
      detail.push_back({p.profile.name, fmt::format("{:.6g}", p.best.threshold),
                        fmt::format("{:.3f}", p.best.score), fmt::format("{:.3f}", p.null_score),
                        fmt::format("{:.3f}", p.perfect_score),
                        fmt::format("{}/{}", p.best.windows_detected, p.best.windows_scored),
                        std::to_string(p.best.fp)});
    }
    out += fmt::format("\n{}: {:.2f} s for {} rows ({:.0f} rows/s)\n\n", r.detector, r.seconds,
                       r.rows, r.seconds > 0 ? static_cast<double>(r.rows) / r.seconds : 0.0);
    out += Table({"profile", "threshold", "raw score", "null", "perfect", "windows hit", "FP rows"},
                 detail);
  }
  return out;
}

std::string FormatSkabLeaderboard(std::span<const SkabRunResult> ours, const SkabData& data) {
  size_t test_rows = 0, changepoints = 0;
  if (!ours.empty()) {
    test_rows = ours.front().test_rows;
    for (const SkabFileResult& f : ours.front().files) changepoints += f.changepoints;
  }
  std::string out = fmt::format(
      "SKAB leaderboards (published rows: the full SKAB corpus; edgeloop rows: {} labelled files, "
      "{} test rows, {} changepoints under {})\n",
      data.files.size(), test_rows, changepoints, data.dir);

  std::vector<std::pair<double, Row>> outlier;
  for (const SkabOutlierPublished& p : kSkabOutlierPublished) {
    outlier.push_back({p.f1, {p.name, Cell(p.f1, 2), Cell(p.far, 2), Cell(p.mar, 2)}});
  }
  for (const SkabRunResult& r : ours) {
    outlier.push_back({r.outlier.f1,
                       {r.detector + " (edgeloop)", Cell(r.outlier.f1, 2), Cell(r.outlier.far, 2),
                        Cell(r.outlier.mar, 2)}});
  }
  SortRows(&outlier);
  out += "\nOutlier detection\n\n";
  out += Table({"Algorithm", "F1", "FAR, %", "MAR, %"}, Cells(outlier));

  std::vector<std::pair<double, Row>> cp;
  for (const SkabCpPublished& p : kSkabCpPublished) {
    cp.push_back(
        {*p.standard, {p.name, Cell(p.standard, 2), Cell(p.low_fp, 2), Cell(p.low_fn, 2)}});
  }
  for (const SkabRunResult& r : ours) {
    const auto standard = Normalized(r.changepoint, "standard");
    cp.push_back({standard.value_or(-1e9),
                  {r.detector + " (edgeloop)", Cell(standard, 2),
                   Cell(Normalized(r.changepoint, "reward_low_FP_rate"), 2),
                   Cell(Normalized(r.changepoint, "reward_low_FN_rate"), 2)}});
  }
  SortRows(&cp);
  out += "\nChangepoint detection (NAB scoring, 60 s window right of each changepoint)\n\n";
  out += Table({"Algorithm", "NAB (standard)", "NAB (lowFP)", "NAB (LowFN)"}, Cells(cp));
  if (!data.skipped.empty()) {
    out += "\nskipped (no labels):";
    for (const std::string& s : data.skipped) out += " " + s.substr(0, s.find(':')) + ";";
    out.back() = '\n';
  }
  return out;
}

nlohmann::json NabRunToJson(const NabRunResult& r) {
  nlohmann::json files = nlohmann::json::array();
  for (const NabFileScores& f : r.files) {
    nlohmann::json by = nlohmann::json::object();
    for (size_t p = 0; p < f.by_profile.size() && p < r.profiles.size(); ++p) {
      const NabThresholdScore& s = f.by_profile[p];
      by[r.profiles[p].profile.name] = {
          {"raw", s.score}, {"tp", s.tp}, {"tn", s.tn}, {"fp", s.fp}, {"fn", s.fn}};
    }
    files.push_back({{"file", f.relative_path}, {"profiles", by}});
  }
  return {{"benchmark", "nab"},
          {"detector", r.detector},
          {"files", r.files.size()},
          {"rows", r.rows},
          {"windows", r.windows},
          {"seconds", r.seconds},
          {"profiles", ProfilesToJson(r.profiles)},
          {"per_file", files}};
}

nlohmann::json SkabRunToJson(const SkabRunResult& r) {
  nlohmann::json files = nlohmann::json::array();
  for (const SkabFileResult& f : r.files) {
    files.push_back({{"file", f.relative_path},
                     {"test_rows", f.test_rows},
                     {"tp", f.tp},
                     {"fp", f.fp},
                     {"tn", f.tn},
                     {"fn", f.fn},
                     {"changepoints", f.changepoints},
                     {"predicted_changepoints", f.predicted_changepoints}});
  }
  return {{"benchmark", "skab"},
          {"detector", r.detector},
          {"files", r.files.size()},
          {"test_rows", r.test_rows},
          {"seconds", r.seconds},
          {"outlier", train::PointMetricsToJson(r.outlier)},
          {"changepoint", ProfilesToJson(r.changepoint)},
          {"per_file", files}};
}

}  // namespace edgeloop::eval
