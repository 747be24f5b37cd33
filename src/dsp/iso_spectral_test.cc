#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "dsp/iso10816.h"
#include "dsp/spectral_features.h"
#include "dsp/spectral_peaks.h"

namespace edgeloop::dsp {
namespace {

constexpr double kRate = 25600.0;
constexpr double kTwoPi = 2.0 * std::numbers::pi;

std::vector<float> Tones(size_t n, std::initializer_list<std::pair<double, double>> tones) {
  std::vector<float> x(n);
  for (size_t t = 0; t < n; ++t) {
    double v = 0.0;
    for (auto [f, a] : tones) v += a * std::sin(kTwoPi * f * t / kRate);
    x[t] = static_cast<float>(v);
  }
  return x;
}

TEST(IsoTest, ZoneLimitsPerGroupAndFoundation) {
  auto l = Iso10816ZoneLimits(MachineGroup::kGroup1, Foundation::kRigid);
  EXPECT_EQ(l.ab_mm_s, 2.3);
  EXPECT_EQ(l.bc_mm_s, 4.5);
  EXPECT_EQ(l.cd_mm_s, 7.1);
  l = Iso10816ZoneLimits(MachineGroup::kGroup1, Foundation::kFlexible);
  EXPECT_EQ(l.cd_mm_s, 11.0);
  l = Iso10816ZoneLimits(MachineGroup::kGroup2, Foundation::kRigid);
  EXPECT_EQ(l.ab_mm_s, 1.4);
  EXPECT_EQ(l.cd_mm_s, 4.5);
  l = Iso10816ZoneLimits(MachineGroup::kGroup4, Foundation::kFlexible);
  EXPECT_EQ(l.bc_mm_s, 4.5);
  EXPECT_EQ(Iso10816Zone(1.0, MachineGroup::kGroup2, Foundation::kRigid), IsoZone::kA);
  EXPECT_EQ(Iso10816Zone(1.4, MachineGroup::kGroup2, Foundation::kRigid), IsoZone::kB);
  EXPECT_EQ(Iso10816Zone(3.0, MachineGroup::kGroup2, Foundation::kRigid), IsoZone::kC);
  EXPECT_EQ(Iso10816Zone(3.0, MachineGroup::kGroup1, Foundation::kRigid), IsoZone::kB);
  EXPECT_EQ(Iso10816Zone(20.0, MachineGroup::kGroup3, Foundation::kFlexible), IsoZone::kD);
  EXPECT_EQ(IsoZoneName(IsoZone::kC), "C");
}

TEST(IsoTest, VelocityOfASineKnownAnswer) {
  // 1 g at 100 Hz: v = 9.80665 / (2π·100) m/s peak = 15.61 mm/s peak, 11.04 mm/s RMS.
  auto ps = PowerSpectrum::Create(kRate, 25600).value();
  ASSERT_TRUE(ps.Compute(Tones(4 * 25600, {{100.0, 1.0}})).ok());
  const double expected = kStandardGravity / (kTwoPi * 100.0) * 1000.0 / std::sqrt(2.0);
  EXPECT_NEAR(VelocityRmsMmPerS(ps.power(), ps.bin_hz()), expected, 0.01 * expected);
  // Outside 10-1000 Hz it does not count.
  ASSERT_TRUE(ps.Compute(Tones(4 * 25600, {{2000.0, 1.0}, {5.0, 1.0}})).ok());
  EXPECT_LT(VelocityRmsMmPerS(ps.power(), ps.bin_hz()), 0.05 * expected);
}

TEST(SpectralTest, BandsCentroidAndOrders) {
  constexpr double kShaft = 29.5;
  // 1x 0.3 g, 2x 0.2 g, 3x 0.1 g, plus a 3 kHz tone of 0.5 g.
  const auto x =
      Tones(8 * 32768, {{kShaft, 0.3}, {2 * kShaft, 0.2}, {3 * kShaft, 0.1}, {3000.0, 0.5}});
  auto ps = PowerSpectrum::Create(kRate, 32768).value();
  ASSERT_TRUE(ps.Compute(x).ok());
  std::vector<double> scratch(32768);
  SpectralFeatures f;
  const std::vector<BandSpec> bands = {{10.0, 500.0}, {2000.0, 5000.0}};
  ComputeSpectralFeatures(ps.power(), ps.bin_hz(), bands, kShaft, scratch, f);
  ASSERT_EQ(f.band_rms_g.size(), 2u);
  EXPECT_NEAR(f.band_rms_g[0], std::sqrt((0.09 + 0.04 + 0.01) / 2), 0.01);
  EXPECT_NEAR(f.band_rms_g[1], 0.5 / std::sqrt(2.0), 0.01);
  const double p_low = 0.14 / 2;
  const double p_high = 0.25 / 2;
  const double centroid =
      (0.09 / 2 * kShaft + 0.04 / 2 * 2 * kShaft + 0.01 / 2 * 3 * kShaft + p_high * 3000) /
      (p_low + p_high);
  EXPECT_NEAR(f.centroid_hz, centroid, 0.01 * centroid);
  const double amps[3] = {0.3, 0.2, 0.1};
  for (int h = 0; h < 3; ++h) {
    EXPECT_NEAR(f.order[h].amplitude, amps[h], 0.02 * amps[h]) << (h + 1) << "x";
    EXPECT_NEAR(f.order[h].frequency_hz, (h + 1) * kShaft, ps.bin_hz());
  }
}

TEST(SpectralPeaksTest, FindsInterpolatedPeakAndMedianFloor) {
  std::vector<double> s(200, 1.0);
  s[100] = 10.0;
  s[101] = 10.0;  // halfway between bins 100 and 101
  s[50] = 100.0;  // outside the floor window: ignored
  std::vector<double> scratch(200);
  const SpectralPeak p = FindPeak(s, 1.0, 95.0, 105.0, 20.0, scratch);
  ASSERT_TRUE(p.found);
  EXPECT_NEAR(p.frequency_hz, 100.5, 1e-9);
  EXPECT_DOUBLE_EQ(p.floor, 1.0);
  EXPECT_NEAR(p.snr_db, 20.0, 1e-9);
  EXPECT_FALSE(FindPeak(s, 1.0, 500.0, 600.0, 20.0, scratch).found);
  EXPECT_DOUBLE_EQ(MedianInRange(s, 1.0, 0.0, 40.0, scratch), 1.0);
}

}  // namespace
}  // namespace edgeloop::dsp
