// OperatingProfile: how a machine is run over time, as a list of modes (speed and load held for
// a while) that repeat or end in the last one, with linear ramps between modes. The simulator
// integrates the shaft angle over the instantaneous speed, so 1x, its harmonics and the bearing
// defect frequencies all follow the ramps.
//
// Plain value types and pure functions; any thread may call them.
#pragma once

#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace edgeloop::sim {

struct OperatingMode {
  Duration duration{0};  // how long the mode lasts, ramp into it included; > 0
  double speed_rpm = 0;  // >= 0
  double load = 0.7;     // fraction of rated torque, in [0, 1.5]
};

struct OperatingPoint {
  double speed_rpm = 0;
  double load = 0;
};

struct OperatingProfile {
  // Empty: the machine runs at the asset's nominal speed and `default_load` all the time.
  std::vector<OperatingMode> modes;
  // Speed and load move linearly from the previous mode's values over this time (at most the
  // mode's duration): drives and process controllers do not step.
  Duration ramp = std::chrono::seconds(10);
  bool cycle = true;  // after the last mode start over with the first; false: hold the last
  double default_load = 0.7;

  Status Validate() const;
  // Set point at `t_s` seconds after the start; `nominal_rpm` is used when `modes` is empty.
  OperatingPoint At(double t_s, double nominal_rpm) const;
};

}  // namespace edgeloop::sim
