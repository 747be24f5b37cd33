#include "sim/machine_presets.h"

namespace edgeloop::sim {

Result<MachineSpec> TypicalMachine(std::string_view kind, std::string id) {
  MachineSpec s;
  s.asset.id = std::move(id);
  s.asset.kind = std::string(kind);
  s.asset.bearing = Bearing6205();
  // Residual imbalance of a healthy, well-balanced machine: the 1x line alone gives about
  // 1.2 mm/s RMS velocity (ISO 10816-3 zone A/B), a = v * 2 pi f. Faults add to it.
  if (kind == "pump") {
    s.asset.shaft_rpm = 2970;
    s.imbalance_g = 0.054;
    s.vanes = 6;
    s.resonance_hz = 3500;
  } else if (kind == "motor") {
    s.asset.shaft_rpm = 1485;
    s.imbalance_g = 0.027;
    s.resonance_hz = 3000;
    s.no_load_current_a = 10;
    s.full_load_current_a = 30;
  } else if (kind == "fan") {
    s.asset.shaft_rpm = 990;
    s.vanes = 9;
    s.imbalance_g = 0.018;
    s.resonance_hz = 2500;
    s.no_load_current_a = 8;
    s.full_load_current_a = 22;
  } else if (kind == "compressor") {
    s.asset.shaft_rpm = 2980;
    s.imbalance_g = 0.054;
    s.vanes = 11;
    s.noise_g = 0.08;
    s.resonance_hz = 4200;
    s.no_load_current_a = 25;
    s.full_load_current_a = 80;
  } else {
    return InvalidArgument("unknown machine kind '" + std::string(kind) +
                           "' (use pump, motor, fan or compressor)");
  }
  return s;
}

}  // namespace edgeloop::sim
