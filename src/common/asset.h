// The plant's data model as far as the edge needs it: assets (machines) and their bearings.
//
// Shared vocabulary of the simulator, the signal processing and the stores. Plain value types.
#pragma once

#include <string>

namespace edgeloop {

// Rolling-element bearing geometry, enough to compute its characteristic defect frequencies.
struct BearingGeometry {
  std::string designation;       // e.g. "6205"
  int rolling_elements = 0;      // number of balls or rollers
  double ball_diameter_mm = 0;   // d
  double pitch_diameter_mm = 0;  // D
  double contact_angle_deg = 0;  // 0 for deep-groove ball bearings under radial load
};

// Defect frequencies as multiples of shaft speed (orders).
struct BearingOrders {
  double bpfo = 0;  // ball pass frequency, outer race
  double bpfi = 0;  // ball pass frequency, inner race
  double bsf = 0;   // ball spin frequency (a rolling-element defect hits at 2 x BSF)
  double ftf = 0;   // fundamental train (cage) frequency
};

// Classical kinematic formulas (no slip): e.g. BPFO = n/2 * (1 - d/D cos(a)).
BearingOrders ComputeBearingOrders(const BearingGeometry& g);

// SKF 6205-2RS: 9 balls, d = 7.94 mm, D = 39.04 mm (the CWRU test rig's drive-end bearing).
BearingGeometry Bearing6205();

// A monitored machine.
struct Asset {
  std::string id;    // unique within the plant, e.g. "pump-101"
  std::string kind;  // pump, motor, fan, compressor
  double shaft_rpm = 0;
  BearingGeometry bearing;
};

}  // namespace edgeloop
