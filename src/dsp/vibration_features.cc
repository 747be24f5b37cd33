#include "dsp/vibration_features.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>
#include <utility>

namespace edgeloop::dsp {
namespace {

constexpr size_t kMinWindowSize = 16;
constexpr size_t kLanes = 4;  // independent accumulators per sum in Compute()

// Feature names end up as metric and column names, so a fractional edge avoids '.' (12.5 ->
// "12p5") and integral edges print without a fraction.
std::string FormatHz(double hz) {
  char buf[64];
  if (hz == std::floor(hz) && hz < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", hz);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.3f", hz);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  std::replace(s.begin(), s.end(), '.', 'p');
  return s;
}

// Human-facing form for error messages.
std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string BandLabel(size_t index, const BandSpec& band) {
  return "band " + std::to_string(index) + " [" + Num(band.low_hz) + ", " + Num(band.high_hz) +
         ") Hz";
}

}  // namespace

std::vector<BandSpec> DefaultVibrationBands(double sample_rate_hz) {
  static constexpr BandSpec kBands[] = {
      {10.0, 500.0}, {500.0, 2000.0}, {2000.0, 5000.0}, {5000.0, 10000.0}};
  const double nyquist = sample_rate_hz / 2.0;
  std::vector<BandSpec> bands;
  for (const BandSpec& band : kBands) {
    if (band.low_hz >= nyquist) break;
    bands.push_back({band.low_hz, std::min(band.high_hz, nyquist)});
  }
  return bands;
}

Result<VibrationFeatureExtractor> VibrationFeatureExtractor::Create(VibrationFeatureConfig config) {
  const double rate = config.sample_rate_hz;
  if (!(std::isfinite(rate) && rate > 0.0)) {
    return InvalidArgument("vibration features: sample_rate_hz must be a positive number, got " +
                           Num(rate));
  }
  const size_t n = config.window_size;
  if (n < kMinWindowSize) {
    return InvalidArgument("vibration features: window_size must be at least " +
                           std::to_string(kMinWindowSize) + " samples, got " + std::to_string(n));
  }
  const double nyquist = rate / 2.0;
  const double bin_hz = rate / static_cast<double>(n);
  const size_t last_bin = n / 2;
  const bool has_nyquist_bin = n % 2 == 0;

  std::vector<std::string> names = {"rms_g", "peak_g", "crest", "kurtosis"};
  std::vector<BinRange> band_bins;
  for (size_t i = 0; i < config.bands.size(); ++i) {
    const BandSpec& band = config.bands[i];
    const std::string label = BandLabel(i, band);
    if (!std::isfinite(band.low_hz) || !std::isfinite(band.high_hz)) {
      return InvalidArgument("vibration features: " + label + " has a non-finite edge");
    }
    if (band.low_hz <= 0.0) {
      return InvalidArgument("vibration features: " + label +
                             " must start above 0 Hz (DC is removed before the spectrum)");
    }
    if (band.low_hz >= band.high_hz) {
      return InvalidArgument("vibration features: " + label + " needs low_hz < high_hz");
    }
    if (band.high_hz > nyquist) {
      return InvalidArgument("vibration features: " + label + " ends above the Nyquist frequency " +
                             Num(nyquist) + " Hz of a " + Num(rate) + " Hz sample rate");
    }
    // Bins are contiguous, so the band is the run of bins from the first centre >= low to the
    // first centre >= high; a band reaching Nyquist keeps the Nyquist bin (see header).
    auto centre = [&](size_t k) { return static_cast<double>(k) * rate / static_cast<double>(n); };
    BinRange range;
    while (range.begin <= last_bin && centre(range.begin) < band.low_hz) ++range.begin;
    range.end = range.begin;
    while (range.end <= last_bin && centre(range.end) < band.high_hz) ++range.end;
    if (band.high_hz >= nyquist && has_nyquist_bin && range.end == last_bin) range.end++;
    if (range.begin >= range.end) {
      return InvalidArgument("vibration features: " + label + " contains no FFT bin: bins are " +
                             Num(bin_hz) + " Hz apart at window_size " + std::to_string(n) +
                             "; widen the band or lengthen the window");
    }
    std::string name = "band_" + FormatHz(band.low_hz) + "_" + FormatHz(band.high_hz) + "hz_rms_g";
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      return InvalidArgument("vibration features: " + label + " duplicates feature " + name);
    }
    names.push_back(std::move(name));
    band_bins.push_back(range);
  }
  if (config.extended_time_features) {
    for (const char* name : {"peak_to_peak_g", "skewness", "shape_factor", "impulse_factor"}) {
      names.push_back(name);
    }
  }

  // Periodic (not symmetric) Hann: it is the one whose spectrum is exactly three bins wide for a
  // bin-centred tone, which is the standard choice for spectral analysis of successive windows.
  std::vector<float> hann(n);
  double sum_w2 = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double phase = 2.0 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(n);
    hann[i] = static_cast<float>(0.5 - 0.5 * std::cos(phase));
    sum_w2 += static_cast<double>(hann[i]) * hann[i];
  }
  // Parseval for the windowed signal y = (x - mean)·w: sum_k |Y[k]|² = n · sum_t y[t]², and for a
  // stationary x, sum_t y[t]² ≈ var(x) · sum(w²). Dividing by n · sum(w²) therefore undoes both
  // the FFT's lack of normalisation and the power the window takes away.
  const double power_scale = 1.0 / (static_cast<double>(n) * sum_w2);

  EL_ASSIGN_OR_RETURN(RealFft fft, RealFft::Create(n));
  return VibrationFeatureExtractor(std::move(config), std::move(names), std::move(hann),
                                   std::move(band_bins), power_scale, std::move(fft));
}

VibrationFeatureExtractor::VibrationFeatureExtractor(VibrationFeatureConfig config,
                                                     std::vector<std::string> names,
                                                     std::vector<float> hann,
                                                     std::vector<BinRange> band_bins,
                                                     double power_scale, RealFft fft)
    : config_(std::move(config)),
      names_(std::move(names)),
      hann_(std::move(hann)),
      band_bins_(std::move(band_bins)),
      power_scale_(power_scale),
      fft_(std::move(fft)) {}

Status VibrationFeatureExtractor::Compute(std::span<const float> window, std::span<double> out) {
  const size_t n = config_.window_size;
  if (window.size() != n) {
    return InvalidArgument("vibration features: window has " + std::to_string(window.size()) +
                           " samples, expected window_size " + std::to_string(n));
  }
  if (out.size() != names_.size()) {
    return InvalidArgument("vibration features: output has room for " + std::to_string(out.size()) +
                           " values, expected " + std::to_string(names_.size()));
  }

  // Pass 1: raw moments and extremes. Each sum runs in kLanes independent accumulators so that
  // consecutive additions need not wait for each other (a single chain is bound by add latency).
  double sum_lane[kLanes] = {};
  double sum_abs_lane[kLanes] = {};
  double sum_sq_lane[kLanes] = {};
  float lo_lane[kLanes];
  float hi_lane[kLanes];
  std::fill_n(lo_lane, kLanes, window[0]);
  std::fill_n(hi_lane, kLanes, window[0]);
  const float* x = window.data();
  const size_t n_lanes = n - n % kLanes;
  for (size_t i = 0; i < n_lanes; i += kLanes) {
    for (size_t j = 0; j < kLanes; ++j) {
      const float v = x[i + j];
      sum_lane[j] += v;
      sum_abs_lane[j] += std::fabs(v);
      sum_sq_lane[j] += static_cast<double>(v) * v;
      lo_lane[j] = std::min(lo_lane[j], v);
      hi_lane[j] = std::max(hi_lane[j], v);
    }
  }
  for (size_t i = n_lanes; i < n; ++i) {
    const float v = x[i];
    sum_lane[0] += v;
    sum_abs_lane[0] += std::fabs(v);
    sum_sq_lane[0] += static_cast<double>(v) * v;
    lo_lane[0] = std::min(lo_lane[0], v);
    hi_lane[0] = std::max(hi_lane[0], v);
  }
  double sum = 0.0;
  double sum_abs = 0.0;
  double sum_sq = 0.0;
  float lo = lo_lane[0];
  float hi = hi_lane[0];
  for (size_t j = 0; j < kLanes; ++j) {
    sum += sum_lane[j];
    sum_abs += sum_abs_lane[j];
    sum_sq += sum_sq_lane[j];
    lo = std::min(lo, lo_lane[j]);
    hi = std::max(hi, hi_lane[j]);
  }
  // A NaN or infinity anywhere poisons sum_sq; only then look for where it is.
  if (!std::isfinite(sum_sq)) {
    const auto bad =
        std::find_if(window.begin(), window.end(), [](float v) { return !std::isfinite(v); });
    return InvalidArgument("vibration features: sample " + std::to_string(bad - window.begin()) +
                           " is not finite");
  }
  const double inv_n = 1.0 / static_cast<double>(n);
  const double mean = sum * inv_n;
  const double rms = std::sqrt(sum_sq * inv_n);
  const double peak =
      std::max(std::fabs(static_cast<double>(lo)), std::fabs(static_cast<double>(hi)));
  out[kRms] = rms;
  out[kPeak] = peak;
  out[kCrest] = rms > 0.0 ? peak / rms : 0.0;
  const bool extended = config_.extended_time_features;
  const size_t ext = FirstExtended();
  if (extended) {
    const double mean_abs = sum_abs * inv_n;
    out[ext + 0] = static_cast<double>(hi) - lo;
    out[ext + 1] = 0.0;  // skewness, set below unless the window is constant
    out[ext + 2] = mean_abs > 0.0 ? rms / mean_abs : 0.0;
    out[ext + 3] = mean_abs > 0.0 ? peak / mean_abs : 0.0;
  }

  // A constant window has no variance and no spectrum; testing lo == hi is exact, whereas
  // x - mean can come out as rounding noise and give a meaningless kurtosis.
  if (lo == hi) {
    out[kKurtosis] = 0.0;
    std::fill(out.begin() + kFirstBand, out.begin() + ext, 0.0);
    return Status::Ok();
  }

  // Pass 2: central moments (two passes because raw fourth moments cancel catastrophically when
  // the sensor has a DC offset) and, in the same sweep, the windowed FFT input.
  float* fft_in = fft_.input().data();
  const float* w = hann_.data();
  double m2_lane[kLanes] = {};
  double m3_lane[kLanes] = {};
  double m4_lane[kLanes] = {};
  auto central = [&](size_t i, size_t lane) {
    const double d = static_cast<double>(x[i]) - mean;
    const double d2 = d * d;
    m2_lane[lane] += d2;
    m3_lane[lane] += d2 * d;
    m4_lane[lane] += d2 * d2;
    fft_in[i] = static_cast<float>(d * w[i]);
  };
  for (size_t i = 0; i < n_lanes; i += kLanes) {
    for (size_t j = 0; j < kLanes; ++j) central(i + j, j);
  }
  for (size_t i = n_lanes; i < n; ++i) central(i, 0);
  double m2 = 0.0;
  double m3 = 0.0;
  double m4 = 0.0;
  for (size_t j = 0; j < kLanes; ++j) {
    m2 += m2_lane[j];
    m3 += m3_lane[j];
    m4 += m4_lane[j];
  }
  m2 *= inv_n;
  m3 *= inv_n;
  m4 *= inv_n;
  out[kKurtosis] = m2 > 0.0 ? m4 / (m2 * m2) : 0.0;  // m2 can only underflow for denormal input
  if (extended && m2 > 0.0) out[ext + 1] = m3 / (m2 * std::sqrt(m2));

  const std::span<const std::complex<float>> spectrum = fft_.Execute();
  for (size_t b = 0; b < band_bins_.size(); ++b) {
    double power = 0.0;
    for (size_t k = band_bins_[b].begin; k < band_bins_[b].end; ++k) {
      const double re = spectrum[k].real();
      const double im = spectrum[k].imag();
      // One-sided: every bin but DC and Nyquist stands for itself and its mirror image.
      const double fold = (k == 0 || 2 * k == n) ? 1.0 : 2.0;
      power += fold * (re * re + im * im);
    }
    out[kFirstBand + b] = std::sqrt(power * power_scale_);
  }
  return Status::Ok();
}

}  // namespace edgeloop::dsp
