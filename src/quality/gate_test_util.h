// Helpers for the quality gate's unit tests: hand-made batches and per-sample rule names.
#pragma once

#include <string>
#include <vector>

#include "common/clock.h"
#include "common/sample.h"
#include "quality/quality_gate.h"

namespace edgeloop::quality::test {

inline const Timestamp kT0 = FromNanos(1767592800'000'000'000);

inline SampleBatch Batch(ChannelKind kind, double rate_hz, Timestamp start,
                         std::vector<float> values, std::string channel = "c") {
  SampleBatch b;
  b.asset = "a";
  b.channel = std::move(channel);
  b.kind = kind;
  b.sample_rate_hz = rate_hz;
  b.start = start;
  b.values = std::move(values);
  return b;
}

// The rule name of every sample ("" = passed), from the runs Check returned.
inline std::vector<std::string> RulesOf(const std::vector<QuarantineRun>& runs, size_t n) {
  std::vector<std::string> out(n);
  for (const QuarantineRun& r : runs) {
    for (size_t i = r.first; i < r.first + r.count; ++i) out[i] = std::string(RuleName(r.rule));
  }
  return out;
}

inline size_t CountRule(const std::vector<QuarantineRun>& runs, Rule rule) {
  size_t n = 0;
  for (const QuarantineRun& r : runs) n += r.rule == rule ? r.count : 0;
  return n;
}

inline std::vector<QualityEvent> EventsOf(std::vector<QualityEvent> events, Rule rule) {
  std::vector<QualityEvent> out;
  for (QualityEvent& e : events) {
    if (e.rule == rule) out.push_back(std::move(e));
  }
  return out;
}

}  // namespace edgeloop::quality::test
