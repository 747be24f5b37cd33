// SqlHubStore: ingest of decoded batches (one transaction per call) and batch lookup.
//
// Speed matters here (the hub's ingest is benchmarked against raw batched inserts): records go
// in as multi-row INSERTs of up to kMaxChunk rows whose texts repeat, so each connection
// prepares them once, and PostgreSQL sees one round trip per chunk rather than per row.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "store/hub_sql_rows.h"
#include "store/hub_sql_store.h"

namespace edgeloop::store {
namespace {

using hub_sql::ForEachChunk;
using hub_sql::MultiRowInsertTexts;

// Every record table starts with (tenant, node, batch_seq), bound once per statement as $1..$3.
constexpr int kShared = 3;

const MultiRowInsertTexts& WindowTexts() {
  static const MultiRowInsertTexts texts(
      "windows",
      "tenant, node, batch_seq, asset, start_ms, end_ms, status, detector, score, top_feature, "
      "features",
      kShared, 8);
  return texts;
}
const MultiRowInsertTexts& QualityTexts() {
  static const MultiRowInsertTexts texts(
      "quality_events",
      "tenant, node, batch_seq, asset, channel, rule, start_ms, end_ms, ongoing, detail", kShared,
      7);
  return texts;
}
const MultiRowInsertTexts& DriftTexts() {
  static const MultiRowInsertTexts texts(
      "drift_events",
      "tenant, node, batch_seq, asset, model, kind, feature, value, threshold, window_count, "
      "time_ms",
      kShared, 8);
  return texts;
}
const MultiRowInsertTexts& ShadowTexts() {
  static const MultiRowInsertTexts texts(
      "shadow_stats", "tenant, node, batch_seq, asset, production, shadow, period_end, stats",
      kShared, 5);
  return texts;
}
const MultiRowInsertTexts& HeartbeatTexts() {
  static const MultiRowInsertTexts texts(
      "heartbeats",
      "tenant, node, batch_seq, time_ms, version, uptime_s, inference_uptime, windows_decided, "
      "latency_p50_ms, latency_p99_ms, models, desired_revision, body",
      kShared, 10);
  return texts;
}
// Assets named by records: (tenant, site, created) shared, the id per row.
const MultiRowInsertTexts& AssetTexts() {
  static const MultiRowInsertTexts texts("assets", "tenant, site, created, id", 3, 1,
                                         "ON CONFLICT (tenant, id) DO NOTHING");
  return texts;
}

// NOT NULL number columns: a non-finite value (the protocol sends null for those) becomes 0,
// which both engines store alike (SQLite would turn NaN into NULL and fail the constraint).
double Finite(double v) { return std::isfinite(v) ? v : 0.0; }

// Inserts `records` in chunks; `append(params, record)` adds one row's per-row values.
template <typename R, typename Append>
Status InsertRecords(SqlConn& conn, const MultiRowInsertTexts& texts,
                     const std::vector<SqlValue>& shared, const std::vector<R>& records,
                     Append append) {
  std::vector<SqlValue> params;
  return ForEachChunk(records.size(), [&](size_t begin, size_t count) -> Status {
    params.clear();
    params.reserve(shared.size() + count * static_cast<size_t>(texts.per_row()));
    params.insert(params.end(), shared.begin(), shared.end());
    for (size_t i = begin; i < begin + count; ++i) append(params, records[i]);
    return conn.Exec(texts.For(count), params).status();
  });
}

// Alert events upsert the alert keyed by (tenant, node, node_alert_id). An event may arrive
// before the one that opened the alert (batches are delivered out of order after a resend), so
// each event inserts the row if missing, and updates only what it is the authority for. Peak
// score and severity only grow; batch_seq keeps the earliest batch (lineage). The human state
// (state, acknowledged, resolved) is never touched by ingest.
constexpr std::string_view kAlertInsert =
    "INSERT INTO alerts (tenant, node, node_alert_id, asset, opened, cleared, peak_score, "
    "severity, detector, diagnosis, top_feature, evidence, batch_seq) VALUES ($1, $2, $3, $4, $5, "
    "$6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (tenant, node, node_alert_id) DO UPDATE SET ";
constexpr std::string_view kAlertMonotone =
    "peak_score = CASE WHEN alerts.peak_score > excluded.peak_score THEN alerts.peak_score "
    "ELSE excluded.peak_score END, "
    "severity = CASE WHEN alerts.severity = 'critical' OR excluded.severity = 'critical' "
    "THEN 'critical' ELSE excluded.severity END, "
    "batch_seq = CASE WHEN alerts.batch_seq < excluded.batch_seq THEN alerts.batch_seq "
    "ELSE excluded.batch_seq END";

const std::string& AlertSql(std::string_view event) {
  static const std::string opened =
      std::string(kAlertInsert) +
      "asset = excluded.asset, opened = excluded.opened, detector = excluded.detector, "
      "diagnosis = excluded.diagnosis, top_feature = excluded.top_feature, "
      "evidence = excluded.evidence, " +
      std::string(kAlertMonotone);
  static const std::string escalated = std::string(kAlertInsert) + std::string(kAlertMonotone);
  static const std::string cleared = std::string(kAlertInsert) +
                                     "cleared = COALESCE(excluded.cleared, alerts.cleared), " +
                                     std::string(kAlertMonotone);
  if (event == "opened") return opened;
  if (event == "escalated") return escalated;
  return cleared;
}

Status UpsertAlert(SqlConn& conn, int64_t tenant, const std::string& node, const DecodedBatch& b,
                   const AlertEventRecord& a) {
  if (a.event != "opened" && a.event != "escalated" && a.event != "cleared") {
    return InvalidArgument("batch " + std::to_string(b.seq) + ": alert " +
                           std::to_string(a.node_alert_id) + " has an unknown event");
  }
  // Only a "cleared" event ends the alert; one without a time ends it when the batch was cut.
  SqlValue cleared = std::monostate{};
  if (a.event == "cleared") cleared = a.cleared.value_or(b.created);
  return conn
      .Exec(AlertSql(a.event),
            {tenant, node, a.node_alert_id, a.asset, a.opened, cleared, Finite(a.peak_score),
             a.severity.empty() ? std::string("warning") : a.severity, a.detector, a.diagnosis,
             a.top_feature, hub_sql::JsonOr(a.evidence_json, "{}"), b.seq})
      .status();
}

// Every asset id a batch names must be a valid id: they become asset rows.
Status CollectAssets(const DecodedBatch& b, std::set<std::string>& assets) {
  auto add = [&](const std::string& asset, std::string_view kind) -> Status {
    if (!assets.contains(asset)) {
      Status s = hub_sql::ValidateId("asset id", asset);
      if (!s.ok()) {
        return s.WithContext("batch " + std::to_string(b.seq) + ": " + std::string(kind));
      }
      assets.insert(asset);
    }
    return Status::Ok();
  };
  for (const auto& r : b.windows) EL_RETURN_IF_ERROR(add(r.asset, "window"));
  for (const auto& r : b.alerts) EL_RETURN_IF_ERROR(add(r.asset, "alert"));
  for (const auto& r : b.quality) EL_RETURN_IF_ERROR(add(r.asset, "quality_event"));
  for (const auto& r : b.drift) EL_RETURN_IF_ERROR(add(r.asset, "drift"));
  for (const auto& r : b.shadow_stats) EL_RETURN_IF_ERROR(add(r.asset, "shadow_stats"));
  return Status::Ok();
}

Status InsertBatchRecords(SqlConn& conn, int64_t tenant, const std::string& node,
                          const DecodedBatch& b) {
  const std::vector<SqlValue> shared = {tenant, node, b.seq};
  EL_RETURN_IF_ERROR(InsertRecords(conn, WindowTexts(), shared, b.windows,
                                   [](std::vector<SqlValue>& p, const HubWindowRecord& w) {
                                     p.emplace_back(w.asset);
                                     p.emplace_back(w.start);
                                     p.emplace_back(w.end);
                                     p.emplace_back(w.status);
                                     p.emplace_back(w.detector);
                                     p.emplace_back(hub_sql::OptDouble(w.score));
                                     p.emplace_back(w.top_feature);
                                     p.emplace_back(hub_sql::JsonOr(w.features_json, "{}"));
                                   }));
  EL_RETURN_IF_ERROR(InsertRecords(conn, QualityTexts(), shared, b.quality,
                                   [](std::vector<SqlValue>& p, const HubQualityEventRecord& q) {
                                     p.emplace_back(q.asset);
                                     p.emplace_back(q.channel);
                                     p.emplace_back(q.rule);
                                     p.emplace_back(q.start);
                                     p.emplace_back(hub_sql::OptInt(q.end));
                                     p.emplace_back(int64_t{q.ongoing ? 1 : 0});
                                     p.emplace_back(q.detail);
                                   }));
  EL_RETURN_IF_ERROR(InsertRecords(conn, DriftTexts(), shared, b.drift,
                                   [](std::vector<SqlValue>& p, const DriftRecord& d) {
                                     p.emplace_back(d.asset);
                                     p.emplace_back(d.model);
                                     p.emplace_back(d.kind);
                                     p.emplace_back(d.feature);
                                     p.emplace_back(Finite(d.value));
                                     p.emplace_back(Finite(d.threshold));
                                     p.emplace_back(d.window_count);
                                     p.emplace_back(d.time);
                                   }));
  EL_RETURN_IF_ERROR(InsertRecords(conn, ShadowTexts(), shared, b.shadow_stats,
                                   [](std::vector<SqlValue>& p, const HubShadowStatsRecord& s) {
                                     p.emplace_back(s.asset);
                                     p.emplace_back(s.production);
                                     p.emplace_back(s.shadow);
                                     p.emplace_back(s.period_end);
                                     p.emplace_back(hub_sql::JsonOr(s.stats_json, "{}"));
                                   }));
  EL_RETURN_IF_ERROR(InsertRecords(conn, HeartbeatTexts(), shared, b.heartbeats,
                                   [](std::vector<SqlValue>& p, const HeartbeatRecord& h) {
                                     p.emplace_back(h.time);
                                     p.emplace_back(h.version);
                                     p.emplace_back(Finite(h.uptime_s));
                                     p.emplace_back(Finite(h.inference_uptime));
                                     p.emplace_back(h.windows_decided);
                                     p.emplace_back(Finite(h.latency_p50_ms));
                                     p.emplace_back(Finite(h.latency_p99_ms));
                                     p.emplace_back(hub_sql::JsonOr(h.models_json, "{}"));
                                     p.emplace_back(h.desired_revision);
                                     p.emplace_back(hub_sql::JsonOr(h.body_json, "{}"));
                                   }));
  for (const AlertEventRecord& a : b.alerts) {
    EL_RETURN_IF_ERROR(UpsertAlert(conn, tenant, node, b, a));
  }
  return Status::Ok();
}

Status CreateNamedAssets(SqlConn& conn, int64_t tenant, const std::string& site, TimeMs now,
                         const std::set<std::string>& assets) {
  // Sorted order (std::set), so concurrent ingests of one tenant lock new keys in one order.
  const std::vector<std::string> ids(assets.begin(), assets.end());
  const std::vector<SqlValue> shared = {tenant, site, now};
  return InsertRecords(conn, AssetTexts(), shared, ids,
                       [](std::vector<SqlValue>& p, const std::string& id) { p.emplace_back(id); });
}

}  // namespace

Result<IngestOutcome> SqlHubStore::Ingest(int64_t tenant, const std::string& node,
                                          int64_t dropped_batches,
                                          std::span<const DecodedBatch> batches, TimeMs now) {
  // Ascending seq: the node's own order (alert events apply in it), and overlapping requests
  // of one node take their batch-row locks in the same order.
  std::vector<size_t> order(batches.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return batches[a].seq < batches[b].seq; });

  IngestOutcome outcome;
  Status s = WithTransaction([&](SqlConn& conn) -> Status {
    outcome = IngestOutcome{};  // the driver may retry the body
    EL_ASSIGN_OR_RETURN(
        SqlResult n,
        conn.Exec("SELECT site FROM nodes WHERE tenant = $1 AND id = $2", {tenant, node}));
    if (n.rows.empty()) return NotFound("node " + node + " not found");
    const std::string site = n.rows[0].Text(0);

    std::set<std::string> assets;
    const HeartbeatRecord* newest = nullptr;
    int64_t max_seq = 0;
    for (size_t i : order) {
      const DecodedBatch& b = batches[i];
      max_seq = std::max(max_seq, b.seq);
      EL_ASSIGN_OR_RETURN(
          SqlResult inserted,
          conn.Exec("INSERT INTO batches (tenant, node, seq, received, created, payload_bytes, "
                    "windows, alerts, quality, drift, shadow_stats, heartbeats) VALUES ($1, $2, "
                    "$3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
                    "ON CONFLICT (tenant, node, seq) DO NOTHING RETURNING seq",
                    {tenant, node, b.seq, now, b.created, b.payload_bytes,
                     static_cast<int64_t>(b.windows.size()), static_cast<int64_t>(b.alerts.size()),
                     static_cast<int64_t>(b.quality.size()), static_cast<int64_t>(b.drift.size()),
                     static_cast<int64_t>(b.shadow_stats.size()),
                     static_cast<int64_t>(b.heartbeats.size())}));
      if (inserted.rows.empty()) {  // held already: a resend; its records are stored
        outcome.duplicates.push_back(b.seq);
        continue;
      }
      EL_RETURN_IF_ERROR(CollectAssets(b, assets));
      EL_RETURN_IF_ERROR(InsertBatchRecords(conn, tenant, node, b));
      for (const HeartbeatRecord& h : b.heartbeats) {
        if (newest == nullptr || h.time >= newest->time) newest = &h;
      }
      outcome.stored.push_back(b.seq);
      outcome.rows +=
          static_cast<int64_t>(b.windows.size() + b.alerts.size() + b.quality.size() +
                               b.drift.size() + b.shadow_stats.size() + b.heartbeats.size());
    }
    EL_RETURN_IF_ERROR(CreateNamedAssets(conn, tenant, site, now, assets));

    if (newest != nullptr) {
      // A heartbeat older than the stored one (a late resend) does not roll the status back.
      EL_RETURN_IF_ERROR(
          conn.Exec("UPDATE nodes SET last_heartbeat = $3, agent_version = $4, "
                    "inference_uptime = $5, models = $6, heartbeat = $7, desired_revision = $8 "
                    "WHERE tenant = $1 AND id = $2 AND (last_heartbeat IS NULL OR "
                    "last_heartbeat <= $3)",
                    {tenant, node, newest->time, newest->version, Finite(newest->inference_uptime),
                     hub_sql::JsonOr(newest->models_json, "{}"),
                     hub_sql::JsonOr(newest->body_json, "{}"), newest->desired_revision})
              .status());
    }
    return conn
        .Exec(
            "UPDATE nodes SET "
            "last_seen = CASE WHEN last_seen IS NULL OR last_seen < $3 "
            "THEN CAST($3 AS BIGINT) ELSE last_seen END, "
            "batches = batches + $4, duplicates = duplicates + $5, "
            "max_seq = CASE WHEN max_seq < $6 THEN CAST($6 AS BIGINT) ELSE max_seq END, "
            "dropped_batches = CASE WHEN dropped_batches < $7 THEN CAST($7 AS BIGINT) "
            "ELSE dropped_batches END "
            "WHERE tenant = $1 AND id = $2",
            {tenant, node, now, static_cast<int64_t>(outcome.stored.size()),
             static_cast<int64_t>(outcome.duplicates.size()), max_seq, dropped_batches})
        .status();
  });
  if (!s.ok()) return s;
  return outcome;
}

Result<BatchInfo> SqlHubStore::GetBatch(int64_t tenant, const std::string& node, int64_t seq) {
  BatchInfo info;
  Status s = WithConn([&](SqlConn& conn) -> Status {
    EL_ASSIGN_OR_RETURN(
        SqlResult r,
        conn.Exec("SELECT tenant, node, seq, received, created, payload_bytes, windows, alerts, "
                  "quality, drift, shadow_stats, heartbeats FROM batches "
                  "WHERE tenant = $1 AND node = $2 AND seq = $3",
                  {tenant, node, seq}));
    if (r.rows.empty()) {
      return NotFound("batch " + std::to_string(seq) + " of node " + node + " not found");
    }
    const SqlRow& row = r.rows[0];
    info = BatchInfo{.tenant = row.Int(0),
                     .node = row.Text(1),
                     .seq = row.Int(2),
                     .received = row.Int(3),
                     .created = row.Int(4),
                     .payload_bytes = row.Int(5),
                     .windows = row.Int(6),
                     .alerts = row.Int(7),
                     .quality = row.Int(8),
                     .drift = row.Int(9),
                     .shadow_stats = row.Int(10),
                     .heartbeats = row.Int(11)};
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return info;
}

}  // namespace edgeloop::store
