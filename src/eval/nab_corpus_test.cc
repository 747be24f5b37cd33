// NAB corpus reader and runner on a tiny NAB tree built in a temporary folder.
#include "eval/nab_corpus.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "eval/eval_test_util.h"
#include "eval/result_files.h"

namespace edgeloop::eval {
namespace {
namespace fs = std::filesystem;

std::string Read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// 20 rows at 5-minute steps from 2014-04-01 00:00:00; `step_row` onwards the value is 5.
std::string Series(int step_row) {
  std::string out = "timestamp,value\n";
  for (int i = 0; i < 20; ++i) {
    out += "2014-04-01 " + std::string(i * 5 / 60 < 10 ? "0" : "") + std::to_string(i * 5 / 60) +
           ":" + (i * 5 % 60 < 10 ? "0" : "") + std::to_string(i * 5 % 60) + ":00," +
           (step_row >= 0 && i >= step_row ? "5.0" : "1.0") + "\n";
  }
  return out;
}

// catA/jump.csv steps up at row 11 inside its window (rows 10..12, 00:50..01:00); catB/flat.csv
// has no window; the labels also list a file that is not present.
fs::path MakeTree(const std::string& name) {
  const fs::path root = fs::path(::testing::TempDir()) / ("eval_nab_" + name);
  fs::remove_all(root);
  Write(root / "data/catA/jump.csv", Series(11));
  Write(root / "data/catB/flat.csv", Series(-1));
  Write(root / "labels/combined_windows.json", R"({
    "catA/jump.csv": [["2014-04-01 00:50:00.000000", "2014-04-01 01:00:00.000000"]],
    "catB/flat.csv": [],
    "catC/absent.csv": [["2014-04-01 00:00:00.000000", "2014-04-01 00:10:00.000000"]]
  })");
  return root;
}

// Scores 1 when the value differs from the previous one, else 0. Records what NAB told it.
class StepDetector final : public detect::StreamingDetector {
 public:
  explicit StepDetector(detect::StreamInfo info) : info_(info) {}
  double Update(Timestamp, double value) override {
    const double score = has_prev_ && value != prev_ ? 1.0 : 0.0;
    prev_ = value;
    has_prev_ = true;
    return score;
  }
  detect::StreamInfo info_;

 private:
  double prev_ = 0;
  bool has_prev_ = false;
};

TEST(NabCorpusTest, Timestamps) {
  auto t = ParseNabTimestamp("2014-04-10 07:15:00.000000");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(FormatNabTimestamp(*t), "2014-04-10 07:15:00");
  auto u = ParseNabTimestamp("2014-04-10T07:15:00.25Z");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(*u - *t, std::chrono::milliseconds(250));
  EXPECT_EQ(FormatNabTimestamp(*u), "2014-04-10 07:15:00.250000");
  EXPECT_EQ(ToNanos(*ParseNabTimestamp("1970-01-01 00:00:01")), 1'000'000'000);
  EXPECT_FALSE(ParseNabTimestamp("2014-02-30 00:00:00").ok());
  EXPECT_FALSE(ParseNabTimestamp("2014-04-10").ok());
  EXPECT_FALSE(ParseNabTimestamp("2014-04-10 07:15:00.x").ok());
}

TEST(NabCorpusTest, Numbers) {
  EXPECT_EQ(FormatNabNumber(20.0), "20.0");
  EXPECT_EQ(FormatNabNumber(0.5), "0.5");
  EXPECT_EQ(FormatNabNumber(18.324918539200002), "18.324918539200002");
  EXPECT_EQ(FormatNabNumber(-3.0), "-3.0");
  EXPECT_EQ(FormatNabNumber(1e-05), "1e-05");
}

TEST(NabCorpusTest, LoadsSubsetWithWindowsAsRows) {
  const fs::path root = MakeTree("load");
  auto data = LoadNabCorpus(root.string());
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  ASSERT_EQ(data->files.size(), 2u);
  EXPECT_EQ(data->files[0].relative_path, "catA/jump.csv");
  EXPECT_EQ(data->files[1].relative_path, "catB/flat.csv");
  ASSERT_EQ(data->files[0].windows.size(), 1u);
  EXPECT_EQ(data->files[0].windows[0].first, 10u);  // 00:50
  EXPECT_EQ(data->files[0].windows[0].last, 12u);   // 01:00
  EXPECT_TRUE(data->files[1].windows.empty());
  EXPECT_EQ(data->windows, 1u);
  EXPECT_EQ(data->files[0].values.size(), 20u);
}

TEST(NabCorpusTest, RunWritesNabResultsAndScores) {
  const fs::path root = MakeTree("run");
  auto data = LoadNabCorpus(root.string());
  ASSERT_TRUE(data.ok());
  const fs::path results = root / "results";
  std::vector<detect::StreamInfo> seen;
  NabRunOptions options;
  options.detector = "step";
  options.results_dir = results.string();
  options.make =
      [&seen](
          const detect::StreamInfo& info) -> Result<std::unique_ptr<detect::StreamingDetector>> {
    seen.push_back(info);
    return std::unique_ptr<detect::StreamingDetector>(new StepDetector(info));
  };
  auto run = RunNab(*data, options);
  ASSERT_TRUE(run.ok()) << run.status().ToString();

  // NAB's detector inputs: probation floor(0.15·20) = 3 and the file's value range.
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].probation, 3u);
  EXPECT_EQ(seen[0].min, 1.0);
  EXPECT_EQ(seen[0].max, 5.0);
  EXPECT_EQ(seen[1].max, 1.0);

  // Only row 11 scores 1 (y = -(12 - 11 + 1)/3 = -2/3 in the window); threshold 1 is best.
  const double s_early = 2.0 / (1.0 + std::exp(-10.0 / 3.0)) - 1.0;
  const double s_max = 2.0 / (1.0 + std::exp(-5.0)) - 1.0;
  const double raw = s_early / s_max;
  const NabProfileResult& standard = run->profiles[0];
  EXPECT_EQ(standard.profile.name, "standard");
  EXPECT_DOUBLE_EQ(standard.best.threshold, 1.0);
  EXPECT_NEAR(standard.best.score, raw, 1e-12);
  EXPECT_NEAR(standard.null_score, -1.0, 1e-12);
  EXPECT_NEAR(standard.perfect_score, 1.0, 1e-12);
  EXPECT_NEAR(standard.normalized, 100.0 * (raw + 1.0) / 2.0, 1e-9);
  EXPECT_EQ(standard.best.tp, 1);
  EXPECT_EQ(standard.best.fp, 0);
  EXPECT_EQ(run->rows, 40u);

  // NAB's results layout and format.
  const fs::path jump = results / "step" / "catA" / "step_jump.csv";
  EXPECT_EQ(NabResultPath(results.string(), "step", "catA/jump.csv"), jump.string());
  const std::string text = Read(jump);
  EXPECT_EQ(text.substr(0, text.find('\n')), "timestamp,value,anomaly_score,label");
  EXPECT_NE(text.find("\n2014-04-01 00:00:00,1.0,0.0,0\n"), std::string::npos);
  EXPECT_NE(text.find("\n2014-04-01 00:50:00,1.0,0.0,1\n"), std::string::npos);
  EXPECT_NE(text.find("\n2014-04-01 00:55:00,5.0,1.0,1\n"), std::string::npos);
  EXPECT_NE(text.find("\n2014-04-01 01:05:00,5.0,0.0,0\n"), std::string::npos);
  EXPECT_TRUE(fs::exists(results / "step" / "catB" / "step_flat.csv"));
  const std::string table = Read(results / "step" / "step_standard_scores.csv");
  EXPECT_EQ(table.substr(0, table.find('\n')),
            "Detector,Profile,File,Threshold,Score,TP,TN,FP,FN,Total_Count");
  EXPECT_NE(table.find("step,standard,catA/jump.csv,1.0,"), std::string::npos);
  EXPECT_NE(table.find("\nTotals,,,,"), std::string::npos);
  EXPECT_TRUE(fs::exists(results / "step" / "step_reward_low_FN_rate_scores.csv"));
}

TEST(NabCorpusTest, FactoryErrorsNameTheFile) {
  const fs::path root = MakeTree("factory");
  auto data = LoadNabCorpus(root.string());
  ASSERT_TRUE(data.ok());
  NabRunOptions options;
  options.detector = "broken";
  options.make =
      [](const detect::StreamInfo&) -> Result<std::unique_ptr<detect::StreamingDetector>> {
    return InvalidArgument("cannot start");
  };
  auto run = RunNab(*data, options);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("catA/jump.csv"), std::string::npos);
  options.detector = "a/b";
  EXPECT_FALSE(RunNab(*data, options).ok());
}

TEST(NabCorpusTest, ErrorsAreClear) {
  EXPECT_EQ(LoadNabCorpus("/nonexistent/nab").status().code(), StatusCode::kNotFound);

  const fs::path unlabelled = MakeTree("unlabelled");
  Write(unlabelled / "data/catB/extra.csv", Series(-1));
  auto a = LoadNabCorpus(unlabelled.string());
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("catB/extra.csv"), std::string::npos);

  const fs::path bad_json = MakeTree("badjson");
  Write(bad_json / "labels/combined_windows.json", "{ not json");
  EXPECT_FALSE(LoadNabCorpus(bad_json.string()).ok());

  const fs::path no_rows = MakeTree("norows");
  Write(no_rows / "labels/combined_windows.json", R"({
    "catA/jump.csv": [["2015-01-01 00:00:00.000000", "2015-01-02 00:00:00.000000"]],
    "catB/flat.csv": []})");
  auto c = LoadNabCorpus(no_rows.string());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("matches no row"), std::string::npos);

  const fs::path bad_window = MakeTree("badwindow");
  Write(bad_window / "labels/combined_windows.json",
        R"({"catA/jump.csv": [["2014-04-01 00:50:00"]], "catB/flat.csv": []})");
  EXPECT_FALSE(LoadNabCorpus(bad_window.string()).ok());

  const fs::path no_labels = MakeTree("nolabels");
  fs::remove(no_labels / "labels/combined_windows.json");
  EXPECT_EQ(LoadNabCorpus(no_labels.string()).status().code(), StatusCode::kNotFound);

  const fs::path empty = fs::path(::testing::TempDir()) / "eval_nab_empty";
  fs::remove_all(empty);
  fs::create_directories(empty / "data/catA");
  Write(empty / "labels/combined_windows.json", "{}");
  EXPECT_EQ(LoadNabCorpus(empty.string()).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace edgeloop::eval
