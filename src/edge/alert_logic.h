// AlertLogic: turns a stream of anomaly scores into alert open/escalate/clear decisions.
//
// Rules, in the order they apply to each window's score:
// - Minimum duration: an alert opens only after the score stayed >= `raise_score` for
//   `raise_windows` consecutive windows (one noisy window is not a fault).
// - Hysteresis: it clears after `clear_windows` consecutive scores < `clear_score`, a lower
//   level, so a score hovering around the threshold does not make the alert flap.
// - Cooldown: for `cooldown_windows` windows after a clear no alert opens. A run of high scores
//   that would have opened one is counted once in suppressed_openings(); if the score is still
//   high when the cooldown ends, the alert opens on the first window after it (a fault that
//   outlasts the cooldown is real, not chatter).
// - Severity: kWarning, or kCritical once the peak score of the alert (including the windows of
//   its minimum-duration run) reaches `critical_score`. Severity only goes up while the alert is
//   open; the upgrade is reported once as Decision::kEscalate. An alert may open as critical:
//   the caller reads severity() after kOpen.
// Owned and called by one thread at a time.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"

namespace edgeloop::edge {

struct AlertPolicy {
  double raise_score = 6.0;
  double clear_score = 3.0;
  // Minimum duration, in windows, that the score must stay >= raise_score before an alert opens.
  int raise_windows = 3;
  int clear_windows = 10;
  // Windows after a clear during which no new alert opens (0: none).
  int cooldown_windows = 0;
  // Peak score from which an alert is critical rather than a warning (>= raise_score).
  double critical_score = 12.0;

  int min_duration_windows() const { return raise_windows; }
};

// Checks every field; the message names the field and the offending value.
Status Validate(const AlertPolicy& policy);

enum class Severity { kWarning, kCritical };
std::string_view SeverityName(Severity s);  // "warning" / "critical", as stored

class AlertLogic {
 public:
  // kEscalate: the open alert's severity went up (read severity()); at most once per alert.
  enum class Decision { kNone, kOpen, kEscalate, kClear };

  explicit AlertLogic(AlertPolicy policy) : policy_(policy) {}

  // Feeds the score of the next window and says whether an alert opens, escalates or clears now.
  Decision Update(double score);

  bool active() const { return active_; }
  // Severity of the open alert, or of the last one after it cleared.
  Severity severity() const { return severity_; }
  // Highest score of the open alert (or the last one), including its minimum-duration run.
  double peak_score() const { return peak_; }
  // Windows left in the cooldown after the last clear (0 when none).
  int cooldown_remaining() const { return cooldown_left_; }
  // Openings prevented by the cooldown so far.
  int64_t suppressed_openings() const { return suppressed_; }

 private:
  Severity SeverityFor(double peak) const {
    return peak >= policy_.critical_score ? Severity::kCritical : Severity::kWarning;
  }

  AlertPolicy policy_;
  bool active_ = false;
  int streak_ = 0;          // consecutive windows pointing towards the other state
  double streak_peak_ = 0;  // highest score of the current raise streak
  double peak_ = 0;
  Severity severity_ = Severity::kWarning;
  int cooldown_left_ = 0;
  bool suppressed_this_run_ = false;  // the current high run was already counted as suppressed
  int64_t suppressed_ = 0;
};

}  // namespace edgeloop::edge
