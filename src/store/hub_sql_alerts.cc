// SqlHubStore: alerts (listing, state transitions) and technician annotations. Alerts are
// written by Ingest only; this file reads them and moves their state.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/hub_sql_rows.h"
#include "store/hub_sql_store.h"

namespace edgeloop::store {
namespace {

constexpr int64_t kMaxListLimit = 1000;
constexpr size_t kMaxCommentBytes = 4000;
constexpr size_t kMaxFaultTypeBytes = 128;

// JSON columns are JSONB on PostgreSQL; casting to TEXT gives both engines a string.
constexpr std::string_view kAlertColumns =
    "id, tenant, node, node_alert_id, asset, opened, cleared, peak_score, severity, detector, "
    "diagnosis, top_feature, CAST(evidence AS TEXT), state, acknowledged, acknowledged_by, "
    "resolved, resolved_by, batch_seq";

Result<Alert> AlertFromRow(const SqlRow& row) {
  Alert a;
  a.id = row.Int(0);
  a.tenant = row.Int(1);
  a.node = row.Text(2);
  a.node_alert_id = row.Int(3);
  a.asset = row.Text(4);
  a.opened = row.Int(5);
  a.cleared = hub_sql::OptIntAt(row, 6);
  a.peak_score = row.Double(7);
  a.severity = row.Text(8);
  a.detector = row.Text(9);
  a.diagnosis = row.Text(10);
  a.top_feature = row.Text(11);
  a.evidence_json = row.Text(12);
  std::optional<AlertState> state = ParseAlertState(row.Text(13));
  if (!state)
    return DataLoss("alert " + std::to_string(a.id) + " has unknown state '" + row.Text(13) + "'");
  a.state = *state;
  a.acknowledged = hub_sql::OptIntAt(row, 14);
  a.acknowledged_by = row.Text(15);
  a.resolved = hub_sql::OptIntAt(row, 16);
  a.resolved_by = row.Text(17);
  a.batch_seq = row.Int(18);
  return a;
}

Annotation AnnotationFromRow(const SqlRow& row) {
  Annotation n;
  n.id = row.Int(0);
  n.alert = row.Int(1);
  n.label = row.Text(2);
  n.fault_type = row.Text(3);
  n.downtime_avoided_h = row.Double(4);
  n.comment = row.Text(5);
  n.author = row.Text(6);
  n.created = row.Int(7);
  return n;
}

std::string NoAlert(int64_t id) { return "no alert " + std::to_string(id); }

// The alert without annotations; kNotFound when it is not this tenant's.
Result<Alert> LoadAlert(SqlConn& conn, int64_t tenant, int64_t id) {
  EL_ASSIGN_OR_RETURN(SqlResult r, conn.Exec("SELECT " + std::string(kAlertColumns) +
                                                 " FROM alerts WHERE tenant = $1 AND id = $2",
                                             {tenant, id}));
  if (r.rows.empty()) return NotFound(NoAlert(id));
  return AlertFromRow(r.rows[0]);
}

// The alert with its annotations, oldest first.
Result<Alert> LoadAlertWithAnnotations(SqlConn& conn, int64_t tenant, int64_t id) {
  EL_ASSIGN_OR_RETURN(Alert alert, LoadAlert(conn, tenant, id));
  EL_ASSIGN_OR_RETURN(
      SqlResult r,
      conn.Exec("SELECT id, alert, label, fault_type, downtime_avoided_h, comment, author, created "
                "FROM annotations WHERE tenant = $1 AND alert = $2 ORDER BY created, id",
                {tenant, id}));
  for (const SqlRow& row : r.rows) alert.annotations.push_back(AnnotationFromRow(row));
  return alert;
}

Status ValidateAnnotation(const Annotation& a) {
  if (a.label != "confirmed_fault" && a.label != "false_positive" && a.label != "unsure") {
    return InvalidArgument(
        "annotation label must be confirmed_fault, false_positive or unsure, not '" + a.label +
        "'");
  }
  if (a.label == "confirmed_fault" && a.fault_type.empty()) {
    return InvalidArgument("a confirmed_fault annotation needs a fault_type (e.g. outer_race)");
  }
  if (a.fault_type.size() > kMaxFaultTypeBytes) {
    return InvalidArgument("fault_type is longer than " + std::to_string(kMaxFaultTypeBytes) +
                           " bytes");
  }
  if (!std::isfinite(a.downtime_avoided_h) || a.downtime_avoided_h < 0) {
    return InvalidArgument("downtime_avoided_h must be a finite number >= 0");
  }
  if (a.comment.size() > kMaxCommentBytes) {
    return InvalidArgument("comment is longer than " + std::to_string(kMaxCommentBytes) + " bytes");
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<Alert>> SqlHubStore::ListAlerts(int64_t tenant, const AlertFilter& filter) {
  // Only the filters that are set appear in the text, so no parameter needs a type PostgreSQL
  // cannot infer; the handful of variants are each cached by the connection.
  std::string sql = "SELECT " + std::string(kAlertColumns) + " FROM alerts WHERE tenant = $1";
  std::vector<SqlValue> params{tenant};
  auto add = [&](std::string_view condition, SqlValue value) {
    params.push_back(std::move(value));
    sql += " AND ";
    sql += condition;
    sql += " $" + std::to_string(params.size());
  };
  if (!filter.asset.empty()) add("asset =", filter.asset);
  if (!filter.node.empty()) add("node =", filter.node);
  if (filter.state) add("state =", std::string(AlertStateName(*filter.state)));
  if (!filter.severity.empty()) add("severity =", filter.severity);
  if (filter.from) add("opened >=", *filter.from);
  if (filter.to) add("opened <", *filter.to);
  if (filter.batch_seq) add("batch_seq =", *filter.batch_seq);
  if (filter.before_id) add("id <", *filter.before_id);
  params.push_back(std::clamp<int64_t>(filter.limit, 1, kMaxListLimit));
  sql += " ORDER BY id DESC LIMIT $" + std::to_string(params.size());

  std::vector<Alert> alerts;
  EL_RETURN_IF_ERROR(WithConn([&](SqlConn& conn) -> Status {
    EL_ASSIGN_OR_RETURN(SqlResult r, conn.Exec(sql, params));
    alerts.reserve(r.rows.size());
    for (const SqlRow& row : r.rows) {
      EL_ASSIGN_OR_RETURN(Alert a, AlertFromRow(row));
      alerts.push_back(std::move(a));
    }
    return Status::Ok();
  }));
  return alerts;
}

Result<Alert> SqlHubStore::GetAlert(int64_t tenant, int64_t id) {
  Alert alert;
  EL_RETURN_IF_ERROR(WithConn([&](SqlConn& conn) -> Status {
    EL_ASSIGN_OR_RETURN(alert, LoadAlertWithAnnotations(conn, tenant, id));
    return Status::Ok();
  }));
  return alert;
}

Result<Alert> SqlHubStore::AcknowledgeAlert(int64_t tenant, int64_t id, const std::string& by,
                                            TimeMs now) {
  Alert alert;
  EL_RETURN_IF_ERROR(WithTransaction([&](SqlConn& conn) -> Status {
    EL_ASSIGN_OR_RETURN(Alert current, LoadAlert(conn, tenant, id));
    if (current.state == AlertState::kResolved) {
      return FailedPrecondition("alert " + std::to_string(id) +
                                " is resolved; it can no longer be acknowledged");
    }
    // Only an open alert changes: acknowledging again keeps the first time and person.
    EL_RETURN_IF_ERROR(conn.Exec("UPDATE alerts SET state = 'acknowledged', acknowledged = $3, "
                                 "acknowledged_by = $4 "
                                 "WHERE tenant = $1 AND id = $2 AND state = 'open'",
                                 {tenant, id, now, by})
                           .status());
    EL_ASSIGN_OR_RETURN(alert, LoadAlertWithAnnotations(conn, tenant, id));
    return Status::Ok();
  }));
  return alert;
}

Result<Alert> SqlHubStore::ResolveAlert(int64_t tenant, int64_t id, const std::string& by,
                                        TimeMs now) {
  Alert alert;
  EL_RETURN_IF_ERROR(WithTransaction([&](SqlConn& conn) -> Status {
    EL_RETURN_IF_ERROR(LoadAlert(conn, tenant, id).status());
    // An alert resolved straight from open counts as acknowledged at the same moment, so the
    // alert-to-acknowledge latency SLO is defined for it. Resolving again changes nothing.
    EL_RETURN_IF_ERROR(
        conn.Exec("UPDATE alerts SET state = 'resolved', resolved = $3, resolved_by = $4, "
                  "acknowledged_by = CASE WHEN acknowledged IS NULL THEN $4 "
                  "ELSE acknowledged_by END, "
                  "acknowledged = COALESCE(acknowledged, $3) "
                  "WHERE tenant = $1 AND id = $2 AND state <> 'resolved'",
                  {tenant, id, now, by})
            .status());
    EL_ASSIGN_OR_RETURN(alert, LoadAlertWithAnnotations(conn, tenant, id));
    return Status::Ok();
  }));
  return alert;
}

Result<Annotation> SqlHubStore::AnnotateAlert(int64_t tenant, const Annotation& annotation) {
  EL_RETURN_IF_ERROR(ValidateAnnotation(annotation));
  Annotation stored;
  EL_RETURN_IF_ERROR(WithTransaction([&](SqlConn& conn) -> Status {
    EL_RETURN_IF_ERROR(LoadAlert(conn, tenant, annotation.alert).status());
    EL_ASSIGN_OR_RETURN(
        SqlResult r,
        conn.Exec("INSERT INTO annotations (tenant, alert, label, fault_type, downtime_avoided_h, "
                  "comment, author, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                  "RETURNING id, alert, label, fault_type, downtime_avoided_h, comment, author, "
                  "created",
                  {tenant, annotation.alert, annotation.label, annotation.fault_type,
                   annotation.downtime_avoided_h, annotation.comment, annotation.author,
                   annotation.created}));
    if (r.rows.empty()) return Internal("INSERT ... RETURNING gave no row");
    stored = AnnotationFromRow(r.rows[0]);
    return Status::Ok();
  }));
  return stored;
}

}  // namespace edgeloop::store
