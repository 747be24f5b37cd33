// `edgeloop eval nab|skab` through the real binary on the shared benchmark subsets: the commands
// run end to end with every registered detector, print the leaderboards beside the published
// rows, write NAB-format results that re-score to the same numbers, and fail clearly on bad
// input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_runner.h"
#include "detect/detector.h"
#include "eval/nab_corpus.h"
#include "eval/nab_scorer.h"
#include "eval/result_files.h"

namespace edgeloop {
namespace {

namespace fs = std::filesystem;
using testing::FreshDir;
using testing::RunEdgeloop;

const fs::path kNab = fs::path(EDGELOOP_SHARED_DATA) / "nab";
const fs::path kSkab = fs::path(EDGELOOP_SHARED_DATA) / "skab";

std::vector<std::string> Registered(bool multivariate) {
  std::vector<std::string> out;
  for (const auto& d : detect::ListDetectors()) {
    if (d.multivariate == multivariate) out.push_back(d.name);
  }
  return out;
}

nlohmann::json ReadJson(const fs::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

// Re-scores a NAB results file the way NAB's optimizer reads one: windows are the runs of
// label = 1, scores the anomaly_score column.
void AddResultsFile(const fs::path& path, eval::NabScorer* scorer) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  ASSERT_EQ(line, "timestamp,value,anomaly_score,label") << path;
  std::vector<double> scores;
  std::vector<eval::NabWindow> windows;
  bool in_window = false;
  while (std::getline(in, line)) {
    std::stringstream row(line);
    std::string t, value, score, label;
    std::getline(row, t, ',');
    std::getline(row, value, ',');
    std::getline(row, score, ',');
    std::getline(row, label, ',');
    ASSERT_TRUE(eval::ParseNabTimestamp(t).ok()) << line;
    const size_t i = scores.size();
    scores.push_back(std::stod(score));
    if (label == "1" && !in_window) windows.push_back({i, i});
    if (label == "1") windows.back().last = i;
    in_window = label == "1";
  }
  ASSERT_TRUE(
      scorer->AddSeries(path.string(), scores, windows, eval::NabProbationLength(scores.size()))
          .ok());
}

// Rows with changepoint = 1 after the first 400 of each labelled SKAB file (last column).
int TestPortionChangepoints(const fs::path& dir) {
  int count = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.path().extension() != ".csv") continue;
    std::ifstream in(entry.path());
    std::string line;
    const auto next = [&in, &line] {  // one line without its CR (the files use CRLF)
      if (!std::getline(in, line)) return false;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return true;
    };
    next();
    if (line.size() < 12 || line.substr(line.size() - 12) != ";changepoint") continue;
    for (int row = 0; next(); ++row) {
      if (row >= 400 && line.substr(line.rfind(';') + 1) == "1.0") ++count;
    }
  }
  return count;
}

TEST(EvalCliTest, NabSubsetEndToEnd) {
  ASSERT_TRUE(fs::is_directory(kNab))
      << "NAB data not found at " << kNab << ": the tests need ../shared/data beside the repo";
  const std::vector<std::string> detectors = Registered(false);
  ASSERT_FALSE(detectors.empty()) << "no streaming detector is registered in detect/registry.cc";
  const fs::path out = FreshDir("eval_nab");
  auto [code, text] = RunEdgeloop("eval nab '" + kNab.string() + "' --out '" + out.string() + "'");
  ASSERT_EQ(code, 0) << text;
  EXPECT_NE(text.find("| Detector"), std::string::npos) << text;
  EXPECT_NE(text.find("Standard Profile"), std::string::npos);
  EXPECT_NE(text.find("| HTM"), std::string::npos);  // a published row beside ours
  EXPECT_NE(text.find("70.1"), std::string::npos);

  const nlohmann::json summary = ReadJson(out / "summary.json");
  ASSERT_TRUE(summary.is_object()) << "summary.json missing or malformed";
  ASSERT_EQ(summary["runs"].size(), detectors.size());
  for (const nlohmann::json& run : summary["runs"]) {
    const std::string name = run["detector"];
    EXPECT_NE(text.find(name + " (edgeloop)"), std::string::npos) << name;
    EXPECT_EQ(run["files"], 11);
    EXPECT_EQ(run["windows"], 6);
    // NAB's own results layout, re-scored from the files alone, gives the printed scores.
    eval::NabScorer scorer;
    for (const auto& entry : fs::recursive_directory_iterator(out / name)) {
      if (entry.path().extension() != ".csv" ||
          entry.path().filename().string().find("_scores.csv") != std::string::npos) {
        continue;
      }
      EXPECT_EQ(entry.path().filename().string().rfind(name + "_", 0), 0u) << entry.path();
      AddResultsFile(entry.path(), &scorer);
    }
    ASSERT_EQ(scorer.series_count(), 11u) << name;
    EXPECT_TRUE(
        fs::exists(out / name / "artificialWithAnomaly" / (name + "_art_daily_jumpsup.csv")));
    const auto rescored = eval::ScoreNabCorpus(scorer);
    for (const auto& p : rescored) {
      const double printed = run["profiles"][p.profile.name]["score"];
      EXPECT_NEAR(p.normalized, printed, 1e-6) << name << " " << p.profile.name;
      EXPECT_LE(printed, 100.0);
    }
    const nlohmann::json final_results = ReadJson(out / "final_results.json");
    EXPECT_TRUE(final_results.contains(name));
  }
}

TEST(EvalCliTest, SkabSubsetEndToEnd) {
  ASSERT_TRUE(fs::is_directory(kSkab))
      << "SKAB data not found at " << kSkab << ": the tests need ../shared/data beside the repo";
  const std::vector<std::string> detectors = Registered(true);
  ASSERT_FALSE(detectors.empty()) << "no multivariate detector is registered";
  const fs::path out = FreshDir("eval_skab");
  auto [code, text] =
      RunEdgeloop("eval skab '" + kSkab.string() + "' --detector all --out '" + out.string() + "'");
  ASSERT_EQ(code, 0) << text;
  EXPECT_NE(text.find("| Algorithm"), std::string::npos) << text;
  EXPECT_NE(text.find("FAR, %"), std::string::npos);
  EXPECT_NE(text.find("| Conv-AE"), std::string::npos);
  EXPECT_NE(text.find("13.55"), std::string::npos);
  EXPECT_NE(text.find("NAB (standard)"), std::string::npos);
  EXPECT_NE(text.find("32.42"), std::string::npos);  // MSCRED, the best published changepoint row
  EXPECT_NE(text.find("skipped data/anomaly-free/anomaly-free.csv"), std::string::npos);

  const nlohmann::json summary = ReadJson(out / "summary.json");
  ASSERT_TRUE(summary.is_object());
  ASSERT_EQ(summary["runs"].size(), detectors.size());
  const int changepoints = TestPortionChangepoints(kSkab);
  EXPECT_GT(changepoints, 0);
  for (const nlohmann::json& run : summary["runs"]) {
    const std::string name = run["detector"];
    EXPECT_NE(text.find(name + " (edgeloop)"), std::string::npos) << name;
    EXPECT_EQ(run["files"], 16);
    const nlohmann::json& o = run["outlier"];
    const int64_t tp = o["tp"], fp = o["fp"], tn = o["tn"], fn = o["fn"];
    EXPECT_EQ(tp + fp + tn + fn, run["test_rows"].get<int64_t>());
    EXPECT_NEAR(o["f1"].get<double>(), tp / (tp + (fn + fp) / 2.0), 1e-12);
    EXPECT_NEAR(o["far"].get<double>(), 100.0 * fp / (fp + tn), 1e-9);
    // One NAB window per changepoint of the test portions; the null detector misses them all.
    const nlohmann::json& cp = run["changepoint"]["standard"];
    EXPECT_EQ(cp["windows_scored"], changepoints) << name;
    EXPECT_NEAR(cp["null"].get<double>(), -changepoints, 1e-9);
    EXPECT_TRUE(fs::exists(out / name / "data" / "valve1" / "0.csv"));
  }
}

// NAB's published ARTime table (numenta/NAB results/ARTime/ARTime_standard_scores.csv): per-file
// raw scores at the corpus threshold 0.317486. Our ARTime's results files, scored by our scorer
// at that threshold, must give the same numbers: this checks the scorer against NAB's own output
// (windows, probation, sigmoid weights of TPs and of FPs after a window) on real detections.
TEST(EvalCliTest, ArtimeResultsRescoreToNabsPublishedTable) {
  ASSERT_TRUE(fs::is_directory(kNab)) << "NAB data not found at " << kNab;
  const auto streaming = Registered(false);
  ASSERT_NE(std::find(streaming.begin(), streaming.end(), "artime"), streaming.end())
      << "the ARTime detector ('artime') is not registered";
  const fs::path out = FreshDir("eval_nab_artime");
  auto [code, text] = RunEdgeloop("eval nab '" + kNab.string() +
                                  "' --detector artime --quiet --out '" + out.string() + "'");
  ASSERT_EQ(code, 0) << text;
  const std::pair<const char*, double> published[] = {
      {"artificialNoAnomaly/art_daily_no_noise.csv", -0.11},
      {"artificialNoAnomaly/art_daily_perfect_square_wave.csv", 0.0},
      {"artificialNoAnomaly/art_daily_small_noise.csv", 0.0},
      {"artificialNoAnomaly/art_flatline.csv", 0.0},
      {"artificialNoAnomaly/art_noisy.csv", 0.0},
      {"artificialWithAnomaly/art_daily_flatmiddle.csv", 0.8039739326751801},
      {"artificialWithAnomaly/art_daily_jumpsdown.csv", 0.9934530536103384},
      {"artificialWithAnomaly/art_daily_jumpsup.csv", 0.8589086704377245},
      {"artificialWithAnomaly/art_daily_nojump.csv", -1.11},
      {"artificialWithAnomaly/art_increase_spike_density.csv", 0.846035950698122},
      {"artificialWithAnomaly/art_load_balancer_spikes.csv", 0.0493832824805146},
  };
  for (const auto& [file, score] : published) {
    eval::NabScorer scorer;
    AddResultsFile(eval::NabResultPath(out.string(), "artime", file), &scorer);
    ASSERT_EQ(scorer.series_count(), 1u) << file;
    const auto s = scorer.ScoreAt(eval::NabProfiles()[0], 0.317486);
    EXPECT_NEAR(s.score, score, 1e-9) << file;
    EXPECT_EQ(s.tp + s.tn + s.fp + s.fn, 3428) << file;  // 4032 rows less 604 of probation
  }
}

TEST(EvalCliTest, ClearErrors) {
  auto [code1, out1] = RunEdgeloop("eval nab /nonexistent/nab");
  EXPECT_EQ(code1, 2);
  EXPECT_NE(out1.find("no directory /nonexistent/nab"), std::string::npos) << out1;

  auto [code2, out2] = RunEdgeloop("eval skab '" + kSkab.string() + "' --detector nosuch");
  EXPECT_EQ(code2, 2);
  EXPECT_NE(out2.find("unknown detector 'nosuch'"), std::string::npos) << out2;

  const std::vector<std::string> streaming = Registered(false);
  if (!streaming.empty()) {
    auto [code3, out3] =
        RunEdgeloop("eval skab '" + kSkab.string() + "' --detector " + streaming.front());
    EXPECT_EQ(code3, 2);
    EXPECT_NE(out3.find("not a multivariate detector"), std::string::npos) << out3;
  }

  const fs::path empty = FreshDir("eval_empty");
  fs::create_directories(empty);
  auto [code4, out4] = RunEdgeloop("eval skab '" + empty.string() + "'");
  EXPECT_EQ(code4, 1);
  EXPECT_NE(out4.find("no labelled SKAB files"), std::string::npos) << out4;
  auto [code5, out5] = RunEdgeloop("eval nab '" + empty.string() + "'");
  EXPECT_EQ(code5, 1);
  EXPECT_NE(out5.find("data"), std::string::npos) << out5;
}

}  // namespace
}  // namespace edgeloop
