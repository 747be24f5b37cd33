#include "store/edge_store.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace edgeloop::store {
namespace {

// JSON has no NaN: a feature that could not be computed is stored as null.
nlohmann::json FeatureValue(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}

std::string EvidenceJson(const std::vector<std::pair<std::string, double>>& evidence) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& [name, value] : evidence) {
    out[name] = std::isfinite(value) ? nlohmann::ordered_json(value) : nlohmann::ordered_json();
  }
  return out.dump();
}

Result<std::vector<std::pair<std::string, double>>> ParseEvidence(const std::string& text,
                                                                  int64_t alert_id) {
  const auto parsed = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) {
    return DataLoss("alert " + std::to_string(alert_id) + " has corrupt evidence JSON");
  }
  std::vector<std::pair<std::string, double>> out;
  for (const auto& [name, value] : parsed.items()) {
    out.emplace_back(name, value.is_number() ? value.get<double>() : std::nan(""));
  }
  return out;
}

std::string_view SeverityOrDefault(const std::string& s) { return s.empty() ? "warning" : s; }

}  // namespace

std::string_view WindowStatusName(WindowStatus s) {
  switch (s) {
    case WindowStatus::kLearning:
      return "learning";
    case WindowStatus::kScored:
      return "scored";
    case WindowStatus::kRejected:
      return "rejected";
  }
  return "unknown";
}

Status EdgeStore::InTransaction(const std::function<Status()>& body) {
  EL_RETURN_IF_ERROR(db_.Exec("BEGIN"));
  Status s = body();
  if (!s.ok()) {
    (void)db_.Exec("ROLLBACK");
    return s;
  }
  return db_.Exec("COMMIT");
}

Status EdgeStore::AppendWindows(std::span<const WindowRecord> windows) {
  if (windows.empty()) return Status::Ok();
  EL_ASSIGN_OR_RETURN(Statement insert,
                      db_.Prepare("INSERT INTO feature_windows (node, asset, t_start_ns, "
                                  "t_end_ns, status, score, top_feature, detector, features) "
                                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  return InTransaction([&]() -> Status {
    for (const WindowRecord& w : windows) {
      nlohmann::json features = nlohmann::json::object();
      for (const auto& [name, value] : w.features) features[name] = FeatureValue(value);
      insert.Bind(1, std::string_view(node_id_))
          .Bind(2, std::string_view(w.asset))
          .Bind(3, ToNanos(w.start))
          .Bind(4, ToNanos(w.end))
          .Bind(5, WindowStatusName(w.status));
      if (w.score) {
        insert.Bind(6, *w.score);
      } else {
        insert.BindNull(6);
      }
      insert.Bind(7, std::string_view(w.top_feature))
          .Bind(8, std::string_view(w.detector))
          .Bind(9, std::string_view(features.dump()));
      EL_RETURN_IF_ERROR(insert.Run());
    }
    return Status::Ok();
  });
}

Status EdgeStore::AppendQuarantine(std::span<const QuarantineRecord> records) {
  if (records.empty()) return Status::Ok();
  EL_ASSIGN_OR_RETURN(Statement insert,
                      db_.Prepare("INSERT INTO quarantine (node, asset, channel, t_start_ns, "
                                  "t_end_ns, samples, rule, detail, raw) "
                                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  return InTransaction([&]() -> Status {
    for (const QuarantineRecord& q : records) {
      const size_t kept = std::min(q.raw.size(), kMaxRawSamples);
      insert.Bind(1, std::string_view(node_id_))
          .Bind(2, std::string_view(q.asset))
          .Bind(3, std::string_view(q.channel))
          .Bind(4, ToNanos(q.start))
          .Bind(5, ToNanos(q.end))
          .Bind(6, q.samples)
          .Bind(7, std::string_view(q.rule))
          .Bind(8, std::string_view(q.detail))
          .BindBlob(9, std::as_bytes(std::span<const float>(q.raw.data(), kept)));
      EL_RETURN_IF_ERROR(insert.Run());
    }
    return Status::Ok();
  });
}

Status EdgeStore::AppendQualityEvents(std::span<const QualityEventRecord> events) {
  if (events.empty()) return Status::Ok();
  EL_ASSIGN_OR_RETURN(Statement insert,
                      db_.Prepare("INSERT INTO quality_events (node, asset, channel, rule, "
                                  "t_start_ns, t_end_ns, ongoing, detail) "
                                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  return InTransaction([&]() -> Status {
    for (const QualityEventRecord& e : events) {
      insert.Bind(1, std::string_view(node_id_))
          .Bind(2, std::string_view(e.asset))
          .Bind(3, std::string_view(e.channel))
          .Bind(4, std::string_view(e.rule))
          .Bind(5, ToNanos(e.start))
          .Bind(6, ToNanos(e.end))
          .Bind(7, static_cast<int64_t>(e.ongoing))
          .Bind(8, std::string_view(e.detail));
      EL_RETURN_IF_ERROR(insert.Run());
    }
    return Status::Ok();
  });
}

Result<int64_t> EdgeStore::InsertAlert(const AlertRecord& alert) {
  EL_ASSIGN_OR_RETURN(
      Statement insert,
      db_.Prepare("INSERT INTO alerts (node, asset, opened_ns, cleared_ns, "
                  "peak_score, top_feature, detector, diagnosis, severity, evidence) "
                  "VALUES (?,?,?,?,?,?,?,?,?,?)"));
  insert.Bind(1, std::string_view(node_id_))
      .Bind(2, std::string_view(alert.asset))
      .Bind(3, ToNanos(alert.opened));
  if (alert.cleared) {
    insert.Bind(4, ToNanos(*alert.cleared));
  } else {
    insert.BindNull(4);
  }
  insert.Bind(5, alert.peak_score)
      .Bind(6, std::string_view(alert.top_feature))
      .Bind(7, std::string_view(alert.detector))
      .Bind(8, std::string_view(alert.diagnosis))
      .Bind(9, SeverityOrDefault(alert.severity))
      .Bind(10, std::string_view(EvidenceJson(alert.evidence)));
  EL_RETURN_IF_ERROR(insert.Run());
  return db_.LastInsertRowId();
}

Status EdgeStore::UpdateAlert(const AlertRecord& alert) {
  EL_ASSIGN_OR_RETURN(
      Statement update,
      db_.Prepare(
          "UPDATE alerts SET cleared_ns = ?, peak_score = ?, top_feature = ?, diagnosis = ?, "
          "severity = ? WHERE id = ?"));
  if (alert.cleared) {
    update.Bind(1, ToNanos(*alert.cleared));
  } else {
    update.BindNull(1);
  }
  update.Bind(2, alert.peak_score)
      .Bind(3, std::string_view(alert.top_feature))
      .Bind(4, std::string_view(alert.diagnosis))
      .Bind(5, SeverityOrDefault(alert.severity))
      .Bind(6, alert.id);
  return update.Run();
}

Result<std::vector<AlertRecord>> EdgeStore::Alerts() {
  EL_ASSIGN_OR_RETURN(
      Statement q, db_.Prepare("SELECT id, asset, opened_ns, cleared_ns, "
                               "peak_score, top_feature, detector, diagnosis, severity, evidence "
                               "FROM alerts "
                               "ORDER BY opened_ns, id"));
  std::vector<AlertRecord> out;
  while (true) {
    EL_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    AlertRecord a;
    a.id = q.ColumnInt(0);
    a.asset = q.ColumnText(1);
    a.opened = FromNanos(q.ColumnInt(2));
    if (!q.ColumnIsNull(3)) a.cleared = FromNanos(q.ColumnInt(3));
    a.peak_score = q.ColumnDouble(4);
    a.top_feature = q.ColumnText(5);
    a.detector = q.ColumnText(6);
    a.diagnosis = q.ColumnText(7);
    a.severity = q.ColumnText(8);
    EL_ASSIGN_OR_RETURN(a.evidence, ParseEvidence(q.ColumnText(9), a.id));
    out.push_back(std::move(a));
  }
  return out;
}

Result<int64_t> EdgeStore::CountWindows(std::optional<std::string> asset,
                                        std::optional<WindowStatus> status) {
  EL_ASSIGN_OR_RETURN(Statement q,
                      db_.Prepare("SELECT COUNT(*) FROM feature_windows WHERE "
                                  "(?1 IS NULL OR asset = ?1) AND (?2 IS NULL OR status = ?2)"));
  if (asset) {
    q.Bind(1, std::string_view(*asset));
  } else {
    q.BindNull(1);
  }
  if (status) {
    q.Bind(2, WindowStatusName(*status));
  } else {
    q.BindNull(2);
  }
  EL_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? q.ColumnInt(0) : 0;
}

Result<int64_t> EdgeStore::CountQualityEvents(std::optional<std::string> rule) {
  EL_ASSIGN_OR_RETURN(Statement q, db_.Prepare("SELECT COUNT(*) FROM quality_events WHERE "
                                               "(?1 IS NULL OR rule = ?1)"));
  if (rule) {
    q.Bind(1, std::string_view(*rule));
  } else {
    q.BindNull(1);
  }
  EL_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? q.ColumnInt(0) : 0;
}

Result<int64_t> EdgeStore::CountQuarantinedSamples() {
  EL_ASSIGN_OR_RETURN(Statement q, db_.Prepare("SELECT COALESCE(SUM(samples), 0) FROM quarantine"));
  EL_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? q.ColumnInt(0) : 0;
}

}  // namespace edgeloop::store
