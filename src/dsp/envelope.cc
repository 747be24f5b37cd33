#include "dsp/envelope.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>
#include <string>
#include <utility>

namespace edgeloop::dsp {
namespace {

constexpr size_t kMinSegment = 256;
constexpr size_t kMinDecimated = 16;
constexpr size_t kMinBandBins = 4;

size_t NextPow2(size_t v) {
  size_t p = 1;
  while (p < v) p <<= 1;
  return p;
}

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

Result<EnvelopeAnalyzer> EnvelopeAnalyzer::Create(const EnvelopeConfig& config) {
  const double rate = config.sample_rate_hz;
  if (!(std::isfinite(rate) && rate > 0.0)) {
    return InvalidArgument("envelope: sample_rate_hz must be positive, got " + Num(rate));
  }
  const size_t n = config.segment_size;
  if (n < kMinSegment || n % 2 != 0) {
    return InvalidArgument("envelope: segment_size must be even and at least " +
                           std::to_string(kMinSegment) + ", got " + std::to_string(n));
  }
  if (!(config.max_frequency_hz > 0.0 && config.max_frequency_hz <= rate / 4.0)) {
    return InvalidArgument("envelope: max_frequency_hz must be in (0, " + Num(rate / 4.0) +
                           "] Hz, got " + Num(config.max_frequency_hz));
  }
  EL_ASSIGN_OR_RETURN(RealFft fft, RealFft::Create(n));
  std::vector<Decimated> decimated;
  for (size_t m = kMinDecimated; m < 2 * NextPow2(n); m <<= 1) {
    EL_ASSIGN_OR_RETURN(ComplexFft inverse, ComplexFft::Create(m, ComplexFft::Direction::kInverse));
    EL_ASSIGN_OR_RETURN(RealFft forward, RealFft::Create(m));
    Decimated d{m, std::move(inverse), std::move(forward), std::vector<float>(m), 0.0};
    for (size_t i = 0; i < m; ++i) {
      const double phase = 2.0 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(m);
      d.hann[i] = static_cast<float>(0.5 - 0.5 * std::cos(phase));
      d.hann_sum += d.hann[i];
    }
    decimated.push_back(std::move(d));
  }
  // Antoni's grid: levels 0, 1, 1.6, 2, 2.6, ... have 1, 2, 3, 4, 6, 8, 12, ... bands. The finest
  // level keeps bands of at least 16 bins, below which the envelope has too few samples per
  // segment for a kurtosis.
  const double bin_hz = rate / static_cast<double>(n);
  const double nyquist = rate / 2.0;
  std::vector<KurtogramCell> cells;
  for (size_t base = 1; base <= 1024; base *= 2) {
    for (size_t bands : {base, base * 3 / 2}) {
      if (base == 1 && bands != base) continue;  // levels 0, 1, 1.6, 2, ...: there is no 0.6
      const double width = nyquist / static_cast<double>(bands);
      if (width < 16.0 * bin_hz) continue;
      const double level = std::log2(static_cast<double>(bands));
      for (size_t b = 0; b < bands; ++b) {
        cells.push_back({{b * width, (b + 1) * width}, level, 0.0});
      }
    }
  }
  EnvelopeAnalyzer a(config, std::move(fft), std::move(decimated), std::move(cells));
  return a;
}

EnvelopeAnalyzer::EnvelopeAnalyzer(EnvelopeConfig config, RealFft fft,
                                   std::vector<Decimated> decimated,
                                   std::vector<KurtogramCell> cells)
    : config_(config),
      n_(config.segment_size),
      fft_(std::move(fft)),
      decimated_(std::move(decimated)),
      cells_(std::move(cells)),
      cell_sum2_(cells_.size()),
      cell_sum4_(cells_.size()),
      cell_count_(cells_.size()),
      spec_(n_ / 2 + 1),
      ses_power_(static_cast<size_t>(config.max_frequency_hz / bin_hz()) + 1),
      ses_(ses_power_.size()) {}

Status EnvelopeAnalyzer::CheckSignal(std::span<const float> x, const char* what) const {
  if (x.size() < n_) {
    return InvalidArgument(std::string("envelope ") + what + ": need at least one segment of " +
                           std::to_string(n_) + " samples, got " + std::to_string(x.size()));
  }
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) {
      return InvalidArgument(std::string("envelope ") + what + ": sample " + std::to_string(i) +
                             " is not finite");
    }
  }
  return Status::Ok();
}

void EnvelopeAnalyzer::SegmentSpectrum(std::span<const float> x, size_t start) {
  std::copy_n(x.begin() + static_cast<std::ptrdiff_t>(start), n_, fft_.input().begin());
  const std::span<const std::complex<float>> bins = fft_.Execute();
  std::copy(bins.begin(), bins.end(), spec_.begin());
  if (!config_.prewhiten) return;
  for (std::complex<float>& c : spec_) {
    const float mag = std::abs(c);
    c = mag > std::numeric_limits<float>::min() ? c / mag : std::complex<float>();
  }
}

EnvelopeAnalyzer::Decimated& EnvelopeAnalyzer::Demodulate(size_t k0, size_t k1, size_t min_m) {
  const size_t width = k1 - k0;
  const size_t m = std::max({NextPow2(width), NextPow2(min_m), kMinDecimated});
  Decimated& d = decimated_[static_cast<size_t>(std::countr_zero(m / kMinDecimated))];
  std::span<std::complex<float>> in = d.inverse.input();
  std::copy_n(spec_.begin() + static_cast<std::ptrdiff_t>(k0), width, in.begin());
  std::fill(in.begin() + static_cast<std::ptrdiff_t>(width), in.end(), std::complex<float>());
  return d;
}

Result<KurtogramCell> EnvelopeAnalyzer::SelectBand(std::span<const float> x,
                                                   double min_bandwidth_hz) {
  EL_RETURN_IF_ERROR(CheckSignal(x, "kurtogram"));
  const double bin_hz = this->bin_hz();
  std::fill(cell_sum2_.begin(), cell_sum2_.end(), 0.0);
  std::fill(cell_sum4_.begin(), cell_sum4_.end(), 0.0);
  std::fill(cell_count_.begin(), cell_count_.end(), 0.0);
  const size_t hop = n_ / 2;
  for (size_t start = 0; start + n_ <= x.size(); start += hop) {
    SegmentSpectrum(x, start);
    for (size_t c = 0; c < cells_.size(); ++c) {
      const BandSpec& band = cells_[c].band;
      if (band.high_hz - band.low_hz < min_bandwidth_hz) continue;
      const size_t k0 = std::max<size_t>(1, static_cast<size_t>(std::ceil(band.low_hz / bin_hz)));
      const size_t k1 = std::min(spec_.size(), static_cast<size_t>(band.high_hz / bin_hz));
      if (k1 < k0 + kMinBandBins) continue;
      Decimated& d = Demodulate(k0, k1, 0);
      // The brick-wall filter treats the segment as circular: the wrap-around step rings at both
      // ends, so the outer eighths are left out of the moments (the 50 % overlap covers them).
      const std::span<const std::complex<float>> z = d.inverse.Execute();
      double s2 = 0.0;
      double s4 = 0.0;
      for (size_t t = d.m / 8; t < d.m - d.m / 8; ++t) {
        const double e = std::norm(z[t]);
        s2 += e;
        s4 += e * e;
      }
      cell_sum2_[c] += s2;
      cell_sum4_[c] += s4;
      cell_count_[c] += static_cast<double>(d.m - 2 * (d.m / 8));
    }
  }
  KurtogramCell best;
  best.kurtosis = -std::numeric_limits<double>::infinity();
  for (size_t c = 0; c < cells_.size(); ++c) {
    KurtogramCell& cell = cells_[c];
    if (cell_count_[c] == 0.0 || cell_sum2_[c] <= 0.0) {
      cell.kurtosis = std::numeric_limits<double>::quiet_NaN();
      continue;
    }
    const double m2 = cell_sum2_[c] / cell_count_[c];
    const double m4 = cell_sum4_[c] / cell_count_[c];
    cell.kurtosis = m4 / (m2 * m2) - 2.0;
    if (cell.kurtosis > best.kurtosis) best = cell;
  }
  if (!std::isfinite(best.kurtosis)) {
    return InvalidArgument("envelope kurtogram: no band is at least " + Num(min_bandwidth_hz) +
                           " Hz wide at this sample rate and segment size");
  }
  return best;
}

Status EnvelopeAnalyzer::ComputeSpectrum(std::span<const float> x, BandSpec band) {
  EL_RETURN_IF_ERROR(CheckSignal(x, "spectrum"));
  const double bin_hz = this->bin_hz();
  const size_t k0 = std::max<size_t>(1, static_cast<size_t>(std::ceil(band.low_hz / bin_hz)));
  const size_t k1 = std::min(spec_.size(), static_cast<size_t>(band.high_hz / bin_hz));
  if (!(band.low_hz >= 0.0 && band.high_hz <= config_.sample_rate_hz / 2.0) ||
      k1 < k0 + kMinBandBins) {
    return InvalidArgument("envelope: band [" + Num(band.low_hz) + ", " + Num(band.high_hz) +
                           ") Hz must lie inside the spectrum and span at least " +
                           std::to_string(kMinBandBins) + " bins");
  }
  std::fill(ses_power_.begin(), ses_power_.end(), 0.0);
  segments_used_ = 0;
  // |z|² holds frequencies up to the bandwidth, so the decimated length must be at least twice
  // the bandwidth in bins to avoid aliasing, and twice the kept SES range.
  const size_t min_m = std::max(2 * (k1 - k0), 2 * ses_power_.size());
  const size_t hop = n_ / 2;
  for (size_t start = 0; start + n_ <= x.size(); start += hop) {
    SegmentSpectrum(x, start);
    Decimated& d = Demodulate(k0, k1, min_m);
    const std::span<const std::complex<float>> z = d.inverse.Execute();
    std::span<float> e = d.forward.input();
    double mean = 0.0;
    for (size_t t = 0; t < d.m; ++t) {
      e[t] = std::norm(z[t]);
      mean += e[t];
    }
    mean /= static_cast<double>(d.m);
    if (mean <= 0.0) continue;
    for (size_t t = 0; t < d.m; ++t) {
      e[t] = static_cast<float>((e[t] - mean) * d.hann[t]);
    }
    const std::span<const std::complex<float>> s = d.forward.Execute();
    // Amplitude of a line: |S|·2/sum(w); divided by the mean so the SES is a modulation depth.
    const double scale = 2.0 / (d.hann_sum * mean);
    for (size_t k = 0; k < ses_power_.size(); ++k) {
      ses_power_[k] += std::norm(s[k]) * scale * scale;
    }
    ++segments_used_;
  }
  const double inv = segments_used_ > 0 ? 1.0 / static_cast<double>(segments_used_) : 0.0;
  for (size_t k = 0; k < ses_.size(); ++k) ses_[k] = std::sqrt(ses_power_[k] * inv);
  return Status::Ok();
}

}  // namespace edgeloop::dsp
