#include "model/baseline_detector.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace edgeloop::model {
namespace {

BaselineDetectorConfig Config(size_t warmup) {
  BaselineDetectorConfig c;
  c.warmup_windows = warmup;
  c.relative_scale_floor = 0;
  return c;
}

TEST(BaselineDetectorTest, LearnsMedianAndMadThenScoresKnownZ) {
  BaselineDetector d({"x"}, Config(5));
  // Warm-up values 1..5: median 3, absolute deviations {2,1,0,1,2} -> MAD 1 -> scale 1.4826.
  for (double v : {1.0, 2.0, 3.0, 4.0, 5.0}) {
    auto r = d.Observe(std::vector<double>{v});
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->has_value()) << "no score during warm-up";
  }
  ASSERT_TRUE(d.ready());
  EXPECT_DOUBLE_EQ(d.medians()[0], 3.0);
  EXPECT_DOUBLE_EQ(d.scales()[0], 1.4826);
  auto s = d.Observe(std::vector<double>{3.0 + 2 * 1.4826});
  ASSERT_TRUE(s.ok() && s->has_value());
  EXPECT_NEAR((*s)->score, 2.0, 1e-12);
  EXPECT_NEAR((*s)->top_z, 2.0, 1e-12);
  auto low = d.Observe(std::vector<double>{3.0 - 1.4826});
  EXPECT_NEAR((*low)->top_z, -1.0, 1e-12);
}

TEST(BaselineDetectorTest, OutliersInWarmupDoNotInflateTheBaseline) {
  BaselineDetector d({"x"}, Config(21));
  std::mt19937 rng(1);
  std::normal_distribution<double> n(10, 1);
  for (int i = 0; i < 20; ++i) (void)d.Observe(std::vector<double>{n(rng)});
  (void)d.Observe(std::vector<double>{1e6});  // one wild value
  EXPECT_NEAR(d.medians()[0], 10, 0.7);
  EXPECT_LT(d.scales()[0], 2.5);
}

TEST(BaselineDetectorTest, ReportsTheFeatureThatDeviatesMost) {
  BaselineDetector d({"rms", "kurtosis"}, Config(3));
  for (int i = 0; i < 3; ++i) (void)d.Observe(std::vector<double>{1.0 + 0.1 * i, 3.0 + 0.1 * i});
  auto s = d.Observe(std::vector<double>{1.1, 9.0});
  ASSERT_TRUE(s.ok() && s->has_value());
  EXPECT_EQ((*s)->top_feature, 1u);
  EXPECT_GT((*s)->score, 30);
}

TEST(BaselineDetectorTest, RelativeFloorStopsConstantFeaturesFromExploding) {
  BaselineDetectorConfig c = Config(3);
  c.relative_scale_floor = 0.05;
  BaselineDetector d({"rms"}, c);
  for (int i = 0; i < 3; ++i) (void)d.Observe(std::vector<double>{2.0});  // MAD 0
  EXPECT_DOUBLE_EQ(d.scales()[0], 0.1);
  auto s = d.Observe(std::vector<double>{2.2});  // +10 %: z = 2, not infinity
  EXPECT_NEAR((*s)->score, 2.0, 1e-9);
}

TEST(BaselineDetectorTest, IgnoresNonFiniteValuesAndRejectsWrongWidth) {
  BaselineDetector d({"a", "b"}, Config(3));
  for (int i = 0; i < 3; ++i) (void)d.Observe(std::vector<double>{1.0 + i, std::nan("")});
  EXPECT_TRUE(std::isnan(d.medians()[1]));
  auto s = d.Observe(std::vector<double>{2.0, 1000.0});  // b was never learned: not scored
  EXPECT_EQ((*s)->top_feature, 0u);
  auto bad = d.Observe(std::vector<double>{1.0});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("expects 2 features, got 1"), std::string::npos);
}

TEST(BaselineDetectorConfigTest, Validates) {
  EXPECT_TRUE(Validate(BaselineDetectorConfig{}).ok());
  EXPECT_FALSE(Validate(Config(1)).ok());
}

}  // namespace
}  // namespace edgeloop::model
