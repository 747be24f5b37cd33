#include "edge/asset_pipeline.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cmath>

#include "dsp/signal_analyzer.h"

namespace edgeloop::edge {
namespace {
constexpr uint64_t kDiagnosisEveryWindows = 10;
// Temperature readings kept for matching with vibration windows (about 10 min at 1 Hz).
constexpr size_t kMaxTemperatureReadings = 600;
}  // namespace

Status Validate(const PipelineConfig& c) {
  if (!(c.vibration_rate_hz >= 1000) || c.vibration_rate_hz > 1e6) {
    return InvalidArgument(
        fmt::format("vibration rate {} Hz is outside [1 kHz, 1 MHz]", c.vibration_rate_hz));
  }
  if (!(c.window_s >= 0.01) || c.window_s > 60) {
    return InvalidArgument(fmt::format("window length {} s is outside [0.01 s, 60 s]", c.window_s));
  }
  EL_RETURN_IF_ERROR(quality::Validate(c.quality));
  EL_RETURN_IF_ERROR(model::Validate(c.detector));
  if (c.models) {
    if (!c.models->production.Get().model) return InvalidArgument("no production model");
    EL_RETURN_IF_ERROR(Validate(c.model_alerts).WithContext("model_alerts"));
  }
  return Validate(c.alerts);
}

Result<std::unique_ptr<AssetPipeline>> AssetPipeline::Create(const Asset& asset,
                                                             const PipelineConfig& config,
                                                             const Clock& clock) {
  EL_RETURN_IF_ERROR(Validate(config));
  const auto window_size =
      static_cast<size_t>(std::llround(config.window_s * config.vibration_rate_hz));
  dsp::VibrationFeatureConfig fc;
  fc.sample_rate_hz = config.vibration_rate_hz;
  fc.window_size = window_size;
  fc.bands = dsp::DefaultVibrationBands(config.vibration_rate_hz);
  auto extractor = dsp::VibrationFeatureExtractor::Create(fc);
  if (!extractor.ok()) return extractor.status().WithContext("asset " + asset.id);
  std::unique_ptr<AssetPipeline> pipeline(
      new AssetPipeline(asset, config, clock, std::move(extractor).value(), window_size));
  if (config.models) {
    Status s = pipeline->RefreshScorers();
    if (!s.ok()) return s.WithContext("asset " + asset.id);
  }
  return pipeline;
}

namespace {
std::vector<std::string> AllFeatureNames(const dsp::VibrationFeatureExtractor& extractor) {
  std::vector<std::string> names = extractor.names();
  names.push_back("temp_c");
  return names;
}
}  // namespace

AssetPipeline::AssetPipeline(Asset asset, PipelineConfig config, const Clock& clock,
                             dsp::VibrationFeatureExtractor extractor, size_t window_size)
    : asset_(std::move(asset)),
      config_(config),
      gate_(config.quality, clock),
      windower_(window_size),
      extractor_(std::move(extractor)),
      detector_(AllFeatureNames(extractor_), config.detector),
      alert_logic_(config.models ? config.model_alerts : config.alerts),
      feature_names_(AllFeatureNames(extractor_)),
      feature_values_(feature_names_.size()) {}

void AssetPipeline::SetOpenAlertId(int64_t id) {
  if (open_alert_) open_alert_->id = id;
}

Status AssetPipeline::Process(const SampleBatch& batch, PipelineOutput& out) {
  if (batch.asset != asset_.id) {
    return InvalidArgument("batch for asset '" + batch.asset + "' sent to pipeline of '" +
                           asset_.id + "'");
  }
  if (batch.kind == ChannelKind::kVibration) {
    if (vibration_channel_.empty()) vibration_channel_ = batch.channel;
    if (batch.channel != vibration_channel_) {
      return InvalidArgument(
          fmt::format("asset {} already uses vibration channel '{}'; '{}' is "
                      "not supported yet",
                      asset_.id, vibration_channel_, batch.channel));
    }
    if (batch.sample_rate_hz != config_.vibration_rate_hz) {
      return InvalidArgument(fmt::format("asset {} channel {}: sample rate {} Hz, configured {} Hz",
                                         asset_.id, batch.channel, batch.sample_rate_hz,
                                         config_.vibration_rate_hz));
    }
  }
  stats_.samples += batch.values.size();
  const std::vector<quality::QuarantineRun> runs = gate_.Check(batch);
  Quarantine(batch, runs, out);
  // Gaps, rate deviations and skew/drift episodes are kept with the data (their samples, where
  // any are affected, are in the quarantine).
  for (quality::QualityEvent& e : gate_.TakeEvents()) {
    spdlog::info("quality {} {}/{} [{} .. {}]: {}", quality::RuleName(e.rule), e.asset, e.channel,
                 FormatTimestamp(e.start), FormatTimestamp(e.end), e.detail);
    out.quality_events.push_back({std::move(e.asset), std::move(e.channel),
                                  std::string(quality::RuleName(e.rule)), e.start, e.end, e.ongoing,
                                  std::move(e.detail)});
  }

  if (batch.kind == ChannelKind::kTemperature) {
    size_t run = 0;
    for (size_t i = 0; i < batch.values.size(); ++i) {
      while (run < runs.size() && runs[run].first + runs[run].count <= i) ++run;
      const bool flagged = run < runs.size() && runs[run].first <= i;
      if (!flagged) temperatures_.push_back({batch.TimeOf(i), batch.values[i]});
    }
    while (temperatures_.size() > kMaxTemperatureReadings) temperatures_.pop_front();
    return Status::Ok();
  }
  windower_.Append(batch, runs, [&](const Window& w) { OnWindow(w, out); });
  return Status::Ok();
}

void AssetPipeline::Quarantine(const SampleBatch& batch,
                               const std::vector<quality::QuarantineRun>& runs,
                               PipelineOutput& out) {
  for (const quality::QuarantineRun& run : runs) {
    store::QuarantineRecord q;
    q.asset = batch.asset;
    q.channel = batch.channel;
    q.start = batch.TimeOf(run.first);
    q.end = batch.TimeOf(run.first + run.count);
    q.samples = static_cast<int64_t>(run.count);
    q.rule = std::string(quality::RuleName(run.rule));
    q.detail = quality::DescribeRun(run, batch, config_.quality);
    const size_t kept = std::min(run.count, store::EdgeStore::kMaxRawSamples);
    q.raw.assign(batch.values.begin() + run.first, batch.values.begin() + run.first + kept);
    stats_.quarantined_samples += run.count;
    out.quarantine.push_back(std::move(q));
  }
}

void AssetPipeline::DiagnoseOpenAlert(const Window& window) {
  windows_since_diagnosis_ = 0;
  dsp::MachineContext ctx;
  ctx.sample_rate_hz = window.sample_rate_hz;
  ctx.shaft_hz = asset_.shaft_rpm / 60;
  ctx.bearing = ComputeBearingOrders(asset_.bearing);
  auto analysis = dsp::AnalyzeSignal(window.values, ctx);
  if (!analysis.ok()) {
    spdlog::warn("asset {}: diagnosis failed: {}", asset_.id, analysis.status().message());
    return;
  }
  const dsp::Diagnosis& d = analysis->diagnosis;
  open_alert_->diagnosis =
      fmt::format("{} ({:.2f})", dsp::ConditionName(d.condition), d.confidence);
  stats_.diagnosis = std::string(dsp::ConditionName(d.condition));
}

void AssetPipeline::AddSpectrum(const Window& window, PipelineOutput& out) {
  constexpr size_t kSegment = 4096;  // the default of train::ComputeReferenceSpectrum
  if (production_->model().metadata().reference_spectrum.empty()) return;
  if (!spectrum_) {
    auto ps =
        dsp::PowerSpectrum::Create(window.sample_rate_hz, std::min(kSegment, window.values.size()));
    if (!ps.ok()) return;
    spectrum_.emplace(std::move(ps).value());
  }
  if (!spectrum_->Compute(window.values).ok()) return;
  const auto power = spectrum_->power();
  out.spectra.push_back({window.end, {power.begin(), power.end()}, spectrum_->bin_hz()});
}

double AssetPipeline::MeanTemperature(Timestamp start, Timestamp end) const {
  double sum = 0;
  int n = 0;
  for (const TemperatureReading& r : temperatures_) {
    if (r.t >= start && r.t < end) {
      sum += r.value;
      ++n;
    }
  }
  return n > 0 ? sum / n : std::nan("");
}

void AssetPipeline::OnWindow(const Window& window, PipelineOutput& out) {
  store::WindowRecord record;
  record.asset = asset_.id;
  record.start = window.start;
  record.end = window.end;
  record.detector = model::BaselineDetector::kVersion;

  if (window.flagged_samples > 0) {
    // Features of a window with quarantined samples would be poisoned: keep the fact, not them.
    record.status = store::WindowStatus::kRejected;
    ++stats_.windows_rejected;
    out.windows.push_back(std::move(record));
    return;
  }
  const size_t n_vib = extractor_.names().size();
  Status s = extractor_.Compute(window.values, std::span<double>(feature_values_).first(n_vib));
  if (!s.ok()) {
    // The windower only hands over full windows of finite samples: this is a bug.
    spdlog::error("asset {}: feature extraction failed: {}", asset_.id, s.ToString());
    record.status = store::WindowStatus::kRejected;
    ++stats_.windows_rejected;
    out.windows.push_back(std::move(record));
    return;
  }
  feature_values_[n_vib] = MeanTemperature(window.start, window.end);
  record.features.reserve(feature_names_.size());
  for (size_t i = 0; i < feature_names_.size(); ++i) {
    record.features.emplace_back(feature_names_[i], feature_values_[i]);
  }

  double score = 0;
  if (config_.models) {
    const std::optional<double> scored = ScoreWithModels();
    record.detector = production_->model().version();  // after ScoreWithModels: it may swap
    if (!scored) {
      record.status = store::WindowStatus::kRejected;
      ++stats_.windows_rejected;
      out.windows.push_back(std::move(record));
      return;
    }
    score = *scored;
    AddSpectrum(window, out);
  } else {
    auto scored = detector_.Observe(feature_values_);
    if (!scored.ok() || !scored->has_value()) {
      record.status = store::WindowStatus::kLearning;
      ++stats_.windows_learning;
      out.windows.push_back(std::move(record));
      return;
    }
    score = (*scored)->score;
    record.top_feature = feature_names_[(*scored)->top_feature];
  }
  record.status = store::WindowStatus::kScored;
  record.score = score;
  ++stats_.windows_scored;
  stats_.last_score = score;

  const AlertLogic::Decision decision = alert_logic_.Update(score);
  ++windows_since_diagnosis_;
  if (open_alert_ && score > open_alert_->peak_score) {
    open_alert_->peak_score = score;
    open_alert_->top_feature = record.top_feature;
    // A fault that grows shows more clearly: diagnose again when the score has risen by half,
    // at most every kDiagnosisEveryWindows windows (the analysis costs ~500 FFTs).
    if (score > 1.5 * diagnosed_score_ && windows_since_diagnosis_ >= kDiagnosisEveryWindows) {
      DiagnoseOpenAlert(window);
      diagnosed_score_ = score;
    }
  }
  if (decision == AlertLogic::Decision::kOpen) {
    store::AlertRecord alert;
    alert.asset = asset_.id;
    alert.opened = window.end;
    alert.peak_score = score;
    alert.top_feature = record.top_feature;
    alert.detector = record.detector;
    alert.severity = std::string(SeverityName(alert_logic_.severity()));
    alert.evidence = record.features;  // the feature vector that opened it
    open_alert_ = alert;
    DiagnoseOpenAlert(window);
    diagnosed_score_ = score;
    alert.diagnosis = open_alert_->diagnosis;
    ++stats_.alerts_opened;
    if (!stats_.first_alert) stats_.first_alert = window.end;
    // Copied only here, once per alert: the evidence the caller stores with it.
    PipelineOutput::AlertChange change{decision, alert};
    change.evidence_waveform.assign(window.values.begin(), window.values.end());
    change.evidence_channel = vibration_channel_;
    change.evidence_start = window.start;
    change.evidence_rate_hz = window.sample_rate_hz;
    out.alert_changes.push_back(std::move(change));
  } else if (decision == AlertLogic::Decision::kEscalate && open_alert_) {
    open_alert_->severity = std::string(SeverityName(alert_logic_.severity()));
    out.alert_changes.push_back({decision, *open_alert_});
  } else if (decision == AlertLogic::Decision::kClear && open_alert_) {
    open_alert_->cleared = window.end;
    out.alert_changes.push_back({decision, *open_alert_});
    open_alert_.reset();
  }
  stats_.alert_active = alert_logic_.active();
  out.windows.push_back(std::move(record));
}

}  // namespace edgeloop::edge
