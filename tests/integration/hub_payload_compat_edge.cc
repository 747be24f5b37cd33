#include "tests/integration/hub_payload_compat_edge.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "edge/desired_state.h"
#include "edge/edge_daemon.h"
#include "edge/shadow_stats.h"
#include "edge/uplink_batcher.h"
#include "uplink/outbox.h"

namespace edgeloop::compat {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Timestamp AtMs(int64_t ms) { return FromNanos(ms * 1'000'000); }

}  // namespace

Result<std::string> EdgeBatchPayload() {
  EL_ASSIGN_OR_RETURN(auto outbox, uplink::Outbox::Open({.path = ":memory:"}));
  SimulatedClock clock(AtMs(kT0Ms));
  edge::UplinkBatcher batcher(*outbox, clock, {.node_id = kNode});

  store::WindowRecord w;
  w.asset = "pump-1";
  w.start = AtMs(kT0Ms - 1000);
  w.end = AtMs(kT0Ms);
  w.status = store::WindowStatus::kScored;
  w.score = 0.75;
  w.top_feature = "vib_x.kurtosis";
  w.detector = "bearing-pca@1a2b3c4d5e6f";
  w.features = {{"vib_x.rms", 1.25}, {"vib_x.kurtosis", 3.5}, {"temp.mean", kNaN}};
  batcher.Add(edge::WindowRecordJson(w));
  w.score = kNaN;
  batcher.Add(edge::WindowRecordJson(w));
  w.status = store::WindowStatus::kLearning;
  w.score.reset();
  w.top_feature.clear();
  w.detector = "baseline-robust-z/1";
  batcher.Add(edge::WindowRecordJson(w));

  store::AlertRecord a;
  a.id = 17;
  a.asset = "pump-1";
  a.opened = AtMs(kT0Ms - 500);
  a.peak_score = 2.5;
  a.top_feature = "vib_x.kurtosis";
  a.detector = "bearing-pca@1a2b3c4d5e6f";
  a.diagnosis = "outer_race (0.91)";
  a.severity = "critical";
  a.evidence = {{"vib_x.rms", 1.5}, {"temp.mean", kNaN}};
  batcher.Add(edge::AlertRecordJson(a, "opened"));
  a.cleared = AtMs(kT0Ms + 60'000);
  batcher.Add(edge::AlertRecordJson(a, "cleared"));

  store::QualityEventRecord q;
  q.asset = "pump-1";
  q.channel = "vib_x";
  q.rule = "stuck";
  q.start = AtMs(kT0Ms - 2000);
  q.end = AtMs(kT0Ms);
  q.ongoing = true;
  q.detail = "256 equal samples";
  batcher.Add(edge::QualityEventJson(q));

  // Drift and shadow statistics records are assembled inline by EdgeDaemon
  // (edge_daemon_report.cc); these follow it field for field.
  batcher.Add({{"type", "drift"},
               {"asset", "pump-1"},
               {"model", "bearing-pca@1a2b3c4d5e6f"},
               {"kind", "feature_psi"},
               {"feature", "vib_x.rms"},
               {"value", 0.42},
               {"threshold", 0.25},
               {"window_count", 600},
               {"time", FormatTimestamp(AtMs(kT0Ms))}});
  edge::ShadowStats stats;
  stats.SetModels("bearing-pca@1a2b3c4d5e6f", "bearing-iforest@abcdefabcdef");
  stats.Add(0.5, 0.5, 0.4, 0.4);
  stats.Add(1.5, 1.5, 1.2, 1.2);
  stats.Add(kNaN, kNaN, 0.1, 0.1);  // skipped
  batcher.Add({{"type", "shadow_stats"},
               {"asset", "pump-1"},
               {"production", stats.production_version()},
               {"shadow", stats.shadow_version()},
               {"period_end", FormatTimestamp(AtMs(kT0Ms))},
               {"stats", stats.ToJson()}});
  edge::DaemonStatus status;
  status.uptime_s = 3600.25;
  status.inference_uptime = 0.998;
  status.agent.windows_decided = 3600;
  status.agent.latency.p50_ms = 1.5;
  status.agent.latency.p99_ms = kNaN;
  status.model_versions = {{"pump-bearing/production", "bearing-pca@1a2b3c4d5e6f"}};
  status.desired_revision = 12;
  status.outbox_pending = 3;
  batcher.Add(edge::HeartbeatJson(status, AtMs(kT0Ms)));
  EL_RETURN_IF_ERROR(batcher.Flush());
  EL_ASSIGN_OR_RETURN(auto pending, outbox->Pending(10));
  if (pending.size() != 1) return Internal("expected one batch in the outbox");
  return pending[0].payload;
}

Result<std::vector<EdgeDesiredModel>> ParseDesiredWithEdge(const std::string& body,
                                                           int64_t* revision) {
  EL_ASSIGN_OR_RETURN(edge::DesiredState state, edge::ParseDesiredState(body));
  *revision = state.revision;
  std::vector<EdgeDesiredModel> out;
  for (const edge::DesiredModel& m : state.models) {
    out.push_back({m.group, std::string(edge::ModelRoleName(m.role)), m.version, m.sha256, m.url,
                   m.signature, m.size});
  }
  return out;
}

}  // namespace edgeloop::compat
