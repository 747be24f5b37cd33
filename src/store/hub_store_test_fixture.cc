// The conformance fixture, its instantiation for both engines, and tests of the migrations it
// relies on.
#include "store/hub_store_test_fixture.h"

#include <atomic>
#include <thread>
#include <vector>

#include "store/hub_schema.h"
#include "store/postgres_test_server.h"

namespace edgeloop::store {
namespace {

constexpr TimeMs kNow = 1'700'000'000'000;

std::string EngineName(const ::testing::TestParamInfo<SqlEngine>& info) {
  return info.param == SqlEngine::kSqlite ? "sqlite" : "postgres";
}

}  // namespace

void HubStoreConformance::SetUp() {
  if (GetParam() == SqlEngine::kPostgres) {
    Result<std::string> server = testing::SharedTestServerUrl();
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_url_ = *server;
  } else {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->test_suite_name()) + "_" + info->name();
    for (char& c : name) {
      if (c == '/') c = '_';
    }
    dir_ = std::filesystem::path(::testing::TempDir()) / name;
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  url_ = NewUrl();
  ASSERT_FALSE(url_.empty());
  Result<std::unique_ptr<HubStore>> store = OpenHubStore(url_, 4);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  store_ = std::move(*store);
}

void HubStoreConformance::TearDown() {
  store_.reset();
  for (const std::string& schema : schemas_) {
    EXPECT_TRUE(testing::DropTestSchema(server_url_, schema).ok());
  }
  if (!dir_.empty()) std::filesystem::remove_all(dir_);
}

std::string HubStoreConformance::NewUrl() {
  if (GetParam() == SqlEngine::kSqlite) {
    static std::atomic<int> counter{0};
    return "sqlite:" + (dir_ / ("hub" + std::to_string(counter++) + ".db")).string();
  }
  Result<testing::TestSchema> schema = testing::CreateTestSchema(server_url_);
  EXPECT_TRUE(schema.ok()) << schema.status().ToString();
  if (!schema.ok()) return "";
  schemas_.push_back(schema->name);
  return schema->url;
}

std::string HubStoreConformance::FreshUrl() { return NewUrl(); }

int64_t HubStoreConformance::MakeTenant(const std::string& name) {
  Result<Tenant> tenant = store().CreateTenant(name, kNow);
  EXPECT_TRUE(tenant.ok()) << "CreateTenant(" << name << "): " << tenant.status().ToString();
  return tenant.ok() ? tenant->id : -1;
}

INSTANTIATE_TEST_SUITE_P(Engines, HubStoreConformance,
                         ::testing::Values(SqlEngine::kSqlite, SqlEngine::kPostgres), EngineName);

// ---- Self-tests of the fixture and the migrations ----

namespace {

Result<std::vector<SqlRow>> Query(const std::string& url, const std::string& sql,
                                  std::vector<SqlValue> params = {}) {
  EL_ASSIGN_OR_RETURN(std::unique_ptr<SqlPool> pool, OpenSqlPool(url, 1));
  EL_ASSIGN_OR_RETURN(std::unique_ptr<SqlConn> conn, pool->Acquire());
  EL_ASSIGN_OR_RETURN(SqlResult r, conn->Exec(sql, params));
  return r.rows;
}

}  // namespace

TEST_P(HubStoreConformance, MigrationsCreateEveryTable) {
  EXPECT_EQ(store().Engine(), GetParam() == SqlEngine::kSqlite ? "sqlite" : "postgres");
  EXPECT_EQ(store().SchemaVersion(), HubMigrations().back().version);
  for (const char* table :
       {"tenants", "tokens", "enrollments", "nodes", "batches", "sites", "assets", "channels",
        "windows", "alerts", "annotations", "quality_events", "drift_events", "shadow_stats",
        "heartbeats", "models", "artifacts", "deployments", "deployment_revisions"}) {
    auto rows = Query(url(), std::string("SELECT COUNT(*) FROM ") + table);
    ASSERT_TRUE(rows.ok()) << table << ": " << rows.status().ToString();
    EXPECT_EQ(rows->at(0).Int(0), 0) << table;
  }
}

TEST_P(HubStoreConformance, MigrationVersionsAreRecorded) {
  auto rows = Query(url(), "SELECT version, summary, applied FROM schema_migrations ORDER BY 1");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  const auto migrations = HubMigrations();
  ASSERT_EQ(rows->size(), migrations.size());
  for (size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ((*rows)[i].Int(0), migrations[i].version);
    EXPECT_EQ((*rows)[i].Text(1), migrations[i].summary);
    EXPECT_GT((*rows)[i].Int(2), kNow);  // applied: wall-clock milliseconds
  }
}

TEST_P(HubStoreConformance, ReopeningMigratedDatabaseKeepsDataAndVersions) {
  ASSERT_TRUE(Query(url(), "INSERT INTO tenants (name, created) VALUES ($1, $2)",
                    {std::string("kept"), int64_t{kNow}})
                  .ok());
  auto before = Query(url(), "SELECT version, applied FROM schema_migrations ORDER BY 1");
  ASSERT_TRUE(before.ok());
  auto again = OpenHubStore(url(), 2);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ((*again)->SchemaVersion(), store().SchemaVersion());
  auto after = Query(url(), "SELECT version, applied FROM schema_migrations ORDER BY 1");
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), before->size());
  for (size_t i = 0; i < after->size(); ++i) {
    EXPECT_EQ((*after)[i].Int(1), (*before)[i].Int(1)) << "migration re-applied";
  }
  auto tenants = Query(url(), "SELECT name FROM tenants");
  ASSERT_TRUE(tenants.ok());
  ASSERT_EQ(tenants->size(), 1u);
  EXPECT_EQ(tenants->at(0).Text(0), "kept");
}

TEST_P(HubStoreConformance, DatabaseNewerThanBinaryIsRefused) {
  const int64_t newer = HubMigrations().back().version + 1;
  ASSERT_TRUE(Query(url(),
                    "INSERT INTO schema_migrations (version, summary, applied) VALUES ($1, $2, $3)",
                    {newer, std::string("from the future"), int64_t{kNow}})
                  .ok());
  auto refused = OpenHubStore(url(), 1);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("newer"), std::string::npos)
      << refused.status().message();
}

// Two hubs starting together on an empty database: both must end at the latest version and
// each migration must be applied once (advisory lock on PostgreSQL, BEGIN IMMEDIATE on SQLite).
TEST_P(HubStoreConformance, ConcurrentMigrationsApplyEachVersionOnce) {
  const std::string fresh = FreshUrl();
  ASSERT_FALSE(fresh.empty());
  std::vector<Result<std::unique_ptr<HubStore>>> results;
  for (int i = 0; i < 4; ++i) results.emplace_back(Internal("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] { results[i] = OpenHubStore(fresh, 1); });
  }
  for (auto& t : threads) t.join();
  for (auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ((*r)->SchemaVersion(), HubMigrations().back().version);
  }
  auto rows = Query(fresh, "SELECT COUNT(*) FROM schema_migrations");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->at(0).Int(0), static_cast<int64_t>(HubMigrations().size()));
}

}  // namespace edgeloop::store
