#include "dsp/spectral_peaks.h"

#include <algorithm>
#include <cmath>

namespace edgeloop::dsp {
namespace {

// [first, last] bin indices whose centres lie in [low_hz, high_hz], clipped to the spectrum.
bool BinRange(size_t bins, double bin_hz, double low_hz, double high_hz, size_t& first,
              size_t& last) {
  if (bins == 0 || high_hz < low_hz || high_hz < 0) return false;
  const double lo = std::ceil(std::max(0.0, low_hz) / bin_hz);
  const double hi = std::floor(high_hz / bin_hz);
  if (hi < lo || lo >= static_cast<double>(bins)) return false;
  first = static_cast<size_t>(lo);
  last = std::min(static_cast<size_t>(hi), bins - 1);
  return true;
}

double Median(std::span<double> values) {
  if (values.empty()) return 0.0;
  const auto mid = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), mid, values.end());
  return *mid;
}

}  // namespace

double MedianInRange(std::span<const double> amplitude, double bin_hz, double low_hz,
                     double high_hz, std::span<double> scratch) {
  size_t first = 0;
  size_t last = 0;
  if (!BinRange(amplitude.size(), bin_hz, low_hz, high_hz, first, last)) return 0.0;
  size_t used = 0;
  for (size_t k = first; k <= last && used < scratch.size(); ++k) scratch[used++] = amplitude[k];
  return Median(scratch.first(used));
}

SpectralPeak FindPeak(std::span<const double> amplitude, double bin_hz, double low_hz,
                      double high_hz, double floor_half_width_hz, std::span<double> scratch) {
  SpectralPeak peak;
  size_t first = 0;
  size_t last = 0;
  if (!BinRange(amplitude.size(), bin_hz, low_hz, high_hz, first, last)) return peak;
  size_t best = first;
  for (size_t k = first; k <= last; ++k) {
    if (amplitude[k] > amplitude[best]) best = k;
  }
  peak.found = true;
  peak.bin = best;
  peak.amplitude = amplitude[best];
  // Parabolic interpolation of the top three bins: for a Hann-windowed tone it narrows the
  // frequency error from half a bin to a few hundredths of one.
  double offset = 0.0;
  if (best > 0 && best + 1 < amplitude.size()) {
    const double a = amplitude[best - 1];
    const double b = amplitude[best];
    const double c = amplitude[best + 1];
    const double denom = a - 2.0 * b + c;
    if (denom < 0.0) offset = std::clamp(0.5 * (a - c) / denom, -0.5, 0.5);
  }
  peak.frequency_hz = (static_cast<double>(best) + offset) * bin_hz;

  const double centre = 0.5 * (low_hz + high_hz);
  size_t f_first = 0;
  size_t f_last = 0;
  size_t used = 0;
  if (BinRange(amplitude.size(), bin_hz, centre - floor_half_width_hz, centre + floor_half_width_hz,
               f_first, f_last)) {
    for (size_t k = f_first; k <= f_last && used < scratch.size(); ++k) {
      if (k >= first && k <= last) continue;
      scratch[used++] = amplitude[k];
    }
  }
  peak.floor = Median(scratch.first(used));
  if (peak.floor > 0.0 && peak.amplitude > 0.0) {
    peak.snr_db = 20.0 * std::log10(peak.amplitude / peak.floor);
  }
  return peak;
}

}  // namespace edgeloop::dsp
