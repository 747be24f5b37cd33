#include "dsp/spectral_features.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <utility>

#include "dsp/spectral_peaks.h"

namespace edgeloop::dsp {

Result<PowerSpectrum> PowerSpectrum::Create(double sample_rate_hz, size_t segment_size) {
  if (!(std::isfinite(sample_rate_hz) && sample_rate_hz > 0.0)) {
    return InvalidArgument("power spectrum: sample rate must be positive");
  }
  if (segment_size < 16) {
    return InvalidArgument("power spectrum: segment_size must be at least 16, got " +
                           std::to_string(segment_size));
  }
  EL_ASSIGN_OR_RETURN(RealFft fft, RealFft::Create(segment_size));
  std::vector<float> hann(segment_size);
  double sum_w2 = 0.0;
  for (size_t i = 0; i < segment_size; ++i) {
    const double phase = 2.0 * std::numbers::pi * static_cast<double>(i) / segment_size;
    hann[i] = static_cast<float>(0.5 - 0.5 * std::cos(phase));
    sum_w2 += static_cast<double>(hann[i]) * hann[i];
  }
  return PowerSpectrum(sample_rate_hz, std::move(fft), std::move(hann),
                       1.0 / (static_cast<double>(segment_size) * sum_w2));
}

PowerSpectrum::PowerSpectrum(double rate, RealFft fft, std::vector<float> hann, double scale)
    : rate_(rate),
      n_(fft.size()),
      fft_(std::move(fft)),
      hann_(std::move(hann)),
      scale_(scale),
      power_(n_ / 2 + 1) {}

Status PowerSpectrum::Compute(std::span<const float> x) {
  if (x.size() < n_) {
    return InvalidArgument("power spectrum: need at least " + std::to_string(n_) +
                           " samples, got " + std::to_string(x.size()));
  }
  std::fill(power_.begin(), power_.end(), 0.0);
  size_t segments = 0;
  for (size_t start = 0; start + n_ <= x.size(); start += n_ / 2) {
    const std::span<const float> seg = x.subspan(start, n_);
    double mean = 0.0;
    for (const float v : seg) mean += v;
    mean /= static_cast<double>(n_);
    if (!std::isfinite(mean)) return InvalidArgument("power spectrum: non-finite sample");
    std::span<float> in = fft_.input();
    for (size_t i = 0; i < n_; ++i) in[i] = static_cast<float>((seg[i] - mean) * hann_[i]);
    const std::span<const std::complex<float>> bins = fft_.Execute();
    for (size_t k = 0; k < bins.size(); ++k) {
      const double fold = (k == 0 || 2 * k == n_) ? 1.0 : 2.0;
      power_[k] += fold * std::norm(bins[k]) * scale_;
    }
    ++segments;
  }
  for (double& p : power_) p /= static_cast<double>(segments);
  return Status::Ok();
}

double BandRms(std::span<const double> power, double bin_hz, BandSpec band) {
  double sum = 0.0;
  for (size_t k = 1; k < power.size(); ++k) {
    const double f = static_cast<double>(k) * bin_hz;
    if (f >= band.low_hz && f < band.high_hz) sum += power[k];
  }
  return std::sqrt(sum);
}

double SpectralCentroid(std::span<const double> power, double bin_hz) {
  double weighted = 0.0;
  double total = 0.0;
  for (size_t k = 1; k < power.size(); ++k) {
    weighted += static_cast<double>(k) * bin_hz * power[k];
    total += power[k];
  }
  return total > 0.0 ? weighted / total : 0.0;
}

LineAmplitude LineAt(std::span<const double> power, double bin_hz, double target_hz,
                     double tolerance, std::span<double> scratch) {
  LineAmplitude line;
  if (!(target_hz > 0.0) || power.empty()) return line;
  const double half = std::max(target_hz * tolerance, bin_hz);
  const SpectralPeak peak = FindPeak(power, bin_hz, target_hz - half, target_hz + half,
                                     std::max(10.0 * half, 20.0 * bin_hz), scratch);
  if (!peak.found) return line;
  double sum = 0.0;
  const size_t lo = peak.bin >= 2 ? peak.bin - 2 : 0;
  for (size_t k = lo; k <= std::min(peak.bin + 2, power.size() - 1); ++k) sum += power[k];
  line.frequency_hz = static_cast<double>(peak.bin) * bin_hz;
  line.amplitude = std::sqrt(2.0 * sum);
  line.snr_db = peak.snr_db / 2.0;  // FindPeak's dB are amplitude dB; this is a power spectrum
  return line;
}

void ComputeSpectralFeatures(std::span<const double> power, double bin_hz,
                             std::span<const BandSpec> bands, double shaft_hz,
                             std::span<double> scratch, SpectralFeatures& out) {
  out.band_rms_g.resize(bands.size());
  for (size_t b = 0; b < bands.size(); ++b) out.band_rms_g[b] = BandRms(power, bin_hz, bands[b]);
  out.centroid_hz = SpectralCentroid(power, bin_hz);
  for (int h = 0; h < 3; ++h) {
    // ±3 %: induction motors slip 1-3 % below the nominal speed the caller may have given.
    out.order[h] = LineAt(power, bin_hz, (h + 1) * shaft_hz, 0.03, scratch);
  }
}

}  // namespace edgeloop::dsp
