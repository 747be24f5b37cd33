// EdgeDaemon::Metrics: what /metrics serves, in Prometheus names and units.
#include "edge/edge_daemon.h"
#include "edge/uplink_batcher.h"
#include "uplink/uplink.h"

namespace edgeloop::edge {
namespace {

MetricFamily Family(std::string name, std::string help, MetricType type) {
  return MetricFamily{std::move(name), std::move(help), type, {}};
}

MetricFamily Single(std::string name, std::string help, MetricType type, double value) {
  MetricFamily f = Family(std::move(name), std::move(help), type);
  f.samples.push_back({{}, value});
  return f;
}

}  // namespace

std::vector<MetricFamily> EdgeDaemon::Metrics() const {
  const DaemonStatus s = Snapshot();
  const auto kC = MetricType::kCounter;
  const auto kG = MetricType::kGauge;
  std::vector<MetricFamily> out;
  out.push_back(
      Single("edgeloop_uptime_seconds", "Seconds since the daemon started.", kG, s.uptime_s));
  out.push_back(Single("edgeloop_inference_uptime_ratio",
                       "Share of windows decided within one window length of their last sample.",
                       kG, s.inference_uptime));
  MetricFamily windows = Family("edgeloop_windows_total", "Feature windows by outcome.", kC);
  MetricFamily samples = Family("edgeloop_samples_total", "Samples received per asset.", kC);
  MetricFamily quarantined =
      Family("edgeloop_quarantined_samples_total", "Samples the quality gate held back.", kC);
  MetricFamily alerts = Family("edgeloop_alerts_opened_total", "Alerts opened per asset.", kC);
  MetricFamily active = Family("edgeloop_alert_active", "1 while an alert is open.", kG);
  MetricFamily score = Family("edgeloop_last_score", "Latest window score (normalized).", kG);
  MetricFamily errors =
      Family("edgeloop_score_errors_total", "Windows a model failed to score, by role.", kC);
  for (const auto& [asset, a] : s.agent.assets) {
    windows.samples.push_back({{{"asset", asset}, {"status", "scored"}}, double(a.windows_scored)});
    windows.samples.push_back(
        {{{"asset", asset}, {"status", "learning"}}, double(a.windows_learning)});
    windows.samples.push_back(
        {{{"asset", asset}, {"status", "rejected"}}, double(a.windows_rejected)});
    samples.samples.push_back({{{"asset", asset}}, double(a.samples)});
    quarantined.samples.push_back({{{"asset", asset}}, double(a.quarantined_samples)});
    alerts.samples.push_back({{{"asset", asset}}, double(a.alerts_opened)});
    active.samples.push_back({{{"asset", asset}}, a.alert_active ? 1.0 : 0.0});
    score.samples.push_back({{{"asset", asset}}, a.last_score});
    errors.samples.push_back(
        {{{"asset", asset}, {"role", "production"}}, double(a.windows_score_errors)});
    errors.samples.push_back(
        {{{"asset", asset}, {"role", "shadow"}}, double(a.shadow_score_errors)});
  }
  for (MetricFamily* f : {&windows, &samples, &quarantined, &alerts, &active, &score, &errors}) {
    out.push_back(std::move(*f));
  }

  MetricFamily messages = Family("edgeloop_source_messages_total", "Messages accepted.", kC);
  MetricFamily values = Family("edgeloop_source_values_total", "Sample values accepted.", kC);
  MetricFamily rejected =
      Family("edgeloop_source_rejected_total", "Messages refused, by source and reason.", kC);
  for (const auto& [name, c] : s.sources) {
    messages.samples.push_back({{{"source", name}}, double(c.messages)});
    values.samples.push_back({{{"source", name}}, double(c.values)});
    for (const auto& [reason, n] : c.rejected) {
      rejected.samples.push_back({{{"source", name}, {"reason", reason}}, double(n)});
    }
  }
  out.push_back(std::move(messages));
  out.push_back(std::move(values));
  out.push_back(std::move(rejected));

  out.push_back(Single("edgeloop_queue_depth", "Batch groups waiting for the workers.", kG,
                       double(s.agent.queue_depth)));
  out.push_back(Single("edgeloop_queue_backpressure_waits_total",
                       "Times a source waited for room in a worker queue.", kC,
                       double(s.agent.queue_backpressure_waits)));
  out.push_back(Single("edgeloop_batches_refused_total",
                       "Sample batches refused (unknown asset, wrong rate, ...).", kC,
                       double(s.agent.batches_refused)));
  MetricFamily latency = Family("edgeloop_window_latency_ms",
                                "Time from a batch's arrival to its window's decision.", kG);
  latency.samples.push_back({{{"quantile", "0.5"}}, s.agent.latency.p50_ms});
  latency.samples.push_back({{{"quantile", "0.99"}}, s.agent.latency.p99_ms});
  out.push_back(std::move(latency));

  MetricFamily models = Family("edgeloop_model_info", "The model versions running (value 1).", kG);
  for (const auto& [key, version] : s.model_versions) {
    const size_t slash = key.rfind('/');
    models.samples.push_back(
        {{{"group", key.substr(0, slash)}, {"role", key.substr(slash + 1)}, {"version", version}},
         1.0});
  }
  out.push_back(std::move(models));
  out.push_back(Single("edgeloop_model_swaps_total", "Models swapped in while running.", kC,
                       double(model_swaps_)));
  out.push_back(Single("edgeloop_model_swap_failures_total",
                       "Model swaps refused (checksum, schema, load); the old model stayed.", kC,
                       double(model_swap_failures_)));
  out.push_back(
      Single("edgeloop_drift_events_total", "Drift events raised.", kC, double(s.drift_events)));
  out.push_back(Single("edgeloop_alerts_published_total", "Alerts published on MQTT.", kC,
                       double(s.alerts_published)));
  out.push_back(Single("edgeloop_snapshots_stored_total", "Evidence waveforms stored.", kC,
                       double(s.snapshots_stored)));
  if (outbox_) {
    out.push_back(Single("edgeloop_outbox_pending_batches", "Batches waiting for the hub.", kG,
                         double(s.outbox_pending)));
    out.push_back(Single("edgeloop_outbox_dropped_batches_total",
                         "Batches dropped unsent because of the outbox disk budget.", kC,
                         double(s.outbox_dropped)));
    const uplink::UplinkStats us = uplink_->stats();
    out.push_back(Single("edgeloop_uplink_acked_batches_total", "Batches the hub acknowledged.", kC,
                         double(us.acked)));
    out.push_back(Single("edgeloop_uplink_failures_total", "Failed uplink attempts (retried).", kC,
                         double(us.transient_failures)));
    out.push_back(Single("edgeloop_uplink_parked_batches_total",
                         "Batches the hub refused for good (parked).", kC, double(us.parked)));
    const UplinkBatcherStats bs = batcher_->stats();
    out.push_back(Single("edgeloop_uplink_records_total", "Records queued for the hub.", kC,
                         double(bs.records)));
    out.push_back(Single("edgeloop_uplink_batch_errors_total",
                         "Batches that could not be written to the outbox (records stay in the "
                         "local store only).",
                         kC, double(bs.append_errors)));
    out.push_back(Single("edgeloop_desired_revision", "Applied desired-state revision (-1: none).",
                         kG, double(s.desired_revision)));
  }
  return out;
}

}  // namespace edgeloop::edge
