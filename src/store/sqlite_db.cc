#include "store/sqlite_db.h"

namespace edgeloop::store {

Result<SqliteDb> SqliteDb::Open(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg =
        "cannot open database '" + path + "': " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return IoError(std::move(msg));
  }
  // Another thread or process may hold a write lock briefly (e.g. a reader of the demo data).
  sqlite3_busy_timeout(db, 5000);
  return SqliteDb(db, path);
}

SqliteDb& SqliteDb::operator=(SqliteDb&& other) noexcept {
  if (this != &other) {
    sqlite3_close(db_);
    db_ = other.db_;
    path_ = std::move(other.path_);
    other.db_ = nullptr;
  }
  return *this;
}

SqliteDb::~SqliteDb() { sqlite3_close(db_); }

Status SqliteDb::Error(std::string_view what) const {
  return IoError(std::string(what) + " failed on '" + path_ + "': " + sqlite3_errmsg(db_));
}

Status SqliteDb::Exec(std::string_view sql) {
  char* err = nullptr;
  const std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = "SQL on '" + path_ + "' failed: " + (err ? err : "unknown error");
    sqlite3_free(err);
    return IoError(std::move(msg));
  }
  return Status::Ok();
}

Result<Statement> SqliteDb::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    return Error("preparing SQL '" + std::string(sql.substr(0, 60)) + "'");
  }
  return Statement(stmt, this);
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

namespace {
Status BindResult(int rc, int index) {
  if (rc == SQLITE_OK) return Status::Ok();
  return Internal("binding SQL parameter " + std::to_string(index) + ": " + sqlite3_errstr(rc));
}
}  // namespace

Statement& Statement::Bind(int index, int64_t value) {
  if (bind_error_.ok()) bind_error_ = BindResult(sqlite3_bind_int64(stmt_, index, value), index);
  return *this;
}
Statement& Statement::Bind(int index, double value) {
  if (bind_error_.ok()) bind_error_ = BindResult(sqlite3_bind_double(stmt_, index, value), index);
  return *this;
}
Statement& Statement::Bind(int index, std::string_view text) {
  if (bind_error_.ok()) {
    bind_error_ = BindResult(sqlite3_bind_text(stmt_, index, text.data(),
                                               static_cast<int>(text.size()), SQLITE_TRANSIENT),
                             index);
  }
  return *this;
}
Statement& Statement::BindBlob(int index, std::span<const std::byte> blob) {
  if (bind_error_.ok()) {
    bind_error_ = BindResult(sqlite3_bind_blob(stmt_, index, blob.data(),
                                               static_cast<int>(blob.size()), SQLITE_TRANSIENT),
                             index);
  }
  return *this;
}
Statement& Statement::BindNull(int index) {
  if (bind_error_.ok()) bind_error_ = BindResult(sqlite3_bind_null(stmt_, index), index);
  return *this;
}

Result<bool> Statement::Step() {
  if (!bind_error_.ok()) return bind_error_;
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error("executing SQL");
}

Status Statement::Run() {
  Result<bool> r = Step();
  Reset();
  if (!r.ok()) return r.status();
  return Status::Ok();
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_ = Status::Ok();
}

std::string Statement::ColumnText(int col) const {
  const unsigned char* text = sqlite3_column_text(stmt_, col);
  return text ? std::string(reinterpret_cast<const char*>(text)) : std::string();
}

std::vector<std::byte> Statement::ColumnBlob(int col) const {
  const auto* data = static_cast<const std::byte*>(sqlite3_column_blob(stmt_, col));
  const int size = sqlite3_column_bytes(stmt_, col);
  if (data == nullptr || size <= 0) return {};
  return std::vector<std::byte>(data, data + size);
}

}  // namespace edgeloop::store
