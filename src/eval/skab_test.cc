// SKAB protocol on a tiny constructed dataset with a trivial detector defined here.
#include "eval/skab.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "eval/eval_test_util.h"

namespace edgeloop::eval {
namespace {
namespace fs = std::filesystem;

// SKAB's format: `;`-separated, datetime first, one row per second. x is 1 on `high` rows.
std::string SkabCsv(int rows, std::vector<int> high, std::vector<int> anomaly,
                    std::vector<int> changepoint) {
  const auto in = [](const std::vector<int>& v, int i) {
    return std::find(v.begin(), v.end(), i) != v.end();
  };
  std::string out = "datetime;x;y;anomaly;changepoint\n";
  for (int i = 0; i < rows; ++i) {
    out += "2020-03-09 10:" + std::string(i / 60 < 10 ? "0" : "") + std::to_string(i / 60) + ":" +
           (i % 60 < 10 ? "0" : "") + std::to_string(i % 60) + ";" + (in(high, i) ? "1.0" : "0.0") +
           ";0.5;" + (in(anomaly, i) ? "1.0" : "0.0") + ";" + (in(changepoint, i) ? "1.0" : "0.0") +
           "\n";
  }
  return out;
}

// Alarms when x exceeds the training mean of x by 0.5; counts what it was fitted on.
class StepDetector final : public detect::MultivariateDetector {
 public:
  explicit StepDetector(size_t* fitted_rows) : fitted_rows_(fitted_rows) {}
  Status Fit(std::span<const double> rows, size_t cols) override {
    if (cols != 2) return InvalidArgument("expected 2 columns");
    double sum = 0;
    for (size_t i = 0; i < rows.size(); i += cols) sum += rows[i];
    mean_ = sum / static_cast<double>(rows.size() / cols);
    *fitted_rows_ += rows.size() / cols;
    return Status::Ok();
  }
  detect::MultivariateScore Score(Timestamp, std::span<const double> row) override {
    const bool alarm = row[0] > mean_ + 0.5;
    return {alarm ? 1.0 : 0.0, alarm};
  }

 private:
  size_t* fitted_rows_;
  double mean_ = 0;
};

// sub/a.csv: 10 training rows, 20 test rows (10..29); anomaly on rows 15..19 with changepoints
// at 15 and 20; x is high on rows 16..21. sub/deeper/b.csv: 10 + 10 rows, no anomaly, x high on
// row 13. free.csv has no labels.
fs::path MakeTree(const std::string& name) {
  const fs::path root = fs::path(::testing::TempDir()) / ("eval_skab_" + name);
  fs::remove_all(root);
  Write(root / "sub/a.csv", SkabCsv(30, {16, 17, 18, 19, 20, 21}, {15, 16, 17, 18, 19}, {15, 20}));
  Write(root / "sub/deeper/b.csv", SkabCsv(20, {13}, {}, {}));
  Write(root / "free.csv", "datetime;x;y\n2020-03-09 10:00:00;0;0\n");
  return root;
}

double S(double y) { return 2.0 / (1.0 + std::exp(5.0 * y)) - 1.0; }

TEST(SkabTest, FindsLabelledFilesRecursively) {
  auto data = LoadSkab(MakeTree("load").string());
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  ASSERT_EQ(data->files.size(), 2u);
  EXPECT_EQ(data->files[0].relative_path, "sub/a.csv");
  EXPECT_EQ(data->files[1].relative_path, "sub/deeper/b.csv");
  EXPECT_EQ(data->files[0].feature_names, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(data->files[0].rows(), 30u);
  ASSERT_EQ(data->skipped.size(), 1u);
  EXPECT_NE(data->skipped[0].find("free.csv"), std::string::npos);
}

TEST(SkabTest, ChangepointWindowsAreRightHandAndDisjoint) {
  std::vector<Timestamp> t;
  for (int i = 0; i < 12; ++i) t.push_back(FromNanos(int64_t{i} * 1'000'000'000));
  t.push_back(t.back() + std::chrono::seconds(2));  // a 2 s gap, as SKAB has
  std::vector<uint8_t> cp(13, 0);
  cp[2] = cp[4] = cp[10] = 1;
  const auto w = SkabChangepointWindows(t, cp, std::chrono::seconds(3));
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].first, 2u);  // [2 s, 5 s] would reach row 5; cut before the next changepoint
  EXPECT_EQ(w[0].last, 3u);
  EXPECT_EQ(w[1].first, 4u);  // [4 s, 7 s]: rows 4..7
  EXPECT_EQ(w[1].last, 7u);
  EXPECT_EQ(w[2].first, 10u);  // [10 s, 13 s]: rows 10, 11 and 12 (at 13 s after the gap)
  EXPECT_EQ(w[2].last, 12u);
}

TEST(SkabTest, ProtocolScoresPointsAndChangepoints) {
  const fs::path root = MakeTree("run");
  auto data = LoadSkab(root.string());
  ASSERT_TRUE(data.ok());
  size_t fitted = 0;
  std::vector<std::string> progress;
  SkabOptions options;
  options.detector = "step";
  options.train_rows = 10;
  options.results_dir = (root / "results").string();
  options.progress = [&progress](const std::string& line) { progress.push_back(line); };
  options.make = [&fitted]() -> Result<std::unique_ptr<detect::MultivariateDetector>> {
    return std::unique_ptr<detect::MultivariateDetector>(new StepDetector(&fitted));
  };
  auto run = RunSkab(*data, options);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(fitted, 20u);  // 10 training rows per file
  EXPECT_EQ(progress.size(), 2u);
  EXPECT_EQ(run->test_rows, 30u);

  // Test rows of a (index j = row - 10): alarms j 6..11, anomaly j 5..9 -> TP 4, FP 2, FN 1,
  // TN 13; b: one alarm on a normal row -> FP 1, TN 9. Over both: F1 = 4/(4 + (1 + 3)/2),
  // FAR = 100·3/25, MAR = 100·1/5.
  EXPECT_EQ(run->outlier.tp, 4);
  EXPECT_EQ(run->outlier.fp, 3);
  EXPECT_EQ(run->outlier.fn, 1);
  EXPECT_EQ(run->outlier.tn, 22);
  EXPECT_NEAR(run->outlier.f1, 4.0 / 6.0, 1e-12);
  EXPECT_NEAR(run->outlier.far, 12.0, 1e-12);
  EXPECT_NEAR(run->outlier.mar, 20.0, 1e-12);

  // Changepoints. a: true at j 5 and 10; 60 s windows reach the end (j 19), the first is cut
  // to j 5..9 (W = 5), the second is j 10..19 (W = 10). Predicted (alarm transitions): j 6 and
  // j 12, y = -(9 - 6 + 1)/5 = -0.8 and y = -(19 - 12 + 1)/10 = -0.8. b: predicted j 3 and 4,
  // no window: two FPs at -0.11. Null = -2 (no detections), perfect = 2.
  ASSERT_EQ(run->files.size(), 2u);
  EXPECT_EQ(run->files[0].changepoints, 2u);
  EXPECT_EQ(run->files[0].predicted_changepoints, 2u);
  EXPECT_EQ(run->files[1].predicted_changepoints, 2u);
  const double raw = 2 * S(-0.8) / S(-1.0) - 0.22;
  ASSERT_EQ(run->changepoint.size(), 3u);
  EXPECT_NEAR(run->changepoint[0].best.score, raw, 1e-12);
  EXPECT_NEAR(run->changepoint[0].null_score, -2.0, 1e-12);
  EXPECT_NEAR(run->changepoint[0].normalized, 100.0 * (raw + 2.0) / 4.0, 1e-9);
  // reward_low_FP_rate: FPs cost 0.22 each.
  EXPECT_NEAR(run->changepoint[1].best.score, 2 * S(-0.8) / S(-1.0) - 0.44, 1e-12);

  const fs::path out = root / "results" / "step" / "sub" / "a.csv";
  std::ifstream in(out);
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header, "datetime,anomaly_score,alarm,changepoint_predicted,anomaly,changepoint");
}

TEST(SkabTest, ErrorsAreClear) {
  EXPECT_EQ(LoadSkab("/nonexistent/skab").status().code(), StatusCode::kNotFound);

  const fs::path only_free = fs::path(::testing::TempDir()) / "eval_skab_free";
  fs::remove_all(only_free);
  Write(only_free / "free.csv", "datetime;x\n2020-03-09 10:00:00;0\n");
  auto none = LoadSkab(only_free.string());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_NE(none.status().message().find("no labelled"), std::string::npos);

  const fs::path half = MakeTree("half");
  Write(half / "c.csv", "datetime;x;anomaly\n2020-03-09 10:00:00;0;0\n");
  auto h = LoadSkab(half.string());
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.status().message().find("c.csv"), std::string::npos);

  // The default protocol needs more than 400 rows per file.
  auto data = LoadSkab(MakeTree("short").string());
  ASSERT_TRUE(data.ok());
  SkabOptions options;
  options.detector = "step";
  size_t fitted = 0;
  options.make = [&fitted]() -> Result<std::unique_ptr<detect::MultivariateDetector>> {
    return std::unique_ptr<detect::MultivariateDetector>(new StepDetector(&fitted));
  };
  auto run = RunSkab(*data, options);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("first 400"), std::string::npos);
}

}  // namespace
}  // namespace edgeloop::eval
