#include "quality/quality_gate.h"

#include <cmath>
#include <optional>

namespace edgeloop::quality {

std::string_view RuleName(Rule rule) {
  switch (rule) {
    case Rule::kNotFinite:
      return "not_finite";
    case Rule::kOutOfRange:
      return "out_of_range";
    case Rule::kCount:
      break;
  }
  return "unknown";
}

Status Validate(const QualityConfig& config) {
  for (const auto& [name, range] : {std::pair{"vibration_g", config.vibration_g},
                                    std::pair{"temperature_c", config.temperature_c}}) {
    if (!std::isfinite(range.min) || !std::isfinite(range.max) || range.min >= range.max) {
      return InvalidArgument(std::string("quality range '") + name + "' needs min < max, got [" +
                             std::to_string(range.min) + ", " + std::to_string(range.max) + "]");
    }
  }
  return Status::Ok();
}

uint64_t QualityGate::flagged_total() const {
  uint64_t total = 0;
  for (uint64_t n : flagged_) total += n;
  return total;
}

std::vector<QuarantineRun> QualityGate::Check(const SampleBatch& batch) {
  const PhysicalRange range =
      batch.kind == ChannelKind::kVibration ? config_.vibration_g : config_.temperature_c;
  std::vector<QuarantineRun> runs;
  for (size_t i = 0; i < batch.values.size(); ++i) {
    const float v = batch.values[i];
    std::optional<Rule> failed;
    if (!std::isfinite(v)) {
      failed = Rule::kNotFinite;
    } else if (v < range.min || v > range.max) {
      failed = Rule::kOutOfRange;
    }
    if (!failed) continue;
    ++flagged_[static_cast<size_t>(*failed)];
    if (!runs.empty() && runs.back().rule == *failed &&
        runs.back().first + runs.back().count == i) {
      ++runs.back().count;
    } else {
      runs.push_back({i, 1, *failed, v});
    }
  }
  samples_checked_ += batch.values.size();
  return runs;
}

}  // namespace edgeloop::quality
