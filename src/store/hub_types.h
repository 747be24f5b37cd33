// Records the hub stores (see hub_store.h). Plain structs; times are Unix milliseconds UTC.
// Every record belongs to one tenant; the store never returns another tenant's rows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace edgeloop::store {

using TimeMs = int64_t;

enum class Role {
  kAdmin,
  kEdgeEngineer,
  kDataSteward,
  kMlEngineer,
  kDomainValidator,
  kTechnician,
  kViewer,
  kNode,  // an enrolled gateway's token
};
// "admin", "edge-engineer", "data-steward", "ml-engineer", "domain-validator", "technician",
// "viewer", "node".
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);

struct Tenant {
  int64_t id = 0;
  std::string name;  // unique
  TimeMs created = 0;
};

// A bearer token. Only its SHA-256 (hex) is stored; the secret is shown once at creation.
struct TokenRecord {
  int64_t id = 0;
  int64_t tenant = 0;
  std::string name;  // who/what it is for, e.g. "alice" or "node gw-1"
  Role role = Role::kViewer;
  std::string node;  // the node id for Role::kNode, else empty
  std::string hash;  // SHA-256 hex of the secret
  TimeMs created = 0;
  std::optional<TimeMs> expires;
  bool revoked = false;
};

// A one-time enrollment token: an admin/edge-engineer creates it for a node id; the node
// exchanges it (once, before `expires`) for a node token.
struct EnrollmentRecord {
  int64_t id = 0;
  int64_t tenant = 0;
  std::string node;   // node id the enrollment creates
  std::string site;   // optional site id
  std::string group;  // optional deployment group label, e.g. "line-1"
  std::string hash;   // SHA-256 hex of the secret
  TimeMs created = 0;
  TimeMs expires = 0;
  std::optional<TimeMs> used;
  std::string created_by;  // token name
};

struct NodeRecord {
  int64_t tenant = 0;
  std::string id;
  std::string site;
  std::string group;
  TimeMs enrolled = 0;
  std::optional<TimeMs> last_seen;  // last ingest or desired-state poll
  // From the latest heartbeat (absent before the first one).
  std::optional<TimeMs> last_heartbeat;
  std::string agent_version;
  double inference_uptime = 0;    // share of windows decided in time, last heartbeat
  std::string models_json;        // {"group/role": "version"} from the last heartbeat, or "{}"
  std::string heartbeat_json;     // the whole last heartbeat record, or "{}"
  int64_t desired_revision = -1;  // revision the node reports it runs
  int64_t batches = 0;            // distinct batches stored
  int64_t duplicates = 0;         // batches received again
  int64_t dropped_batches = 0;    // the node's own report of outbox budget drops
  int64_t max_seq = 0;
};

struct Site {
  int64_t tenant = 0;
  std::string id;  // slug, unique per tenant
  std::string name;
  std::string location;
};

struct Asset {
  int64_t tenant = 0;
  std::string id;  // unique per tenant, e.g. "pump-1"
  std::string site;
  std::string name;
  std::string kind;        // e.g. "centrifugal_pump"
  std::string attrs_json;  // free-form (shaft speed, bearing geometry...), "{}" by default
  TimeMs created = 0;
};

struct Channel {
  int64_t tenant = 0;
  std::string asset;
  std::string id;    // e.g. "vib_x"
  std::string kind;  // "waveform" or "scalar"
  std::string unit;
  double rate_hz = 0;
};

// ---- Ingest: decoded batch payloads (docs/protocol.md "Batch payload") ----

struct HubWindowRecord {
  std::string asset;
  TimeMs start = 0;
  TimeMs end = 0;
  std::string status;  // learning | scored | rejected
  std::string detector;
  std::optional<double> score;
  std::string top_feature;
  std::string features_json;  // {"name": number|null, ...}
};

struct AlertEventRecord {
  std::string event;  // opened | escalated | cleared
  int64_t node_alert_id = 0;
  std::string asset;
  TimeMs opened = 0;
  std::optional<TimeMs> cleared;
  double peak_score = 0;
  std::string severity;  // warning | critical
  std::string detector;
  std::string diagnosis;
  std::string top_feature;
  std::string evidence_json;  // "{}" when absent
};

struct HubQualityEventRecord {
  std::string asset;
  std::string channel;
  std::string rule;
  TimeMs start = 0;
  std::optional<TimeMs> end;
  bool ongoing = false;
  std::string detail;
};

struct DriftRecord {
  std::string asset;
  std::string model;
  std::string kind;
  std::string feature;
  double value = 0;
  double threshold = 0;
  int64_t window_count = 0;
  TimeMs time = 0;
};

struct HubShadowStatsRecord {
  std::string asset;
  std::string production;
  std::string shadow;
  TimeMs period_end = 0;
  std::string stats_json;
};

struct HeartbeatRecord {
  TimeMs time = 0;
  std::string version;
  double uptime_s = 0;
  double inference_uptime = 0;
  int64_t windows_decided = 0;
  double latency_p50_ms = 0;
  double latency_p99_ms = 0;
  std::string models_json = "{}";
  int64_t desired_revision = -1;
  std::string body_json = "{}";  // the whole record
};

struct DecodedBatch {
  int64_t seq = 0;
  int64_t payload_bytes = 0;
  TimeMs created = 0;  // the node's "created" stamp
  std::vector<HubWindowRecord> windows;
  std::vector<AlertEventRecord> alerts;
  std::vector<HubQualityEventRecord> quality;
  std::vector<DriftRecord> drift;
  std::vector<HubShadowStatsRecord> shadow_stats;
  std::vector<HeartbeatRecord> heartbeats;
};

struct IngestOutcome {
  std::vector<int64_t> stored;      // new batches, now durable
  std::vector<int64_t> duplicates;  // already held
  int64_t rows = 0;                 // records stored from the new batches
};

struct BatchInfo {
  int64_t tenant = 0;
  std::string node;
  int64_t seq = 0;
  TimeMs received = 0;
  TimeMs created = 0;
  int64_t payload_bytes = 0;
  int64_t windows = 0, alerts = 0, quality = 0, drift = 0, shadow_stats = 0, heartbeats = 0;
};

// ---- Alerts ----

enum class AlertState { kOpen, kAcknowledged, kResolved };
std::string_view AlertStateName(AlertState s);  // open | acknowledged | resolved
std::optional<AlertState> ParseAlertState(std::string_view name);

struct Annotation {
  int64_t id = 0;
  int64_t alert = 0;
  std::string label;       // confirmed_fault | false_positive | unsure
  std::string fault_type;  // with confirmed_fault, e.g. "outer_race"
  double downtime_avoided_h = 0;
  std::string comment;
  std::string author;  // token name
  TimeMs created = 0;
};

struct Alert {
  int64_t id = 0;  // hub-wide id
  int64_t tenant = 0;
  std::string node;
  int64_t node_alert_id = 0;
  std::string asset;
  TimeMs opened = 0;
  std::optional<TimeMs> cleared;  // the node cleared it (condition gone)
  double peak_score = 0;
  std::string severity;
  std::string detector;
  std::string diagnosis;
  std::string top_feature;
  std::string evidence_json;
  AlertState state = AlertState::kOpen;
  std::optional<TimeMs> acknowledged;
  std::string acknowledged_by;
  std::optional<TimeMs> resolved;
  std::string resolved_by;
  int64_t batch_seq = 0;                // lineage: the batch that first reported it
  std::vector<Annotation> annotations;  // filled by GetAlert, not by ListAlerts
};

struct AlertFilter {
  std::string asset;  // empty: any
  std::string node;
  std::optional<AlertState> state;
  std::string severity;
  std::optional<TimeMs> from, to;    // on `opened`
  std::optional<int64_t> batch_seq;  // with node: alerts first reported by that batch
  int64_t limit = 100;
  std::optional<int64_t> before_id;  // paging: ids < before_id, newest first
};

// ---- Models and deployments ----

struct ModelVersion {
  int64_t id = 0;
  int64_t tenant = 0;
  std::string name;
  int64_t version = 0;  // 1, 2, ... per tenant + name, assigned by the store
  std::string sha256;
  int64_t size = 0;
  std::string signature;      // optional base64 Ed25519
  std::string trainer;        // from metadata, may be empty
  std::string metadata_json;  // the model's edgeloop metadata, "{}" if none
  std::optional<int64_t> parent_version;
  std::string created_by;
  TimeMs created = 0;
};

enum class DeploymentRole { kProduction, kShadow, kCanary };
std::string_view DeploymentRoleName(DeploymentRole r);
std::optional<DeploymentRole> ParseDeploymentRole(std::string_view name);

enum class DeploymentState { kActive, kSuperseded, kRolledBack };
std::string_view DeploymentStateName(DeploymentState s);  // active | superseded | rolled_back
std::optional<DeploymentState> ParseDeploymentState(std::string_view name);

struct Deployment {
  int64_t id = 0;
  int64_t tenant = 0;
  std::string model;
  int64_t version = 0;
  std::string group;                      // the edge model group it fills, e.g. "pump-bearing"
  std::vector<std::string> target_nodes;  // explicit node ids, or
  std::string target_group;               // every node with this group label
  DeploymentRole role = DeploymentRole::kProduction;
  int canary_percent = 0;  // with kCanary: share of the targets, 1..100
  DeploymentState state = DeploymentState::kActive;
  std::string created_by;
  TimeMs created = 0;
  std::optional<int64_t> replaces;  // deployment it superseded (for roll back)
};

// ---- Aggregates ----

struct FeatureBucket {
  TimeMs start = 0;
  int64_t count = 0;
  double mean = 0, min = 0, max = 0;
};

struct QualityCount {
  std::string asset;
  std::string channel;
  std::string rule;
  int64_t events = 0;
  int64_t ongoing = 0;
  TimeMs last = 0;
};

struct HeartbeatSummary {
  std::string node;
  int64_t heartbeats = 0;
  double mean_inference_uptime = 0;
  double min_inference_uptime = 0;
  TimeMs first = 0, last = 0;
};

}  // namespace edgeloop::store
