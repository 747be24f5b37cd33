// Rule-based machine condition diagnosis from envelope and spectral evidence, with the evidence
// behind each verdict.
//
// Plain value types and pure functions: Diagnose() reads what SignalAnalyzer measured and applies
// the rules below; any thread may call it.
//
// Rules, in order of precedence:
//   1. Race faults: in the squared-envelope spectrum the fundamental (BPFO or BPFI, searched
//      within ±2 % of theory to allow for slip) stands at least kRaceFundamentalDb above the local
//      median floor AND one of its next two harmonics (at exact multiples of the measured
//      fundamental) at least kRaceHarmonicDb. The fundamental is what tells the two races apart
//      (3 x BPFO and 2 x BPFI lie within 1 % of each other on a 6205). The stronger race wins;
//      if the rolling-element rule (2) also holds and clears its threshold by more than the race
//      does, the rolling element wins (ball harmonics can fall inside a race's search window).
//   2. Rolling element: a line within ±2 % of 2 x BSF (a ball defect strikes both races once per
//      spin) that is modulated by the cage: a sideband at ±FTF. Both must stand kBallDb above the
//      floor in the same demodulation band. Ball signatures are weak and not impulsive, so every
//      kurtogram band is searched, not only the most impulsive one.
//   3. Mechanical (only when ISO 10816-3 puts the velocity in zone C or D, so a healthy machine's
//      shaft lines never trigger them): looseness when sub-harmonics (0.5x, 1.5x, 2.5x) reach a
//      quarter of 1x, else misalignment when 2x or 3x reaches half of 1x, else imbalance when
//      1x carries most of the velocity.
//   Bearing lines are not synchronous with the shaft (the rolling elements slip), so a race or
//   ball fundamental measured within kSynchronousTolerance (or kSynchronousToleranceHz) of a
//   half-order of the shaft speed
//   (k x 0.5x: looseness and rubs fill the envelope with those) is not bearing evidence.
//   4. Otherwise healthy: healthy means no significant fault evidence, not low RMS.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/asset.h"
#include "dsp/iso10816.h"

namespace edgeloop::dsp {

// What the analysis needs to know about the machine.
struct MachineContext {
  double sample_rate_hz = 0.0;
  double shaft_hz = 0.0;  // running speed; bearing orders are multiples of it
  BearingOrders bearing;  // bsf is the ball spin frequency (the defect shows at 2 x bsf)
  MachineGroup group = MachineGroup::kGroup2;
  Foundation foundation = Foundation::kRigid;
};

enum class Condition {
  kHealthy,
  kInnerRace,
  kOuterRace,
  kRollingElement,
  kImbalance,
  kMisalignment,
  kLooseness,
};

// "healthy", "inner_race", "outer_race", "rolling_element", "imbalance", "misalignment",
// "looseness".
std::string_view ConditionName(Condition condition);

// One measured fact behind a diagnosis.
struct Evidence {
  std::string name;             // e.g. "bpfi", "bpfi_h2", "2xbsf-ftf", "1x_velocity"
  double measured_hz = 0.0;     // 0 for non-spectral evidence
  double theoretical_hz = 0.0;  // 0 when there is no theory (e.g. velocity RMS)
  double amplitude = 0.0;       // SES modulation depth, or mm/s for velocity evidence
  double snr_db = 0.0;          // against the local median floor (ratio in dB for velocity)
  std::string text;             // one human-readable line
};

struct Diagnosis {
  Condition condition = Condition::kHealthy;
  double confidence = 0.0;  // 0..1, how far the deciding evidence clears its threshold
  std::vector<Evidence> evidence;
};

// A fault-frequency family found in one envelope spectrum.
struct EnvelopePeak {
  std::string_view name;  // "bpfo", "bpfi", "2xbsf", "ftf"
  double theoretical_hz = 0.0;
  double measured_hz = 0.0;                // interpolated peak within ±2 % of theory
  double amplitude = 0.0;                  // SES modulation depth
  double snr_db = 0.0;                     // fundamental against the local median floor
  double harmonic_snr_db[2] = {0.0, 0.0};  // 2x and 3x the measured fundamental
  double sideband_snr_db = 0.0;  // best of ±FTF (2xbsf) or ±1x (bpfi) around the fundamental
  double band_low_hz = 0.0;      // demodulation band the family was measured in
  double band_high_hz = 0.0;
  bool prewhitened = false;
};

// What Diagnose() reads.
struct DiagnosisInputs {
  EnvelopePeak bpfo;
  EnvelopePeak bpfi;
  EnvelopePeak ball;  // the best 2 x BSF family over all bands, by min(line, sideband)
  EnvelopePeak ftf;
  double shaft_hz = 0.0;
  double order_velocity_mm_s[3] = {0.0, 0.0, 0.0};  // 1x, 2x, 3x, peak
  // The strongest of the 0.5x, 1.5x and 2.5x lines, peak: sub-harmonics are the signature of
  // mechanical looseness (a rotor that rattles every other turn), absent from misalignment.
  double half_order_velocity_mm_s = 0.0;
  double velocity_rms_mm_s = 0.0;
  IsoZone zone = IsoZone::kA;
};

inline constexpr double kRaceFundamentalDb = 10.0;
inline constexpr double kRaceHarmonicDb = 6.0;
inline constexpr double kBallDb = 11.0;
inline constexpr double kSynchronousTolerance = 0.004;  // relative; 6205 lines are >= 1.5 % away
inline constexpr double kSynchronousToleranceHz = 1.2;  // absolute floor (spectral resolution)

Diagnosis Diagnose(const DiagnosisInputs& in);

}  // namespace edgeloop::dsp
