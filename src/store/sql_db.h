// SqlDb: the small SQL driver interface the hub store is written against, so one set of queries
// serves both SQLite (embedded default) and PostgreSQL (libpq).
//
// Dialect rules every query follows (so the same text runs on both engines):
// - Parameters are written `$1`, `$2`, ... (SQLite reads them as named parameters; the driver
//   maps each to its number). Casts use `CAST(x AS BIGINT)`, never `x::bigint`.
// - A parameter whose type PostgreSQL cannot infer (e.g. only in `$1 IS NULL`) gets a CAST.
// - Schema text may use the tokens {{id}} (auto-increment primary key column type), {{blob}},
//   {{json}} (TEXT on SQLite, JSONB on PostgreSQL) and {{double}}; `Dialect::Expand` replaces them.
// - Times are BIGINT Unix milliseconds UTC; booleans are BIGINT 0/1.
//
// Ownership/threads: a SqlPool is thread-safe and owns its connections; a SqlConn handle is used
// by one thread at a time and returns its connection to the pool when destroyed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"

namespace edgeloop::store {

// Raw bytes, to tell a BLOB parameter from a TEXT one.
struct SqlBlob {
  std::string bytes;
};

using SqlValue = std::variant<std::monostate, int64_t, double, std::string, SqlBlob>;

// One result row; columns in SELECT order. Accessors abort on a type the query cannot produce
// (a broken invariant), except where noted.
struct SqlRow {
  std::vector<SqlValue> values;

  bool IsNull(size_t col) const { return std::holds_alternative<std::monostate>(values.at(col)); }
  int64_t Int(size_t col) const;       // NULL -> 0; a double is truncated
  double Double(size_t col) const;     // NULL -> NaN; an integer is converted
  std::string Text(size_t col) const;  // NULL -> ""; BLOB bytes are returned as-is
  std::string Blob(size_t col) const;  // NULL -> ""
};

struct SqlResult {
  std::vector<SqlRow> rows;
  int64_t affected = 0;  // rows changed by INSERT/UPDATE/DELETE
};

enum class SqlEngine { kSqlite, kPostgres };

// What differs between the engines, kept in one place.
struct Dialect {
  SqlEngine engine;
  // Replaces the schema tokens described above.
  std::string Expand(std::string_view schema_sql) const;
  // Expression reading the number stored under the key given by parameter $`param` from the
  // JSON object in `column` (NULL when absent or not a number).
  std::string JsonNumber(std::string_view column, int param) const;
  std::string_view Name() const { return engine == SqlEngine::kSqlite ? "sqlite" : "postgres"; }
};

// One connection borrowed from a pool.
class SqlConn {
 public:
  virtual ~SqlConn() = default;
  // Runs one statement with parameters. Statements are cached per connection by their text.
  virtual Result<SqlResult> Exec(std::string_view sql,
                                 const std::vector<SqlValue>& params = {}) = 0;
  // Runs several parameterless statements (schema scripts).
  virtual Status ExecScript(std::string_view sql) = 0;
  // Runs `body` inside one transaction (SQLite: BEGIN IMMEDIATE, so writers queue instead of
  // failing on lock upgrade). Commits when `body` returns OK, rolls back otherwise and returns
  // its status. A unique-constraint violation inside surfaces as kAlreadyExists.
  virtual Status Transaction(const std::function<Status(SqlConn&)>& body) = 0;
  virtual const Dialect& dialect() const = 0;
};

class SqlPool {
 public:
  virtual ~SqlPool() = default;
  // Borrows a connection, waiting while all are in use. kUnavailable if the server is gone and
  // reconnecting fails.
  virtual Result<std::unique_ptr<SqlConn>> Acquire() = 0;
  virtual const Dialect& dialect() const = 0;
  // For logs and errors: "sqlite:/path" or "postgres://host:port/db" (password removed).
  virtual std::string Describe() const = 0;
};

// "sqlite:PATH" (or a bare path ending in .db/.sqlite), "postgres://..." / "postgresql://..."
// (libpq URI). `pool_size` connections at most.
Result<std::unique_ptr<SqlPool>> OpenSqlPool(std::string_view url, int pool_size = 8);

}  // namespace edgeloop::store
