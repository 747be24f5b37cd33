// Thin RAII wrappers over the SQLite C API that turn its result codes into Status.
//
// SqliteDb owns one connection; Statement owns one prepared statement of that connection.
// A connection (and its statements) must be used by one thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace edgeloop::store {

class Statement;

class SqliteDb {
 public:
  // Opens (creating if needed) the database file at `path`; ":memory:" for an in-memory one.
  static Result<SqliteDb> Open(const std::string& path);

  SqliteDb(SqliteDb&& other) noexcept : db_(other.db_), path_(std::move(other.path_)) {
    other.db_ = nullptr;
  }
  SqliteDb& operator=(SqliteDb&& other) noexcept;
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;
  ~SqliteDb();

  // Runs one or more statements that return no rows.
  Status Exec(std::string_view sql);
  Result<Statement> Prepare(std::string_view sql);
  int64_t LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t Changes() const { return sqlite3_changes64(db_); }
  const std::string& path() const { return path_; }

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Status Error(std::string_view what) const;

  sqlite3* db_ = nullptr;
  std::string path_;
  friend class Statement;
};

class Statement {
 public:
  Statement(Statement&& other) noexcept : stmt_(other.stmt_), db_(other.db_) {
    other.stmt_ = nullptr;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite.
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, double value);
  Statement& Bind(int index, std::string_view text);
  Statement& BindBlob(int index, std::span<const std::byte> blob);
  Statement& BindNull(int index);

  // Advances to the next row: true if a row is there, false when done.
  Result<bool> Step();
  // Runs a statement that returns no rows, then resets it for reuse.
  Status Run();
  void Reset();

  int64_t ColumnInt(int col) const { return sqlite3_column_int64(stmt_, col); }
  double ColumnDouble(int col) const { return sqlite3_column_double(stmt_, col); }
  std::string ColumnText(int col) const;
  bool ColumnIsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  // A copy of a BLOB column (empty for NULL).
  std::vector<std::byte> ColumnBlob(int col) const;

 private:
  friend class SqliteDb;
  Statement(sqlite3_stmt* stmt, const SqliteDb* db) : stmt_(stmt), db_(db) {}

  sqlite3_stmt* stmt_ = nullptr;
  const SqliteDb* db_ = nullptr;
  Status bind_error_;  // first failed Bind, reported by the next Step/Run
};

}  // namespace edgeloop::store
