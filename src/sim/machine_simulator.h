// MachineSimulator: synthetic but physically based signals of one rotating machine.
//
// The shaft turns according to an OperatingProfile (modes of speed and load, ramps between
// them); the shaft angle integrates the instantaneous speed, so every shaft-synchronous
// component and every bearing defect frequency follows speed changes.
// Vibration (drive-end accelerometer, g) is the sum of
//  - shaft-synchronous components: 1x from residual imbalance (force ~ speed^2, response grows
//    with load), 2x, vane/blade pass;
//  - machine faults (FaultSpec, several allowed, each with onset and growth curve): imbalance
//    raises 1x, misalignment 2x and 3x, looseness adds a truncated (clipped) response with many
//    harmonics of 1x and 1/2x sub-harmonics; bearing defects (outer race, inner race, rolling
//    element) add impact trains (BearingImpactTrain) that ring a structural resonance of a few
//    kHz through a two-pole resonator;
//  - broadband measurement noise.
// Slow process channels at `process_rate_hz`: bearing temperature (first-order thermal lag to a
// target set by ambient, load x speed and fault heating), motor current (no-load current plus a
// load x speed part) and shaft speed; load wanders around the profile's set point
// (Ornstein-Uhlenbeck). Sensor glitches (NaN bursts, spikes) can be injected for the quality gate.
//
// Deterministic for a seed, and independent of how the run is cut into Step() calls: noise,
// impacts and the process channels draw from separate random streams.
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
#include "sim/bearing_fault_model.h"
#include "sim/fault_model.h"
#include "sim/operating_profile.h"

namespace edgeloop::sim {

inline constexpr char kVibrationChannel[] = "vib_de";
inline constexpr char kTemperatureChannel[] = "temp_bearing";
// Process channels that have no ChannelKind yet: reported through ProcessReading only.
inline constexpr char kSpeedChannel[] = "speed_rpm";
inline constexpr char kCurrentChannel[] = "current_a";

// Shorthand kept for the demo: an outer-race defect that appears at `onset` and grows over `ramp`
// to full size with the square law of a spreading spall (FaultSpec with GrowthCurve::kPower, 2).
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
  Asset asset;  // asset.shaft_rpm is the nominal speed
  double vibration_rate_hz = 25600;
  double temperature_rate_hz = 1;  // all process channels: temperature, speed, current
  double resonance_hz = 3500;      // structural resonance excited by bearing impacts
  double damping_ratio = 0.05;
  double imbalance_g = 0.15;  // 1x amplitude at nominal speed and load
  double noise_g = 0.05;      // broadband noise, standard deviation
  int vanes = 0;              // vane/blade pass component for pumps, fans, compressors
  double ambient_c = 24;
  double load_temp_rise_c = 20;  // bearing temperature above ambient at full load, nominal speed
  double fault_temp_rise_c = 8;  // extra rise at full fault severity
  double thermal_time_constant_s = 300;
  double no_load_current_a = 9;     // magnetizing current of the motor
  double full_load_current_a = 28;  // at full load and nominal speed
  double temp_noise_c = 0.05;       // measurement noise (standard deviations) per channel
  double speed_noise_rpm = 0.5;
  double current_noise_a = 0.05;
  OperatingProfile profile;  // empty: nominal speed at a load of 0.7
  std::vector<FaultSpec> faults;
  std::optional<BearingFault> fault;  // legacy shorthand, added to `faults`
  std::vector<SensorGlitch> glitches;
};

// One reading of the slow process channels.
struct ProcessReading {
  Timestamp t;
  double speed_rpm = 0;
  double temperature_c = 0;
  double current_a = 0;
  double load = 0;  // true load, not measured: ground truth for analysis
};

// Theoretical frequencies of the machine at a shaft speed.
struct MachineFrequencies {
  double shaft_hz = 0;
  double bpfo_hz = 0;
  double bpfi_hz = 0;
  double bsf_hz = 0;  // ball spin; a ball defect shows at 2 x bsf_hz
  double ftf_hz = 0;
};
MachineFrequencies ComputeMachineFrequencies(const BearingGeometry& bearing, double shaft_rpm);

class MachineSimulator {
 public:
  // `spec` is taken as given; check it first with ValidateMachineSpec when it comes from a user.
  MachineSimulator(MachineSpec spec, uint64_t seed, Timestamp start);

  // Produces the samples in [Now(), Now() + step) of each channel and appends one batch per
  // channel to `out`; afterwards Now() has moved on by `step`. When `process` is given, the
  // process readings of the same interval are appended to it.
  void Step(Duration step, std::vector<SampleBatch>& out,
            std::vector<ProcessReading>* process = nullptr);

  Timestamp Now() const { return start_ + elapsed_; }
  // Largest severity in [0, 1] of the machine's faults at time t (0 without faults).
  double Severity(Timestamp t) const;
  const MachineSpec& spec() const { return spec_; }
  // All faults, the legacy `fault` included.
  const std::vector<FaultSpec>& faults() const { return faults_; }
  // At the asset's nominal speed.
  const MachineFrequencies& nominal_frequencies() const { return nominal_; }
  double bpfo_hz() const { return nominal_.bpfo_hz; }

 private:
  // A complex number: a unit rotor exp(i angle) or a complex amplitude. Plain arithmetic in the
  // hot loop (std::complex multiplication checks for infinities and NaNs).
  struct Rotor {
    double re = 1, im = 0;
  };

  void BeginBlock(uint64_t block);
  void GenerateVibration(uint64_t first, uint64_t count, SampleBatch& batch);
  void GenerateProcess(uint64_t first, uint64_t count, SampleBatch& batch,
                       std::vector<ProcessReading>* process);
  double LoadDeviationAt(double t_s) const;
  void ApplyGlitches(SampleBatch& batch);

  MachineSpec spec_;
  std::vector<FaultSpec> faults_;
  Timestamp start_;
  Duration elapsed_{0};
  MachineFrequencies nominal_;
  std::mt19937_64 noise_rng_;    // vibration noise
  std::mt19937_64 process_rng_;  // load wander and process channel noise
  std::normal_distribution<double> vib_normal_{0.0, 1.0};
  std::normal_distribution<double> process_normal_{0.0, 1.0};

  uint64_t vib_samples_ = 0;   // vibration samples produced so far
  uint64_t temp_samples_ = 0;  // process samples produced so far
  // Load deviation from the profile (Ornstein-Uhlenbeck), one value per process sample; the
  // vibration of the same interval reads it back, so the values of the last step are kept.
  std::vector<double> load_dev_;
  uint64_t load_dev_first_ = 0;  // process sample index of load_dev_[0]
  double temperature_c_ = 0;

  // Vibration synthesis state. The shaft angle lives in a unit rotor turning at 1/2 x (so that
  // 1/2 x sub-harmonics come for free) and, in revolutions, in shaft_rev_ for the impacts.
  Rotor half_;       // exp(i phi/2), phi = shaft angle
  Rotor half_step_;  // per-sample rotation of half_ in the current block
  Rotor vane_;       // exp(i vanes phi)
  Rotor vane_step_;
  double shaft_rev_ = 0;
  double rev_step_ = 0;  // shaft revolutions per sample in the current block
  // Complex amplitudes of 1x, 2x, 3x, vane pass; looseness amplitude, phase and clip level.
  Rotor amp1_, amp2_, amp3_, ampv_;
  double loose_amp_ = 0;
  Rotor loose_phase1_, loose_phase_half_;
  double loose_clip_ = 1.2, loose_dc_ = 0;
  double imbalance_phase_ = 0, misalign_phase_ = 0;
  std::vector<BearingImpactTrain> trains_;
  std::vector<double> train_amp_;  // impact amplitude (g) of each train in the current block
  // Resonator y[n] = a1 y[n-1] + a2 y[n-2] + x[n] with poles at the damped resonance.
  double res_y1_ = 0, res_y2_ = 0, res_a1_ = 0, res_a2_ = 0;
};

// Checks what a user may get wrong: rates, speeds, profile, fault parameters.
Status ValidateMachineSpec(const MachineSpec& spec);

}  // namespace edgeloop::sim
