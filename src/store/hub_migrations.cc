// MigrateHubSchema and OpenHubStore: bring a database to the schema this binary knows, then hand
// it to SqlHubStore.
#include <chrono>
#include <string>

#include "store/hub_schema.h"
#include "store/hub_sql_store.h"
#include "store/hub_store.h"
#include "store/sql_db.h"

namespace edgeloop::store {
namespace {

// Key of the PostgreSQL advisory lock that serialises migrations of one database ("edgeloop"
// in ASCII). Transaction-scoped, so a crashed migrator cannot leave it held.
constexpr std::string_view kLockSql = "SELECT pg_advisory_xact_lock(7306916735711751024)";

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, summary TEXT NOT "
    "NULL, applied BIGINT NOT NULL)";

Status LockIfPostgres(SqlConn& conn) {
  if (conn.dialect().engine != SqlEngine::kPostgres) return Status::Ok();  // BEGIN IMMEDIATE
  return conn.Exec(kLockSql).status();
}

Result<int> CurrentVersion(SqlConn& conn) {
  EL_ASSIGN_OR_RETURN(SqlResult r,
                      conn.Exec("SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM "
                                "schema_migrations"));
  return static_cast<int>(r.rows.at(0).Int(0));
}

int64_t NowMs() {
  // Only a log of when each migration ran; not worth threading a Clock through the signature.
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<int> MigrateHubSchema(SqlConn& conn) {
  const std::span<const Migration> migrations = HubMigrations();
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  int version = 0;
  // Creating the table under the lock too: two PostgreSQL sessions running CREATE TABLE IF NOT
  // EXISTS at once can both pass the check and one then fails on pg_type's unique index.
  EL_RETURN_IF_ERROR(conn.Transaction([&](SqlConn& tx) -> Status {
    EL_RETURN_IF_ERROR(LockIfPostgres(tx));
    EL_RETURN_IF_ERROR(tx.ExecScript(kCreateTable));
    EL_ASSIGN_OR_RETURN(version, CurrentVersion(tx));
    return Status::Ok();
  }));
  if (version > latest) {
    return FailedPrecondition("database schema version " + std::to_string(version) +
                              " is newer than this hub knows (" + std::to_string(latest) +
                              "): upgrade the hub binary");
  }
  for (const Migration& m : migrations) {
    if (m.version <= version) continue;
    EL_RETURN_IF_ERROR(conn.Transaction([&](SqlConn& tx) -> Status {
                             EL_RETURN_IF_ERROR(LockIfPostgres(tx));
                             // Another hub may have applied it while we waited for the lock.
                             EL_ASSIGN_OR_RETURN(int now_version, CurrentVersion(tx));
                             if (now_version >= m.version) return Status::Ok();
                             if (now_version != m.version - 1) {
                               return FailedPrecondition(
                                   "schema migration " + std::to_string(m.version) +
                                   " needs version " + std::to_string(m.version - 1) +
                                   ", database has " + std::to_string(now_version));
                             }
                             EL_RETURN_IF_ERROR(tx.ExecScript(tx.dialect().Expand(m.sql)));
                             return tx
                                 .Exec(
                                     "INSERT INTO schema_migrations (version, summary, applied) "
                                     "VALUES ($1, $2, $3)",
                                     {int64_t{m.version}, std::string(m.summary), NowMs()})
                                 .status();
                           })
                           .WithContext("schema migration " + std::to_string(m.version)));
    version = m.version;
  }
  return version;
}

Result<std::unique_ptr<HubStore>> OpenHubStore(std::unique_ptr<SqlPool> pool) {
  int version = 0;
  {
    EL_ASSIGN_OR_RETURN(std::unique_ptr<SqlConn> conn, pool->Acquire());
    EL_ASSIGN_OR_RETURN(version, MigrateHubSchema(*conn));
  }
  return std::unique_ptr<HubStore>(std::make_unique<SqlHubStore>(std::move(pool), version));
}

Result<std::unique_ptr<HubStore>> OpenHubStore(std::string_view url, int pool_size) {
  EL_ASSIGN_OR_RETURN(std::unique_ptr<SqlPool> pool, OpenSqlPool(url, pool_size));
  const std::string describe = pool->Describe();
  Result<std::unique_ptr<HubStore>> store = OpenHubStore(std::move(pool));
  if (!store.ok()) return store.status().WithContext("opening hub store " + describe);
  return store;
}

}  // namespace edgeloop::store
