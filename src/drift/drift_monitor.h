// Drift monitor for one asset running one model: are the live inputs still what the model was
// trained on, and are its scores stable?
//
// Feed one observation per feature window: the feature vector (in the model's feature order),
// optionally the window's power spectrum and the model's score. The monitor keeps the last
// `window_capacity` feature vectors and, every `evaluate_every` windows once the buffer is full,
// computes per feature the PSI and the JS divergence of the buffered values against the model's
// reference histogram, and the JS divergence of the mean spectrum of the last `evaluate_every`
// windows against the reference spectrum. Scores go through a Page–Hinkley test on every window.
//
// Events fire on the rising edge only (hysteresis): a statistic that crossed its threshold is
// "active" and fires again only after it dropped below `clear_ratio`·threshold, so a drifted
// feature gives one event, not one per evaluation. Page–Hinkley resets after an alarm and warms
// up on the new level, which rate-limits it the same way.
//
// Default thresholds and why:
//  - PSI > 0.2: the credit-scoring convention (< 0.1 stable, 0.1–0.25 moderate, > 0.25 major
//    shift) that PSI tooling adopted; 0.2 flags a shift of about 0.45σ of a Gaussian feature
//    (PSI ≈ (Δμ/σ)² for small mean shifts). With 20 reference bins and 600 live values, pure
//    sampling noise gives PSI ≈ 19/600 ≈ 0.03, well below it. That noise is why evaluation
//    waits for a full buffer: with 100 values it would be ≈ 0.19, a false alarm generator.
//  - JS > 0.1 bit: for small changes PSI ≈ 8·ln2·JS ≈ 5.5–6·JS (measured on 20 bins: a 0.7σ
//    shift gives PSI 0.60, JS 0.10), so 0.1 bit is a large change (a 0.7σ shift, or a new
//    mode); JS is bounded and needs no smoothing, so it stays trustworthy when live data lands
//    in bins the reference left empty, where PSI is dominated by its epsilon. The pair reads as
//    "moderate" (PSI) and "severe" (JS).
//  - spectrum JS > 0.1 bit: a new tone or shifted line carrying about 10–15 % of the power.
//
// Not thread-safe: one owner (the asset's pipeline) feeds it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "drift/page_hinkley.h"
#include "model/model_metadata.h"

namespace edgeloop::drift {

enum class DriftKind { kFeaturePsi, kFeatureJs, kSpectrumJs, kScorePageHinkley };

// "feature_psi", "feature_js", "spectrum_js", "score_page_hinkley".
std::string_view DriftKindName(DriftKind kind);

struct DriftEvent {
  DriftKind kind = DriftKind::kFeaturePsi;
  std::string feature;       // feature name; "" for spectrum; "increase"/"decrease" for scores
  double value = 0;          // the statistic (PH: evidence in warm-up σ when relative)
  double threshold = 0;      // what it was compared with
  int64_t window_count = 0;  // windows fed so far, including this one
  Timestamp time;            // of the window that triggered it
};

struct DriftMonitorOptions {
  size_t window_capacity = 600;  // rolling buffer of feature vectors (600 ≈ 10 min of 1 s windows)
  size_t evaluate_every = 60;    // windows between evaluations
  double psi_threshold = 0.2;
  double js_threshold = 0.1;
  double spectrum_js_threshold = 0.1;
  double clear_ratio = 0.8;  // an active statistic re-arms below clear_ratio·threshold
  bool monitor_scores = true;
  PageHinkleyOptions score_ph;
};

struct DriftObservation {
  Timestamp time;
  std::span<const double> features;  // model feature order, size == feature count
  std::optional<double> score;
  std::span<const double> spectrum;  // empty: none this window
  double spectrum_bin_hz = 0;
};

class DriftMonitor {
 public:
  // Copies what it needs from `metadata`. FailedPrecondition when the metadata carries no
  // reference histograms (nothing to compare features with); InvalidArgument when they are
  // malformed or their count differs from the feature count, or when options are invalid.
  static Result<DriftMonitor> Create(std::string asset, const model::ModelMetadata& metadata,
                                     const DriftMonitorOptions& options = {});

  // Adds one window; returns the events it triggered (usually none). InvalidArgument for a wrong
  // feature count or a malformed spectrum; FailedPrecondition for a spectrum when the model has
  // no reference spectrum; such a rejected observation leaves the monitor unchanged. An error
  // found while evaluating (a live spectrum sharing no band with the reference) is returned
  // after the window was recorded, and that spectrum average is dropped.
  Result<std::vector<DriftEvent>> Add(const DriftObservation& obs);

  const std::string& asset() const { return asset_; }
  int64_t window_count() const { return window_count_; }
  // Latest evaluated statistics per feature (NaN before the first evaluation).
  const std::vector<double>& last_psi() const { return last_psi_; }
  const std::vector<double>& last_js() const { return last_js_; }
  double last_spectrum_js() const { return last_spectrum_js_; }

 private:
  DriftMonitor(std::string asset, const model::ModelMetadata& metadata,
               const DriftMonitorOptions& options, PageHinkley ph);
  Status CheckSpectrum(const DriftObservation& obs) const;
  Status Evaluate(const DriftObservation& obs, std::vector<DriftEvent>* events);
  // Rising-edge with hysteresis; appends an event when `value` newly crosses `threshold`.
  void Edge(DriftKind kind, const std::string& feature, double value, double threshold,
            bool* active, const DriftObservation& obs, std::vector<DriftEvent>* events) const;

  std::string asset_;
  DriftMonitorOptions options_;
  std::vector<std::string> feature_names_;
  std::vector<model::Histogram> references_;
  std::vector<double> reference_spectrum_;
  double reference_spectrum_bin_hz_ = 0;
  PageHinkley ph_;

  std::vector<double> ring_;  // window_capacity × features, row-major
  size_t ring_next_ = 0;
  size_t ring_size_ = 0;
  int64_t window_count_ = 0;
  size_t since_evaluation_ = 0;

  std::vector<double> spectrum_sum_;  // sum of spectra since the last evaluation
  double spectrum_sum_bin_hz_ = 0;
  size_t spectrum_windows_ = 0;

  std::vector<double> last_psi_, last_js_;
  double last_spectrum_js_;
  std::vector<char> psi_active_, js_active_;
  bool spectrum_active_ = false;
};

}  // namespace edgeloop::drift
