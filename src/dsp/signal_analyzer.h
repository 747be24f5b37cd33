// SignalAnalyzer: the full condition analysis of one vibration record (time features, spectrum,
// ISO 10816-3 velocity and zone, envelope families at BPFO/BPFI/2xBSF/FTF, diagnosis).
//
// This is the slow-cadence path: minutes apart per asset, or on demand for a recording. It costs
// tens of FFTs per segment (a kurtogram and an envelope spectrum per candidate band), so the
// per-window edge features stay in VibrationFeatureExtractor. All FFTs and buffers are prepared
// in Create(); Analyze() only allocates for the Analysis it returns (evidence strings, band
// vectors). One instance per thread; instances may run concurrently.
#pragma once

#include <span>
#include <vector>

#include "common/status.h"
#include "dsp/diagnosis.h"
#include "dsp/envelope.h"
#include "dsp/iso10816.h"
#include "dsp/spectral_features.h"
#include "dsp/time_features.h"

namespace edgeloop::dsp {

struct Analysis {
  TimeFeatures time;
  SpectralFeatures spectral;  // bands as configured, orders of the given shaft speed
  double velocity_rms_mm_s = 0.0;
  IsoZone zone = IsoZone::kA;
  KurtogramCell kurtogram_band;  // the most impulsive band of the raw signal
  DiagnosisInputs envelope;      // the four envelope families and the order velocities
  Diagnosis diagnosis;
};

class SignalAnalyzer {
 public:
  // segment_size: samples per FFT segment (even, >= 256); records must hold at least one. 0 picks
  // DefaultSegmentSize(context.sample_rate_hz). bands: for the spectral band RMS (default bands
  // when empty).
  static Result<SignalAnalyzer> Create(const MachineContext& context, size_t segment_size = 0,
                                       std::vector<BandSpec> bands = {});

  // The smallest power of two >= sample_rate_hz: about a second, so bins are < 1 Hz apart.
  static size_t DefaultSegmentSize(double sample_rate_hz);

  // x in g, finite, at least segment_size samples; longer records are averaged over
  // 50 %-overlapping segments (Welch), which is what makes 10 s recordings clean.
  Result<Analysis> Analyze(std::span<const float> x);

  const MachineContext& context() const { return context_; }
  size_t segment_size() const { return segment_size_; }

 private:
  SignalAnalyzer(MachineContext context, size_t segment_size, std::vector<BandSpec> bands,
                 PowerSpectrum spectrum, EnvelopeAnalyzer raw, EnvelopeAnalyzer whitened);

  // Measures the family of `fundamental_hz` in the analyzer's current SES.
  EnvelopePeak Family(const EnvelopeAnalyzer& env, std::string_view name, double fundamental_hz,
                      double sideband_hz, BandSpec band);

  MachineContext context_;
  size_t segment_size_ = 0;
  std::vector<BandSpec> bands_;
  PowerSpectrum spectrum_;
  EnvelopeAnalyzer raw_;       // demodulates the signal as it is
  EnvelopeAnalyzer whitened_;  // demodulates after cepstral pre-whitening
  std::vector<KurtogramCell> cells_;
  std::vector<double> scratch_;
};

// One-shot convenience: picks the segment size (DefaultSegmentSize, or the largest power of two
// that fits a shorter record), builds a SignalAnalyzer and analyses x (in g).
Result<Analysis> AnalyzeSignal(std::span<const float> x, const MachineContext& context);
Result<Analysis> AnalyzeSignal(std::span<const double> x, const MachineContext& context);

}  // namespace edgeloop::dsp
