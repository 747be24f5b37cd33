// Machine faults and how they grow: what kind of defect, when it starts, and the degradation
// curve that takes its severity from 0 at onset to 1 after `growth`.
//
// Plain value types and pure functions; any thread may call them.
#pragma once

#include <optional>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace edgeloop::sim {

enum class FaultKind {
  kOuterRace,       // defect on the stationary outer race: impacts at BPFO, fixed load zone
  kInnerRace,       // defect on the rotating inner race: impacts at BPFI, modulated at 1x
  kRollingElement,  // defect on a ball: impacts at 2 x BSF, modulated at FTF (cage)
  kImbalance,       // mass unbalance: the 1x component grows
  kMisalignment,    // shaft misalignment: 2x (and some 3x) grow
  kLooseness,       // mechanical looseness: many 1x harmonics and 1/2x sub-harmonics
};

// "outer_race", "inner_race", "rolling_element", "imbalance", "misalignment", "looseness".
std::string_view FaultKindName(FaultKind kind);
Result<FaultKind> ParseFaultKind(std::string_view name);
bool IsBearingFault(FaultKind kind);
// Magnitude at full severity, in g, when a FaultSpec leaves it at 0: the impact amplitude of a
// bearing defect, or the amplitude added to the shaft components.
double DefaultMagnitudeG(FaultKind kind);

// How severity in [0, 1] grows with x = (t - onset) / growth in [0, 1].
enum class GrowthCurve {
  kLinear,       // severity = x
  kExponential,  // severity = (exp(k x) - 1) / (exp(k) - 1): slow start, then runaway
  kPower,        // severity = x^k: k = 2 is the square law of a spreading spall
};

std::string_view GrowthCurveName(GrowthCurve curve);
Result<GrowthCurve> ParseGrowthCurve(std::string_view name);

struct FaultSpec {
  FaultKind kind = FaultKind::kOuterRace;
  Timestamp onset;
  Duration growth{0};  // time from onset to full severity; 0 = full at once
  GrowthCurve curve = GrowthCurve::kLinear;
  double curve_k = 2;      // exponent (kPower) or rate (kExponential); ignored by kLinear
  double magnitude_g = 0;  // at full severity; 0 = DefaultMagnitudeG(kind)
};

// Severity of `fault` at `t`: 0 before onset, 1 from onset + growth on.
double FaultSeverity(const FaultSpec& fault, Timestamp t);

}  // namespace edgeloop::sim
