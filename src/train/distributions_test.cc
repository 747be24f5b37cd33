#include "train/distributions.h"

#include <gtest/gtest.h>

#include <cmath>

namespace edgeloop::train {
namespace {

TEST(Distributions, NormalQuantileMatchesTables) {
  EXPECT_NEAR(NormalQuantile(0.99), 2.3263478740408408, 1e-12);
  EXPECT_NEAR(NormalQuantile(0.975), 1.959963984540054, 1e-12);
  EXPECT_NEAR(NormalQuantile(0.95), 1.6448536269514722, 1e-12);
  EXPECT_NEAR(NormalQuantile(0.001), -3.090232306167813, 1e-12);
  EXPECT_EQ(NormalQuantile(0.5), 0.0);
  // Deep tails, where the refinement works from the complement.
  EXPECT_NEAR(NormalQuantile(1e-10), -6.361340902404056, 1e-10);
  EXPECT_NEAR(NormalQuantile(1 - 1e-7), 5.199337582192817, 1e-8);
}

TEST(Distributions, NormalQuantileInvertsCdf) {
  for (double p : {1e-12, 1e-6, 0.01, 0.02425, 0.1, 0.3, 0.5, 0.7, 0.97575, 0.999, 1 - 1e-9}) {
    EXPECT_NEAR(NormalCdf(NormalQuantile(p)), p, 1e-12 * std::max(1.0, p / (1 - p))) << p;
  }
  EXPECT_NEAR(NormalCdf(1.96), 0.9750021048517795, 1e-15);
}

TEST(Distributions, RegularizedBetaAndGammaMatchClosedForms) {
  // I_x(a, b) for integers is a binomial tail: I_0.4(2, 3) = Σ_{j=2..4} C(4,j) .4^j .6^(4-j).
  EXPECT_NEAR(RegularizedBeta(2, 3, 0.4), 0.5248, 1e-14);
  EXPECT_NEAR(RegularizedBeta(3, 2, 0.6), 1 - 0.5248, 1e-14);  // symmetry
  EXPECT_NEAR(RegularizedBeta(0.5, 0.5, 0.5), 0.5, 1e-14);     // arcsine distribution
  EXPECT_EQ(RegularizedBeta(2, 3, 0), 0);
  EXPECT_EQ(RegularizedBeta(2, 3, 1), 1);
  // P(1, x) = 1 - e^-x; P(3, 2) = 1 - e^-2 (1 + 2 + 2).
  EXPECT_NEAR(RegularizedGammaP(1, 0.7), 1 - std::exp(-0.7), 1e-14);
  EXPECT_NEAR(RegularizedGammaP(3, 2), 1 - 5 * std::exp(-2.0), 1e-14);
  EXPECT_NEAR(RegularizedGammaP(3, 20), 1 - std::exp(-20.0) * (1 + 20 + 200), 1e-14);
}

TEST(Distributions, FQuantileMatchesTables) {
  EXPECT_NEAR(FQuantile(0.99, 3, 100), 3.984, 5e-4);  // printed F tables
  EXPECT_NEAR(FQuantile(0.95, 3, 100), 2.696, 5e-4);
  EXPECT_NEAR(FQuantile(0.95, 5, 10), 3.326, 5e-4);
  // F(1, d) = t(d)²: t_0.975(10) = 2.228138852.
  EXPECT_NEAR(FQuantile(0.95, 1, 10), 2.228138852 * 2.228138852, 1e-8);
  // F(2, d) has a closed form: (d/2)((1-p)^(-2/d) - 1), exact for any d, also huge ones.
  for (double d2 : {1.0, 3.0, 10.0, 250.0, 1e5}) {
    for (double p : {0.5, 0.9, 0.99, 0.9999}) {
      const double want = d2 / 2 * (std::pow(1 - p, -2 / d2) - 1);
      EXPECT_NEAR(FQuantile(p, 2, d2), want, 1e-9 * want) << "d2=" << d2 << " p=" << p;
    }
  }
  // d2 -> infinity: d1·F(d1, d2) -> χ²(d1); χ²_0.99(5) = 15.08627.
  EXPECT_NEAR(5 * FQuantile(0.99, 5, 1e7), 15.08627, 1e-3);
}

TEST(Distributions, ChiSquareQuantileMatchesTables) {
  EXPECT_NEAR(ChiSquareQuantile(0.99, 5), 15.08627247, 1e-7);
  EXPECT_NEAR(ChiSquareQuantile(0.95, 1), 1.959963984540054 * 1.959963984540054, 1e-10);
  EXPECT_NEAR(ChiSquareQuantile(0.99, 2), -2 * std::log(0.01), 1e-10);  // exponential
  EXPECT_NEAR(ChiSquareQuantile(0.99, 4), 13.27670414, 1e-7);
  // Fractional degrees of freedom (Box's approximation) invert the CDF too.
  for (double k : {0.3, 1.7, 12.5, 400.0}) {
    EXPECT_NEAR(ChiSquareCdf(ChiSquareQuantile(0.99, k), k), 0.99, 1e-12) << k;
  }
}

TEST(Distributions, InvalidArgumentsGiveNaN) {
  EXPECT_TRUE(std::isnan(NormalQuantile(0)));
  EXPECT_TRUE(std::isnan(NormalQuantile(1)));
  EXPECT_TRUE(std::isnan(NormalQuantile(std::nan(""))));
  EXPECT_TRUE(std::isnan(FQuantile(0.99, 0, 10)));
  EXPECT_TRUE(std::isnan(FQuantile(1.5, 2, 10)));
  EXPECT_TRUE(std::isnan(ChiSquareQuantile(0.5, -1)));
  EXPECT_TRUE(std::isnan(RegularizedBeta(2, 3, 1.5)));
  EXPECT_TRUE(std::isnan(RegularizedGammaP(0, 1)));
}

}  // namespace
}  // namespace edgeloop::train
