// Typical machines of each kind (pump, motor, fan, compressor) for the `edgeloop sim` command and
// tests: nominal speed, vanes, noise, structural resonance and motor currents of a plausible
// 15-45 kW machine on a 6205 bearing.
//
// Pure functions; any thread may call them.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "sim/machine_simulator.h"

namespace edgeloop::sim {

// "pump", "motor", "fan", "compressor"; `id` names the asset.
Result<MachineSpec> TypicalMachine(std::string_view kind, std::string id);

}  // namespace edgeloop::sim
