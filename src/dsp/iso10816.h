// ISO 10816-3 vibration severity: broadband velocity RMS (10-1000 Hz) from an acceleration
// spectrum, and its evaluation zone A/B/C/D for a machine group and foundation.
//
// Zone boundaries (velocity r.m.s., mm/s, machines above 600 r/min, 10-1000 Hz), ISO 10816-3:2009
// Annex A, as reproduced in the standard's summary chart:
//   group 1 (large, 300 kW-50 MW) and group 3 (pumps > 15 kW, separate driver):
//       rigid 2.3 / 4.5 / 7.1    flexible 3.5 / 7.1 / 11.0
//   group 2 (medium, 15-300 kW) and group 4 (pumps > 15 kW, integrated driver):
//       rigid 1.4 / 2.8 / 4.5    flexible 2.3 / 4.5 / 7.1
// (A/B, B/C, C/D.) Zone A: newly commissioned; B: unrestricted long-term operation; C: restricted
// operation until a suitable opportunity for remedial action; D: damage may occur.
//
// Pure functions; any thread may call them.
#pragma once

#include <span>
#include <string_view>

namespace edgeloop::dsp {

enum class MachineGroup { kGroup1 = 1, kGroup2 = 2, kGroup3 = 3, kGroup4 = 4 };
enum class Foundation { kRigid, kFlexible };
enum class IsoZone { kA, kB, kC, kD };

struct IsoZoneLimits {
  double ab_mm_s = 0.0;
  double bc_mm_s = 0.0;
  double cd_mm_s = 0.0;
};

IsoZoneLimits Iso10816ZoneLimits(MachineGroup group, Foundation foundation);

// A value on a boundary belongs to the upper zone ("up to 2.3" is A for group 1 rigid).
IsoZone Iso10816Zone(double velocity_rms_mm_s, MachineGroup group, Foundation foundation);

std::string_view IsoZoneName(IsoZone zone);  // "A", "B", "C", "D"

// Standard gravity (ISO 80000-3), for g -> m/s².
inline constexpr double kStandardGravity = 9.80665;

// Velocity RMS in mm/s over [low_hz, high_hz] from a one-sided acceleration power spectrum in g²
// per bin (e.g. PowerSpectrum::power()). Integration in the frequency domain: each bin's
// amplitude is divided by ω = 2πf, which avoids the drift a time-domain integrator accumulates
// from DC offsets and low-frequency noise, and the band limits come for free.
double VelocityRmsMmPerS(std::span<const double> accel_power_g2, double bin_hz,
                         double low_hz = 10.0, double high_hz = 1000.0);

}  // namespace edgeloop::dsp
