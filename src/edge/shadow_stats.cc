#include "edge/shadow_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace edgeloop::edge {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

nlohmann::json NumberOrNull(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}
}  // namespace

void ShadowStats::SetModels(const std::string& production_version,
                            const std::string& shadow_version) {
  if (production_version == production_version_ && shadow_version == shadow_version_) return;
  production_version_ = production_version;
  shadow_version_ = shadow_version;
  Reset();
}

void ShadowStats::Add(double x, double x_norm, double y, double y_norm) {
  if (!std::isfinite(x) || !std::isfinite(x_norm) || !std::isfinite(y) || !std::isfinite(y_norm)) {
    ++skipped_;
    return;
  }
  ++n_;
  const bool x_alarm = x_norm >= 1;
  const bool y_alarm = y_norm >= 1;
  agree_ += x_alarm == y_alarm;
  production_alarms_ += x_alarm;
  shadow_alarms_ += y_alarm;
  sum_abs_diff_ += std::abs(x_norm - y_norm);
  const double nd = static_cast<double>(n_);
  const double dx = x - mean_x_;
  mean_x_ += dx / nd;
  const double dy = y - mean_y_;
  mean_y_ += dy / nd;
  // Old deviation times new one: the standard single-pass update of the (co-)moments.
  m2x_ += dx * (x - mean_x_);
  m2y_ += dy * (y - mean_y_);
  cxy_ += dx * (y - mean_y_);
}

double ShadowStats::agreement() const {
  return n_ == 0 ? kNaN : static_cast<double>(agree_) / static_cast<double>(n_);
}

double ShadowStats::production_alert_rate() const {
  return n_ == 0 ? kNaN : static_cast<double>(production_alarms_) / static_cast<double>(n_);
}

double ShadowStats::shadow_alert_rate() const {
  return n_ == 0 ? kNaN : static_cast<double>(shadow_alarms_) / static_cast<double>(n_);
}

std::optional<double> ShadowStats::correlation() const {
  if (n_ < 2 || !(m2x_ > 0) || !(m2y_ > 0)) return std::nullopt;
  const double r = cxy_ / std::sqrt(m2x_ * m2y_);
  if (!std::isfinite(r)) return std::nullopt;
  return std::clamp(r, -1.0, 1.0);  // rounding can step just past ±1
}

double ShadowStats::mean_abs_normalized_difference() const {
  return n_ == 0 ? kNaN : sum_abs_diff_ / static_cast<double>(n_);
}

nlohmann::json ShadowStats::ToJson() const {
  const std::optional<double> r = correlation();
  return {
      {"production_version", production_version_},
      {"shadow_version", shadow_version_},
      {"n", n_},
      {"skipped", skipped_},
      {"agreement", NumberOrNull(agreement())},
      {"production_alert_rate", NumberOrNull(production_alert_rate())},
      {"shadow_alert_rate", NumberOrNull(shadow_alert_rate())},
      {"alert_rate_difference", NumberOrNull(alert_rate_difference())},
      {"correlation", r ? nlohmann::json(*r) : nlohmann::json(nullptr)},
      {"mean_abs_normalized_difference", NumberOrNull(mean_abs_normalized_difference())},
  };
}

void ShadowStats::Reset() {
  n_ = skipped_ = agree_ = production_alarms_ = shadow_alarms_ = 0;
  mean_x_ = mean_y_ = m2x_ = m2y_ = cxy_ = sum_abs_diff_ = 0;
}

}  // namespace edgeloop::edge
