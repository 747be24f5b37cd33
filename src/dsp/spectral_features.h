// Spectral features of acceleration: a Welch-averaged power spectrum and what is read from it
// (band RMS, spectral centroid, amplitudes at multiples of shaft speed).
//
// PowerSpectrum owns its FFT, window and output, all prepared in Create(); Compute() does not
// allocate. One instance per thread (like RealFft). The free functions are pure and read a
// caller-owned spectrum; any thread may call them.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "common/status.h"
#include "dsp/real_fft.h"
#include "dsp/vibration_features.h"

namespace edgeloop::dsp {

class PowerSpectrum {
 public:
  // segment_size >= 16; the spectrum has segment_size/2 + 1 bins, rate/segment_size Hz apart.
  static Result<PowerSpectrum> Create(double sample_rate_hz, size_t segment_size);

  // Averages the periodograms of the 50 %-overlapping, mean-removed, Hann-windowed segments of x
  // (at least one segment, all finite). One-sided and Parseval-scaled: the sum of the bins is the
  // variance of x in g², and a tone of amplitude A puts A²/2 into its main lobe.
  Status Compute(std::span<const float> x);

  std::span<const double> power() const { return power_; }  // g² per bin
  double bin_hz() const { return rate_ / static_cast<double>(n_); }
  size_t segment_size() const { return n_; }

 private:
  PowerSpectrum(double rate, RealFft fft, std::vector<float> hann, double scale);

  double rate_ = 0.0;
  size_t n_ = 0;
  RealFft fft_;
  std::vector<float> hann_;
  double scale_ = 0.0;  // 1 / (n · sum(w²))
  std::vector<double> power_;
};

// RMS (g) of the bins whose centres lie in [low_hz, high_hz).
double BandRms(std::span<const double> power, double bin_hz, BandSpec band);

// Power-weighted mean frequency (Hz) over all bins but DC; 0 for an empty spectrum.
double SpectralCentroid(std::span<const double> power, double bin_hz);

// A line near a target frequency, measured in a power spectrum.
struct LineAmplitude {
  double frequency_hz = 0.0;  // centre of the highest bin in the search range
  double amplitude = 0.0;     // peak amplitude (g for an acceleration spectrum)
  double snr_db = 0.0;        // against the median bin power around it
};

// Highest bin within target·(1 ± tolerance) (at least ±1 bin); the amplitude is sqrt(2·P) of the
// power in that bin ± 2 bins (the Hann main lobe), which is immune to scalloping loss.
LineAmplitude LineAt(std::span<const double> power, double bin_hz, double target_hz,
                     double tolerance, std::span<double> scratch);

struct SpectralFeatures {
  std::vector<double> band_rms_g;  // per configured band
  double centroid_hz = 0.0;
  LineAmplitude order[3];  // 1x, 2x, 3x shaft speed (zero when the speed is unknown)
};

// Fills `out` (its vector is reused, so a steady caller does not allocate).
void ComputeSpectralFeatures(std::span<const double> power, double bin_hz,
                             std::span<const BandSpec> bands, double shaft_hz,
                             std::span<double> scratch, SpectralFeatures& out);

}  // namespace edgeloop::dsp
