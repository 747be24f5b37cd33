// Peak search in a one-sided amplitude spectrum: the highest bin near a target frequency, its
// interpolated frequency and its height above the local noise floor.
//
// Pure functions over caller-owned spans; the caller provides the scratch space for the median
// so that nothing is allocated. Any thread may call them.
#pragma once

#include <cstddef>
#include <span>

namespace edgeloop::dsp {

struct SpectralPeak {
  bool found = false;       // false when the search range holds no bin
  double frequency_hz = 0;  // parabolic interpolation around the highest bin
  double amplitude = 0;     // spectrum value of the highest bin
  double floor = 0;         // median of the neighbourhood, outside the search range
  double snr_db = 0;        // 20·log10(amplitude / floor); the spectrum is an amplitude spectrum
  size_t bin = 0;
};

// Highest bin whose centre lies in [low_hz, high_hz]. The floor is the median of the bins within
// floor_half_width_hz of the range's centre that lie outside [low_hz, high_hz]: a median, because
// the neighbourhood of a fault line is full of other lines (harmonics, sidebands) that a mean
// would count as noise. scratch must hold at least 2·floor_half_width_hz / bin_hz + 3 values;
// extra neighbourhood bins beyond its size are ignored.
SpectralPeak FindPeak(std::span<const double> amplitude, double bin_hz, double low_hz,
                      double high_hz, double floor_half_width_hz, std::span<double> scratch);

// Median of the bins with centres in [low_hz, high_hz] (sorted in scratch); 0 if none.
double MedianInRange(std::span<const double> amplitude, double bin_hz, double low_hz,
                     double high_hz, std::span<double> scratch);

}  // namespace edgeloop::dsp
