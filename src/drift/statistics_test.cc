#include "drift/statistics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace edgeloop::drift {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(BinOnEdgesTest, OuterValuesGoToOuterBinsAndNonFiniteAreSkipped) {
  std::vector<double> edges = {0, 1, 2, 3};
  std::vector<double> values = {-5, 0, 0.5, 1, 2.999, 3, 10, kNan, kInf, -kInf};
  auto counts = BinOnEdges(edges, values);
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  EXPECT_EQ(*counts, (std::vector<double>{3, 1, 3}));
}

TEST(BinOnEdgesTest, RejectsBadEdges) {
  std::vector<double> v = {1};
  EXPECT_EQ(BinOnEdges(std::vector<double>{1}, v).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(BinOnEdges(std::vector<double>{0, 2, 1}, v).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(BinOnEdges(std::vector<double>{0, 1, 1}, v).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(BinOnEdges(std::vector<double>{0, kNan}, v).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(PsiTest, HandComputedTwoBins) {
  // e = (.5, .5), a = (.25, .75): (−.25)·ln(.5) + (.25)·ln(1.5) = 0.2746530721670274.
  auto psi = PsiFromCounts(std::vector<double>{50, 50}, std::vector<double>{25, 75});
  ASSERT_TRUE(psi.ok());
  EXPECT_NEAR(*psi, 0.2746530721670274, 1e-12);
  auto same = PsiFromCounts(std::vector<double>{3, 1, 2}, std::vector<double>{30, 10, 20});
  ASSERT_TRUE(same.ok());
  EXPECT_NEAR(*same, 0.0, 1e-15);
}

TEST(PsiTest, EmptyBinsAreFlooredAtEpsilon) {
  // e = (.5, 1e-4, .5), a = (.5, .5, 1e-4): 2·0.4999·ln(5000) = 8.515489752777954.
  auto psi = PsiFromCounts(std::vector<double>{1, 0, 1}, std::vector<double>{1, 1, 0});
  ASSERT_TRUE(psi.ok());
  EXPECT_NEAR(*psi, 8.515489752777954, 1e-9);
}

TEST(PsiTest, RejectsBadCounts) {
  std::vector<double> ok = {1, 1};
  EXPECT_FALSE(PsiFromCounts(ok, std::vector<double>{1, 1, 1}).ok());
  EXPECT_FALSE(PsiFromCounts(ok, std::vector<double>{0, 0}).ok());
  EXPECT_FALSE(PsiFromCounts(ok, std::vector<double>{-1, 2}).ok());
  EXPECT_FALSE(PsiFromCounts(ok, std::vector<double>{kNan, 2}).ok());
  EXPECT_FALSE(PsiFromCounts(std::vector<double>{}, std::vector<double>{}).ok());
}

TEST(JsTest, HandComputed) {
  auto disjoint = JsFromCounts(std::vector<double>{1, 0}, std::vector<double>{0, 1});
  ASSERT_TRUE(disjoint.ok());
  EXPECT_NEAR(*disjoint, 1.0, 1e-15);
  auto same = JsFromCounts(std::vector<double>{2, 6}, std::vector<double>{1, 3});
  ASSERT_TRUE(same.ok());
  EXPECT_NEAR(*same, 0.0, 1e-15);
  // P = (.5, .5), Q = (1, 0), M = (.75, .25):
  // ½[.5·log2(.5/.75) + .5·log2(.5/.25)] + ½[log2(1/.75)] = 0.31127812445913283.
  auto half = JsFromCounts(std::vector<double>{5, 5}, std::vector<double>{7, 0});
  ASSERT_TRUE(half.ok());
  EXPECT_NEAR(*half, 0.31127812445913283, 1e-12);
}

TEST(HistogramStatsTest, LiveValuesBinnedOnReferenceEdges) {
  model::Histogram ref{{0, 1, 2}, {50, 50}};
  // Live counts (1, 3): the same as the hand-computed PSI case (.25, .75); 5.0 lands in bin 1.
  std::vector<double> live = {0.1, 1.5, 1.6, 5.0, kNan};
  auto psi = Psi(ref, live);
  ASSERT_TRUE(psi.ok()) << psi.status().ToString();
  EXPECT_NEAR(*psi, 0.2746530721670274, 1e-12);
  auto js = JsDivergence(ref, std::vector<double>{-3, 0.5});  // all in bin 0: P=(.5,.5), Q=(1,0)
  ASSERT_TRUE(js.ok());
  EXPECT_NEAR(*js, 0.31127812445913283, 1e-12);
}

TEST(HistogramStatsTest, ErrorsAreClear) {
  std::vector<double> live = {1};
  EXPECT_EQ(Psi(model::Histogram{{0, 1}, {1, 2}}, live).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Psi(model::Histogram{{0, 1}, {0}}, live).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Psi(model::Histogram{}, live).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(JsDivergence(model::Histogram{{0, 1}, {3}}, std::vector<double>{kNan}).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST(ResampleSpectrumTest, DownAndUpsamplingKeepPowerInTheCommonBand) {
  // Source bins [k−½, k+½) Hz; target bins of 2 Hz: [−1, 1) gets 1 + ½·2, [1, 3) gets ½·2 + 3 +
  // ½·4; the upper half of bin 3 lies beyond the target grid.
  auto down = ResampleSpectrum(std::vector<double>{1, 2, 3, 4}, 1.0, 2, 2.0);
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(*down, (std::vector<double>{2, 6}));
  // One 2 Hz bin [−1, 1) of power 4 onto 1 Hz bins: [−½, ½) gets 2, [½, 1½) gets 1.
  auto up = ResampleSpectrum(std::vector<double>{4}, 2.0, 2, 1.0);
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(*up, (std::vector<double>{2, 1}));
  EXPECT_FALSE(ResampleSpectrum(std::vector<double>{1}, 0.0, 2, 1.0).ok());
  EXPECT_FALSE(ResampleSpectrum(std::vector<double>{-1}, 1.0, 2, 1.0).ok());
}

// A tone as a Hann-like line over three bins on a low noise floor.
std::vector<double> ToneSpectrum(size_t bins, double bin_hz, double tone_hz) {
  std::vector<double> s(bins, 1e-4);
  auto centre = static_cast<size_t>(std::lround(tone_hz / bin_hz));
  s[centre] += 1.0;
  s[centre - 1] += 0.25;
  s[centre + 1] += 0.25;
  return s;
}

TEST(SpectrumJsTest, ShiftedToneIsFarSameToneIsNear) {
  auto ref = ToneSpectrum(512, 2.0, 200.0);
  auto same = SpectrumJsDivergence(ref, 2.0, ToneSpectrum(512, 2.0, 200.0), 2.0);
  ASSERT_TRUE(same.ok());
  EXPECT_NEAR(*same, 0.0, 1e-12);
  // Slightly shifted (one bin): partly overlapping lines.
  auto near = SpectrumJsDivergence(ref, 2.0, ToneSpectrum(512, 2.0, 202.0), 2.0);
  ASSERT_TRUE(near.ok());
  EXPECT_GT(*near, 0.2);
  EXPECT_LT(*near, 0.8);
  // 40 Hz away: disjoint lines, only the noise floor is shared.
  auto far = SpectrumJsDivergence(ref, 2.0, ToneSpectrum(512, 2.0, 240.0), 2.0);
  ASSERT_TRUE(far.ok());
  EXPECT_GT(*far, 0.9);
  EXPECT_LE(*far, 1.0);
  // Scale does not matter: spectra are normalised.
  auto louder = ToneSpectrum(512, 2.0, 200.0);
  for (double& v : louder) v *= 1000;
  EXPECT_NEAR(*SpectrumJsDivergence(ref, 2.0, louder, 2.0), 0.0, 1e-12);
}

TEST(SpectrumJsTest, DifferentBinWidthsAreResampledOntoTheReferenceGrid) {
  auto ref = ToneSpectrum(512, 2.0, 200.0);
  // Twice the resolution, same band (0–1023 Hz), same tone: small divergence (the finer line
  // is narrower, so it is not exactly 0).
  auto fine_same = SpectrumJsDivergence(ref, 2.0, ToneSpectrum(1024, 1.0, 200.0), 1.0);
  ASSERT_TRUE(fine_same.ok()) << fine_same.status().ToString();
  EXPECT_LT(*fine_same, 0.05);
  auto fine_shifted = SpectrumJsDivergence(ref, 2.0, ToneSpectrum(1024, 1.0, 240.0), 1.0);
  ASSERT_TRUE(fine_shifted.ok());
  EXPECT_GT(*fine_shifted, 0.9);
  // A live band narrower than the reference: only the common band (0–255 Hz) is compared, so
  // the same tone still matches.
  auto narrow = SpectrumJsDivergence(ref, 2.0, ToneSpectrum(256, 1.0, 200.0), 1.0);
  ASSERT_TRUE(narrow.ok());
  EXPECT_LT(*narrow, 0.05);
}

TEST(SpectrumJsTest, Errors) {
  std::vector<double> ref = {1, 2, 3};
  EXPECT_EQ(SpectrumJsDivergence(ref, 1.0, std::vector<double>{0, 0, 0}, 1.0).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(SpectrumJsDivergence(ref, 1.0, std::vector<double>{1, kNan, 0}, 1.0).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(SpectrumJsDivergence(ref, 0.0, ref, 1.0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SpectrumJsDivergence(ref, 1.0, std::vector<double>{}, 1.0).status().code(),
            StatusCode::kInvalidArgument);
  // A single 0.1 Hz live bin does not reach the first 10 Hz reference bin's upper edge.
  EXPECT_EQ(SpectrumJsDivergence(ref, 10.0, std::vector<double>{1}, 0.1).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace edgeloop::drift
