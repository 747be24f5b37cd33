#include "sim/bearing_fault_model.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace edgeloop::sim {
namespace {
// Standard deviation of the relative jitter of impact spacing; rolling elements slip 1-2 %.
constexpr double kSlipStd = 0.01;
// Share of the impact strength that still reaches the sensor outside the load zone.
constexpr double kUnloadedShare = 0.1;
// An inner-race strike of a ball defect travels through the ball and the outer race.
constexpr double kBallInnerStrikeShare = 0.6;
}  // namespace

BearingImpactTrain::BearingImpactTrain(FaultKind kind, const BearingOrders& orders, uint64_t seed)
    : kind_(kind), rng_(seed) {
  switch (kind) {
    case FaultKind::kInnerRace:
      order_ = orders.bpfi;
      break;
    case FaultKind::kRollingElement:
      order_ = 2 * orders.bsf;
      break;
    default:
      order_ = orders.bpfo;
      break;
  }
  order_ = std::max(order_, 1e-3);
  ftf_ = orders.ftf;
  defect_angle_rev_ = std::uniform_real_distribution<double>(0, 1)(rng_);
  next_rev_ = std::uniform_real_distribution<double>(0, 1 / order_)(rng_);
}

double BearingImpactTrain::LoadZone(double rev) {
  // Radial load spread over the lower half of the bearing, peaking at the bottom (cos^1.5, the
  // Hertzian load-deflection law of a ball bearing).
  const double c = std::cos(2 * std::numbers::pi * rev);
  return kUnloadedShare + (1 - kUnloadedShare) * (c > 0 ? c * std::sqrt(c) : 0);
}

double BearingImpactTrain::Fire(double shaft_rev) {
  double total = 0;
  while (shaft_rev >= next_rev_) {
    double strength = 0.8 + 0.4 * std::abs(unit_normal_(rng_));
    const double at = next_rev_;
    switch (kind_) {
      case FaultKind::kInnerRace:
        strength *= LoadZone(at + defect_angle_rev_);
        break;
      case FaultKind::kRollingElement:
        // The ball (with the cage) turns at FTF orders.
        strength *= LoadZone(at * ftf_ + defect_angle_rev_);
        if (impacts_ % 2 == 1) strength *= kBallInnerStrikeShare;
        break;
      default:
        break;
    }
    total += strength;
    ++impacts_;
    const double jitter = std::clamp(kSlipStd * unit_normal_(rng_), -3 * kSlipStd, 3 * kSlipStd);
    next_rev_ += (1 + jitter) / order_;
  }
  return total;
}

}  // namespace edgeloop::sim
