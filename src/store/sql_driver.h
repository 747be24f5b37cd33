// Internals shared by the SQL drivers (sql_sqlite.cc, sql_postgres.cc) and OpenSqlPool
// (sql_db.cc). Private to src/store; other code uses sql_db.h.
//
// Ownership/threads: a ConnPool is thread-safe; it owns idle connections and lends one at a time
// through a PooledConn handle, which gives it back on destruction. The pool's shared state is
// reference-counted, so a handle that outlives its SqlPool still returns (and then frees) its
// connection safely.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "store/sql_db.h"

namespace edgeloop::store::internal {

// The pooled connection type: a SqlConn plus the engine-specific Transaction() helpers below.
class DriverConn : public SqlConn {
 public:
  // Nested calls use SAVEPOINTs, so a helper that opens its own transaction can be called from
  // inside another one.
  Status Transaction(const std::function<Status(SqlConn&)>& body) final;
  // Called by the pool before lending the connection: reconnects a broken one if it can.
  virtual Status Revive() { return Status::Ok(); }

 protected:
  // Runs one parameterless control statement (BEGIN/COMMIT/...).
  virtual Status Control(std::string_view sql) = 0;
  virtual std::string_view BeginSql() const = 0;
  int depth_ = 0;
};

using ConnFactory = std::function<Result<std::unique_ptr<DriverConn>>()>;

// A bounded pool of DriverConns created on demand by `factory`.
class ConnPool final : public SqlPool {
 public:
  ConnPool(Dialect dialect, std::string describe, int size, ConnFactory factory);
  Result<std::unique_ptr<SqlConn>> Acquire() override;
  const Dialect& dialect() const override { return dialect_; }
  std::string Describe() const override { return describe_; }

  struct State {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::unique_ptr<DriverConn>> idle;
    int live = 0;  // connections created and not yet destroyed (idle + lent)
    int size = 0;
  };

 private:
  Dialect dialect_;
  std::string describe_;
  ConnFactory factory_;
  std::shared_ptr<State> state_;
};

// Text parameters must be valid UTF-8 without NUL bytes on both engines (PostgreSQL refuses both;
// SQLite would store them), so the same input gets the same answer everywhere.
Status CheckTextParam(std::string_view text, size_t param_number);

Result<std::unique_ptr<SqlPool>> OpenSqlitePool(const std::string& path, int pool_size);

struct PostgresOptions {
  // Prepare each distinct statement once per connection (see sql_postgres.cc for the numbers).
  bool prepare_statements = true;
};
Result<std::unique_ptr<SqlPool>> OpenPostgresPool(const std::string& url, int pool_size,
                                                  PostgresOptions options = {});

}  // namespace edgeloop::store::internal
