#include "dsp/time_features.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <vector>

#include "dsp/vibration_features.h"

namespace edgeloop::dsp {
namespace {

using ::testing::ElementsAre;

constexpr double kPi = std::numbers::pi;

std::vector<float> Sine(size_t n, double cycles_per_sample, double amplitude) {
  std::vector<float> x(n);
  for (size_t t = 0; t < n; ++t) {
    x[t] = static_cast<float>(amplitude * std::sin(2.0 * kPi * cycles_per_sample * t));
  }
  return x;
}

TEST(TimeFeaturesTest, SineKnownAnswers) {
  // 1/256 cycles per sample over 100 periods: samples hit the crests exactly.
  const auto x = Sine(25600, 1.0 / 256, 2.0);
  const TimeFeatures f = ComputeTimeFeatures(std::span<const float>(x)).value();
  EXPECT_NEAR(f.mean, 0.0, 1e-6);
  EXPECT_NEAR(f.rms, 2.0 / std::sqrt(2.0), 1e-5);
  EXPECT_NEAR(f.peak, 2.0, 1e-6);
  EXPECT_NEAR(f.peak_to_peak, 4.0, 1e-6);
  EXPECT_NEAR(f.crest, std::sqrt(2.0), 1e-5);
  EXPECT_NEAR(f.kurtosis, 1.5, 1e-4);
  EXPECT_NEAR(f.skewness, 0.0, 1e-4);
  EXPECT_NEAR(f.shape_factor, kPi / (2.0 * std::sqrt(2.0)), 1e-4);
  EXPECT_NEAR(f.impulse_factor, kPi / 2.0, 1e-4);
}

TEST(TimeFeaturesTest, GaussianAndExponentialKnownAnswers) {
  std::mt19937 rng(7);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::exponential_distribution<double> expo(1.0);
  std::vector<double> g(1 << 18);
  std::vector<double> e(1 << 18);
  for (double& v : g) v = normal(rng);
  for (double& v : e) v = expo(rng);
  const TimeFeatures fg = ComputeTimeFeatures(std::span<const double>(g)).value();
  EXPECT_NEAR(fg.kurtosis, 3.0, 0.05);
  EXPECT_NEAR(fg.skewness, 0.0, 0.02);
  EXPECT_NEAR(fg.shape_factor, std::sqrt(kPi / 2.0), 0.01);
  // Exponential: skewness 2, kurtosis 9.
  const TimeFeatures fe = ComputeTimeFeatures(std::span<const double>(e)).value();
  EXPECT_NEAR(fe.skewness, 2.0, 0.1);
  EXPECT_NEAR(fe.kurtosis, 9.0, 0.6);
}

TEST(TimeFeaturesTest, ConstantAndBadInput) {
  const std::vector<float> c(100, 0.0f);
  const TimeFeatures f = ComputeTimeFeatures(std::span<const float>(c)).value();
  EXPECT_EQ(f.crest, 0.0);
  EXPECT_EQ(f.shape_factor, 0.0);
  EXPECT_EQ(f.kurtosis, 0.0);
  EXPECT_FALSE(ComputeTimeFeatures(std::span<const float>()).ok());
  std::vector<float> bad(10, 1.0f);
  bad[3] = std::numeric_limits<float>::quiet_NaN();
  const Status s = ComputeTimeFeatures(std::span<const float>(bad)).status();
  EXPECT_THAT(s.message(), ::testing::HasSubstr("sample 3"));
}

TEST(TimeFeaturesTest, ExtractorExtendedFeaturesMatchFreeFunction) {
  VibrationFeatureConfig config{25600.0, 4096, {{10.0, 500.0}}, true};
  auto extractor = VibrationFeatureExtractor::Create(config).value();
  EXPECT_THAT(extractor.names(),
              ElementsAre("rms_g", "peak_g", "crest", "kurtosis", "band_10_500hz_rms_g",
                          "peak_to_peak_g", "skewness", "shape_factor", "impulse_factor"));
  std::mt19937 rng(3);
  std::exponential_distribution<float> expo(2.0f);
  std::vector<float> x(4096);
  for (float& v : x) v = expo(rng) - 0.3f;
  std::vector<double> out(extractor.names().size());
  ASSERT_TRUE(extractor.Compute(x, out).ok());
  const TimeFeatures f = ComputeTimeFeatures(std::span<const float>(x)).value();
  EXPECT_NEAR(out[5], f.peak_to_peak, 1e-6);
  EXPECT_NEAR(out[6], f.skewness, 1e-6);
  EXPECT_NEAR(out[7], f.shape_factor, 1e-6);
  EXPECT_NEAR(out[8], f.impulse_factor, 1e-6);
  EXPECT_NEAR(out[VibrationFeatureExtractor::kKurtosis], f.kurtosis, 1e-6);
}

}  // namespace
}  // namespace edgeloop::dsp
