#include "dsp/vibration_features.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <vector>

namespace edgeloop::dsp {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr double kTwoPi = 2.0 * std::numbers::pi;
constexpr double kRate = 25600.0;
using X = VibrationFeatureExtractor;

std::vector<float> Sine(size_t n, double freq_hz, double amplitude, double dc = 0.0) {
  std::vector<float> x(n);
  for (size_t t = 0; t < n; ++t) {
    x[t] = static_cast<float>(dc + amplitude * std::sin(kTwoPi * freq_hz * t / kRate));
  }
  return x;
}

std::vector<float> Gaussian(size_t n, double sigma, unsigned seed, double mean = 0.0) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> dist(mean, sigma);
  std::vector<float> x(n);
  for (float& v : x) v = static_cast<float>(dist(rng));
  return x;
}

VibrationFeatureExtractor MakeExtractor(size_t window, std::vector<BandSpec> bands) {
  Result<X> x = X::Create({kRate, window, std::move(bands)});
  EXPECT_TRUE(x.ok()) << x.status().ToString();
  return std::move(x).value();
}

std::vector<double> Features(X& extractor, const std::vector<float>& window) {
  std::vector<double> out(extractor.names().size());
  Status s = extractor.Compute(window, out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

Status CreateError(double rate, size_t window, std::vector<BandSpec> bands) {
  return X::Create({rate, window, std::move(bands)}).status();
}

TEST(VibrationFeaturesTest, DefaultBandsClipToNyquist) {
  auto edges = [](const std::vector<BandSpec>& bands) {
    std::vector<double> e;
    for (const BandSpec& b : bands) e.insert(e.end(), {b.low_hz, b.high_hz});
    return e;
  };
  EXPECT_THAT(edges(DefaultVibrationBands(25600)),
              ElementsAre(10, 500, 500, 2000, 2000, 5000, 5000, 10000));
  EXPECT_THAT(edges(DefaultVibrationBands(8000)), ElementsAre(10, 500, 500, 2000, 2000, 4000));
  EXPECT_THAT(edges(DefaultVibrationBands(1000)), ElementsAre(10, 500));
}

TEST(VibrationFeaturesTest, NamesAreStableAndDescriptive) {
  X x = MakeExtractor(4096, DefaultVibrationBands(kRate));
  EXPECT_THAT(x.names(), ElementsAre("rms_g", "peak_g", "crest", "kurtosis", "band_10_500hz_rms_g",
                                     "band_500_2000hz_rms_g", "band_2000_5000hz_rms_g",
                                     "band_5000_10000hz_rms_g"));
  X frac = MakeExtractor(4096, {{12.5, 100.0}});
  EXPECT_EQ(frac.names().back(), "band_12p5_100hz_rms_g");
  EXPECT_EQ(MakeExtractor(4096, {}).names().size(), 4u);
}

TEST(VibrationFeaturesTest, SineTimeDomainKnownAnswers) {
  constexpr double kA = 2.0;
  X x = MakeExtractor(25600, DefaultVibrationBands(kRate));
  // 100 Hz at 25.6 kHz: 256 samples per period, so samples hit the crests exactly.
  auto f = Features(x, Sine(25600, 100.0, kA));
  EXPECT_NEAR(f[X::kRms], kA / std::sqrt(2.0), 1e-3 * kA / std::sqrt(2.0));
  EXPECT_NEAR(f[X::kPeak], kA, 1e-6 * kA);
  EXPECT_NEAR(f[X::kCrest], std::sqrt(2.0), 1e-3 * std::sqrt(2.0));
  EXPECT_NEAR(f[X::kKurtosis], 1.5, 0.01);
}

TEST(VibrationFeaturesTest, RmsKeepsDcButKurtosisAndBandsDoNot) {
  constexpr double kA = 1.0;
  constexpr double kDc = 3.0;
  X x = MakeExtractor(4096, DefaultVibrationBands(kRate));
  auto f = Features(x, Sine(4096, 1000.0, kA, kDc));
  EXPECT_NEAR(f[X::kRms], std::sqrt(kDc * kDc + kA * kA / 2), 1e-4);
  EXPECT_NEAR(f[X::kPeak], kDc + kA, 1e-5);
  EXPECT_NEAR(f[X::kKurtosis], 1.5, 0.01);
  EXPECT_NEAR(f[X::kFirstBand + 1], kA / std::sqrt(2.0), 0.02 * kA / std::sqrt(2.0));
  EXPECT_LT(f[X::kFirstBand + 0], 1e-3);  // 10-500 Hz: would hold the DC leakage if not removed
}

TEST(VibrationFeaturesTest, GaussianNoiseHasKurtosisThree) {
  X x = MakeExtractor(1 << 17, {});
  // A DC offset checks that kurtosis is taken about the mean.
  auto f = Features(x, Gaussian(1 << 17, 0.5, 42, /*mean=*/2.0));
  EXPECT_NEAR(f[X::kKurtosis], 3.0, 0.1);
  EXPECT_NEAR(f[X::kRms], std::sqrt(4.0 + 0.25), 0.01);
}

TEST(VibrationFeaturesTest, ImpulsiveSignalHasHighKurtosis) {
  // A bearing-defect-like signal: a decaying 3 kHz ring every 100 ms on top of light noise.
  constexpr size_t kN = 25600;
  std::vector<float> x = Gaussian(kN, 0.05, 3);
  for (size_t start = 100; start < kN; start += 2560) {
    for (size_t t = 0; start + t < kN && t < 400; ++t) {
      x[start + t] += static_cast<float>(4.0 * std::exp(-static_cast<double>(t) / 40.0) *
                                         std::sin(kTwoPi * 3000.0 * t / kRate));
    }
  }
  X extractor = MakeExtractor(kN, DefaultVibrationBands(kRate));
  auto f = Features(extractor, x);
  EXPECT_GT(f[X::kKurtosis], 10.0);
  EXPECT_GT(f[X::kCrest], 4.0);
  // The ring's energy sits in the 2-5 kHz band.
  EXPECT_GT(f[X::kFirstBand + 2], 3 * f[X::kFirstBand + 1]);
  EXPECT_GT(f[X::kFirstBand + 2], 3 * f[X::kFirstBand + 3]);
}

TEST(VibrationFeaturesTest, SineBandRmsLandsInItsBandOnly) {
  constexpr double kA = 1.5;
  const double expected = kA / std::sqrt(2.0);
  X x = MakeExtractor(4096, DefaultVibrationBands(kRate));
  // (frequency, band index): bin-centred and off-bin tones, away from band edges.
  const std::pair<double, size_t> cases[] = {
      {250.0, 0}, {1000.0, 1}, {1234.5, 1}, {3210.7, 2}, {7777.7, 3}};
  for (const auto& [freq, band] : cases) {
    auto f = Features(x, Sine(4096, freq, kA));
    for (size_t b = 0; b < 4; ++b) {
      if (b == band) {
        EXPECT_NEAR(f[X::kFirstBand + b], expected, 0.02 * expected) << freq << " Hz";
      } else {
        EXPECT_LT(f[X::kFirstBand + b], 0.01 * kA) << freq << " Hz, band " << b;
      }
    }
  }
}

TEST(VibrationFeaturesTest, TwoTonesSplitAcrossBands) {
  std::vector<float> x = Sine(8192, 300.0, 1.0);
  std::vector<float> high = Sine(8192, 6000.0, 0.25);
  for (size_t i = 0; i < x.size(); ++i) x[i] += high[i];
  X extractor = MakeExtractor(8192, DefaultVibrationBands(kRate));
  auto f = Features(extractor, x);
  EXPECT_NEAR(f[X::kFirstBand + 0], 1.0 / std::sqrt(2.0), 0.02 / std::sqrt(2.0));
  EXPECT_NEAR(f[X::kFirstBand + 3], 0.25 / std::sqrt(2.0), 0.02 * 0.25 / std::sqrt(2.0));
}

TEST(VibrationFeaturesTest, BandsTilingTheSpectrumSumToVariance) {
  constexpr size_t kN = 1 << 16;
  X x = MakeExtractor(kN, {{1.0, 3000.0}, {3000.0, 8000.0}, {8000.0, kRate / 2}});
  std::vector<float> noise = Gaussian(kN, 0.7, 11, /*mean=*/0.3);
  double mean = 0;
  for (float v : noise) mean += v;
  mean /= kN;
  double variance = 0;
  for (float v : noise) variance += (v - mean) * (v - mean);
  variance /= kN;
  auto f = Features(x, noise);
  double band_power = 0;
  for (size_t b = X::kFirstBand; b < f.size(); ++b) band_power += f[b] * f[b];
  EXPECT_NEAR(band_power, variance, 0.03 * variance);
}

TEST(VibrationFeaturesTest, BandReachingNyquistKeepsNyquistBin) {
  // x = +1, -1, ...: all power at Nyquist (8 Hz at 16 Hz), which Hann spreads over bins 7 and 8.
  constexpr size_t kN = 16;
  std::vector<float> x(kN);
  for (size_t t = 0; t < kN; ++t) x[t] = t % 2 == 0 ? 1.0f : -1.0f;
  Result<X> extractor = X::Create({16.0, kN, {{6.5, 8.0}}});
  ASSERT_TRUE(extractor.ok()) << extractor.status().ToString();
  std::vector<double> f(extractor->names().size());
  ASSERT_TRUE(extractor->Compute(x, f).ok());
  EXPECT_NEAR(f[X::kFirstBand], 1.0, 1e-5);
}

TEST(VibrationFeaturesTest, ConstantAndZeroWindows) {
  X x = MakeExtractor(64, {{1000.0, 5000.0}});
  auto c = Features(x, std::vector<float>(64, 0.25f));
  EXPECT_DOUBLE_EQ(c[X::kRms], 0.25);
  EXPECT_DOUBLE_EQ(c[X::kPeak], 0.25);
  EXPECT_DOUBLE_EQ(c[X::kCrest], 1.0);
  EXPECT_EQ(c[X::kKurtosis], 0.0);
  EXPECT_EQ(c[X::kFirstBand], 0.0);
  auto z = Features(x, std::vector<float>(64, 0.0f));
  for (double v : z) EXPECT_EQ(v, 0.0);
}

TEST(VibrationFeaturesTest, OddWindowAndRepeatability) {
  X x = MakeExtractor(1001, {{1000.0, 5000.0}});
  std::vector<float> w = Sine(1001, 2000.0, 1.0);
  auto first = Features(x, w);
  Features(x, Gaussian(1001, 1.0, 5));  // different content in between
  EXPECT_EQ(Features(x, w), first);
  EXPECT_NEAR(first[X::kFirstBand], 1.0 / std::sqrt(2.0), 0.02);
}

TEST(VibrationFeaturesTest, ExtractorIsMovable) {
  X a = MakeExtractor(512, DefaultVibrationBands(kRate));
  X b = std::move(a);
  auto f = Features(b, Sine(512, 1000.0, 1.0));
  EXPECT_NEAR(f[X::kFirstBand + 1], 1.0 / std::sqrt(2.0), 0.02);
}

TEST(VibrationFeaturesTest, ComputeRejectsBadSpans) {
  X x = MakeExtractor(256, DefaultVibrationBands(kRate));
  std::vector<double> out(x.names().size(), -1.0);
  Status s = x.Compute(std::vector<float>(255), out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("window has 255 samples, expected window_size 256"));

  std::vector<double> small(3);
  s = x.Compute(std::vector<float>(256), small);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("expected 8"));

  std::vector<float> w = Sine(256, 1000.0, 1.0);
  w[7] = std::numeric_limits<float>::quiet_NaN();
  s = x.Compute(w, out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("sample 7 is not finite"));
  w[7] = std::numeric_limits<float>::infinity();
  EXPECT_FALSE(x.Compute(w, out).ok());
  for (double v : out) EXPECT_EQ(v, -1.0);  // untouched on error
}

TEST(VibrationFeaturesTest, CreateRejectsBadConfigs) {
  struct Case {
    double rate;
    size_t window;
    std::vector<BandSpec> bands;
    const char* message;
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Case cases[] = {
      {0.0, 1024, {}, "sample_rate_hz must be a positive number, got 0"},
      {-5.0, 1024, {}, "sample_rate_hz must be a positive number"},
      {nan, 1024, {}, "sample_rate_hz must be a positive number"},
      {kRate, 8, {}, "window_size must be at least 16 samples, got 8"},
      {kRate, 1024, {{5000, 14000}}, "ends above the Nyquist frequency 12800 Hz"},
      {kRate, 1024, {{2000, 2000}}, "needs low_hz < high_hz"},
      {kRate, 1024, {{10, 500}, {3000, 2000}}, "band 1 [3000, 2000) Hz needs low_hz < high_hz"},
      {kRate, 1024, {{0, 500}}, "must start above 0 Hz"},
      {kRate, 1024, {{10, nan}}, "non-finite"},
      {kRate, 1024, {{10, 12}}, "contains no FFT bin: bins are 25 Hz apart"},
      {kRate, 1024, {{10, 500}, {10, 500}}, "duplicates feature band_10_500hz_rms_g"},
  };
  for (const Case& c : cases) {
    Status s = CreateError(c.rate, c.window, c.bands);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.message;
    EXPECT_THAT(s.message(), HasSubstr(c.message));
  }
  // The default bands of a rate are always valid for that rate.
  for (double rate : {1000.0, 8000.0, 25600.0, 51200.0}) {
    EXPECT_TRUE(X::Create({rate, 4096, DefaultVibrationBands(rate)}).ok()) << rate;
  }
}

}  // namespace
}  // namespace edgeloop::dsp
