// BearingImpactTrain: the impacts of one localized bearing defect, generated in the shaft-angle
// domain so that they follow any speed change.
//
// Kinematics come from the bearing geometry (ComputeBearingOrders): a defect is struck once per
// 1/order shaft revolutions, with order = BPFO (outer race), BPFI (inner race) or 2 x BSF
// (rolling element: a ball hits both races once per spin). Rolling elements slip, so each
// spacing is jittered by about 1 % (standard deviation). The strength of each impact depends on
// where the defect is relative to the load zone (fixed at the bottom of the bearing):
//  - outer race: the defect sits still in the load zone, constant strength;
//  - inner race: the defect turns with the shaft and passes the load zone once per revolution,
//    so the impacts are amplitude-modulated at 1x (sidebands at +-1x around BPFI harmonics);
//  - rolling element: the ball travels with the cage, modulation at FTF; it strikes the outer
//    and the inner race alternately and the inner-race strike travels further to the sensor.
// Each impact also varies randomly in strength. The caller scales the result by severity.
//
// Owned by one MachineSimulator; one thread at a time.
#pragma once

#include <cstdint>
#include <random>

#include "common/asset.h"
#include "sim/fault_model.h"

namespace edgeloop::sim {

class BearingImpactTrain {
 public:
  // `kind` must be a bearing fault (IsBearingFault). `seed` drives slip and strength variation.
  BearingImpactTrain(FaultKind kind, const BearingOrders& orders, uint64_t seed);

  // Shaft position (revolutions since start, non-decreasing) at which the next impact is due.
  double next_rev() const { return next_rev_; }
  // Impact strength (about 1 on average in the load zone) of all impacts due at or before
  // `shaft_rev`; call when shaft_rev >= next_rev(). Schedules the following impacts.
  double Fire(double shaft_rev);

  FaultKind kind() const { return kind_; }
  double order() const { return order_; }  // impacts per shaft revolution, without slip

 private:
  // Strength factor of an impact that happens at angle `rev` (revolutions) from the load zone.
  static double LoadZone(double rev);

  FaultKind kind_;
  double order_ = 1;
  double ftf_ = 0.4;
  double defect_angle_rev_ = 0;  // where the defect sits on its race or ball path at rev 0
  double next_rev_ = 0;
  uint64_t impacts_ = 0;
  std::mt19937_64 rng_;
  std::normal_distribution<double> unit_normal_{0.0, 1.0};
};

}  // namespace edgeloop::sim
