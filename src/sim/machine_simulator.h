// MachineSimulator: synthetic but physically motivated signals of one rotating machine.
//
// Vibration (drive-end accelerometer, g) is the sum of shaft-synchronous components (1x from
// imbalance, 2x, vane/blade pass), broadband noise, and, once a bearing fault has started,
// periodic impacts at the outer-race defect frequency (BPFO) that ring a structural resonance
// through a two-pole resonator. Temperature (degrees C) follows load with a first-order lag and
// rises with fault severity. Load wanders slowly (mean-reverting), so healthy machines are not
// perfectly stationary. Sensor glitches (NaN bursts, spikes) can be injected to exercise the
// quality gate. Deterministic for a given seed.
//
// Owned and called by one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/asset.h"
#include "common/clock.h"
#include "common/sample.h"

namespace edgeloop::sim {

inline constexpr char kVibrationChannel[] = "vib_de";
inline constexpr char kTemperatureChannel[] = "temp_bearing";

// An outer-race bearing defect that appears at `onset` and grows over `ramp` to full size.
struct BearingFault {
  Timestamp onset;
  Duration ramp{0};
  double peak_impact_g = 2.0;  // impact amplitude at full severity
};

// A sensor malfunction, as opposed to a machine fault: the quality gate must catch it.
struct SensorGlitch {
  enum class Kind { kNanBurst, kSpike };
  Kind kind = Kind::kNanBurst;
  Timestamp at;
  std::string channel;  // kVibrationChannel or kTemperatureChannel
  int samples = 1;      // how many consecutive samples are affected
  double value = 0;     // the spike value (kSpike only)
};

struct MachineSpec {
  Asset asset;
  double vibration_rate_hz = 25600;
  double temperature_rate_hz = 1;
  double resonance_hz = 3500;  // structural resonance excited by bearing impacts
  double damping_ratio = 0.05;
  double imbalance_g = 0.15;  // 1x amplitude at nominal load
  double noise_g = 0.05;      // broadband noise, standard deviation
  int vanes = 0;              // vane/blade pass component for pumps, fans, compressors
  double ambient_c = 24;
  double load_temp_rise_c = 20;  // bearing temperature above ambient at full load
  double fault_temp_rise_c = 8;  // extra rise at full fault severity
  std::optional<BearingFault> fault;
  std::vector<SensorGlitch> glitches;
};

class MachineSimulator {
 public:
  MachineSimulator(MachineSpec spec, uint64_t seed, Timestamp start);

  // Produces the samples in [Now(), Now() + step) of each channel and appends one batch per
  // channel to `out`; afterwards Now() has moved on by `step`.
  void Step(Duration step, std::vector<SampleBatch>& out);

  Timestamp Now() const { return start_ + elapsed_; }
  // Fault size in [0, 1] at time t (0 before onset or without a fault).
  double Severity(Timestamp t) const;
  const MachineSpec& spec() const { return spec_; }
  double bpfo_hz() const { return bpfo_hz_; }

 private:
  void GenerateVibration(uint64_t first, uint64_t count, SampleBatch& batch);
  void GenerateTemperature(uint64_t first, uint64_t count, SampleBatch& batch);
  void ApplyGlitches(SampleBatch& batch);

  MachineSpec spec_;
  Timestamp start_;
  Duration elapsed_{0};
  std::mt19937_64 rng_;
  std::normal_distribution<double> unit_normal_{0.0, 1.0};

  double shaft_hz_ = 0;
  double bpfo_hz_ = 0;
  uint64_t vib_samples_ = 0;   // vibration samples produced so far
  uint64_t temp_samples_ = 0;  // temperature samples produced so far
  // Load: Ornstein-Uhlenbeck process updated once per temperature sample period.
  double load_ = 0.7;
  double temperature_c_ = 0;
  // Resonator state and the time of the next bearing impact (seconds since start).
  double res_y1_ = 0, res_y2_ = 0, res_a1_ = 0, res_a2_ = 0;
  double next_impact_s_ = 0;
  double shaft_phase_ = 0;
};

}  // namespace edgeloop::sim
