#include "sim/fault_model.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <utility>

namespace edgeloop::sim {
namespace {

constexpr std::array<std::pair<FaultKind, std::string_view>, 6> kKindNames = {{
    {FaultKind::kOuterRace, "outer_race"},
    {FaultKind::kInnerRace, "inner_race"},
    {FaultKind::kRollingElement, "rolling_element"},
    {FaultKind::kImbalance, "imbalance"},
    {FaultKind::kMisalignment, "misalignment"},
    {FaultKind::kLooseness, "looseness"},
}};

constexpr std::array<std::pair<GrowthCurve, std::string_view>, 3> kCurveNames = {{
    {GrowthCurve::kLinear, "linear"},
    {GrowthCurve::kExponential, "exponential"},
    {GrowthCurve::kPower, "power"},
}};

template <typename Enum, size_t N>
std::string JoinNames(const std::array<std::pair<Enum, std::string_view>, N>& names) {
  std::string out;
  for (const auto& [value, name] : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

}  // namespace

std::string_view FaultKindName(FaultKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

Result<FaultKind> ParseFaultKind(std::string_view name) {
  for (const auto& [k, n] : kKindNames) {
    if (n == name) return k;
  }
  return InvalidArgument("unknown fault '" + std::string(name) + "' (use none, " +
                         JoinNames(kKindNames) + ")");
}

bool IsBearingFault(FaultKind kind) {
  return kind == FaultKind::kOuterRace || kind == FaultKind::kInnerRace ||
         kind == FaultKind::kRollingElement;
}

double DefaultMagnitudeG(FaultKind kind) {
  switch (kind) {
    case FaultKind::kOuterRace:
    case FaultKind::kInnerRace:
      return 2.0;
    case FaultKind::kRollingElement:
      return 1.5;  // a ball defect is smaller and only loaded part of the time
    case FaultKind::kImbalance:
      return 0.6;
    case FaultKind::kMisalignment:
      return 0.4;
    case FaultKind::kLooseness:
      return 0.5;
  }
  return 1.0;
}

std::string_view GrowthCurveName(GrowthCurve curve) {
  for (const auto& [c, name] : kCurveNames) {
    if (c == curve) return name;
  }
  return "unknown";
}

Result<GrowthCurve> ParseGrowthCurve(std::string_view name) {
  for (const auto& [c, n] : kCurveNames) {
    if (n == name) return c;
  }
  return InvalidArgument("unknown growth curve '" + std::string(name) + "' (use " +
                         JoinNames(kCurveNames) + ")");
}

double FaultSeverity(const FaultSpec& fault, Timestamp t) {
  if (t < fault.onset) return 0;
  if (fault.growth <= Duration::zero()) return 1;
  const double x = std::min(1.0, ToSeconds(t - fault.onset) / ToSeconds(fault.growth));
  switch (fault.curve) {
    case GrowthCurve::kLinear:
      return x;
    case GrowthCurve::kExponential: {
      const double k = fault.curve_k;
      if (std::abs(k) < 1e-9) return x;  // the limit k -> 0 is linear
      return std::expm1(k * x) / std::expm1(k);
    }
    case GrowthCurve::kPower:
      return std::pow(x, std::max(fault.curve_k, 1e-9));
  }
  return x;
}

}  // namespace edgeloop::sim
