#include "dsp/signal_analyzer.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <utility>

#include "dsp/spectral_peaks.h"

namespace edgeloop::dsp {
namespace {

// ±2 %: bearings slip, so real fault lines sit up to a couple of percent off the kinematic value.
constexpr double kSearchTolerance = 0.02;
// Ball-fault demodulation bands start here. Below about 2 kHz the envelope of a healthy machine is
// dominated by modulation of rotor and electrical lines (the CWRU rig's healthy records show
// cage-like sidebands there), whereas impacts excite the bearing's and housing's resonances in
// the kHz range, which is where every demodulation-band recommendation puts the band.
constexpr double kMinBallBandHz = 2000.0;
// Spectral kurtosis the kurtogram's best band needs before its band is used (Gaussian noise: 0).
// Below it nothing is impulsive, the "best" band is whichever of ~40 noise estimates came out
// highest, and searching it for fault lines only adds a chance of a spurious match.
constexpr double kMinBandKurtosis = 1.0;

size_t PrevPow2(size_t v) {
  size_t p = 1;
  while (p * 2 <= v) p *= 2;
  return p;
}

}  // namespace

size_t SignalAnalyzer::DefaultSegmentSize(double sample_rate_hz) {
  size_t p = 256;
  while (static_cast<double>(p) < sample_rate_hz) p *= 2;
  return p;
}

Result<SignalAnalyzer> SignalAnalyzer::Create(const MachineContext& context, size_t segment_size,
                                              std::vector<BandSpec> bands) {
  const double rate = context.sample_rate_hz;
  if (!(std::isfinite(rate) && rate > 0.0)) {
    return InvalidArgument("signal analyzer: sample rate must be positive");
  }
  const BearingOrders& b = context.bearing;
  if (!(context.shaft_hz > 0.0) || !(b.bpfo > 0.0 && b.bpfi > 0.0 && b.bsf > 0.0 && b.ftf > 0.0)) {
    return InvalidArgument("signal analyzer: shaft speed and all four bearing orders must be > 0");
  }
  if (segment_size == 0) segment_size = DefaultSegmentSize(rate);
  if (bands.empty()) bands = DefaultVibrationBands(rate);
  // The SES must reach the third harmonic of the highest fault frequency.
  const double highest = context.shaft_hz * std::max({b.bpfo, b.bpfi, 2.0 * b.bsf});
  const double max_hz = std::min(rate / 4.0, std::max(500.0, 3.6 * highest));
  if (3.0 * highest > max_hz) {
    return InvalidArgument("signal analyzer: fault frequencies up to " + std::to_string(highest) +
                           " Hz need a sample rate above " + std::to_string(12.0 * highest) +
                           " Hz");
  }
  EL_ASSIGN_OR_RETURN(PowerSpectrum spectrum, PowerSpectrum::Create(rate, segment_size));
  EL_ASSIGN_OR_RETURN(EnvelopeAnalyzer raw,
                      EnvelopeAnalyzer::Create({rate, segment_size, max_hz, false}));
  EL_ASSIGN_OR_RETURN(EnvelopeAnalyzer whitened,
                      EnvelopeAnalyzer::Create({rate, segment_size, max_hz, true}));
  return SignalAnalyzer(context, segment_size, std::move(bands), std::move(spectrum),
                        std::move(raw), std::move(whitened));
}

SignalAnalyzer::SignalAnalyzer(MachineContext context, size_t segment_size,
                               std::vector<BandSpec> bands, PowerSpectrum spectrum,
                               EnvelopeAnalyzer raw, EnvelopeAnalyzer whitened)
    : context_(context),
      segment_size_(segment_size),
      bands_(std::move(bands)),
      spectrum_(std::move(spectrum)),
      raw_(std::move(raw)),
      whitened_(std::move(whitened)),
      cells_(raw_.kurtogram().begin(), raw_.kurtogram().end()),
      scratch_(segment_size) {}

EnvelopePeak SignalAnalyzer::Family(const EnvelopeAnalyzer& env, std::string_view name,
                                    double fundamental_hz, double sideband_hz, BandSpec band) {
  const std::span<const double> s = env.spectrum();
  const double bin = env.bin_hz();
  // The floor comes from ±40 % around the line: wide enough for a robust median, narrow enough
  // to follow the SES's slope.
  const double floor_hz = std::max(0.4 * fundamental_hz, 15.0 * bin);
  EnvelopePeak p;
  p.name = name;
  p.theoretical_hz = fundamental_hz;
  p.band_low_hz = band.low_hz;
  p.band_high_hz = band.high_hz;
  p.prewhitened = env.config().prewhiten;
  const double tol = std::max(kSearchTolerance * fundamental_hz, 1.5 * bin);
  const SpectralPeak f1 =
      FindPeak(s, bin, fundamental_hz - tol, fundamental_hz + tol, floor_hz, scratch_);
  if (!f1.found) return p;
  p.measured_hz = f1.frequency_hz;
  p.amplitude = f1.amplitude;
  p.snr_db = f1.snr_db;
  // Harmonics and sidebands sit at exact multiples/offsets of the measured line: a narrow window
  // (1.5 bins) keeps unrelated lines from being counted.
  const double narrow = 1.5 * bin;
  for (int h = 2; h <= 3; ++h) {
    const double f = h * f1.frequency_hz;
    p.harmonic_snr_db[h - 2] = FindPeak(s, bin, f - narrow, f + narrow, floor_hz, scratch_).snr_db;
  }
  if (sideband_hz > 0.0) {
    for (const double f : {f1.frequency_hz - sideband_hz, f1.frequency_hz + sideband_hz}) {
      p.sideband_snr_db = std::max(
          p.sideband_snr_db, FindPeak(s, bin, f - narrow, f + narrow, floor_hz, scratch_).snr_db);
    }
  }
  return p;
}

Result<Analysis> SignalAnalyzer::Analyze(std::span<const float> x) {
  if (x.size() < segment_size_) {
    return InvalidArgument("signal analyzer: need at least " + std::to_string(segment_size_) +
                           " samples, got " + std::to_string(x.size()));
  }
  Analysis a;
  EL_ASSIGN_OR_RETURN(a.time, ComputeTimeFeatures(x));
  EL_RETURN_IF_ERROR(spectrum_.Compute(x));
  const double shaft = context_.shaft_hz;
  ComputeSpectralFeatures(spectrum_.power(), spectrum_.bin_hz(), bands_, shaft, scratch_,
                          a.spectral);
  a.velocity_rms_mm_s = VelocityRmsMmPerS(spectrum_.power(), spectrum_.bin_hz());
  a.zone = Iso10816Zone(a.velocity_rms_mm_s, context_.group, context_.foundation);

  const BearingOrders& b = context_.bearing;
  const double bpfo = b.bpfo * shaft;
  const double bpfi = b.bpfi * shaft;
  const double ball = 2.0 * b.bsf * shaft;
  const double ftf = b.ftf * shaft;
  // Bands must hold a fault line's sidebands on both sides: at least 3x the highest fault line.
  const double min_bandwidth = 3.0 * std::max({bpfo, bpfi, ball});

  DiagnosisInputs& in = a.envelope;
  in.shaft_hz = shaft;
  auto keep_best = [](EnvelopePeak& best, const EnvelopePeak& p, auto score) {
    if (best.theoretical_hz == 0.0 || score(p) > score(best)) best = p;
  };
  auto race_score = [](const EnvelopePeak& p) { return p.snr_db; };
  auto ball_score = [](const EnvelopePeak& p) { return std::min(p.snr_db, p.sideband_snr_db); };

  // Race faults are impulsive: they are read in the kurtogram's band (Antoni) and in the whole
  // band, raw and pre-whitened (Smith & Randall's CPW + SES), the best of the three kept. Whitening
  // helps when discrete lines mask the fault; it hurts when the fault itself is a strong line
  // spectrum (it lifts the noise between the fault harmonics), hence both.
  EL_ASSIGN_OR_RETURN(a.kurtogram_band, raw_.SelectBand(x, min_bandwidth));
  const BandSpec full{0.0, context_.sample_rate_hz / 2.0};
  for (auto [env, band] : {std::pair{&raw_, a.kurtogram_band.band}, std::pair{&raw_, full},
                           std::pair{&whitened_, full}}) {
    if (band.low_hz == a.kurtogram_band.band.low_hz &&
        band.high_hz == a.kurtogram_band.band.high_hz && env == &raw_ &&
        a.kurtogram_band.kurtosis < kMinBandKurtosis) {
      continue;
    }
    EL_RETURN_IF_ERROR(env->ComputeSpectrum(x, band));
    keep_best(in.bpfo, Family(*env, "bpfo", bpfo, 0.0, band), race_score);
    keep_best(in.bpfi, Family(*env, "bpfi", bpfi, shaft, band), race_score);
    keep_best(in.ftf, Family(*env, "ftf", ftf, 0.0, band), race_score);
  }
  // Ball faults are weak and barely impulsive, so the kurtogram does not find their band: every
  // band of the grid is tried, raw and pre-whitened, and the best cage-modulated 2xBSF line kept.
  // Requiring the line AND its FTF sideband in the same band is what keeps healthy machines (whose
  // envelope spectra have their own unrelated lines) from being called.
  for (EnvelopeAnalyzer* env : {&raw_, &whitened_}) {
    for (const KurtogramCell& cell : cells_) {
      if (cell.band.high_hz - cell.band.low_hz < min_bandwidth) continue;
      if (cell.band.low_hz < std::min(kMinBallBandHz, context_.sample_rate_hz / 8.0)) continue;
      EL_RETURN_IF_ERROR(env->ComputeSpectrum(x, cell.band));
      keep_best(in.ball, Family(*env, "2xbsf", ball, ftf, cell.band), ball_score);
    }
  }
  for (int h = 0; h < 3; ++h) {
    const LineAmplitude& line = a.spectral.order[h];
    // g peak -> mm/s peak at that frequency.
    const double f = line.frequency_hz > 0.0 ? line.frequency_hz : (h + 1) * shaft;
    in.order_velocity_mm_s[h] =
        line.amplitude * kStandardGravity / (2.0 * std::numbers::pi * f) * 1000.0;
  }
  for (double order : {0.5, 1.5, 2.5}) {
    const LineAmplitude line =
        LineAt(spectrum_.power(), spectrum_.bin_hz(), order * shaft, 0.03, scratch_);
    const double f = line.frequency_hz > 0.0 ? line.frequency_hz : order * shaft;
    in.half_order_velocity_mm_s =
        std::max(in.half_order_velocity_mm_s,
                 line.amplitude * kStandardGravity / (2.0 * std::numbers::pi * f) * 1000.0);
  }
  in.velocity_rms_mm_s = a.velocity_rms_mm_s;
  in.zone = a.zone;
  a.diagnosis = Diagnose(in);
  return a;
}

Result<Analysis> AnalyzeSignal(std::span<const float> x, const MachineContext& context) {
  size_t segment = SignalAnalyzer::DefaultSegmentSize(context.sample_rate_hz);
  if (x.size() < segment) segment = PrevPow2(x.size());
  if (segment < 256) {
    return InvalidArgument("signal analyzer: a record needs at least 256 samples, got " +
                           std::to_string(x.size()));
  }
  EL_ASSIGN_OR_RETURN(SignalAnalyzer analyzer, SignalAnalyzer::Create(context, segment));
  return analyzer.Analyze(x);
}

Result<Analysis> AnalyzeSignal(std::span<const double> x, const MachineContext& context) {
  // FFTW runs in single precision; accelerometer data has far less than 24 bits of resolution.
  const std::vector<float> f(x.begin(), x.end());
  return AnalyzeSignal(std::span<const float>(f), context);
}

}  // namespace edgeloop::dsp
