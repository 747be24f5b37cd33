// Synthetic plant data for the multivariate detector tests (test-only header).
//
// Five channels driven by two latent unit-variance AR(1) factors (a "load" and a "temperature";
// phi = 0 makes the rows independent), each channel a fixed mix of them plus its own noise, around
// different levels and scales, so the channels are strongly correlated the way a pump's current,
// flow and pressure are. Faults are injected on top: a correlation break (channel 0 follows the
// load the wrong way round, with unchanged level and spread, so no single channel leaves its normal
// range) and a sustained level shift of one channel. Deterministic: our own generator
// (splitmix-seeded xorshift, Box-Muller), no implementation-defined distributions.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <vector>

namespace edgeloop::detect::testing {

constexpr size_t kChannels = 5;

class Gaussian {
 public:
  explicit Gaussian(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ULL + 1) {}
  double Next() {
    const double u1 = (static_cast<double>(Bits() >> 11) + 0.5) * 0x1.0p-53;
    const double u2 = static_cast<double>(Bits() >> 11) * 0x1.0p-53;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

 private:
  uint64_t Bits() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }
  uint64_t state_;
};

enum class Fault { kNone, kCorrelationBreak, kShift };

struct FaultSpec {
  Fault fault = Fault::kNone;
  size_t channel = 0;  // for kShift
  double shift = 0;    // for kShift: in units of the channel's standard deviation
};

// A continuous stream: call Rows() repeatedly to get consecutive stretches of it.
class PlantStream {
 public:
  explicit PlantStream(uint64_t seed, double phi = 0) : phi_(phi), rng_(seed) {}

  // `n` rows (row-major, kChannels values each) with `fault` applied to all of them.
  std::vector<double> Rows(size_t n, const FaultSpec& fault = {}) {
    std::vector<double> out;
    out.reserve(n * kChannels);
    const double innovation = std::sqrt(1 - phi_ * phi_);  // unit-variance factors
    for (size_t i = 0; i < n; ++i) {
      load_ = phi_ * load_ + innovation * rng_.Next();
      temp_ = phi_ * temp_ + innovation * rng_.Next();
      for (size_t j = 0; j < kChannels; ++j) {
        double load_mix = kLoad[j];
        if (fault.fault == Fault::kCorrelationBreak && j == 0) load_mix = -load_mix;
        double v = load_mix * load_ + kTemp[j] * temp_ + kNoise[j] * rng_.Next();
        if (fault.fault == Fault::kShift && j == fault.channel) v += fault.shift * StdDev(j);
        out.push_back(kLevel[j] + kScale[j] * v);
      }
    }
    return out;
  }

  // Standard deviation of channel j in its own units before kScale (the mix has unit factors).
  static double StdDev(size_t j) {
    return std::sqrt(kLoad[j] * kLoad[j] + kTemp[j] * kTemp[j] + kNoise[j] * kNoise[j]);
  }

 private:
  static constexpr double kLoad[kChannels] = {0.95, 0.9, 0.0, 0.6, 0.3};
  static constexpr double kTemp[kChannels] = {0.0, 0.2, 0.95, 0.6, 0.3};
  static constexpr double kNoise[kChannels] = {0.3, 0.3, 0.3, 0.4, 0.9};
  static constexpr double kLevel[kChannels] = {12.0, 120.0, 60.0, 3.0, 0.0};
  static constexpr double kScale[kChannels] = {1.5, 8.0, 0.5, 0.2, 0.01};

  double phi_;
  Gaussian rng_;
  double load_ = 0, temp_ = 0;
};

}  // namespace edgeloop::detect::testing
