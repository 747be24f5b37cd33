// Vibration features: the condition-monitoring numbers Edgeloop derives from one window of
// accelerometer samples (in g): overall RMS, peak, crest factor, kurtosis and the RMS in a set of
// frequency bands.
//
// VibrationFeatureExtractor owns everything a Compute() needs (Hann window, FFT, bin ranges), all
// prepared in Create(), so Compute() allocates nothing and its cost is flat per window. It is
// move-only and not thread-safe: Compute() reuses the FFT buffers. Give each worker thread its own
// extractor; extractors of the same window size share FFTW's plan (see RealFft).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "dsp/real_fft.h"

namespace edgeloop::dsp {

// A frequency band [low_hz, high_hz) in Hz; see VibrationFeatureExtractor for the bin rule.
struct BandSpec {
  double low_hz = 0.0;
  double high_hz = 0.0;
};

struct VibrationFeatureConfig {
  double sample_rate_hz = 0.0;
  size_t window_size = 0;  // samples per Compute(); >= 16
  std::vector<BandSpec> bands;
  // Appends peak_to_peak_g, skewness, shape_factor and impulse_factor after the bands. Off by
  // default so that existing consumers (the baseline detector scores every feature) see the same
  // feature vector; the extra cost is one subtraction, a multiply-add and an fabs per sample.
  bool extended_time_features = false;
};

// The usual bearing/gear monitoring bands, 10–500, 500–2000, 2000–5000 and 5000–10000 Hz, clipped
// to the Nyquist frequency; bands starting at or above Nyquist are dropped.
std::vector<BandSpec> DefaultVibrationBands(double sample_rate_hz);

class VibrationFeatureExtractor {
 public:
  // Index of the fixed features in names() and in Compute()'s output.
  static constexpr size_t kRms = 0;
  static constexpr size_t kPeak = 1;
  static constexpr size_t kCrest = 2;
  static constexpr size_t kKurtosis = 3;
  static constexpr size_t kFirstBand = 4;

  // Validates the config (rate > 0, window >= 16, every band inside (0, Nyquist] with low < high
  // and at least one FFT bin) and prepares the window, FFT and band bin ranges.
  static Result<VibrationFeatureExtractor> Create(VibrationFeatureConfig config);

  // Feature names in output order: "rms_g", "peak_g", "crest", "kurtosis", then one per band in
  // config order, e.g. "band_500_2000hz_rms_g" (a fractional edge is written 12p5), then, with
  // extended_time_features, "peak_to_peak_g", "skewness", "shape_factor", "impulse_factor".
  const std::vector<std::string>& names() const { return names_; }
  const VibrationFeatureConfig& config() const { return config_; }

  // Computes the features of `window` (exactly window_size samples, all finite) into `out`
  // (exactly names().size() values); otherwise InvalidArgument and `out` is untouched.
  //   rms_g     sqrt(mean(x²)), DC included
  //   peak_g    max |x|
  //   crest     peak / rms, 0 when rms is 0
  //   kurtosis  m4 / m2² about the mean (Gaussian 3, sine 1.5), 0 when the window is constant
  //   band_*    after removing the mean and applying a periodic Hann window: sqrt of the power of
  //             the bins whose centre frequency lies in [low, high). A band whose high edge is
  //             the Nyquist frequency also takes the Nyquist bin, so bands tiling (0, Nyquist]
  //             see the whole spectrum but DC. The power spectrum is one-sided and corrected for
  //             the window's power loss, so its sum is the signal's variance (Parseval).
  //   peak_to_peak_g  max(x) - min(x)
  //   skewness        m3 / m2^1.5 about the mean, 0 when constant
  //   shape_factor    rms / mean(|x|), 0 when all zero
  //   impulse_factor  peak / mean(|x|), 0 when all zero
  // The definitions match ComputeTimeFeatures() in dsp/time_features.h.
  Status Compute(std::span<const float> window, std::span<double> out);

 private:
  struct BinRange {
    size_t begin = 0;  // first bin
    size_t end = 0;    // one past the last bin
  };

  VibrationFeatureExtractor(VibrationFeatureConfig config, std::vector<std::string> names,
                            std::vector<float> hann, std::vector<BinRange> band_bins,
                            double power_scale, RealFft fft);

  // Index in the output of the first extended time feature (after the bands).
  size_t FirstExtended() const { return kFirstBand + band_bins_.size(); }

  VibrationFeatureConfig config_;
  std::vector<std::string> names_;
  std::vector<float> hann_;
  std::vector<BinRange> band_bins_;
  double power_scale_;  // turns |X[k]|² into two-sided power: 1 / (n · sum(w²))
  RealFft fft_;
};

}  // namespace edgeloop::dsp
