// Prometheus text exposition format 0.0.4: what GET /metrics answers.
//
// The writer takes metric families built by the caller (the daemon's counters and gauges) and
// renders `# HELP`, `# TYPE` and one line per sample. Names come from our own code, never from
// the network, so an invalid metric or label name is a programming error: the family (or the
// sample) is skipped and a warning is logged instead of emitting text a scraper would reject as a
// whole. Label values, which may carry asset names from configuration, are escaped.
// Pure functions: safe to call from any thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace edgeloop {

enum class MetricType { kCounter, kGauge };

struct MetricSample {
  // Label name/value pairs, rendered in this order.
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0.0;
};

struct MetricFamily {
  std::string name;  // e.g. "edgeloop_windows_scored_total"
  std::string help;  // one line; backslashes and newlines are escaped
  MetricType type = MetricType::kGauge;
  std::vector<MetricSample> samples;
};

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsValidMetricName(std::string_view name);
// [a-zA-Z_][a-zA-Z0-9_]*, and not starting with "__" (reserved by Prometheus).
bool IsValidLabelName(std::string_view name);

// A sample value as Prometheus spells it: "+Inf", "-Inf", "NaN", integers without exponent (up
// to 2^53), otherwise the shortest text that reads back to the same double.
std::string FormatMetricValue(double value);

// Renders all families. Families with an invalid or repeated name and samples with an invalid
// or repeated label name are skipped (logged). A family without samples still gets its HELP and
// TYPE lines, which tells the scraper the metric exists.
std::string RenderPrometheusText(const std::vector<MetricFamily>& families);

// Content-Type of the rendered text.
inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4";

}  // namespace edgeloop
