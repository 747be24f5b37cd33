#include "store/hub_schema.h"

namespace edgeloop::store {
namespace {

// Version 1: the whole model of docs/hub.md. Column names avoid words either engine reserves
// (group, end, time), hence grp, end_ms, time_ms.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE tenants (
  id {{id}},
  name TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL
);
CREATE TABLE tokens (
  id {{id}},
  tenant BIGINT NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  node TEXT NOT NULL DEFAULT '',
  hash TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  expires BIGINT,
  revoked BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX tokens_by_tenant ON tokens(tenant);
CREATE TABLE enrollments (
  id {{id}},
  tenant BIGINT NOT NULL REFERENCES tenants(id),
  node TEXT NOT NULL,
  site TEXT NOT NULL DEFAULT '',
  grp TEXT NOT NULL DEFAULT '',
  hash TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  expires BIGINT NOT NULL,
  used BIGINT,
  created_by TEXT NOT NULL DEFAULT ''
);
CREATE TABLE nodes (
  tenant BIGINT NOT NULL REFERENCES tenants(id),
  id TEXT NOT NULL,
  site TEXT NOT NULL DEFAULT '',
  grp TEXT NOT NULL DEFAULT '',
  enrolled BIGINT NOT NULL,
  last_seen BIGINT,
  last_heartbeat BIGINT,
  agent_version TEXT NOT NULL DEFAULT '',
  inference_uptime {{double}} NOT NULL DEFAULT 0,
  models {{json}} NOT NULL DEFAULT '{}',
  heartbeat {{json}} NOT NULL DEFAULT '{}',
  desired_revision BIGINT NOT NULL DEFAULT -1,
  batches BIGINT NOT NULL DEFAULT 0,
  duplicates BIGINT NOT NULL DEFAULT 0,
  dropped_batches BIGINT NOT NULL DEFAULT 0,
  max_seq BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant, id)
);
CREATE TABLE batches (
  tenant BIGINT NOT NULL,
  node TEXT NOT NULL,
  seq BIGINT NOT NULL,
  received BIGINT NOT NULL,
  created BIGINT NOT NULL,
  payload_bytes BIGINT NOT NULL,
  windows BIGINT NOT NULL DEFAULT 0,
  alerts BIGINT NOT NULL DEFAULT 0,
  quality BIGINT NOT NULL DEFAULT 0,
  drift BIGINT NOT NULL DEFAULT 0,
  shadow_stats BIGINT NOT NULL DEFAULT 0,
  heartbeats BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant, node, seq)
);
CREATE TABLE sites (
  tenant BIGINT NOT NULL REFERENCES tenants(id),
  id TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  location TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (tenant, id)
);
CREATE TABLE assets (
  tenant BIGINT NOT NULL REFERENCES tenants(id),
  id TEXT NOT NULL,
  site TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL DEFAULT '',
  attrs {{json}} NOT NULL DEFAULT '{}',
  created BIGINT NOT NULL,
  PRIMARY KEY (tenant, id)
);
CREATE TABLE channels (
  tenant BIGINT NOT NULL,
  asset TEXT NOT NULL,
  id TEXT NOT NULL,
  kind TEXT NOT NULL DEFAULT '',
  unit TEXT NOT NULL DEFAULT '',
  rate_hz {{double}} NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant, asset, id),
  FOREIGN KEY (tenant, asset) REFERENCES assets(tenant, id)
);
CREATE TABLE windows (
  id {{id}},
  tenant BIGINT NOT NULL,
  node TEXT NOT NULL,
  batch_seq BIGINT NOT NULL,
  asset TEXT NOT NULL,
  start_ms BIGINT NOT NULL,
  end_ms BIGINT NOT NULL,
  status TEXT NOT NULL,
  detector TEXT NOT NULL DEFAULT '',
  score {{double}},
  top_feature TEXT NOT NULL DEFAULT '',
  features {{json}} NOT NULL
);
CREATE INDEX windows_by_asset_time ON windows(tenant, asset, start_ms);
CREATE INDEX windows_by_batch ON windows(tenant, node, batch_seq);
CREATE TABLE alerts (
  id {{id}},
  tenant BIGINT NOT NULL,
  node TEXT NOT NULL,
  node_alert_id BIGINT NOT NULL,
  asset TEXT NOT NULL,
  opened BIGINT NOT NULL,
  cleared BIGINT,
  peak_score {{double}} NOT NULL DEFAULT 0,
  severity TEXT NOT NULL DEFAULT 'warning',
  detector TEXT NOT NULL DEFAULT '',
  diagnosis TEXT NOT NULL DEFAULT '',
  top_feature TEXT NOT NULL DEFAULT '',
  evidence {{json}} NOT NULL DEFAULT '{}',
  state TEXT NOT NULL DEFAULT 'open',
  acknowledged BIGINT,
  acknowledged_by TEXT NOT NULL DEFAULT '',
  resolved BIGINT,
  resolved_by TEXT NOT NULL DEFAULT '',
  batch_seq BIGINT NOT NULL,
  UNIQUE (tenant, node, node_alert_id)
);
CREATE INDEX alerts_by_opened ON alerts(tenant, opened);
CREATE TABLE annotations (
  id {{id}},
  tenant BIGINT NOT NULL,
  alert BIGINT NOT NULL REFERENCES alerts(id),
  label TEXT NOT NULL,
  fault_type TEXT NOT NULL DEFAULT '',
  downtime_avoided_h {{double}} NOT NULL DEFAULT 0,
  comment TEXT NOT NULL DEFAULT '',
  author TEXT NOT NULL DEFAULT '',
  created BIGINT NOT NULL
);
CREATE INDEX annotations_by_alert ON annotations(tenant, alert);
CREATE TABLE quality_events (
  id {{id}},
  tenant BIGINT NOT NULL,
  node TEXT NOT NULL,
  batch_seq BIGINT NOT NULL,
  asset TEXT NOT NULL,
  channel TEXT NOT NULL,
  rule TEXT NOT NULL,
  start_ms BIGINT NOT NULL,
  end_ms BIGINT,
  ongoing BIGINT NOT NULL DEFAULT 0,
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX quality_by_time ON quality_events(tenant, start_ms);
CREATE TABLE drift_events (
  id {{id}},
  tenant BIGINT NOT NULL,
  node TEXT NOT NULL,
  batch_seq BIGINT NOT NULL,
  asset TEXT NOT NULL,
  model TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL,
  feature TEXT NOT NULL DEFAULT '',
  value {{double}} NOT NULL,
  threshold {{double}} NOT NULL,
  window_count BIGINT NOT NULL DEFAULT 0,
  time_ms BIGINT NOT NULL
);
CREATE INDEX drift_by_asset_time ON drift_events(tenant, asset, time_ms);
CREATE TABLE shadow_stats (
  id {{id}},
  tenant BIGINT NOT NULL,
  node TEXT NOT NULL,
  batch_seq BIGINT NOT NULL,
  asset TEXT NOT NULL,
  production TEXT NOT NULL,
  shadow TEXT NOT NULL,
  period_end BIGINT NOT NULL,
  stats {{json}} NOT NULL
);
CREATE INDEX shadow_by_asset ON shadow_stats(tenant, asset, period_end);
CREATE TABLE heartbeats (
  id {{id}},
  tenant BIGINT NOT NULL,
  node TEXT NOT NULL,
  batch_seq BIGINT NOT NULL,
  time_ms BIGINT NOT NULL,
  version TEXT NOT NULL DEFAULT '',
  uptime_s {{double}} NOT NULL DEFAULT 0,
  inference_uptime {{double}} NOT NULL DEFAULT 0,
  windows_decided BIGINT NOT NULL DEFAULT 0,
  latency_p50_ms {{double}} NOT NULL DEFAULT 0,
  latency_p99_ms {{double}} NOT NULL DEFAULT 0,
  models {{json}} NOT NULL DEFAULT '{}',
  desired_revision BIGINT NOT NULL DEFAULT -1,
  body {{json}} NOT NULL DEFAULT '{}'
);
CREATE INDEX heartbeats_by_time ON heartbeats(tenant, time_ms);
CREATE TABLE models (
  id {{id}},
  tenant BIGINT NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  version BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  size BIGINT NOT NULL,
  signature TEXT NOT NULL DEFAULT '',
  trainer TEXT NOT NULL DEFAULT '',
  metadata {{json}} NOT NULL DEFAULT '{}',
  parent_version BIGINT,
  created_by TEXT NOT NULL DEFAULT '',
  created BIGINT NOT NULL,
  UNIQUE (tenant, name, version),
  UNIQUE (tenant, name, sha256)
);
CREATE INDEX models_by_sha ON models(tenant, sha256);
CREATE TABLE artifacts (
  tenant BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  bytes {{blob}} NOT NULL,
  PRIMARY KEY (tenant, sha256)
);
CREATE TABLE deployments (
  id {{id}},
  tenant BIGINT NOT NULL REFERENCES tenants(id),
  model TEXT NOT NULL,
  version BIGINT NOT NULL,
  grp TEXT NOT NULL,
  target_nodes {{json}} NOT NULL DEFAULT '[]',
  target_group TEXT NOT NULL DEFAULT '',
  role TEXT NOT NULL,
  canary_percent BIGINT NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'active',
  created_by TEXT NOT NULL DEFAULT '',
  created BIGINT NOT NULL,
  replaces BIGINT
);
CREATE INDEX deployments_by_state ON deployments(tenant, state);
CREATE TABLE deployment_revisions (
  tenant BIGINT PRIMARY KEY,
  revision BIGINT NOT NULL
);
)sql";

constexpr Migration kMigrations[] = {
    {1, "hub schema: tenants, tokens, nodes, ingest, assets, alerts, registry, deployments", kV1},
};

}  // namespace

std::span<const Migration> HubMigrations() { return kMigrations; }

}  // namespace edgeloop::store
