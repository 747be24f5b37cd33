#include "common/prometheus_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace edgeloop {
namespace {

TEST(PrometheusTextTest, RendersCounterAndGaugeExactly) {
  const std::vector<MetricFamily> families = {
      {"edgeloop_windows_scored_total",
       "Windows scored by the production model.",
       MetricType::kCounter,
       {{{{"asset", "pump-1"}, {"model", "prod"}}, 1234}, {{{"asset", "pump-2"}}, 0}}},
      {"edgeloop_queue_depth", "Samples waiting.", MetricType::kGauge, {{{}, 3.5}}},
  };
  EXPECT_EQ(RenderPrometheusText(families),
            "# HELP edgeloop_windows_scored_total Windows scored by the production model.\n"
            "# TYPE edgeloop_windows_scored_total counter\n"
            "edgeloop_windows_scored_total{asset=\"pump-1\",model=\"prod\"} 1234\n"
            "edgeloop_windows_scored_total{asset=\"pump-2\"} 0\n"
            "# HELP edgeloop_queue_depth Samples waiting.\n"
            "# TYPE edgeloop_queue_depth gauge\n"
            "edgeloop_queue_depth 3.5\n");
}

TEST(PrometheusTextTest, EscapesLabelValuesAndHelp) {
  const std::vector<MetricFamily> families = {
      {"m", "a\\b\nc \"q\"", MetricType::kGauge, {{{{"l", "x\\y\"z\nw"}}, 1}}}};
  EXPECT_EQ(RenderPrometheusText(families),
            "# HELP m a\\\\b\\nc \"q\"\n"
            "# TYPE m gauge\n"
            "m{l=\"x\\\\y\\\"z\\nw\"} 1\n");
}

TEST(PrometheusTextTest, SpecialValues) {
  EXPECT_EQ(FormatMetricValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatMetricValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatMetricValue(std::nan("")), "NaN");
  EXPECT_EQ(FormatMetricValue(-0.0), "0");
  EXPECT_EQ(FormatMetricValue(1e6), "1000000");
  EXPECT_EQ(FormatMetricValue(-42), "-42");
  EXPECT_EQ(FormatMetricValue(0.1), "0.1");
  EXPECT_EQ(FormatMetricValue(1e300), "1e+300");
  EXPECT_EQ(FormatMetricValue(1.5e-7), "1.5e-07");
}

TEST(PrometheusTextTest, NameValidation) {
  EXPECT_TRUE(IsValidMetricName("a:b_c9"));
  EXPECT_TRUE(IsValidMetricName(":x"));
  EXPECT_FALSE(IsValidMetricName(""));
  EXPECT_FALSE(IsValidMetricName("9a"));
  EXPECT_FALSE(IsValidMetricName("a-b"));
  EXPECT_FALSE(IsValidMetricName("a b"));
  EXPECT_TRUE(IsValidLabelName("asset_1"));
  EXPECT_FALSE(IsValidLabelName("__name"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
  EXPECT_FALSE(IsValidLabelName("1a"));
  EXPECT_FALSE(IsValidLabelName(""));
}

TEST(PrometheusTextTest, SkipsInvalidFamiliesAndSamples) {
  const std::vector<MetricFamily> families = {
      {"bad-name", "x", MetricType::kGauge, {{{}, 1}}},
      {"ok",
       "",
       MetricType::kCounter,
       {{{{"bad label", "v"}}, 1}, {{{"a", "1"}, {"a", "2"}}, 2}, {{{"a", "3"}}, 3}}},
      {"ok", "repeated family", MetricType::kGauge, {{{}, 4}}},
      {"empty", "no samples", MetricType::kGauge, {}},
  };
  EXPECT_EQ(RenderPrometheusText(families),
            "# HELP ok \n"
            "# TYPE ok counter\n"
            "ok{a=\"3\"} 3\n"
            "# HELP empty no samples\n"
            "# TYPE empty gauge\n");
}

}  // namespace
}  // namespace edgeloop
