#include "drift/drift_monitor.h"

#include <cmath>
#include <limits>
#include <utility>

#include "drift/statistics.h"

namespace edgeloop::drift {

std::string_view DriftKindName(DriftKind kind) {
  switch (kind) {
    case DriftKind::kFeaturePsi:
      return "feature_psi";
    case DriftKind::kFeatureJs:
      return "feature_js";
    case DriftKind::kSpectrumJs:
      return "spectrum_js";
    case DriftKind::kScorePageHinkley:
      return "score_page_hinkley";
  }
  return "unknown";
}

Result<DriftMonitor> DriftMonitor::Create(std::string asset, const model::ModelMetadata& metadata,
                                          const DriftMonitorOptions& options) {
  if (options.window_capacity == 0 || options.evaluate_every == 0) {
    return InvalidArgument("drift monitor window_capacity and evaluate_every must be > 0");
  }
  if (!(options.psi_threshold > 0) || !(options.js_threshold > 0) ||
      !(options.spectrum_js_threshold > 0)) {
    return InvalidArgument("drift thresholds must be > 0");
  }
  if (!(options.clear_ratio > 0 && options.clear_ratio <= 1)) {
    return InvalidArgument("drift clear_ratio must be in (0, 1]");
  }
  if (metadata.features.empty()) {
    return FailedPrecondition("model metadata lists no features: cannot monitor drift");
  }
  if (metadata.reference_histograms.empty()) {
    return FailedPrecondition(
        "model metadata has no reference histograms: cannot monitor feature drift (retrain "
        "with Edgeloop to record them)");
  }
  if (metadata.reference_histograms.size() != metadata.features.size()) {
    return InvalidArgument(
        "model metadata has " + std::to_string(metadata.reference_histograms.size()) +
        " reference histograms for " + std::to_string(metadata.features.size()) + " features");
  }
  for (size_t i = 0; i < metadata.reference_histograms.size(); ++i) {
    EL_RETURN_IF_ERROR(
        ValidateHistogram(metadata.reference_histograms[i])
            .WithContext("reference histogram of '" + metadata.features[i].name + "'"));
  }
  if (!metadata.reference_spectrum.empty()) {
    if (!(metadata.reference_spectrum_bin_hz > 0) ||
        !std::isfinite(metadata.reference_spectrum_bin_hz)) {
      return InvalidArgument("reference spectrum bin width must be positive and finite");
    }
    for (double v : metadata.reference_spectrum) {
      if (!std::isfinite(v) || v < 0) {
        return InvalidArgument("reference spectrum has a negative or non-finite value");
      }
    }
  }
  EL_ASSIGN_OR_RETURN(PageHinkley ph, PageHinkley::Create(options.score_ph));
  return DriftMonitor(std::move(asset), metadata, options, std::move(ph));
}

DriftMonitor::DriftMonitor(std::string asset, const model::ModelMetadata& metadata,
                           const DriftMonitorOptions& options, PageHinkley ph)
    : asset_(std::move(asset)),
      options_(options),
      references_(metadata.reference_histograms),
      reference_spectrum_(metadata.reference_spectrum),
      reference_spectrum_bin_hz_(metadata.reference_spectrum_bin_hz),
      ph_(std::move(ph)),
      last_spectrum_js_(std::numeric_limits<double>::quiet_NaN()) {
  for (const auto& f : metadata.features) feature_names_.push_back(f.name);
  const size_t n = feature_names_.size();
  ring_.assign(options_.window_capacity * n, 0.0);
  last_psi_.assign(n, std::numeric_limits<double>::quiet_NaN());
  last_js_ = last_psi_;
  psi_active_.assign(n, 0);
  js_active_.assign(n, 0);
}

Status DriftMonitor::CheckSpectrum(const DriftObservation& obs) const {
  if (obs.spectrum.empty()) return Status::Ok();
  if (reference_spectrum_.empty()) {
    return FailedPrecondition(
        "model metadata has no reference spectrum: cannot monitor "
        "spectrum drift");
  }
  if (!(obs.spectrum_bin_hz > 0) || !std::isfinite(obs.spectrum_bin_hz)) {
    return InvalidArgument("spectrum bin width must be positive and finite");
  }
  for (double v : obs.spectrum) {
    if (!std::isfinite(v) || v < 0) {
      return InvalidArgument("spectrum has a negative or non-finite value");
    }
  }
  return Status::Ok();
}

Result<std::vector<DriftEvent>> DriftMonitor::Add(const DriftObservation& obs) {
  const size_t n = feature_names_.size();
  if (obs.features.size() != n) {
    return InvalidArgument("drift monitor for '" + asset_ + "' expects " + std::to_string(n) +
                           " features, got " + std::to_string(obs.features.size()));
  }
  EL_RETURN_IF_ERROR(CheckSpectrum(obs));

  std::vector<DriftEvent> events;
  ++window_count_;
  std::copy(obs.features.begin(), obs.features.end(),
            ring_.begin() + static_cast<std::ptrdiff_t>(ring_next_ * n));
  ring_next_ = (ring_next_ + 1) % options_.window_capacity;
  ring_size_ = std::min(ring_size_ + 1, options_.window_capacity);

  if (!obs.spectrum.empty()) {
    // A changed grid (other FFT size or rate) cannot be averaged with the old one: start over.
    if (obs.spectrum.size() != spectrum_sum_.size() ||
        obs.spectrum_bin_hz != spectrum_sum_bin_hz_) {
      spectrum_sum_.assign(obs.spectrum.size(), 0.0);
      spectrum_sum_bin_hz_ = obs.spectrum_bin_hz;
      spectrum_windows_ = 0;
    }
    for (size_t i = 0; i < obs.spectrum.size(); ++i) spectrum_sum_[i] += obs.spectrum[i];
    ++spectrum_windows_;
  }

  if (options_.monitor_scores && obs.score.has_value()) {
    PhAlarm alarm = ph_.Update(*obs.score);
    if (alarm != PhAlarm::kNone) {
      events.push_back(
          {DriftKind::kScorePageHinkley, alarm == PhAlarm::kIncrease ? "increase" : "decrease",
           ph_.last_alarm_statistic(), options_.score_ph.lambda, window_count_, obs.time});
    }
  }

  if (++since_evaluation_ >= options_.evaluate_every) {
    since_evaluation_ = 0;
    EL_RETURN_IF_ERROR(Evaluate(obs, &events));
  }
  return events;
}

void DriftMonitor::Edge(DriftKind kind, const std::string& feature, double value, double threshold,
                        bool* active, const DriftObservation& obs,
                        std::vector<DriftEvent>* events) const {
  if (!*active && value > threshold) {
    *active = true;
    events->push_back({kind, feature, value, threshold, window_count_, obs.time});
  } else if (*active && value < options_.clear_ratio * threshold) {
    *active = false;
  }
}

Status DriftMonitor::Evaluate(const DriftObservation& obs, std::vector<DriftEvent>* events) {
  const size_t n = feature_names_.size();
  if (ring_size_ == options_.window_capacity) {
    std::vector<double> column(ring_size_);
    for (size_t f = 0; f < n; ++f) {
      for (size_t r = 0; r < ring_size_; ++r) column[r] = ring_[r * n + f];
      auto psi = Psi(references_[f], column);
      auto js = JsDivergence(references_[f], column);
      // All values non-finite (a dead sensor) is the quality gate's finding, not drift.
      if (psi.status().code() == StatusCode::kFailedPrecondition) continue;
      EL_RETURN_IF_ERROR(psi.status());
      EL_RETURN_IF_ERROR(js.status());
      last_psi_[f] = *psi;
      last_js_[f] = *js;
      bool active = psi_active_[f] != 0;
      Edge(DriftKind::kFeaturePsi, feature_names_[f], *psi, options_.psi_threshold, &active, obs,
           events);
      psi_active_[f] = active;
      active = js_active_[f] != 0;
      Edge(DriftKind::kFeatureJs, feature_names_[f], *js, options_.js_threshold, &active, obs,
           events);
      js_active_[f] = active;
    }
  }
  if (spectrum_windows_ > 0) {
    auto js = SpectrumJsDivergence(reference_spectrum_, reference_spectrum_bin_hz_, spectrum_sum_,
                                   spectrum_sum_bin_hz_);
    spectrum_sum_.assign(spectrum_sum_.size(), 0.0);
    spectrum_windows_ = 0;
    // A silent window (no power) has no shape to compare; anything else is a real error.
    if (js.ok()) {
      last_spectrum_js_ = *js;
      Edge(DriftKind::kSpectrumJs, "", *js, options_.spectrum_js_threshold, &spectrum_active_, obs,
           events);
    } else if (js.status().code() != StatusCode::kFailedPrecondition) {
      return js.status();
    }
  }
  return Status::Ok();
}

}  // namespace edgeloop::drift
