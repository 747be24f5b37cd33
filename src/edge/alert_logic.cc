#include "edge/alert_logic.h"

#include <string>

namespace edgeloop::edge {

Status Validate(const AlertPolicy& p) {
  if (!(p.raise_score > 0) || !(p.clear_score > 0)) {
    return InvalidArgument("alert raise_score and clear_score must be positive");
  }
  if (p.clear_score > p.raise_score) {
    return InvalidArgument("alert clear_score (" + std::to_string(p.clear_score) +
                           ") must not exceed raise_score (" + std::to_string(p.raise_score) +
                           "), or alerts would flap");
  }
  if (p.raise_windows < 1 || p.clear_windows < 1) {
    return InvalidArgument("alert raise_windows and clear_windows must be at least 1");
  }
  return Status::Ok();
}

AlertLogic::Decision AlertLogic::Update(double score) {
  if (!active_) {
    streak_ = score >= policy_.raise_score ? streak_ + 1 : 0;
    if (streak_ >= policy_.raise_windows) {
      active_ = true;
      streak_ = 0;
      return Decision::kOpen;
    }
  } else {
    streak_ = score < policy_.clear_score ? streak_ + 1 : 0;
    if (streak_ >= policy_.clear_windows) {
      active_ = false;
      streak_ = 0;
      return Decision::kClear;
    }
  }
  return Decision::kNone;
}

}  // namespace edgeloop::edge
