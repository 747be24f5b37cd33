// SqlHubStore: read-only aggregates over ingested records: feature windows with downsampling,
// quality-event counts, drift and shadow statistics, heartbeat summaries for the SLOs.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/hub_sql_store.h"

namespace edgeloop::store {
namespace {

constexpr int kMaxBuckets = 10000;
constexpr int64_t kMaxListLimit = 1000;

int64_t ClampLimit(int64_t limit) { return std::clamp<int64_t>(limit, 1, kMaxListLimit); }

Status CheckRange(TimeMs from, TimeMs to) {
  if (from > to) return InvalidArgument("time range ends before it starts (from > to)");
  return Status::Ok();
}

}  // namespace

Result<std::vector<FeatureBucket>> SqlHubStore::QueryFeature(int64_t tenant,
                                                             const std::string& asset,
                                                             const std::string& feature,
                                                             TimeMs from, TimeMs to, int buckets) {
  if (from >= to) return InvalidArgument("feature query needs from < to");
  if (feature.empty()) return InvalidArgument("feature query needs a feature name");
  const int64_t n = std::clamp(buckets, 1, kMaxBuckets);
  // The bucket index is computed in BIGINT as (start - from) * n / (to - from); refuse ranges
  // where that product could overflow (PostgreSQL would fail, SQLite would turn to REAL).
  int64_t span = 0;
  int64_t product = 0;
  if (__builtin_sub_overflow(to, from, &span) || __builtin_mul_overflow(span, n, &product)) {
    return InvalidArgument("feature query time range is too large");
  }
  std::vector<SqlValue> params{tenant, asset, from, to, n};
  std::string value;
  if (feature == "score") {
    value = "score";
  } else {
    params.push_back(feature);
    value = pool_->dialect().JsonNumber("features", 6);
  }
  // Results are cast to DOUBLE PRECISION so both engines hand back a double whatever the
  // JSON number type was (PostgreSQL would otherwise answer NUMERIC for integers).
  const std::string sql =
      "SELECT b, COUNT(v), CAST(AVG(v) AS DOUBLE PRECISION), CAST(MIN(v) AS DOUBLE PRECISION), "
      "CAST(MAX(v) AS DOUBLE PRECISION) FROM (SELECT CAST((start_ms - $3) * $5 / ($4 - $3) AS "
      "BIGINT) AS b, " +
      value +
      " AS v FROM windows WHERE tenant = $1 AND asset = $2 AND start_ms >= $3 AND start_ms < $4) "
      "w WHERE v IS NOT NULL GROUP BY b ORDER BY b";
  std::vector<FeatureBucket> out;
  EL_RETURN_IF_ERROR(WithConn([&](SqlConn& conn) -> Status {
    EL_ASSIGN_OR_RETURN(SqlResult r, conn.Exec(sql, params));
    out.reserve(r.rows.size());
    for (const SqlRow& row : r.rows) {
      const int64_t bucket = row.Int(0);
      out.push_back(FeatureBucket{.start = from + bucket * span / n,
                                  .count = row.Int(1),
                                  .mean = row.Double(2),
                                  .min = row.Double(3),
                                  .max = row.Double(4)});
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<std::string>> SqlHubStore::FeatureNames(int64_t tenant,
                                                           const std::string& asset) {
  std::vector<std::string> names;
  EL_RETURN_IF_ERROR(WithConn([&](SqlConn& conn) -> Status {
    EL_ASSIGN_OR_RETURN(SqlResult r,
                        conn.Exec("SELECT CAST(features AS TEXT) FROM windows WHERE tenant = $1 "
                                  "AND asset = $2 ORDER BY start_ms DESC, id DESC LIMIT 1",
                                  {tenant, asset}));
    if (r.rows.empty()) return Status::Ok();
    nlohmann::json features =
        nlohmann::json::parse(r.rows[0].Text(0), nullptr, /*allow_exceptions=*/false);
    if (!features.is_object()) {
      return DataLoss("the latest window of asset " + asset + " holds no feature object");
    }
    // nlohmann keeps keys sorted, so both engines answer in the same order (PostgreSQL's
    // JSONB reorders keys on its own).
    for (const auto& item : features.items()) names.push_back(item.key());
    return Status::Ok();
  }));
  return names;
}

Result<int64_t> SqlHubStore::CountWindows(int64_t tenant, const std::string& node) {
  int64_t count = 0;
  EL_RETURN_IF_ERROR(WithConn([&](SqlConn& conn) -> Status {
    Result<SqlResult> r =
        node.empty() ? conn.Exec("SELECT COUNT(*) FROM windows WHERE tenant = $1", {tenant})
                     : conn.Exec("SELECT COUNT(*) FROM windows WHERE tenant = $1 AND node = $2",
                                 {tenant, node});
    EL_RETURN_IF_ERROR(r.status());
    count = r->rows.at(0).Int(0);
    return Status::Ok();
  }));
  return count;
}

Result<std::vector<QualityCount>> SqlHubStore::QualityCounts(int64_t tenant, TimeMs from,
                                                             TimeMs to) {
  EL_RETURN_IF_ERROR(CheckRange(from, to));
  std::vector<QualityCount> out;
  EL_RETURN_IF_ERROR(WithConn([&](SqlConn& conn) -> Status {
    // SUM of a BIGINT is NUMERIC on PostgreSQL, hence the cast.
    EL_ASSIGN_OR_RETURN(
        SqlResult r,
        conn.Exec("SELECT asset, channel, rule, COUNT(*), CAST(SUM(ongoing) AS BIGINT), "
                  "MAX(start_ms) FROM quality_events WHERE tenant = $1 AND start_ms >= $2 AND "
                  "start_ms < $3 GROUP BY asset, channel, rule ORDER BY asset, channel, rule",
                  {tenant, from, to}));
    out.reserve(r.rows.size());
    for (const SqlRow& row : r.rows) {
      out.push_back(QualityCount{.asset = row.Text(0),
                                 .channel = row.Text(1),
                                 .rule = row.Text(2),
                                 .events = row.Int(3),
                                 .ongoing = row.Int(4),
                                 .last = row.Int(5)});
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<DriftRecord>> SqlHubStore::ListDrift(int64_t tenant, const std::string& asset,
                                                        TimeMs from, TimeMs to, int64_t limit) {
  EL_RETURN_IF_ERROR(CheckRange(from, to));
  std::string sql =
      "SELECT asset, model, kind, feature, value, threshold, window_count, time_ms FROM "
      "drift_events WHERE tenant = $1 AND time_ms >= $2 AND time_ms < $3";
  std::vector<SqlValue> params{tenant, from, to, ClampLimit(limit)};
  if (!asset.empty()) {  // "" = every asset
    params.push_back(asset);
    sql += " AND asset = $5";
  }
  sql += " ORDER BY time_ms DESC, id DESC LIMIT $4";
  std::vector<DriftRecord> out;
  EL_RETURN_IF_ERROR(WithConn([&](SqlConn& conn) -> Status {
    EL_ASSIGN_OR_RETURN(SqlResult r, conn.Exec(sql, params));
    out.reserve(r.rows.size());
    for (const SqlRow& row : r.rows) {
      out.push_back(DriftRecord{.asset = row.Text(0),
                                .model = row.Text(1),
                                .kind = row.Text(2),
                                .feature = row.Text(3),
                                .value = row.Double(4),
                                .threshold = row.Double(5),
                                .window_count = row.Int(6),
                                .time = row.Int(7)});
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<HeartbeatSummary>> SqlHubStore::HeartbeatSummaries(int64_t tenant, TimeMs from,
                                                                      TimeMs to) {
  EL_RETURN_IF_ERROR(CheckRange(from, to));
  std::vector<HeartbeatSummary> out;
  EL_RETURN_IF_ERROR(WithConn([&](SqlConn& conn) -> Status {
    EL_ASSIGN_OR_RETURN(
        SqlResult r,
        conn.Exec("SELECT node, COUNT(*), CAST(AVG(inference_uptime) AS DOUBLE PRECISION), "
                  "CAST(MIN(inference_uptime) AS DOUBLE PRECISION), MIN(time_ms), MAX(time_ms) "
                  "FROM heartbeats WHERE tenant = $1 AND time_ms >= $2 AND time_ms < $3 "
                  "GROUP BY node ORDER BY node",
                  {tenant, from, to}));
    out.reserve(r.rows.size());
    for (const SqlRow& row : r.rows) {
      out.push_back(HeartbeatSummary{.node = row.Text(0),
                                     .heartbeats = row.Int(1),
                                     .mean_inference_uptime = row.Double(2),
                                     .min_inference_uptime = row.Double(3),
                                     .first = row.Int(4),
                                     .last = row.Int(5)});
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<HubShadowStatsRecord>> SqlHubStore::ListShadowStats(int64_t tenant,
                                                                       const std::string& asset,
                                                                       int64_t limit) {
  std::string sql =
      "SELECT asset, production, shadow, period_end, CAST(stats AS TEXT) FROM shadow_stats "
      "WHERE tenant = $1";
  std::vector<SqlValue> params{tenant, ClampLimit(limit)};
  if (!asset.empty()) {  // "" = every asset
    params.push_back(asset);
    sql += " AND asset = $3";
  }
  sql += " ORDER BY period_end DESC, id DESC LIMIT $2";
  std::vector<HubShadowStatsRecord> out;
  EL_RETURN_IF_ERROR(WithConn([&](SqlConn& conn) -> Status {
    EL_ASSIGN_OR_RETURN(SqlResult r, conn.Exec(sql, params));
    out.reserve(r.rows.size());
    for (const SqlRow& row : r.rows) {
      out.push_back(HubShadowStatsRecord{.asset = row.Text(0),
                                         .production = row.Text(1),
                                         .shadow = row.Text(2),
                                         .period_end = row.Int(3),
                                         .stats_json = row.Text(4)});
    }
    return Status::Ok();
  }));
  return out;
}

}  // namespace edgeloop::store
