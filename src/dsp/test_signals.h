// Synthetic vibration for the dsp tests: a bearing fault as periodic impacts ringing a
// resonance, plus noise and a shaft tone. Test-only; the simulator (src/sim) is not used so that
// these known answers do not move when the simulator does.
#pragma once

#include <cmath>
#include <cstddef>
#include <numbers>
#include <random>
#include <vector>

namespace edgeloop::dsp::testing {

struct FaultSignal {
  double rate_hz = 25600.0;
  double seconds = 4.0;
  double shaft_hz = 29.5;
  double shaft_g = 0.5;          // 1x amplitude
  double fault_hz = 0.0;         // impact rate; 0 = no fault
  double impact_g = 1.0;         // peak of each ring-down
  double resonance_hz = 3500.0;  // what the impacts ring
  double decay_s = 0.0012;       // ring-down time constant
  double modulation_hz = 0.0;    // impact amplitude modulated at this rate (inner race: 1x)
  double noise_g = 0.2;
  unsigned seed = 1;
};

inline std::vector<float> MakeFaultSignal(const FaultSignal& s) {
  const size_t n = static_cast<size_t>(s.rate_hz * s.seconds);
  std::vector<double> x(n, 0.0);
  std::mt19937 rng(s.seed);
  std::normal_distribution<double> noise(0.0, s.noise_g);
  std::uniform_real_distribution<double> jitter(-0.5, 0.5);
  const double two_pi = 2.0 * std::numbers::pi;
  for (size_t t = 0; t < n; ++t) {
    x[t] = noise(rng) + s.shaft_g * std::sin(two_pi * s.shaft_hz * t / s.rate_hz);
  }
  if (s.fault_hz > 0.0) {
    const size_t ring = static_cast<size_t>(8.0 * s.decay_s * s.rate_hz);
    for (double t0 = 0.01; t0 < s.seconds; t0 += 1.0 / s.fault_hz) {
      // A little random slip between impacts, as in real bearings.
      const double start = (t0 + jitter(rng) * 0.002 / s.fault_hz) * s.rate_hz;
      double amp = s.impact_g;
      if (s.modulation_hz > 0.0) amp *= 0.6 + 0.4 * std::cos(two_pi * s.modulation_hz * t0);
      for (size_t k = 0; k < ring; ++k) {
        const size_t i = static_cast<size_t>(start) + k;
        if (i >= n) break;
        const double dt = (static_cast<double>(i) - start) / s.rate_hz;
        x[i] += amp * std::exp(-dt / s.decay_s) * std::sin(two_pi * s.resonance_hz * dt);
      }
    }
  }
  return std::vector<float>(x.begin(), x.end());
}

}  // namespace edgeloop::dsp::testing
