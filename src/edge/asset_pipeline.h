// AssetPipeline: the edge processing chain of one asset, from samples to alert decisions.
//
//   batch -> quality gate -> (quarantine) -> 1 s windows -> features -> baseline detector
//         -> alert logic -> records for the local store
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
#include "dsp/vibration_features.h"
#include "edge/alert_logic.h"
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
};

Status Validate(const PipelineConfig& config);

// What one Process() call produced, for the caller to persist.
struct PipelineOutput {
  struct AlertChange {
    AlertLogic::Decision decision = AlertLogic::Decision::kNone;  // kOpen or kClear
    store::AlertRecord alert;  // on kClear: the final state of the alert that opened earlier
  };
  std::vector<store::WindowRecord> windows;
  std::vector<store::QuarantineRecord> quarantine;
  std::vector<store::QualityEventRecord> quality_events;
  std::vector<AlertChange> alert_changes;

  void Clear() {
    windows.clear();
    quarantine.clear();
    quality_events.clear();
    alert_changes.clear();
  }
};

struct AssetStats {
  uint64_t samples = 0;
  uint64_t windows_learning = 0;
  uint64_t windows_scored = 0;
  uint64_t windows_rejected = 0;
  uint64_t quarantined_samples = 0;
  uint64_t alerts_opened = 0;
  std::optional<Timestamp> first_alert;
  std::string diagnosis;  // latest waveform diagnosis of an open or past alert, e.g. "outer_race"
  bool alert_active = false;
  double last_score = 0;
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

 private:
  AssetPipeline(Asset asset, PipelineConfig config, const Clock& clock,
                dsp::VibrationFeatureExtractor extractor, size_t window_size);
  void OnWindow(const Window& window, PipelineOutput& out);
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
