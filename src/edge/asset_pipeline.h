// AssetPipeline: the edge processing chain of one asset, from samples to alert decisions.
//
//   batch -> quality gate -> (quarantine) -> 1 s windows -> features -> baseline detector
//         -> alert logic -> records for the local store
//
// With ModelSlots in the config, the production ONNX model replaces the baseline detector: the
// window's score is its normalized score (score / threshold, so 1 = the model's threshold) and
// the alert logic uses `model_alerts`; the shadow model, if any, scores the same features, never
// alerts and feeds shadow_stats(). A swapped model is picked up at the next window (see
// model_slot.h). A window the model fails to score is stored as rejected, counted in
// windows_score_errors (and windows_rejected) and logged at a limited rate.
//
// It writes nothing itself: every result goes into a PipelineOutput that the caller persists,
// which keeps the chain testable without a database and lets the caller batch writes.
// Windows that contain quarantined samples are stored as rejected and neither learned from nor
// scored: bad data never reaches the model. Owned and called by one thread at a time; the Clock
// (read by the quality gate for future timestamps) is not owned and must outlive the pipeline.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/asset.h"
#include "common/sample.h"
#include "common/status.h"
#include "dsp/spectral_features.h"
#include "dsp/vibration_features.h"
#include "edge/alert_logic.h"
#include "edge/edge_model.h"
#include "edge/model_slot.h"
#include "edge/shadow_stats.h"
#include "edge/windower.h"
#include "model/baseline_detector.h"
#include "quality/quality_gate.h"
#include "store/edge_store.h"

namespace edgeloop::edge {

struct PipelineConfig {
  double vibration_rate_hz = 25600;
  double window_s = 1.0;
  quality::QualityConfig quality;
  model::BaselineDetectorConfig detector;
  AlertPolicy alerts;
  // Production (+ shadow) models; null = score with the baseline detector above.
  std::shared_ptr<ModelSlots> models;
  // Alert policy on normalized model scores, used instead of `alerts` when `models` is set.
  AlertPolicy model_alerts{.raise_score = 1.0, .clear_score = 0.8};
};

Status Validate(const PipelineConfig& config);

// What one Process() call produced, for the caller to persist.
struct PipelineOutput {
  struct AlertChange {
    AlertLogic::Decision decision = AlertLogic::Decision::kNone;  // kOpen, kEscalate or kClear
    // On kEscalate / kClear: the current / final state of the alert that opened earlier.
    store::AlertRecord alert;
    // On kOpen: the raw vibration window that opened the alert, as evidence (empty on kClear).
    std::vector<float> evidence_waveform;
    std::string evidence_channel;
    Timestamp evidence_start{};
    double evidence_rate_hz = 0;
  };
  // Welch power spectrum of a scored window, when the production model carries a reference
  // spectrum (for the drift monitor); matched to its window by `end`.
  struct WindowSpectrum {
    Timestamp end;
    std::vector<double> power;  // g² per bin
    double bin_hz = 0;
  };
  std::vector<store::WindowRecord> windows;
  std::vector<WindowSpectrum> spectra;
  std::vector<store::QuarantineRecord> quarantine;
  std::vector<store::QualityEventRecord> quality_events;
  std::vector<AlertChange> alert_changes;

  void Clear() {
    windows.clear();
    spectra.clear();
    quarantine.clear();
    quality_events.clear();
    alert_changes.clear();
  }
};

struct AssetStats {
  uint64_t samples = 0;
  uint64_t windows_learning = 0;
  uint64_t windows_scored = 0;
  uint64_t windows_rejected = 0;      // quarantined data or a scoring error
  uint64_t windows_score_errors = 0;  // production model failed on the window
  uint64_t shadow_score_errors = 0;   // shadow model failed (the window is still scored)
  uint64_t model_swaps = 0;           // windows at which a swapped model was picked up
  uint64_t model_swap_errors = 0;     // swapped-in models this pipeline could not use
  std::string model_version;          // production model; "" in baseline mode
  std::string shadow_version;         // "" without a shadow model
  uint64_t quarantined_samples = 0;
  uint64_t alerts_opened = 0;
  std::optional<Timestamp> first_alert;
  std::string diagnosis;  // latest waveform diagnosis of an open or past alert, e.g. "outer_race"
  bool alert_active = false;
  double last_score = 0;
  std::optional<double> last_shadow_score;  // normalized
};

class AssetPipeline {
 public:
  static Result<std::unique_ptr<AssetPipeline>> Create(const Asset& asset,
                                                       const PipelineConfig& config,
                                                       const Clock& clock);

  // Runs `batch` (which must belong to this asset) through the chain.
  Status Process(const SampleBatch& batch, PipelineOutput& out);

  const Asset& asset() const { return asset_; }
  const AssetStats& stats() const { return stats_; }
  // The open alert, if any (its id is 0 until the caller has stored it; see SetOpenAlertId).
  const std::optional<store::AlertRecord>& open_alert() const { return open_alert_; }
  void SetOpenAlertId(int64_t id);
  const std::vector<std::string>& feature_names() const { return feature_names_; }
  const quality::QualityGate& quality_gate() const { return gate_; }
  // Production vs shadow on this asset's windows; the caller reports and Reset()s it per period.
  const ShadowStats& shadow_stats() const { return shadow_stats_; }
  // The production model scoring this pipeline's windows now; null in baseline mode.
  std::shared_ptr<const EdgeModel> production_model() const {
    return production_ ? production_->shared_model() : nullptr;
  }
  ShadowStats& shadow_stats() { return shadow_stats_; }

 private:
  AssetPipeline(Asset asset, PipelineConfig config, const Clock& clock,
                dsp::VibrationFeatureExtractor extractor, size_t window_size);
  void OnWindow(const Window& window, PipelineOutput& out);
  // Rebuilds the Scorer of a slot whose generation changed; keeps the old one when the new
  // model cannot be used. Fails only when there is no production scorer at all.
  Status RefreshScorers();
  // The window's normalized production score, or nullopt after a counted and logged error.
  // Also scores the shadow model into shadow_stats_.
  std::optional<double> ScoreWithModels();
  void Quarantine(const SampleBatch& batch, const std::vector<quality::QuarantineRun>& runs,
                  PipelineOutput& out);
  double MeanTemperature(Timestamp start, Timestamp end) const;
  // Runs the slow-path condition analysis (envelope, ISO 10816-3, rules) on `window` and writes
  // its verdict into the open alert: an alert that says what is wrong, not only that something is.
  void DiagnoseOpenAlert(const Window& window);

  Asset asset_;
  PipelineConfig config_;
  quality::QualityGate gate_;
  Windower windower_;
  dsp::VibrationFeatureExtractor extractor_;
  model::BaselineDetector detector_;
  AlertLogic alert_logic_;
  // Welch spectra of scored windows, made only while the production model has a reference
  // spectrum to compare them with (segment as in train/reference_spectrum.h).
  void AddSpectrum(const Window& window, PipelineOutput& out);
  std::optional<dsp::PowerSpectrum> spectrum_;
  std::optional<EdgeModel::Scorer> production_;  // set iff config_.models
  std::optional<EdgeModel::Scorer> shadow_;
  uint64_t production_generation_ = 0;
  uint64_t shadow_generation_ = 0;
  ShadowStats shadow_stats_;
  std::vector<std::string> feature_names_;  // vibration features, then "temp_c"
  std::vector<double> feature_values_;      // scratch, reused every window
  std::string vibration_channel_;           // the first vibration channel seen is the one used
  struct TemperatureReading {
    Timestamp t;
    float value;
  };
  std::deque<TemperatureReading> temperatures_;  // recent good readings, bounded
  std::optional<store::AlertRecord> open_alert_;
  uint64_t windows_since_diagnosis_ = 0;
  double diagnosed_score_ = 0;  // score of the window last diagnosed
  AssetStats stats_;
};

}  // namespace edgeloop::edge
