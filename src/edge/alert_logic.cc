#include "edge/alert_logic.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace edgeloop::edge {
namespace {

std::string Num(double v) {
  std::string s = std::to_string(v);
  // Trim the trailing zeros std::to_string adds ("6.000000" -> "6").
  if (s.find('.') != std::string::npos) {
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

Status CheckScore(const char* name, double v) {
  if (!std::isfinite(v) || v <= 0) {
    return InvalidArgument(std::string("alert ") + name + " must be a positive number, got " +
                           Num(v));
  }
  return Status::Ok();
}

}  // namespace

Status Validate(const AlertPolicy& p) {
  EL_RETURN_IF_ERROR(CheckScore("raise_score", p.raise_score));
  EL_RETURN_IF_ERROR(CheckScore("clear_score", p.clear_score));
  EL_RETURN_IF_ERROR(CheckScore("critical_score", p.critical_score));
  if (p.clear_score > p.raise_score) {
    return InvalidArgument("alert clear_score (" + Num(p.clear_score) +
                           ") must not exceed raise_score (" + Num(p.raise_score) +
                           "), or alerts would flap");
  }
  if (p.critical_score < p.raise_score) {
    return InvalidArgument("alert critical_score (" + Num(p.critical_score) +
                           ") must be at least raise_score (" + Num(p.raise_score) +
                           "): an alert cannot be critical below the level that opens it");
  }
  if (p.raise_windows < 1) {
    return InvalidArgument("alert raise_windows (minimum duration) must be at least 1, got " +
                           std::to_string(p.raise_windows));
  }
  if (p.clear_windows < 1) {
    return InvalidArgument("alert clear_windows must be at least 1, got " +
                           std::to_string(p.clear_windows));
  }
  if (p.cooldown_windows < 0) {
    return InvalidArgument("alert cooldown_windows must not be negative, got " +
                           std::to_string(p.cooldown_windows));
  }
  return Status::Ok();
}

std::string_view SeverityName(Severity s) {
  return s == Severity::kCritical ? "critical" : "warning";
}

AlertLogic::Decision AlertLogic::Update(double score) {
  if (active_) {
    peak_ = std::max(peak_, score);
    streak_ = score < policy_.clear_score ? streak_ + 1 : 0;
    if (streak_ >= policy_.clear_windows) {
      active_ = false;
      streak_ = 0;
      cooldown_left_ = policy_.cooldown_windows;
      suppressed_this_run_ = false;
      return Decision::kClear;
    }
    if (severity_ == Severity::kWarning && SeverityFor(peak_) == Severity::kCritical) {
      severity_ = Severity::kCritical;
      return Decision::kEscalate;
    }
    return Decision::kNone;
  }

  const bool in_cooldown = cooldown_left_ > 0;
  if (in_cooldown) --cooldown_left_;
  if (score >= policy_.raise_score) {
    streak_peak_ = streak_ == 0 ? score : std::max(streak_peak_, score);
    ++streak_;
  } else {
    streak_ = 0;
    suppressed_this_run_ = false;
  }
  if (streak_ < policy_.raise_windows) return Decision::kNone;
  if (in_cooldown) {
    // Count each run once, however many cooldown windows it spans.
    if (!suppressed_this_run_) ++suppressed_;
    suppressed_this_run_ = true;
    return Decision::kNone;
  }
  active_ = true;
  streak_ = 0;
  suppressed_this_run_ = false;
  peak_ = streak_peak_;
  severity_ = SeverityFor(peak_);
  return Decision::kOpen;
}

}  // namespace edgeloop::edge
