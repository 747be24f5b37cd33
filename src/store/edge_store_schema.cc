// EdgeStore::Open: schema creation and migration of older files.
//
// The schema version lives in PRAGMA user_version (one integer in the file header, readable
// without any table). Version 2 and older kept it in meta('schema'); that row is still written for
// readers that look there. Migrations only add (columns with defaults, tables), so an old file
// keeps all its rows.
#include <cstdlib>
#include <functional>
#include <string>

#include "store/edge_store.h"

namespace edgeloop::store {
namespace {

constexpr char kTables[] = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feature_windows (
  id INTEGER PRIMARY KEY,
  node TEXT NOT NULL,
  asset TEXT NOT NULL,
  t_start_ns INTEGER NOT NULL,
  t_end_ns INTEGER NOT NULL,
  status TEXT NOT NULL,
  score REAL,
  top_feature TEXT,
  detector TEXT,
  features TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS feature_windows_asset_time ON feature_windows (asset, t_end_ns);
CREATE TABLE IF NOT EXISTS alerts (
  id INTEGER PRIMARY KEY,
  node TEXT NOT NULL,
  asset TEXT NOT NULL,
  opened_ns INTEGER NOT NULL,
  cleared_ns INTEGER,
  peak_score REAL NOT NULL,
  top_feature TEXT,
  detector TEXT NOT NULL,
  diagnosis TEXT,
  severity TEXT NOT NULL DEFAULT 'warning',
  evidence TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS quarantine (
  id INTEGER PRIMARY KEY,
  node TEXT NOT NULL,
  asset TEXT NOT NULL,
  channel TEXT NOT NULL,
  t_start_ns INTEGER NOT NULL,
  t_end_ns INTEGER NOT NULL,
  samples INTEGER NOT NULL,
  rule TEXT NOT NULL,
  detail TEXT NOT NULL,
  raw BLOB
);
CREATE TABLE IF NOT EXISTS quality_events (
  id INTEGER PRIMARY KEY,
  node TEXT NOT NULL,
  asset TEXT NOT NULL,
  channel TEXT NOT NULL,
  rule TEXT NOT NULL,
  t_start_ns INTEGER NOT NULL,
  t_end_ns INTEGER NOT NULL,
  ongoing INTEGER NOT NULL,
  detail TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshots (
  id INTEGER PRIMARY KEY,
  alert_id INTEGER NOT NULL,
  node TEXT NOT NULL,
  asset TEXT NOT NULL,
  channel TEXT NOT NULL,
  t_start_ns INTEGER NOT NULL,
  sample_rate_hz REAL NOT NULL,
  sample_count INTEGER NOT NULL,
  codec TEXT NOT NULL,
  blob BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS snapshots_alert ON snapshots (alert_id);
CREATE TABLE IF NOT EXISTS drift_events (
  id INTEGER PRIMARY KEY,
  node TEXT NOT NULL,
  asset TEXT NOT NULL,
  model_version TEXT NOT NULL,
  kind TEXT NOT NULL,
  feature TEXT NOT NULL,
  value REAL NOT NULL,
  threshold REAL NOT NULL,
  t_ns INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS shadow_stats (
  id INTEGER PRIMARY KEY,
  node TEXT NOT NULL,
  asset TEXT NOT NULL,
  production_version TEXT NOT NULL,
  shadow_version TEXT NOT NULL,
  period_end_ns INTEGER NOT NULL,
  stats TEXT NOT NULL
);
)sql";

Result<int64_t> IntPragma(SqliteDb& db, const std::string& sql) {
  EL_ASSIGN_OR_RETURN(Statement q, db.Prepare(sql));
  EL_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? q.ColumnInt(0) : 0;
}

// The schema version of the file: 0 for an empty (new) file.
Result<int64_t> FileVersion(SqliteDb& db, const std::string& path) {
  EL_ASSIGN_OR_RETURN(int64_t user_version, IntPragma(db, "PRAGMA user_version"));
  if (user_version != 0) return user_version;
  EL_ASSIGN_OR_RETURN(int64_t tables,
                      IntPragma(db, "SELECT COUNT(*) FROM sqlite_master WHERE type='table'"));
  if (tables == 0) return 0;
  EL_ASSIGN_OR_RETURN(
      int64_t has_meta,
      IntPragma(db, "SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name='meta'"));
  if (has_meta == 0) {
    return FailedPrecondition("'" + path + "' is an SQLite database but not an edge store");
  }
  EL_ASSIGN_OR_RETURN(Statement get, db.Prepare("SELECT value FROM meta WHERE key='schema'"));
  EL_ASSIGN_OR_RETURN(bool found, get.Step());
  const std::string text = found ? get.ColumnText(0) : "";
  char* end = nullptr;
  const long version = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || version < 1) {
    return FailedPrecondition("edge store '" + path + "' has an unreadable schema version '" +
                              text + "'");
  }
  return version;
}

Result<bool> HasColumn(SqliteDb& db, const std::string& table, const std::string& column) {
  EL_ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT COUNT(*) FROM pragma_table_info('" + table +
                                              "') WHERE name = '" + column + "'"));
  EL_ASSIGN_OR_RETURN(bool row, q.Step());
  return row && q.ColumnInt(0) > 0;
}

Status AddColumnIfMissing(SqliteDb& db, const std::string& table, const std::string& column,
                          const std::string& decl) {
  EL_ASSIGN_OR_RETURN(bool has, HasColumn(db, table, column));
  if (has) return Status::Ok();
  return db.Exec("ALTER TABLE " + table + " ADD COLUMN " + column + " " + decl);
}

Status WriteVersion(SqliteDb& db) {
  const std::string v = std::to_string(EdgeStore::kSchemaVersion);
  return db.Exec(
      "INSERT INTO meta(key, value) VALUES ('schema', '" + v +
      "') ON CONFLICT(key) DO UPDATE SET value = excluded.value; PRAGMA user_version = " + v);
}

Status Transaction(SqliteDb& db, const std::function<Status()>& body) {
  EL_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  Status s = body();
  if (!s.ok()) {
    (void)db.Exec("ROLLBACK");
    return s;
  }
  return db.Exec("COMMIT");
}

// Brings a version 1 or 2 file to the current schema in one transaction.
Status Migrate(SqliteDb& db) {
  EL_RETURN_IF_ERROR(Transaction(db, [&]() -> Status {
    // Version 1 had no alerts.diagnosis; the tables version 1 lacked are created by kTables.
    EL_RETURN_IF_ERROR(db.Exec(kTables));
    EL_RETURN_IF_ERROR(AddColumnIfMissing(db, "alerts", "diagnosis", "TEXT"));
    EL_RETURN_IF_ERROR(
        AddColumnIfMissing(db, "alerts", "severity", "TEXT NOT NULL DEFAULT 'warning'"));
    EL_RETURN_IF_ERROR(AddColumnIfMissing(db, "alerts", "evidence", "TEXT NOT NULL DEFAULT '{}'"));
    return WriteVersion(db);
  }));
  // Old files were created without auto_vacuum, which retention needs to give space back
  // cheaply. Switching it on requires one full VACUUM; this happens once per file.
  return db.Exec("PRAGMA auto_vacuum = INCREMENTAL; VACUUM");
}

}  // namespace

Result<EdgeStore> EdgeStore::Open(const std::string& path, std::string node_id) {
  EL_ASSIGN_OR_RETURN(SqliteDb db, SqliteDb::Open(path));
  EL_ASSIGN_OR_RETURN(int64_t version, FileVersion(db, path));
  // Refuse files written by a newer Edgeloop rather than misreading them.
  if (version > kSchemaVersion) {
    return FailedPrecondition("edge store '" + path + "' has schema version " +
                              std::to_string(version) + ", this Edgeloop reads version " +
                              std::to_string(kSchemaVersion));
  }
  if (version == 0) {
    // auto_vacuum only takes effect if set before the first table is created.
    EL_RETURN_IF_ERROR(db.Exec("PRAGMA auto_vacuum = INCREMENTAL"));
    EL_RETURN_IF_ERROR(db.Exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL"));
    EL_RETURN_IF_ERROR(Transaction(db, [&]() -> Status {
      EL_RETURN_IF_ERROR(db.Exec(kTables));
      return WriteVersion(db);
    }));
  } else {
    if (version < kSchemaVersion) EL_RETURN_IF_ERROR(Migrate(db));
    EL_RETURN_IF_ERROR(db.Exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL"));
  }
  return EdgeStore(std::move(db), std::move(node_id));
}

}  // namespace edgeloop::store
