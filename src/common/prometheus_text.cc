#include "common/prometheus_text.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <cmath>
#include <set>

namespace edgeloop {
namespace {

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string EscapeHelp(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeLabelValue(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// Renders one sample line, or returns false when a label name is invalid or repeated.
bool AppendSample(const std::string& name, const MetricSample& sample, std::string& out) {
  std::string line = name;
  if (!sample.labels.empty()) {
    std::set<std::string_view> seen;
    line += '{';
    bool first = true;
    for (const auto& [label, value] : sample.labels) {
      if (!IsValidLabelName(label) || !seen.insert(label).second) {
        spdlog::warn("metrics: skipping a sample of {}: invalid or repeated label name '{}'", name,
                     label);
        return false;
      }
      if (!first) line += ',';
      first = false;
      line += label;
      line += "=\"";
      line += EscapeLabelValue(value);
      line += '"';
    }
    line += '}';
  }
  line += ' ';
  line += FormatMetricValue(sample.value);
  line += '\n';
  out += line;
  return true;
}

}  // namespace

bool IsValidMetricName(std::string_view name) {
  if (name.empty() || !(IsNameStart(name[0]) || name[0] == ':')) return false;
  for (const char c : name) {
    if (!(IsNameStart(c) || IsDigit(c) || c == ':')) return false;
  }
  return true;
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || !IsNameStart(name[0]) || name.starts_with("__")) return false;
  for (const char c : name) {
    if (!(IsNameStart(c) || IsDigit(c))) return false;
  }
  return true;
}

std::string FormatMetricValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Counters are integers; print them as such rather than "1e+06". 2^53 bounds exact integers.
  constexpr double kMaxExact = 9007199254740992.0;
  if (value == std::trunc(value) && std::fabs(value) <= kMaxExact) {
    return std::to_string(static_cast<int64_t>(value));
  }
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  if (ec != std::errc()) return "NaN";  // cannot happen for a finite double and 64 bytes
  return std::string(buf, end);
}

std::string RenderPrometheusText(const std::vector<MetricFamily>& families) {
  std::string out;
  std::set<std::string_view> seen;
  for (const MetricFamily& family : families) {
    if (!IsValidMetricName(family.name)) {
      spdlog::warn("metrics: skipping family with invalid name '{}'", family.name);
      continue;
    }
    if (!seen.insert(family.name).second) {
      spdlog::warn("metrics: skipping repeated family '{}'", family.name);
      continue;
    }
    out += "# HELP " + family.name + ' ' + EscapeHelp(family.help) + '\n';
    out += "# TYPE " + family.name + ' ' +
           (family.type == MetricType::kCounter ? "counter" : "gauge") + '\n';
    for (const MetricSample& sample : family.samples) AppendSample(family.name, sample, out);
  }
  return out;
}

}  // namespace edgeloop
