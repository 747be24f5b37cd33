// AlertLogic: turns a stream of anomaly scores into alert open/clear decisions with hysteresis.
//
// An alert opens after `raise_windows` consecutive scores >= `raise_score` (one noisy window is
// not a fault) and clears after `clear_windows` consecutive scores < `clear_score`, a lower
// level, so a score hovering around the threshold does not make the alert flap.
// Owned and called by one thread at a time.
#pragma once

#include "common/status.h"

namespace edgeloop::edge {

struct AlertPolicy {
  double raise_score = 6.0;
  double clear_score = 3.0;
  int raise_windows = 3;
  int clear_windows = 10;
};

Status Validate(const AlertPolicy& policy);

class AlertLogic {
 public:
  enum class Decision { kNone, kOpen, kClear };

  explicit AlertLogic(AlertPolicy policy) : policy_(policy) {}

  // Feeds the score of the next window and says whether an alert opens or clears now.
  Decision Update(double score);

  bool active() const { return active_; }

 private:
  AlertPolicy policy_;
  bool active_ = false;
  int streak_ = 0;  // consecutive windows pointing towards the other state
};

}  // namespace edgeloop::edge
