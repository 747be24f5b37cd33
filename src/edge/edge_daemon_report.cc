// EdgeDaemon's observers of the pipeline output (uplink records, evidence, drift, MQTT alerts)
// and its reports (status, heartbeat, Prometheus metrics).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "edge/desired_state.h"
#include "edge/edge_daemon.h"
#include "edge/edge_model.h"
#include "edge/uplink_batcher.h"
#include "ingest/mqtt_client.h"
#include "uplink/outbox.h"
#include "uplink/uplink.h"

namespace edgeloop::edge {

void EdgeDaemon::OnOutput(AssetPipeline& pipeline, const PipelineOutput& out) {
  if (batcher_) AddOutputRecords(*batcher_, out);
  for (const PipelineOutput::AlertChange& change : out.alert_changes) {
    const bool open = change.decision == AlertLogic::Decision::kOpen;
    if (open && !change.evidence_waveform.empty() && change.alert.id != 0) {
      store::SnapshotRecord snap;
      snap.alert_id = change.alert.id;
      snap.asset = change.alert.asset;
      snap.channel = change.evidence_channel;
      snap.start = change.evidence_start;
      snap.sample_rate_hz = change.evidence_rate_hz;
      snap.samples = change.evidence_waveform;
      auto id = agent_->WithStore([&](store::EdgeStore& s) { return s.InsertSnapshot(snap); });
      if (id.ok()) {
        ++snapshots_stored_;
      } else {
        spdlog::warn("edge {}: evidence snapshot of alert {}: {}", config_.node.id, change.alert.id,
                     id.status().ToString());
      }
    }
    if (alert_mqtt_) {
      const nlohmann::json record = AlertChangeJson(change.alert, change.decision);
      // QoS 1 by default: SCADA consumers must not miss an alert; a failure is counted by the
      // client and the alert is still in the store and on its way to the hub.
      if (alert_mqtt_
              ->Publish(config_.alerts_mqtt->topic + "/" + change.alert.asset, record.dump(),
                        config_.alerts_mqtt->qos, false)
              .ok()) {
        ++alerts_published_;
      }
    }
  }
  if (config_.drift.enabled) FeedDrift(pipeline, out);
}

void EdgeDaemon::FeedDrift(AssetPipeline& pipeline, const PipelineOutput& out) {
  const std::string& version = pipeline.stats().model_version;
  if (version.empty()) return;  // baseline detector: no reference to compare with
  DriftState& st = drift_.at(pipeline.asset().id);  // made for every asset at Build
  if (st.model_version != version) {
    st = DriftState{};
    st.model_version = version;
    std::shared_ptr<const EdgeModel> model = pipeline.production_model();
    if (!model || model->version() != version) return;  // swapped again meanwhile: next window
    auto monitor =
        drift::DriftMonitor::Create(pipeline.asset().id, model->metadata(), config_.drift.options);
    if (!monitor.ok()) {
      spdlog::warn("edge {}: no drift monitoring of {} with {}: {}", config_.node.id,
                   pipeline.asset().id, version, monitor.status().message());
      return;
    }
    for (const model::FeatureSpec& f : model->metadata().features) {
      const auto& names = pipeline.feature_names();
      st.feature_index.push_back(
          static_cast<size_t>(std::find(names.begin(), names.end(), f.name) - names.begin()));
    }
    st.monitor = std::make_unique<drift::DriftMonitor>(std::move(monitor).value());
  }
  if (!st.monitor) return;
  std::vector<double> features(st.feature_index.size());
  std::vector<store::DriftEventRecord> records;
  for (const store::WindowRecord& w : out.windows) {
    if (w.status != store::WindowStatus::kScored || w.detector != version) continue;
    for (size_t j = 0; j < features.size(); ++j)
      features[j] = w.features[st.feature_index[j]].second;
    drift::DriftObservation obs;
    obs.time = w.end;
    obs.features = features;
    obs.score = w.score;
    for (const PipelineOutput::WindowSpectrum& sp : out.spectra) {
      if (sp.end == w.end) {
        obs.spectrum = sp.power;
        obs.spectrum_bin_hz = sp.bin_hz;
      }
    }
    auto events = st.monitor->Add(obs);
    if (!events.ok()) {
      spdlog::warn("edge {}: drift monitor of {}: {}", config_.node.id, w.asset,
                   events.status().message());
      continue;
    }
    for (const drift::DriftEvent& e : *events) {
      spdlog::info("edge {}: DRIFT on {} ({}): {} {} = {:.3f} > {:.3f}", config_.node.id, w.asset,
                   version, drift::DriftKindName(e.kind), e.feature, e.value, e.threshold);
      records.push_back({w.asset, version, std::string(drift::DriftKindName(e.kind)), e.feature,
                         e.value, e.threshold, e.time});
      if (batcher_) {
        batcher_->Add({{"type", "drift"},
                       {"asset", w.asset},
                       {"model", version},
                       {"kind", drift::DriftKindName(e.kind)},
                       {"feature", e.feature},
                       {"value", e.value},
                       {"threshold", e.threshold},
                       {"window_count", e.window_count},
                       {"time", FormatTimestamp(e.time)}});
      }
    }
  }
  if (!records.empty()) {
    drift_events_ += records.size();
    Status s =
        agent_->WithStore([&](store::EdgeStore& db) { return db.AppendDriftEvents(records); });
    if (!s.ok()) spdlog::warn("edge {}: drift events: {}", config_.node.id, s.ToString());
  }
}

void EdgeDaemon::ReportShadowStats() {
  std::vector<store::ShadowStatsRecord> records;
  std::mutex mu;
  const Timestamp now = clock_.Now();
  agent_->ForEachPipeline([&](AssetPipeline& p) {
    ShadowStats& stats = p.shadow_stats();
    if (stats.n() == 0) return;
    nlohmann::json j = stats.ToJson();
    stats.Reset();
    std::lock_guard lock(mu);
    records.push_back(
        {p.asset().id, stats.production_version(), stats.shadow_version(), now, j.dump()});
  });
  if (records.empty()) return;
  Status s = agent_->WithStore([&](store::EdgeStore& db) { return db.AppendShadowStats(records); });
  if (!s.ok()) spdlog::warn("edge {}: shadow statistics: {}", config_.node.id, s.ToString());
  if (batcher_) {
    for (const store::ShadowStatsRecord& r : records) {
      batcher_->Add({{"type", "shadow_stats"},
                     {"asset", r.asset},
                     {"production", r.production_version},
                     {"shadow", r.shadow_version},
                     {"period_end", FormatTimestamp(r.period_end)},
                     {"stats", nlohmann::json::parse(r.stats_json)}});
    }
  }
}

DaemonStatus EdgeDaemon::Snapshot() const {
  DaemonStatus s;
  s.agent = agent_->Snapshot();
  for (const auto& src : sources_) s.sources[src->name()] = src->counters();
  for (const auto& [group, slots] : groups_) {
    if (auto m = slots->production.Get().model)
      s.model_versions[group + "/production"] = m->version();
    if (auto m = slots->shadow.Get().model) s.model_versions[group + "/shadow"] = m->version();
  }
  s.drift_events = drift_events_;
  s.alerts_published = alerts_published_;
  s.snapshots_stored = snapshots_stored_;
  if (outbox_) {
    if (auto os = outbox_->Stats(); os.ok()) {
      s.outbox_pending = os->pending;
      s.outbox_dropped = os->dropped_batches;
    }
  }
  if (uplink_) s.uplink_acked = uplink_->stats().acked;
  if (poller_) {
    const DesiredStatePollerStats ps = poller_->stats();
    s.desired_revision = ps.applied_revision;
    s.desired_error = ps.last_error;
  }
  s.uptime_s = std::chrono::duration<double>(clock_.Now() - started_).count();
  s.inference_uptime = InferenceUptime(s.agent);
  return s;
}

nlohmann::json EdgeDaemon::Heartbeat() const { return HeartbeatJson(Snapshot(), clock_.Now()); }

}  // namespace edgeloop::edge
