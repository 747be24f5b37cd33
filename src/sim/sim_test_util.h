// Helpers shared by the simulator tests: the start time and pump every test simulates, and a
// single-frequency amplitude measurement. Test-only.
#pragma once

#include <cmath>
#include <cstddef>
#include <numbers>
#include <span>

#include "sim/machine_simulator.h"

namespace edgeloop::sim::test_util {

inline const Timestamp kStart = FromNanos(1767592800'000'000'000);

// A healthy 1770 rpm pump with a 6205 bearing and 6 impeller vanes.
inline MachineSpec PumpSpec() {
  MachineSpec spec;
  spec.asset = {"pump-1", "pump", 1770, Bearing6205()};
  spec.vanes = 6;
  return spec;
}

// Amplitude of the sinusoid at exactly `f_hz` in `x` (Goertzel: one DFT term at any frequency).
// `hann` tapers the ends, so strong lines nearby do not leak into a weak one.
template <typename T>
double GoertzelAmplitude(std::span<const T> x, double f_hz, double fs, bool hann) {
  const double w = 2 * std::numbers::pi * f_hz / fs;
  const double c = 2 * std::cos(w);
  const double n = static_cast<double>(x.size());
  double s1 = 0, s2 = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double taper = hann ? 1 - std::cos(2 * std::numbers::pi * static_cast<double>(i) / n) : 1;
    const double s = x[i] * taper + c * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  const double re = s1 - s2 * std::cos(w), im = s2 * std::sin(w);
  return 2 * std::hypot(re, im) / static_cast<double>(x.size());
}

inline double Amplitude(std::span<const double> x, double f_hz, double fs, bool hann = false) {
  return GoertzelAmplitude(x, f_hz, fs, hann);
}

inline double Amplitude(std::span<const float> x, double f_hz, double fs, bool hann = false) {
  return GoertzelAmplitude(x, f_hz, fs, hann);
}

}  // namespace edgeloop::sim::test_util
