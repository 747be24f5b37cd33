// QualityGate: the checks every sample passes before it may reach features or models.
//
// This first version holds the per-sample rules: a value must be finite and inside the channel's
// physical range. Flagged samples are reported as runs (consecutive samples with one reason) so
// the caller can quarantine them with their reason and keep them out of the windows it scores.
// Counters per rule make the gate's work visible. Owned and called by one thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/sample.h"
#include "common/status.h"

namespace edgeloop::quality {

enum class Rule : uint8_t {
  kNotFinite = 0,  // NaN or +/-Inf: a broken sensor or decoder
  kOutOfRange,     // outside what the sensor or the physics can produce
  kCount,
};

// Stable reason code stored with quarantined data, e.g. "not_finite".
std::string_view RuleName(Rule rule);

struct PhysicalRange {
  double min = 0;
  double max = 0;
};

struct QualityConfig {
  PhysicalRange vibration_g{-50, 50};     // a +/-50 g accelerometer saturates beyond this
  PhysicalRange temperature_c{-40, 150};  // industrial bearing temperature sensor range
};

Status Validate(const QualityConfig& config);

// Consecutive samples [first, first + count) of one batch that failed `rule`.
struct QuarantineRun {
  size_t first = 0;
  size_t count = 0;
  Rule rule = Rule::kNotFinite;
  float first_value = 0;  // the first offending value, for the reason text
};

class QualityGate {
 public:
  explicit QualityGate(QualityConfig config) : config_(config) {}

  // Checks every sample of `batch`; returns the flagged runs in sample order.
  std::vector<QuarantineRun> Check(const SampleBatch& batch);

  uint64_t samples_checked() const { return samples_checked_; }
  uint64_t flagged(Rule rule) const { return flagged_[static_cast<size_t>(rule)]; }
  uint64_t flagged_total() const;

 private:
  QualityConfig config_;
  uint64_t samples_checked_ = 0;
  std::array<uint64_t, static_cast<size_t>(Rule::kCount)> flagged_{};
};

}  // namespace edgeloop::quality
