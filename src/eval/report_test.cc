// Leaderboard tables and JSON summaries.
#include "eval/report.h"

#include <gtest/gtest.h>

namespace edgeloop::eval {
namespace {

NabProfileResult Profile(const NabProfile& p, double normalized) {
  NabProfileResult r;
  r.profile = p;
  r.normalized = normalized;
  return r;
}

TEST(ReportTest, NabLeaderboardSortsOursAmongThePublishedRows) {
  NabRunResult ours;
  ours.detector = "mine";
  for (const NabProfile& p : NabProfiles()) ours.profiles.push_back(Profile(p, 60.04));
  NabData data;
  data.dir = "/data/nab";
  data.files.resize(2);
  const std::string table = FormatNabLeaderboard(std::span(&ours, 1), data);
  // Between KNN-CAD (58.0) and CAD OSE (69.9), with NAB's one decimal.
  const size_t cad = table.find("| CAD OSE"), mine = table.find("| mine (edgeloop)"),
               knn = table.find("| KNN-CAD");
  ASSERT_NE(mine, std::string::npos) << table;
  EXPECT_LT(cad, mine);
  EXPECT_LT(mine, knn);
  EXPECT_NE(table.find("60.0 |"), std::string::npos);
  EXPECT_NE(table.find("| Detector"), std::string::npos);
  EXPECT_NE(table.find("Standard Profile | Reward Low FP | Reward Low FN |"), std::string::npos);
  EXPECT_NE(table.find("2 files"), std::string::npos);
}

TEST(ReportTest, SkabLeaderboardHasBothTables) {
  SkabRunResult ours;
  ours.detector = "mine";
  ours.outlier = train::MetricsFromCounts(/*tp=*/8, /*fp=*/1, /*tn=*/9, /*fn=*/2);
  for (const NabProfile& p : NabProfiles()) ours.changepoint.push_back(Profile(p, 40.0));
  SkabData data;
  data.files.resize(1);
  data.skipped = {"anomaly-free/anomaly-free.csv: no anomaly/changepoint columns"};
  const std::string table = FormatSkabLeaderboard(std::span(&ours, 1), data);
  // F1 = 8/(8 + 1.5) = 0.84 ranks first after the perfect detector; FAR 10 %, MAR 20 %.
  EXPECT_LT(table.find("| Perfect detector"), table.find("| mine (edgeloop)"));
  EXPECT_LT(table.find("| mine (edgeloop)"), table.find("| Conv-AE"));
  EXPECT_NE(table.find("| mine (edgeloop)  | 0.84 |  10.00 |  20.00 |"), std::string::npos)
      << table;
  // Changepoints: 40.00 above MSCRED's published 32.42.
  const size_t cp = table.find("Changepoint detection");
  ASSERT_NE(cp, std::string::npos);
  EXPECT_LT(table.find("| mine (edgeloop)", cp), table.find("| MSCRED", cp));
  EXPECT_NE(table.find("skipped (no labels): anomaly-free/anomaly-free.csv"), std::string::npos);
}

TEST(ReportTest, JsonSummaries) {
  NabRunResult nab;
  nab.detector = "mine";
  nab.profiles.push_back(Profile(NabProfiles()[0], 12.5));
  nab.files.push_back({"cat/f.csv", {NabThresholdScore{0.5, -1.0, 0, 3, 0, 2}}});
  const nlohmann::json j = NabRunToJson(nab);
  EXPECT_EQ(j["profiles"]["standard"]["score"], 12.5);
  EXPECT_EQ(j["per_file"][0]["profiles"]["standard"]["tn"], 3);
  SkabRunResult skab;
  skab.detector = "mine";
  skab.outlier = train::MetricsFromCounts(1, 1, 1, 1);
  EXPECT_EQ(SkabRunToJson(skab)["outlier"]["f1"], 0.5);
}

}  // namespace
}  // namespace edgeloop::eval
