// Turns a PlantConfig and a seed into simulated machines with their ground truth: which asset
// gets the bearing fault and when, which gets sensor glitches. Internal to the demo.
#pragma once

#include <cstdint>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "demo/plant_config.h"
#include "sim/machine_simulator.h"

namespace edgeloop::demo {

struct PlannedMachine {
  std::string gateway;
  sim::MachineSpec spec;
  uint64_t seed = 0;
};

// Fails with a clear message when `duration` leaves no room for warm-up before the fault.
Result<std::vector<PlannedMachine>> PlanMachines(const PlantConfig& plant, uint64_t seed,
                                                 Timestamp start, Duration duration);

}  // namespace edgeloop::demo
