#include "common/asset.h"

#include <cmath>
#include <numbers>

namespace edgeloop {

BearingOrders ComputeBearingOrders(const BearingGeometry& g) {
  const double ratio = g.ball_diameter_mm / g.pitch_diameter_mm *
                       std::cos(g.contact_angle_deg * std::numbers::pi / 180);
  const double n = g.rolling_elements;
  BearingOrders o;
  o.bpfo = n / 2 * (1 - ratio);
  o.bpfi = n / 2 * (1 + ratio);
  o.bsf = g.pitch_diameter_mm / (2 * g.ball_diameter_mm) * (1 - ratio * ratio);
  o.ftf = 0.5 * (1 - ratio);
  return o;
}

BearingGeometry Bearing6205() { return {"6205", 9, 7.94, 39.04, 0.0}; }

}  // namespace edgeloop
