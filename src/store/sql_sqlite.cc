// The SQLite driver: a pool of connections to one database file, written against the C API
// directly (sqlite_db.h reports every failure as kIoError; the hub needs the constraint codes).
#include <sqlite3.h>

#include <string>
#include <unordered_map>
#include <utility>

#include "store/sql_driver.h"

namespace edgeloop::store::internal {
namespace {

constexpr Dialect kSqliteDialect{SqlEngine::kSqlite};
// Distinct statement texts kept prepared per connection; the hub's queries are fixed strings,
// the bound only matters if a caller ever builds SQL dynamically.
constexpr size_t kMaxCachedStatements = 256;
constexpr int kBusyTimeoutMs = 10'000;

Status SqliteStatus(sqlite3* db, int rc, std::string_view what) {
  const int extended = db ? sqlite3_extended_errcode(db) : rc;
  std::string msg = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (extended & 0xFF) {
    case SQLITE_CONSTRAINT:
      if (extended == SQLITE_CONSTRAINT_UNIQUE || extended == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return AlreadyExists(std::move(msg));
      }
      return InvalidArgument(std::move(msg));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      // Only reached after busy_timeout expired: another writer held the lock for 10 s.
      return Unavailable(std::move(msg));
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return IoError(std::move(msg));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return DataLoss(std::move(msg));
    case SQLITE_TOOBIG:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
      return InvalidArgument(std::move(msg));
    default:
      return Internal(std::move(msg));
  }
}

std::string Abbrev(std::string_view sql) {
  return std::string(sql.substr(0, 80)) + (sql.size() > 80 ? "..." : "");
}

class SqliteConn final : public DriverConn {
 public:
  explicit SqliteConn(sqlite3* db) : db_(db) {}
  ~SqliteConn() override {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  Result<SqlResult> Exec(std::string_view sql, const std::vector<SqlValue>& params) override {
    EL_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql));
    // Reset on every path so the statement holds no read snapshot while cached.
    struct Resetter {
      sqlite3_stmt* s;
      ~Resetter() {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
      }
    } resetter{stmt};
    EL_RETURN_IF_ERROR(Bind(stmt, params, sql));

    const sqlite3_int64 changes_before = sqlite3_total_changes64(db_);
    SqlResult result;
    const int columns = sqlite3_column_count(stmt);
    for (;;) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        // A statement that prepared fine failed on data (constraint, bad JSON, lock timeout).
        Status s = SqliteStatus(db_, rc, "running '" + Abbrev(sql) + "'");
        if (s.code() == StatusCode::kInternal) s = InvalidArgument(s.message());
        return s;
      }
      SqlRow& row = result.rows.emplace_back();
      row.values.reserve(columns);
      for (int c = 0; c < columns; ++c) row.values.push_back(Column(stmt, c));
    }
    if (!sqlite3_stmt_readonly(stmt)) {
      result.affected = sqlite3_total_changes64(db_) - changes_before;
    }
    return result;
  }

  Status ExecScript(std::string_view sql) override {
    char* err = nullptr;
    const std::string text(sql);
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
    if (rc == SQLITE_OK) return Status::Ok();
    std::string what = "running script '" + Abbrev(sql) + "'";
    sqlite3_free(err);
    return SqliteStatus(db_, rc, what);
  }

  const Dialect& dialect() const override { return kSqliteDialect; }

 protected:
  Status Control(std::string_view sql) override { return ExecScript(sql); }
  // IMMEDIATE takes the write lock up front: a deferred transaction that reads and then writes
  // can fail with SQLITE_BUSY on the lock upgrade, without the busy handler helping.
  std::string_view BeginSql() const override { return "BEGIN IMMEDIATE"; }

 private:
  Result<sqlite3_stmt*> Prepare(std::string_view sql) {
    const std::string key(sql);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
    if (rc != SQLITE_OK) return SqliteStatus(db_, rc, "preparing '" + Abbrev(sql) + "'");
    if (stmt == nullptr) return Internal("empty SQL statement");
    for (const char* p = tail; p && p < sql.data() + sql.size(); ++p) {
      if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r' && *p != ';') {
        sqlite3_finalize(stmt);
        return Internal("Exec runs one statement; use ExecScript for '" + Abbrev(sql) + "'");
      }
    }
    if (cache_.size() >= kMaxCachedStatements) {
      for (auto& [text, old] : cache_) sqlite3_finalize(old);
      cache_.clear();
    }
    cache_.emplace(key, stmt);
    return stmt;
  }

  // Parameters are named "$N" in the SQL; SQLite numbers the distinct names in order of first
  // appearance, so "$2 ... $1 ... $2" has two slots. Each slot is bound from params[N-1].
  Status Bind(sqlite3_stmt* stmt, const std::vector<SqlValue>& params, std::string_view sql) {
    std::vector<bool> used(params.size(), false);
    const int slots = sqlite3_bind_parameter_count(stmt);
    for (int slot = 1; slot <= slots; ++slot) {
      const char* name = sqlite3_bind_parameter_name(stmt, slot);
      int64_t n = 0;
      if (name == nullptr || name[0] != '$' || !(n = std::atoll(name + 1)) || n < 1 ||
          n > static_cast<int64_t>(params.size())) {
        return Internal("parameter '" + std::string(name ? name : "?") + "' of '" + Abbrev(sql) +
                        "' has no value (" + std::to_string(params.size()) + " given)");
      }
      used[n - 1] = true;
      const SqlValue& v = params[n - 1];
      int rc = SQLITE_OK;
      if (std::holds_alternative<std::monostate>(v)) {
        rc = sqlite3_bind_null(stmt, slot);
      } else if (const auto* i = std::get_if<int64_t>(&v)) {
        rc = sqlite3_bind_int64(stmt, slot, *i);
      } else if (const auto* d = std::get_if<double>(&v)) {
        // NaN is stored as NULL by SQLite (it has no NaN); SqlRow::Double(NULL) reads NaN back.
        rc = sqlite3_bind_double(stmt, slot, *d);
      } else if (const auto* s = std::get_if<std::string>(&v)) {
        EL_RETURN_IF_ERROR(CheckTextParam(*s, n));
        rc = sqlite3_bind_text64(stmt, slot, s->data(), s->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      } else {
        const std::string& b = std::get<SqlBlob>(v).bytes;
        rc = sqlite3_bind_blob64(stmt, slot, b.data(), b.size(), SQLITE_TRANSIENT);
      }
      if (rc != SQLITE_OK) return SqliteStatus(db_, rc, "binding $" + std::to_string(n));
    }
    for (size_t i = 0; i < used.size(); ++i) {
      if (!used[i]) {
        return Internal("parameter $" + std::to_string(i + 1) + " is not used by '" + Abbrev(sql) +
                        "'");
      }
    }
    return Status::Ok();
  }

  static SqlValue Column(sqlite3_stmt* stmt, int c) {
    switch (sqlite3_column_type(stmt, c)) {
      case SQLITE_INTEGER:
        return static_cast<int64_t>(sqlite3_column_int64(stmt, c));
      case SQLITE_FLOAT:
        return sqlite3_column_double(stmt, c);
      case SQLITE_TEXT: {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
        return std::string(p ? p : "", sqlite3_column_bytes(stmt, c));
      }
      case SQLITE_BLOB: {
        const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt, c));
        return SqlBlob{std::string(p ? p : "", sqlite3_column_bytes(stmt, c))};
      }
      default:
        return std::monostate{};
    }
  }

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

Result<std::unique_ptr<DriverConn>> OpenConn(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = IoError("cannot open SQLite database '" + path +
                       "': " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close_v2(db);
    return s;
  }
  auto conn = std::make_unique<SqliteConn>(db);
  sqlite3_extended_result_codes(db, 1);
  // Set before the pragmas: switching to WAL needs a lock another new connection may hold.
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  // synchronous=FULL, not NORMAL: in WAL mode NORMAL survives a crash of the process but a power
  // loss can drop the last commits, and the hub acknowledges batches to nodes right after the
  // commit -- a node deletes its outbox copy on that acknowledgement, so the commit must be
  // durable. Ingest commits whole batches, so the extra fsync per commit is affordable.
  EL_RETURN_IF_ERROR(conn->ExecScript(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  if (path != ":memory:") {
    EL_ASSIGN_OR_RETURN(SqlResult mode, conn->Exec("PRAGMA journal_mode", {}));
    if (mode.rows.empty() || mode.rows[0].Text(0) != "wal") {
      return FailedPrecondition("SQLite database '" + path + "' refuses WAL mode");
    }
  }
  return std::unique_ptr<DriverConn>(std::move(conn));
}

}  // namespace

Result<std::unique_ptr<SqlPool>> OpenSqlitePool(const std::string& path, int pool_size) {
  // One connection now, so a bad path or a non-database file fails at open, not at first use.
  EL_ASSIGN_OR_RETURN(std::unique_ptr<DriverConn> first, OpenConn(path));
  auto pool = std::make_unique<ConnPool>(kSqliteDialect, "sqlite:" + path, pool_size,
                                         [path] { return OpenConn(path); });
  first.reset();
  return std::unique_ptr<SqlPool>(std::move(pool));
}

}  // namespace edgeloop::store::internal
