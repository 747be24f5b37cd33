// Envelope analysis of bearing vibration: choose a demodulation band (a kurtogram), then the
// squared-envelope spectrum (SES) of the signal in that band, averaged over segments.
//
// A bearing defect hits the races once per passing ball; each hit rings a structural resonance
// (kHz), so the fault rate shows up not in the raw spectrum but in the envelope of the band
// around that resonance. Per segment the analyzer:
//   1. takes the real FFT of the segment and, optionally, pre-whitens it (every bin scaled to unit
//      magnitude: cepstral pre-whitening, Sawalhi & Randall; it flattens shaft and gear lines and
//      the resonance shape so that no single strong line dominates the envelope);
//   2. keeps the bins of the band and shifts them to baseband in a shorter complex buffer: its
//      inverse FFT is the band's analytic signal (negative frequencies are zero), decimated, whose
//      magnitude is the Hilbert envelope (a frequency shift changes the phase only);
//   3. for the kurtogram, accumulates E|z|⁴ and E|z|² per band; for the SES, takes the real FFT of
//      |z|² (mean removed, Hann window) and averages its power over 50 %-overlapping segments.
// The kurtogram evaluates the dyadic bands of levels 1, 2, ... and the bands a third as wide in
// between (Antoni's fast kurtogram grid, 2007) with this FFT filter bank instead of Antoni's
// quasi-analytic filter tree: the spectral kurtosis of the complex envelope is
// E|z|⁴ / (E|z|²)² - 2 (0 for Gaussian noise).
//
// Ownership: everything (FFTs for the segment and for every power-of-two decimated size, windows,
// accumulators, the spectrum) is allocated in Create(); SelectBand() and ComputeSpectrum() do not
// allocate. Threads: one instance per thread, like RealFft; instances may run concurrently.
#pragma once

#include <complex>
#include <cstddef>
#include <span>
#include <vector>

#include "common/status.h"
#include "dsp/real_fft.h"
#include "dsp/vibration_features.h"

namespace edgeloop::dsp {

struct EnvelopeConfig {
  double sample_rate_hz = 0.0;
  size_t segment_size = 0;        // samples per segment, >= 256 (bins are rate/size Hz apart)
  double max_frequency_hz = 0.0;  // highest SES frequency kept, in (0, Nyquist/2]
  bool prewhiten = true;          // cepstral pre-whitening before demodulation (see above)
};

// One cell of the kurtogram.
struct KurtogramCell {
  BandSpec band;
  double level = 0.0;     // 1, 1.6, 2, 2.6, ...: log2 of (Nyquist / bandwidth), as in Antoni
  double kurtosis = 0.0;  // spectral kurtosis of the band's complex envelope; NaN when skipped
};

class EnvelopeAnalyzer {
 public:
  static Result<EnvelopeAnalyzer> Create(const EnvelopeConfig& config);

  // Computes the kurtogram of x (at least one segment) over the bands at least min_bandwidth_hz
  // wide and returns the band with the highest kurtosis. The band must be wide enough to hold the
  // fault frequency's sidebands: about 3-4x the highest fault frequency of interest.
  Result<KurtogramCell> SelectBand(std::span<const float> x, double min_bandwidth_hz);
  // Every cell of the last SelectBand() (skipped ones have NaN kurtosis).
  std::span<const KurtogramCell> kurtogram() const { return cells_; }

  // Computes the SES of x (at least one segment) demodulated in `band` (inside (0, Nyquist],
  // at least 4 bins wide). Values are amplitudes relative to the mean squared envelope (a
  // modulation depth: periodic impacts that fully modulate the band give lines near 1).
  Status ComputeSpectrum(std::span<const float> x, BandSpec band);
  // The SES of the last ComputeSpectrum(), bins 0 .. max_frequency (bin k at k · bin_hz()).
  std::span<const double> spectrum() const { return ses_; }
  double bin_hz() const { return config_.sample_rate_hz / static_cast<double>(n_); }
  size_t segments_used() const { return segments_used_; }
  const EnvelopeConfig& config() const { return config_; }

 private:
  // FFTs and window for one power-of-two decimated length.
  struct Decimated {
    size_t m = 0;
    ComplexFft inverse;
    RealFft forward;
    std::vector<float> hann;
    double hann_sum = 0.0;
  };

  EnvelopeAnalyzer(EnvelopeConfig config, RealFft fft, std::vector<Decimated> decimated,
                   std::vector<KurtogramCell> cells);

  // FFT of the segment starting at `start` into spec_ (pre-whitened if configured).
  void SegmentSpectrum(std::span<const float> x, size_t start);
  // Loads bins [k0, k1) of spec_ at baseband into the input of the smallest decimated stage of at
  // least min_m points; executing its inverse gives the band's decimated analytic signal.
  Decimated& Demodulate(size_t k0, size_t k1, size_t min_m);
  Status CheckSignal(std::span<const float> x, const char* what) const;

  EnvelopeConfig config_;
  size_t n_ = 0;
  RealFft fft_;
  std::vector<Decimated> decimated_;  // m = 16, 32, ... up to the first >= n_
  std::vector<KurtogramCell> cells_;
  std::vector<double> cell_sum2_;
  std::vector<double> cell_sum4_;
  std::vector<double> cell_count_;
  std::vector<std::complex<float>> spec_;
  std::vector<double> ses_power_;
  std::vector<double> ses_;
  size_t segments_used_ = 0;
};

}  // namespace edgeloop::dsp
