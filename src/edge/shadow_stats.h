// ShadowStats: paired comparison of the production and the shadow model on the same windows,
// the evidence for promoting a candidate (or not) that the edge sends up for each period.
//
// Per window the pair (production, shadow) is recorded as raw scores and normalized scores
// (score / threshold; alarm = normalized >= 1). Reported: n, agreement (both alarm or both
// not), each alert rate and their difference (shadow - production), the Pearson correlation of
// the raw scores, and the mean absolute difference of the normalized scores. The correlation is
// streamed with Welford-style co-moments (no catastrophic cancellation of Σxy - n·x̄ȳ on
// scores that sit far from zero) and is absent (nullopt, JSON null) when n < 2 or either
// model's scores are constant, where it is undefined.
// Owned and called by one thread at a time.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace edgeloop::edge {

class ShadowStats {
 public:
  // Names the compared models; when either differs from the current pair the statistics are
  // reset, so that one report never mixes two model pairs.
  void SetModels(const std::string& production_version, const std::string& shadow_version);

  // One window scored by both models. A pair with a non-finite value is not counted (skipped()).
  void Add(double production_score, double production_normalized, double shadow_score,
           double shadow_normalized);

  uint64_t n() const { return n_; }
  uint64_t skipped() const { return skipped_; }
  // Fractions in [0, 1]; NaN while n() == 0.
  double agreement() const;
  double production_alert_rate() const;
  double shadow_alert_rate() const;
  double alert_rate_difference() const { return shadow_alert_rate() - production_alert_rate(); }
  std::optional<double> correlation() const;
  double mean_abs_normalized_difference() const;  // NaN while n() == 0

  const std::string& production_version() const { return production_version_; }
  const std::string& shadow_version() const { return shadow_version_; }

  // The uplink document; undefined values are null.
  nlohmann::json ToJson() const;
  // Starts a new reporting period (the model names are kept).
  void Reset();

 private:
  std::string production_version_;
  std::string shadow_version_;
  uint64_t n_ = 0;
  uint64_t skipped_ = 0;
  uint64_t agree_ = 0;
  uint64_t production_alarms_ = 0;
  uint64_t shadow_alarms_ = 0;
  double mean_x_ = 0;  // production raw score
  double mean_y_ = 0;  // shadow raw score
  double m2x_ = 0;     // Σ (x - x̄)²
  double m2y_ = 0;     // Σ (y - ȳ)²
  double cxy_ = 0;     // Σ (x - x̄)(y - ȳ)
  double sum_abs_diff_ = 0;
};

}  // namespace edgeloop::edge
