// NAB scorer on tiny constructed series. Every expected value is derived by hand below from NAB's
// rules: in-window weight S(y)/S(-1) with y = -(last - i + 1)/W, false positive weight fp·S(y)
// with y = (i - last)/(W - 1) after a window or -fp before any, S(y) = 2/(1 + e^(5y)) - 1.
#include "eval/nab_scorer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace edgeloop::eval {
namespace {

constexpr double kTol = 1e-12;

// S written out by hand for the test (independent of ScaledSigmoid).
double S(double y) { return 2.0 / (1.0 + std::exp(5.0 * y)) - 1.0; }

const NabProfile& Standard() { return NabProfiles()[0]; }
const NabProfile& LowFp() { return NabProfiles()[1]; }
const NabProfile& LowFn() { return NabProfiles()[2]; }

// Ten rows, one window over rows 4..6 (W = 3), no probation; `hits` rows score 1, others 0.
NabScorer TenRows(std::vector<size_t> hits, size_t probation = 0) {
  std::vector<double> scores(10, 0.0);
  for (size_t h : hits) scores[h] = 1.0;
  NabScorer s;
  EXPECT_TRUE(s.AddSeries("f", scores, {{4, 6}}, probation).ok());
  return s;
}

TEST(NabScorerTest, ProfilesAreNabs) {
  ASSERT_EQ(NabProfiles().size(), 3u);
  EXPECT_EQ(Standard().name, "standard");
  EXPECT_DOUBLE_EQ(Standard().fp_weight, 0.11);
  EXPECT_EQ(LowFp().name, "reward_low_FP_rate");
  EXPECT_DOUBLE_EQ(LowFp().fp_weight, 0.22);
  EXPECT_EQ(LowFn().name, "reward_low_FN_rate");
  EXPECT_DOUBLE_EQ(LowFn().fn_weight, 2.0);
}

TEST(NabScorerTest, ProbationLength) {
  EXPECT_EQ(NabProbationLength(4032), 604u);   // floor(0.15·4032) = floor(604.8)
  EXPECT_EQ(NabProbationLength(10), 1u);       // floor(1.5)
  EXPECT_EQ(NabProbationLength(22695), 750u);  // capped at 0.15·5000
  EXPECT_EQ(NabProbationLength(0), 0u);
}

TEST(NabScorerTest, ScaledSigmoidPoints) {
  EXPECT_NEAR(ScaledSigmoid(-1.0), 0.98661429815143, 1e-12);  // left edge of a window
  EXPECT_NEAR(ScaledSigmoid(-0.5), 0.84828363995751, 1e-12);  // halfway
  EXPECT_NEAR(ScaledSigmoid(0.0), 0.0, 1e-15);
  EXPECT_NEAR(ScaledSigmoid(3.0), S(3.0), 1e-15);
  EXPECT_EQ(ScaledSigmoid(3.0001), -1.0);
}

TEST(NabScorerTest, EarliestTruePositiveGetsFullWeight) {
  // Row 4 is the window's first row: y = -(6 - 4 + 1)/3 = -1, weight S(-1)/S(-1) = 1.
  const auto r = TenRows({4}).ScoreAt(Standard(), 1.0);
  EXPECT_NEAR(r.score, 1.0, kTol);
  EXPECT_EQ(r.tp, 1);
  EXPECT_EQ(r.fn, 2);
  EXPECT_EQ(r.fp, 0);
  EXPECT_EQ(r.tn, 7);
  EXPECT_EQ(r.windows_detected, 1);
}

TEST(NabScorerTest, LateTruePositiveWeighsLess) {
  // Row 6 is the window's last row: y = -(6 - 6 + 1)/3 = -1/3.
  const double expected = S(-1.0 / 3.0) / S(-1.0);
  const auto r = TenRows({6}).ScoreAt(Standard(), 1.0);
  EXPECT_NEAR(r.score, expected, kTol);
  EXPECT_NEAR(r.score, 0.691518, 1e-6);
}

TEST(NabScorerTest, OnlyEarliestDetectionInWindowCounts) {
  // Rows 5 and 6: the earlier one (y = -2/3) counts, the later adds nothing, no FP cost.
  const auto r = TenRows({5, 6}).ScoreAt(Standard(), 1.0);
  EXPECT_NEAR(r.score, S(-2.0 / 3.0) / S(-1.0), kTol);
  EXPECT_EQ(r.tp, 2);
  EXPECT_EQ(r.windows_detected, 1);
}

TEST(NabScorerTest, FalsePositiveBeforeAnyWindowCostsFullFpWeight) {
  // Row 1 precedes every window: -0.11; the window is missed: -1.
  const auto r = TenRows({1}).ScoreAt(Standard(), 1.0);
  EXPECT_NEAR(r.score, -0.11 - 1.0, kTol);
  EXPECT_EQ(r.fp, 1);
  EXPECT_NEAR(TenRows({1}).ScoreAt(LowFp(), 1.0).score, -0.22 - 1.0, kTol);
  EXPECT_NEAR(TenRows({1}).ScoreAt(LowFn(), 1.0).score, -0.11 - 2.0, kTol);
}

TEST(NabScorerTest, FalsePositiveAfterWindowWeighedByDistance) {
  // Row 8: y = (8 - 6)/(3 - 1) = 1, cost 0.11·S(1) = -0.10853; row 7: y = 0.5.
  EXPECT_NEAR(TenRows({8}).ScoreAt(Standard(), 1.0).score, 0.11 * S(1.0) - 1.0, kTol);
  EXPECT_NEAR(TenRows({7}).ScoreAt(Standard(), 1.0).score, 0.11 * S(0.5) - 1.0, kTol);
  // Together with a hit at the window start: 1 + 0.11·S(0.5).
  EXPECT_NEAR(TenRows({4, 7}).ScoreAt(Standard(), 1.0).score, 1.0 + 0.11 * S(0.5), kTol);
}

TEST(NabScorerTest, FalsePositiveFarAfterWindowCostsFullWeight) {
  // 20 rows, window 4..6: row 13 has y = 7/2 > 3, so S = -1; row 12 has y = 3 exactly.
  std::vector<double> scores(20, 0.0);
  scores[12] = 1.0;
  scores[13] = 1.0;
  NabScorer s;
  ASSERT_TRUE(s.AddSeries("f", scores, {{4, 6}}, 0).ok());
  EXPECT_NEAR(s.ScoreAt(Standard(), 1.0).score, 0.11 * S(3.0) - 0.11 - 1.0, kTol);
}

TEST(NabScorerTest, DetectionsInProbationAreIgnored) {
  // Probation 2: the hit at row 1 is not scored; scored rows 2..9: 3 in the window, 5 outside.
  const auto r = TenRows({1}, 2).ScoreAt(Standard(), 1.0);
  EXPECT_NEAR(r.score, -1.0, kTol);
  EXPECT_EQ(r.fp, 0);
  EXPECT_EQ(r.tn, 5);
  EXPECT_EQ(r.fn, 3);
}

TEST(NabScorerTest, WindowInsideProbationIsNotScoredButCountsAsPerfect) {
  // Window 1..2 lies inside a probation of 3 rows: no FN cost, but it still counts in S_perfect
  // and weighs a later false positive: row 4 has y = (4 - 2)/(2 - 1) = 2.
  std::vector<double> scores(10, 0.0);
  scores[4] = 1.0;
  NabScorer s;
  ASSERT_TRUE(s.AddSeries("f", scores, {{1, 2}}, 3).ok());
  const auto r = s.ScoreAt(Standard(), 1.0);
  EXPECT_NEAR(r.score, 0.11 * S(2.0), kTol);
  EXPECT_EQ(r.windows_scored, 0);
  EXPECT_DOUBLE_EQ(s.PerfectScore(Standard()), 1.0);
}

TEST(NabScorerTest, NoDetections) {
  const auto r = TenRows({}).ScoreAt(Standard(), 1.0);
  EXPECT_NEAR(r.score, -1.0, kTol);
  EXPECT_EQ(r.tn, 7);
  EXPECT_EQ(r.fn, 3);
  EXPECT_NEAR(TenRows({}).ScoreAt(LowFn(), 1.0).score, -2.0, kTol);
}

// Two files: A (10 rows, window 4..6) scores rows 5: 0.9, 8: 0.8, 4: 0.3, 1: 0.3;
// B (6 rows, no window) scores row 2: 0.8. Threshold candidates by hand (standard profile):
//   1.1 (none):              -1
//   0.9 (A5):                S(-2/3)/S(-1)                    = 0.94374
//   0.8 (+A8, +B2):          S(-2/3)/S(-1) + 0.11·S(1) - 0.11 = 0.72521
//   0.3 (+A4 earlier, +A1):  1 + 0.11·S(1) - 0.11 - 0.11      = 0.67147
//   0.0 (everything):        1 + 0.11·(S(0.5)+S(1)+S(1.5)) - 0.11·10 = -0.41172
TEST(NabScorerTest, ThresholdSweepPicksBestOverCorpus) {
  NabScorer s;
  std::vector<double> a(10, 0.0), b(6, 0.0);
  a[5] = 0.9;
  a[8] = 0.8;
  a[4] = 0.3;
  a[1] = 0.3;
  b[2] = 0.8;
  ASSERT_TRUE(s.AddSeries("a", a, {{4, 6}}, 0).ok());
  ASSERT_TRUE(s.AddSeries("b", b, {}, 0).ok());
  const double t09 = S(-2.0 / 3.0) / S(-1.0);
  const double t08 = t09 + 0.11 * S(1.0) - 0.11;
  const double t03 = 1.0 + 0.11 * S(1.0) - 0.22;
  // At 0: A rows 0,2,3 join row 1 before the window (4 × -0.11), rows 7 and 9 (y = 0.5, 1.5)
  // join row 8 after it; B rows 0,1,3,4,5 join row 2 (6 × -0.11).
  const double t00 = 1.0 + 0.11 * (S(0.5) + S(1.0) + S(1.5)) - 0.11 * 10;
  const auto sweep = s.Sweep(Standard());
  ASSERT_EQ(sweep.size(), 5u);
  EXPECT_DOUBLE_EQ(sweep[0].threshold, 1.1);
  EXPECT_NEAR(sweep[0].score, -1.0, kTol);
  EXPECT_DOUBLE_EQ(sweep[1].threshold, 0.9);
  EXPECT_NEAR(sweep[1].score, t09, kTol);
  EXPECT_NEAR(sweep[2].score, t08, kTol);
  EXPECT_NEAR(sweep[3].score, t03, kTol);
  EXPECT_NEAR(sweep[4].score, t00, kTol);
  EXPECT_EQ(sweep[4].fp, 13);
  EXPECT_EQ(sweep[4].tp, 3);
  const auto best = s.Optimize(Standard());
  EXPECT_DOUBLE_EQ(best.threshold, 0.9);
  EXPECT_NEAR(best.score, 0.943742, 1e-6);
  // Reward low FN: missing costs 2, so the no-detection entry is -2; best is still 0.9.
  EXPECT_DOUBLE_EQ(s.Optimize(LowFn()).threshold, 0.9);
  EXPECT_NEAR(s.Sweep(LowFn())[0].score, -2.0, kTol);
}

TEST(NabScorerTest, NoDetectionEntryStaysAboveLargeScores) {
  // NAB starts its sweep at 1.1; scores above that (not from NAB's [0, 1] detectors) still get
  // a "nothing detected" entry first.
  NabScorer s;
  ASSERT_TRUE(s.AddSeries("f", std::vector<double>{0.0, 5.0, 0.0}, {{1, 1}}, 0).ok());
  const auto sweep = s.Sweep(Standard());
  ASSERT_EQ(sweep.size(), 3u);
  EXPECT_DOUBLE_EQ(sweep[0].threshold, 6.0);
  EXPECT_NEAR(sweep[0].score, -1.0, kTol);
  EXPECT_DOUBLE_EQ(sweep[1].threshold, 5.0);
  EXPECT_NEAR(sweep[1].score, 1.0, kTol);
}

TEST(NabScorerTest, OptimizeTiesGoToHigherThreshold) {
  // Window 0..1 (W = 2); row 0 scores 0.9 and row 1 scores 0.5: at 0.5 the extra in-window row
  // adds nothing, so 0.9 and 0.5 tie and NAB keeps 0.9.
  NabScorer s;
  ASSERT_TRUE(s.AddSeries("f", std::vector<double>{0.9, 0.5, 0.0}, {{0, 1}}, 0).ok());
  EXPECT_DOUBLE_EQ(s.Optimize(Standard()).threshold, 0.9);
}

TEST(NabScorerTest, SweepAgreesWithRowByRowScoring) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  NabScorer s;
  for (int f = 0; f < 4; ++f) {
    std::vector<double> scores(200);
    for (double& v : scores) v = std::round(u(rng) * 50) / 50;  // ties on purpose
    ASSERT_TRUE(s.AddSeries("f" + std::to_string(f), scores, {{40, 59}, {120, 139}}, 30).ok());
  }
  for (const NabProfile& p : NabProfiles()) {
    for (const auto& entry : s.Sweep(p)) {
      const auto direct = s.ScoreAt(p, entry.threshold);
      EXPECT_NEAR(entry.score, direct.score, 1e-9) << p.name << " at " << entry.threshold;
      EXPECT_EQ(entry.tp, direct.tp);
      EXPECT_EQ(entry.fp, direct.fp);
      EXPECT_EQ(entry.tn, direct.tn);
      EXPECT_EQ(entry.fn, direct.fn);
      EXPECT_EQ(entry.windows_detected, direct.windows_detected);
    }
  }
}

TEST(NabScorerTest, NormalizationAgainstNullAndPerfect) {
  // Two 40-row files with one window each: S_perfect = 2; the null detector (0.5 everywhere)
  // detects either nothing (-2) or everything: per file 1 - 4·0.11 + 0.11·Σ_{i=7..39} S((i-6)/2)
  // = -3.04, so S_null = -2.
  NabScorer s;
  std::vector<double> a(40, 0.0), b(40, 0.0);
  a[4] = 1.0;  // hit at the start of a's window
  b[6] = 1.0;  // hit at the end of b's window
  ASSERT_TRUE(s.AddSeries("a", a, {{4, 6}}, 0).ok());
  ASSERT_TRUE(s.AddSeries("b", b, {{4, 6}}, 0).ok());
  EXPECT_DOUBLE_EQ(s.PerfectScore(Standard()), 2.0);
  EXPECT_NEAR(s.NullScore(Standard()), -2.0, kTol);
  const double raw = 1.0 + S(-1.0 / 3.0) / S(-1.0);
  const auto results = ScoreNabCorpus(s);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_NEAR(results[0].best.score, raw, kTol);
  EXPECT_NEAR(results[0].normalized, 100.0 * (raw + 2.0) / 4.0, 1e-9);
  // Reward low FN: null = -4, perfect = 2.
  EXPECT_NEAR(results[2].normalized, 100.0 * (raw + 4.0) / 6.0, 1e-9);
  EXPECT_NEAR(NormalizeNabScore(2.0, -2.0, 2.0), 100.0, kTol);
  EXPECT_NEAR(NormalizeNabScore(-2.0, -2.0, 2.0), 0.0, kTol);
}

TEST(NabScorerTest, NullDetectorMayDetectEverything) {
  // A window over the whole series: constant 0.5 detects row 0 (weight 1) with no FP, so the
  // null detector scores 1 > -1 (nothing detected), as NAB's optimizer would pick.
  NabScorer s;
  ASSERT_TRUE(s.AddSeries("f", std::vector<double>{0, 0, 0}, {{0, 2}}, 0).ok());
  EXPECT_NEAR(s.NullScore(Standard()), 1.0, kTol);
  EXPECT_EQ(NormalizeNabScore(1.0, 1.0, 1.0), 0.0);
}

TEST(NabScorerTest, BinaryDetections) {
  NabScorer s;
  // Null for binary detections is "no detections" (-1), although on these 10 rows detecting
  // everything would score 1 - 4·0.11 + 0.11·(S(0.5) + S(1) + S(1.5)) = 0.248.
  std::vector<uint8_t> hits(10, 0);
  hits[5] = 1;
  hits[9] = 1;  // y = (9 - 6)/2 = 1.5
  ASSERT_TRUE(s.AddDetections("f", hits, {{4, 6}}, 0).ok());
  const auto results = ScoreDetections(s);
  const double raw = S(-2.0 / 3.0) / S(-1.0) + 0.11 * S(1.5);
  EXPECT_NEAR(results[0].best.score, raw, kTol);
  EXPECT_NEAR(results[0].normalized, 100.0 * (raw + 1.0) / 2.0, 1e-9);
  EXPECT_EQ(results[0].best.fp, 1);
  EXPECT_NEAR(results[0].null_score, -1.0, kTol);
  EXPECT_NEAR(s.NullScore(Standard()), 1 - 0.44 + 0.11 * (S(0.5) + S(1.0) + S(1.5)), kTol);
}

TEST(NabScorerTest, PerSeriesScoresSumToCorpus) {
  NabScorer s;
  ASSERT_TRUE(s.AddSeries("a", std::vector<double>{0, 1, 0, 0, 1, 0}, {{2, 3}}, 0).ok());
  ASSERT_TRUE(s.AddSeries("b", std::vector<double>{1, 0, 0, 1, 0, 0}, {{3, 5}}, 1).ok());
  const auto per = s.ScoreSeriesAt(Standard(), 1.0);
  ASSERT_EQ(per.size(), 2u);
  // a: row 1 before the window (-0.11), window 2..3 missed (-1), row 4: y = (4-3)/(2-1) = 1.
  EXPECT_NEAR(per[0].score, -0.11 - 1.0 + 0.11 * S(1.0), kTol);
  // b: row 0 in probation; row 3 opens window 3..5: weight 1.
  EXPECT_NEAR(per[1].score, 1.0, kTol);
  EXPECT_NEAR(s.ScoreAt(Standard(), 1.0).score, per[0].score + per[1].score, kTol);
}

TEST(NabScorerTest, RejectsBadInput) {
  NabScorer s;
  const std::vector<double> ok(5, 0.0);
  EXPECT_FALSE(s.AddSeries("f", ok, {{3, 5}}, 0).ok());          // past the end
  EXPECT_FALSE(s.AddSeries("f", ok, {{3, 2}}, 0).ok());          // reversed
  EXPECT_FALSE(s.AddSeries("f", ok, {{0, 2}, {2, 3}}, 0).ok());  // overlapping
  EXPECT_FALSE(s.AddSeries("f", ok, {}, 6).ok());                // probation too long
  const Status nan = s.AddSeries("nanfile", std::vector<double>{0, NAN}, {}, 0);
  EXPECT_FALSE(nan.ok());
  EXPECT_NE(nan.message().find("nanfile"), std::string::npos);
  EXPECT_EQ(s.series_count(), 0u);
}

}  // namespace
}  // namespace edgeloop::eval
