#include "dsp/real_fft.h"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>
#include <random>
#include <thread>
#include <vector>

namespace edgeloop::dsp {
namespace {

constexpr double kTwoPi = 2.0 * std::numbers::pi;

std::vector<float> Sine(size_t n, double rate_hz, double freq_hz, double amplitude) {
  std::vector<float> x(n);
  for (size_t t = 0; t < n; ++t) {
    x[t] = static_cast<float>(amplitude * std::sin(kTwoPi * freq_hz * t / rate_hz));
  }
  return x;
}

size_t ArgMaxMagnitude(std::span<const std::complex<float>> bins) {
  size_t best = 0;
  for (size_t k = 1; k < bins.size(); ++k) {
    if (std::abs(bins[k]) > std::abs(bins[best])) best = k;
  }
  return best;
}

TEST(RealFftTest, RejectsSizesBelowTwo) {
  for (size_t n : {0u, 1u}) {
    Result<RealFft> fft = RealFft::Create(n);
    ASSERT_FALSE(fft.ok());
    EXPECT_EQ(fft.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(fft.status().message().find("at least 2"), std::string::npos);
  }
}

TEST(RealFftTest, BinCountIsHalfPlusOne) {
  EXPECT_EQ(RealFft::Create(8)->bins(), 5u);
  EXPECT_EQ(RealFft::Create(9)->bins(), 5u);
  EXPECT_EQ(RealFft::Create(2)->bins(), 2u);
}

TEST(RealFftTest, ConstantInputHasOnlyDc) {
  RealFft fft = RealFft::Create(16).value();
  std::vector<float> ones(16, 1.0f);
  auto bins = fft.Forward(ones).value();
  ASSERT_EQ(bins.size(), 9u);
  EXPECT_FLOAT_EQ(bins[0].real(), 16.0f);
  for (size_t k = 1; k < bins.size(); ++k) EXPECT_NEAR(std::abs(bins[k]), 0.0, 1e-5) << k;
}

TEST(RealFftTest, MatchesNaiveDft) {
  for (size_t n : {64u, 63u, 100u}) {
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<float> x(n);
    for (float& v : x) v = dist(rng);
    RealFft fft = RealFft::Create(n).value();
    auto bins = fft.Forward(x).value();
    ASSERT_EQ(bins.size(), n / 2 + 1);
    for (size_t k = 0; k < bins.size(); ++k) {
      std::complex<double> expected = 0.0;
      for (size_t t = 0; t < n; ++t) {
        expected += static_cast<double>(x[t]) * std::polar(1.0, -kTwoPi * k * t / n);
      }
      EXPECT_NEAR(bins[k].real(), expected.real(), 1e-4) << "n=" << n << " k=" << k;
      EXPECT_NEAR(bins[k].imag(), expected.imag(), 1e-4) << "n=" << n << " k=" << k;
    }
  }
}

TEST(RealFftTest, SinePeakLandsInNearestBin) {
  constexpr double kRate = 25600.0;
  constexpr size_t kN = 4096;
  RealFft fft = RealFft::Create(kN).value();
  for (double f : {1000.0, 1234.5, 60.0, 11111.0}) {
    auto bins = fft.Forward(Sine(kN, kRate, f, 1.0)).value();
    EXPECT_EQ(ArgMaxMagnitude(bins), static_cast<size_t>(std::lround(f * kN / kRate))) << f;
  }
  // A bin-centred tone of amplitude A gives |X[k]| = A·n/2.
  auto bins = fft.Forward(Sine(kN, kRate, 1000.0, 3.0)).value();
  EXPECT_NEAR(std::abs(bins[160]), 3.0 * kN / 2, 1e-3 * kN);
}

TEST(RealFftTest, ExecuteLeavesInputIntact) {
  RealFft fft = RealFft::Create(32).value();
  std::vector<float> x = Sine(32, 32.0, 3.0, 1.0);
  ASSERT_TRUE(fft.Forward(x).ok());
  for (size_t t = 0; t < 32; ++t) EXPECT_EQ(fft.input()[t], x[t]);
}

TEST(RealFftTest, ForwardRejectsWrongLength) {
  RealFft fft = RealFft::Create(32).value();
  std::vector<float> x(31);
  auto bins = fft.Forward(x);
  ASSERT_FALSE(bins.ok());
  EXPECT_EQ(bins.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bins.status().message().find("expects 32 samples, got 31"), std::string::npos);
}

TEST(RealFftTest, IsMovable) {
  RealFft a = RealFft::Create(64).value();
  RealFft b(std::move(a));
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): moved-from state is specified
  EXPECT_TRUE(a.Execute().empty());
  ASSERT_EQ(b.size(), 64u);
  EXPECT_EQ(ArgMaxMagnitude(b.Forward(Sine(64, 64.0, 5.0, 1.0)).value()), 5u);

  RealFft c = RealFft::Create(16).value();
  c = std::move(b);
  ASSERT_EQ(c.size(), 64u);
  EXPECT_EQ(ArgMaxMagnitude(c.Forward(Sine(64, 64.0, 9.0, 1.0)).value()), 9u);

  std::vector<RealFft> many;
  for (int i = 0; i < 10; ++i) many.push_back(RealFft::Create(128).value());
  EXPECT_EQ(ArgMaxMagnitude(many[3].Forward(Sine(128, 128.0, 17.0, 1.0)).value()), 17u);
}

TEST(RealFftTest, SameSizeInstancesRunConcurrently) {
  constexpr size_t kN = 2048;
  constexpr int kIterations = 200;
  // Reference spectra computed on this thread first.
  std::vector<std::vector<std::complex<float>>> reference;
  {
    RealFft fft = RealFft::Create(kN).value();
    for (int i = 0; i < kIterations; ++i) {
      auto bins = fft.Forward(Sine(kN, kN, 1 + i * 5, 1.0)).value();
      reference.emplace_back(bins.begin(), bins.end());
    }
  }
  auto worker = [&](int offset, int* failures) {
    RealFft fft = RealFft::Create(kN).value();
    for (int j = 0; j < kIterations; ++j) {
      const int i = (j + offset) % kIterations;
      auto bins = fft.Forward(Sine(kN, kN, 1 + i * 5, 1.0)).value();
      if (ArgMaxMagnitude(bins) != static_cast<size_t>(1 + i * 5)) ++*failures;
      for (size_t k = 0; k < bins.size(); ++k) {
        if (std::abs(bins[k] - reference[i][k]) > 1e-3f) {
          ++*failures;
          break;
        }
      }
    }
  };
  int failures_a = 0;
  int failures_b = 0;
  std::thread a(worker, 0, &failures_a);
  std::thread b(worker, kIterations / 2, &failures_b);
  a.join();
  b.join();
  EXPECT_EQ(failures_a, 0);
  EXPECT_EQ(failures_b, 0);
}

TEST(RealFftTest, PlanIsCachedPerSize) {
  constexpr size_t kOddSize = 3001;  // used by no other test
  const size_t before = RealFft::CachedPlanCountForTesting();
  std::vector<RealFft> ffts;
  for (int i = 0; i < 300; ++i) ffts.push_back(RealFft::Create(kOddSize).value());
  EXPECT_EQ(RealFft::CachedPlanCountForTesting(), before + 1);
  // Every instance works with the shared plan and its own buffers.
  for (size_t i = 0; i < ffts.size(); i += 37) {
    const size_t bin = 1 + i;
    auto bins = ffts[i].Forward(Sine(kOddSize, kOddSize, bin, 1.0)).value();
    EXPECT_EQ(ArgMaxMagnitude(bins), bin);
  }
  RealFft again = RealFft::Create(kOddSize).value();
  EXPECT_EQ(RealFft::CachedPlanCountForTesting(), before + 1);
}

}  // namespace
}  // namespace edgeloop::dsp
