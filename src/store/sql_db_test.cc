// Driver tests: the same SQL on SQLite and on a real PostgreSQL server must give the same answers.
#include "store/sql_db.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <thread>

#include "store/postgres_test_server.h"
#include "store/sql_driver.h"

namespace edgeloop::store {

// For comparing SqlValues in this test (found by ADL from std::variant's operator==).
bool operator==(const SqlBlob& a, const SqlBlob& b) { return a.bytes == b.bytes; }
void PrintTo(SqlEngine engine, std::ostream* os) {
  *os << (engine == SqlEngine::kSqlite ? "sqlite" : "postgres");
}

namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

class SqlDbTest : public ::testing::TestWithParam<SqlEngine> {
 protected:
  void SetUp() override {
    if (GetParam() == SqlEngine::kPostgres) {
      auto server = testing::SharedTestServerUrl();
      ASSERT_TRUE(server.ok()) << server.status().ToString();
      server_ = *server;
      auto schema = testing::CreateTestSchema(server_);
      ASSERT_TRUE(schema.ok()) << schema.status().ToString();
      schema_ = schema->name;
      url_ = schema->url;
    } else {
      const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
      std::string name = info->name();
      for (char& c : name) c = c == '/' ? '_' : c;
      dir_ = std::filesystem::path(::testing::TempDir()) / ("sql_db_" + name);
      std::filesystem::remove_all(dir_);
      std::filesystem::create_directories(dir_);
      url_ = "sqlite:" + (dir_ / "t.db").string();
    }
    auto pool = OpenSqlPool(url_, 8);
    ASSERT_TRUE(pool.ok()) << pool.status().ToString();
    pool_ = std::move(*pool);
    auto conn = pool_->Acquire();
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    conn_ = std::move(*conn);
  }
  void TearDown() override {
    conn_.reset();
    pool_.reset();
    if (!schema_.empty()) EXPECT_TRUE(testing::DropTestSchema(server_, schema_).ok());
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  void Script(std::string_view sql) {
    ASSERT_TRUE(conn_->ExecScript(conn_->dialect().Expand(sql)).ok());
  }
  SqlResult Exec(std::string_view sql, std::vector<SqlValue> params = {}) {
    auto r = conn_->Exec(sql, params);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    return r.ok() ? *r : SqlResult{};
  }
  int64_t Count(std::string_view table) {
    SqlResult r = Exec("SELECT COUNT(*) FROM " + std::string(table));
    return r.rows.empty() ? -1 : r.rows[0].Int(0);
  }

  std::string url_, server_, schema_;
  std::filesystem::path dir_;
  std::unique_ptr<SqlPool> pool_;
  std::unique_ptr<SqlConn> conn_;
};

TEST_P(SqlDbTest, EveryParameterTypeRoundTrips) {
  Script("CREATE TABLE t (k BIGINT PRIMARY KEY, i BIGINT, d {{double}}, s TEXT, b {{blob}})");
  const std::string unicode =
      "Gr\xC3\xBC\xC3\x9F"
      "e \xE6\xB8\xA9\xE5\xBA\xA6 \xF0\x9F\x8C\xA1";
  const std::string bytes("\0\x01\xFF\0zz\x80", 7);
  struct Case {
    SqlValue i, d, s, b;
  };
  const std::vector<Case> cases = {
      {kMax, 0.1, unicode, SqlBlob{bytes}},
      {kMin, -1e300, std::string(""), SqlBlob{""}},
      {int64_t{0}, 5e-324, std::string("it's \"quoted\" \\ ;"), SqlBlob{std::string(1, '\0')}},
      {int64_t{-1}, std::numeric_limits<double>::infinity(), std::string(3000, 'x'),
       std::monostate{}},
      {std::monostate{}, -std::numeric_limits<double>::infinity(), std::monostate{},
       SqlBlob{std::string(70000, '\xAB')}},
  };
  for (size_t k = 0; k < cases.size(); ++k) {
    const Case& c = cases[k];
    SqlResult r = Exec("INSERT INTO t (k, i, d, s, b) VALUES ($1, $2, $3, $4, $5)",
                       {static_cast<int64_t>(k), c.i, c.d, c.s, c.b});
    EXPECT_EQ(r.affected, 1);
  }
  SqlResult r = Exec("SELECT i, d, s, b FROM t ORDER BY k");
  ASSERT_EQ(r.rows.size(), cases.size());
  for (size_t k = 0; k < cases.size(); ++k) {
    const SqlRow& row = r.rows[k];
    const Case& c = cases[k];
    EXPECT_EQ(row.values[0], c.i) << k;
    ASSERT_TRUE(std::holds_alternative<double>(row.values[1])) << k;
    EXPECT_EQ(row.Double(1), std::get<double>(c.d)) << k;
    EXPECT_EQ(row.values[2], c.s) << k;
    if (std::holds_alternative<SqlBlob>(c.b)) {
      ASSERT_TRUE(std::holds_alternative<SqlBlob>(row.values[3])) << k;
      EXPECT_EQ(row.Blob(3), std::get<SqlBlob>(c.b).bytes) << k;
    } else {
      EXPECT_TRUE(row.IsNull(3)) << k;
    }
  }
  EXPECT_EQ(r.rows[4].Int(0), 0);  // NULL reads as 0
  EXPECT_EQ(r.rows[4].Text(2), "");
}

TEST_P(SqlDbTest, NanDoubleReadsBackAsNan) {
  // SQLite has no NaN (it stores NULL); PostgreSQL keeps it. Both read back NaN via Double().
  Script("CREATE TABLE t (d {{double}})");
  Exec("INSERT INTO t (d) VALUES ($1)", {std::numeric_limits<double>::quiet_NaN()});
  SqlResult r = Exec("SELECT d FROM t");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_TRUE(std::isnan(r.rows[0].Double(0)));
}

TEST_P(SqlDbTest, ParameterCanBeUsedTwiceAndOutOfOrder) {
  Script("CREATE TABLE t (a BIGINT, b BIGINT, s TEXT)");
  Exec("INSERT INTO t (s, b, a) VALUES ($2, $1, $1)", {int64_t{7}, std::string("seven")});
  Exec("INSERT INTO t (a, b, s) VALUES ($1, $2, $3)", {int64_t{7}, int64_t{8}, std::string("x")});
  SqlResult r = Exec("SELECT s FROM t WHERE a = $1 AND b = $1", {int64_t{7}});
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].Text(0), "seven");
  r = Exec("SELECT CAST($1 AS BIGINT) + CAST($1 AS BIGINT) * 2", {int64_t{5}});
  EXPECT_EQ(r.rows.at(0).Int(0), 15);
}

TEST_P(SqlDbTest, AffectedRowsAndReturning) {
  Script("CREATE TABLE t (id {{id}}, v BIGINT NOT NULL)");
  SqlResult r = Exec("INSERT INTO t (v) VALUES ($1) RETURNING id", {int64_t{10}});
  ASSERT_EQ(r.rows.size(), 1u);
  const int64_t first = r.rows[0].Int(0);
  r = Exec("INSERT INTO t (v) VALUES ($1) RETURNING id", {int64_t{11}});
  EXPECT_EQ(r.rows.at(0).Int(0), first + 1);
  EXPECT_EQ(r.affected, 1);
  EXPECT_EQ(Exec("UPDATE t SET v = v + 1").affected, 2);
  EXPECT_EQ(Exec("UPDATE t SET v = 0 WHERE id = $1", {int64_t{-5}}).affected, 0);
  EXPECT_EQ(Exec("SELECT v FROM t").affected, 0);
  EXPECT_EQ(Exec("DELETE FROM t WHERE v = $1", {int64_t{12}}).affected, 1);
}

TEST_P(SqlDbTest, TransactionCommitsOrRollsBack) {
  Script("CREATE TABLE t (v BIGINT)");
  Status ok = conn_->Transaction(
      [](SqlConn& tx) { return tx.Exec("INSERT INTO t (v) VALUES ($1)", {int64_t{1}}).status(); });
  EXPECT_TRUE(ok.ok()) << ok.ToString();
  Status failed = conn_->Transaction([](SqlConn& tx) -> Status {
    EL_RETURN_IF_ERROR(tx.Exec("INSERT INTO t (v) VALUES ($1)", {int64_t{2}}).status());
    return NotFound("changed my mind");
  });
  EXPECT_EQ(failed.code(), StatusCode::kNotFound);
  SqlResult r = Exec("SELECT v FROM t");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0].Int(0), 1);
}

TEST_P(SqlDbTest, NestedTransactionRollsBackOnlyItsOwnWork) {
  Script("CREATE TABLE t (v BIGINT PRIMARY KEY)");
  Status s = conn_->Transaction([](SqlConn& tx) -> Status {
    EL_RETURN_IF_ERROR(tx.Exec("INSERT INTO t (v) VALUES (1)").status());
    Status inner = tx.Transaction([](SqlConn& tx2) -> Status {
      EL_RETURN_IF_ERROR(tx2.Exec("INSERT INTO t (v) VALUES (2)").status());
      return tx2.Exec("INSERT INTO t (v) VALUES (1)").status();  // duplicate
    });
    if (inner.code() != StatusCode::kAlreadyExists) return Internal(inner.ToString());
    return tx.Exec("INSERT INTO t (v) VALUES (3)").status();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  SqlResult r = Exec("SELECT v FROM t ORDER BY v");
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0].Int(0), 1);
  EXPECT_EQ(r.rows[1].Int(0), 3);
}

TEST_P(SqlDbTest, ConstraintViolationsMapToCodes) {
  Script(
      "CREATE TABLE p (id BIGINT PRIMARY KEY);"
      "CREATE TABLE t (k TEXT NOT NULL UNIQUE, p BIGINT REFERENCES p(id))");
  Exec("INSERT INTO t (k) VALUES ($1)", {std::string("a")});
  auto dup = conn_->Exec("INSERT INTO t (k) VALUES ($1)", {std::string("a")});
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists) << dup.status().ToString();
  auto null = conn_->Exec("INSERT INTO t (k) VALUES ($1)", {std::monostate{}});
  EXPECT_EQ(null.status().code(), StatusCode::kInvalidArgument) << null.status().ToString();
  auto fk = conn_->Exec("INSERT INTO t (k, p) VALUES ($1, $2)", {std::string("b"), int64_t{9}});
  EXPECT_EQ(fk.status().code(), StatusCode::kInvalidArgument) << fk.status().ToString();
  Status in_tx = conn_->Transaction([](SqlConn& tx) {
    return tx.Exec("INSERT INTO t (k) VALUES ($1)", {std::string("a")}).status();
  });
  EXPECT_EQ(in_tx.code(), StatusCode::kAlreadyExists) << in_tx.ToString();
  EXPECT_EQ(Count("t"), 1);
  // The connection is still usable after the errors.
  Exec("INSERT INTO t (k) VALUES ($1)", {std::string("c")});
  EXPECT_EQ(Count("t"), 2);
}

TEST_P(SqlDbTest, BadTextParametersAreRefusedOnBothEngines) {
  Script("CREATE TABLE t (s TEXT)");
  auto nul = conn_->Exec("INSERT INTO t (s) VALUES ($1)", {std::string("a\0b", 3)});
  EXPECT_EQ(nul.status().code(), StatusCode::kInvalidArgument);
  auto utf = conn_->Exec("INSERT INTO t (s) VALUES ($1)", {std::string("\xC3\x28")});
  EXPECT_EQ(utf.status().code(), StatusCode::kInvalidArgument);
  auto surrogate = conn_->Exec("INSERT INTO t (s) VALUES ($1)", {std::string("\xED\xA0\x80")});
  EXPECT_EQ(surrogate.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Count("t"), 0);
}

TEST_P(SqlDbTest, JsonNumberReadsOnlyNumbers) {
  Script("CREATE TABLE t (k BIGINT, j {{json}} NOT NULL)");
  const std::vector<std::string> docs = {R"({"a": 1.5, "b": "x"})", R"({"a": 2, "x.y": 3})",
                                         R"({"c": true, "a": null})", R"({"a\"b": 4})"};
  for (size_t k = 0; k < docs.size(); ++k) {
    Exec("INSERT INTO t (k, j) VALUES ($1, $2)", {static_cast<int64_t>(k), docs[k]});
  }
  const std::string sql = "SELECT " + conn_->dialect().JsonNumber("j", 1) + " FROM t ORDER BY k";
  const auto values = [&](const std::string& key) {
    std::vector<double> out;
    for (const SqlRow& row : Exec(sql, {key}).rows)
      out.push_back(row.IsNull(0) ? -1 : row.Double(0));
    return out;
  };
  EXPECT_EQ(values("a"), (std::vector<double>{1.5, 2, -1, -1}));
  EXPECT_EQ(values("b"), (std::vector<double>{-1, -1, -1, -1}));   // a string is not a number
  EXPECT_EQ(values("c"), (std::vector<double>{-1, -1, -1, -1}));   // nor is a boolean
  EXPECT_EQ(values("x.y"), (std::vector<double>{-1, 3, -1, -1}));  // keys are not paths
  const std::vector<double> quote = values("a\"b");  // cannot be named on SQLite; no error
  EXPECT_EQ(quote.size(), 4u);
}

TEST_P(SqlDbTest, PoolServesConcurrentWriters) {
  Script("CREATE TABLE t (thread BIGINT, i BIGINT, PRIMARY KEY (thread, i))");
  conn_.reset();  // all 8 connections to the workers
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        auto conn = pool_->Acquire();
        if (!conn.ok() ||
            !(*conn)
                 ->Exec("INSERT INTO t (thread, i) VALUES ($1, $2)", {int64_t{t}, int64_t{i}})
                 .ok()) {
          ++errors;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  auto conn = pool_->Acquire();
  ASSERT_TRUE(conn.ok());
  conn_ = std::move(*conn);
  SqlResult r = Exec("SELECT COUNT(*), COUNT(DISTINCT thread * 1000 + i) FROM t");
  EXPECT_EQ(r.rows.at(0).Int(0), 1600);
  EXPECT_EQ(r.rows.at(0).Int(1), 1600);
}

TEST_P(SqlDbTest, DescribeHidesPassword) {
  EXPECT_EQ(pool_->dialect().engine, GetParam());
  EXPECT_TRUE(
      pool_->Describe().starts_with(GetParam() == SqlEngine::kSqlite ? "sqlite:" : "postgres://"));
  auto pg = OpenSqlPool("postgresql://alice:s3cret@db.example:5433/hub", 2);
  ASSERT_TRUE(pg.ok()) << pg.status().ToString();  // lazy: nothing connects yet
  EXPECT_EQ((*pg)->Describe(), "postgres://alice@db.example:5433/hub");
}

INSTANTIATE_TEST_SUITE_P(Engines, SqlDbTest,
                         ::testing::Values(SqlEngine::kSqlite, SqlEngine::kPostgres),
                         [](const auto& info) {
                           return info.param == SqlEngine::kSqlite ? "sqlite" : "postgres";
                         });

TEST(SqlDbUrlTest, BadUrlsGiveClearErrors) {
  const auto code = [](std::string_view url, int size = 2) {
    return OpenSqlPool(url, size).status().code();
  };
  EXPECT_EQ(code("mysql://localhost/hub"), StatusCode::kInvalidArgument);
  EXPECT_EQ(code("hub.txt"), StatusCode::kInvalidArgument);
  EXPECT_EQ(code("sqlite:"), StatusCode::kInvalidArgument);
  EXPECT_EQ(code("sqlite::memory:", 4), StatusCode::kInvalidArgument);
  EXPECT_EQ(code("sqlite::memory:", 1), StatusCode::kOk);
  EXPECT_EQ(code("postgres://localhost/hub", 0), StatusCode::kInvalidArgument);
  EXPECT_EQ(code("postgresql://localhost/hub?bogus_option=1"), StatusCode::kInvalidArgument);
  EXPECT_EQ(code("sqlite:/nonexistent-dir/x/hub.db"), StatusCode::kIoError);
  const auto msg = OpenSqlPool("mysql://x", 1).status().message();
  EXPECT_NE(msg.find("sqlite:PATH"), std::string::npos) << msg;
  EXPECT_NE(OpenSqlPool("sqlite::memory:", 4).status().message().find("pool size 1"),
            std::string::npos);
}

TEST(SqlDbUrlTest, FileThatIsNotADatabaseIsDataLoss) {
  const auto path = std::filesystem::path(::testing::TempDir()) / "not_a_db.db";
  std::ofstream(path) << "this is not an SQLite database, just some text of enough length....";
  EXPECT_EQ(OpenSqlPool(path.string(), 1).status().code(), StatusCode::kDataLoss);
  std::filesystem::remove(path);
}

TEST(SqlDbUrlTest, UnreachablePostgresIsUnavailable) {
  auto pool = OpenSqlPool("postgres://postgres@127.0.0.1:1/none?connect_timeout=2", 1);
  ASSERT_TRUE(pool.ok()) << pool.status().ToString();
  auto conn = (*pool)->Acquire();
  EXPECT_EQ(conn.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(conn.status().message().find("127.0.0.1"), std::string::npos)
      << conn.status().message();
}

// A server that dies under an open pool: errors, never a crash or a hang.
TEST(SqlDbPostgresTest, KilledServerGivesUnavailable) {
  auto server = testing::PostgresTestServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto pool = OpenSqlPool((*server)->Url(), 2);
  ASSERT_TRUE(pool.ok());
  auto conn = (*pool)->Acquire();
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  ASSERT_TRUE((*conn)->Exec("SELECT 1").ok());
  ASSERT_TRUE((*server)->Kill().ok());
  auto after = (*conn)->Exec("SELECT 1");
  EXPECT_EQ(after.status().code(), StatusCode::kUnavailable) << after.status().ToString();
  Status tx = (*conn)->Transaction([](SqlConn& c) { return c.Exec("SELECT 1").status(); });
  EXPECT_EQ(tx.code(), StatusCode::kUnavailable) << tx.ToString();
  conn->reset();
  auto again = (*pool)->Acquire();
  EXPECT_EQ(again.status().code(), StatusCode::kUnavailable) << again.status().ToString();
  EXPECT_TRUE((*server)->Stop().ok() || true);  // the folder goes either way
}

// Measurement, not a check: run with --gtest_also_run_disabled_tests to compare statement
// preparation against PQexecParams (numbers in src/store/README.md).
TEST(SqlDbPostgresTest, DISABLED_MeasurePreparedStatements) {
  auto server = testing::SharedTestServerUrl();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  for (bool prepare : {false, true, false, true}) {
    auto schema = testing::CreateTestSchema(*server);
    ASSERT_TRUE(schema.ok());
    auto pool = internal::OpenPostgresPool(schema->url, 1, {.prepare_statements = prepare});
    ASSERT_TRUE(pool.ok());
    auto conn = (*pool)->Acquire();
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)
                    ->ExecScript("CREATE TABLE t (id BIGINT PRIMARY KEY, tenant BIGINT, "
                                 "name TEXT, score DOUBLE PRECISION)")
                    .ok());
    constexpr int kRows = 3000;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kRows; ++i) {
      ASSERT_TRUE((*conn)
                      ->Exec("INSERT INTO t (id, tenant, name, score) VALUES ($1, $2, $3, $4)",
                             {int64_t{i}, int64_t{1}, std::string("row"), 0.5 * i})
                      .ok());
    }
    const auto t1 = std::chrono::steady_clock::now();
    for (int i = 0; i < kRows; ++i) {
      auto r = (*conn)->Exec(
          "SELECT t.name, t.score FROM t WHERE t.tenant = $1 AND t.id = $2 ORDER BY t.id",
          {int64_t{1}, int64_t{i}});
      ASSERT_TRUE(r.ok());
    }
    const auto t2 = std::chrono::steady_clock::now();
    const auto us = [&](auto a, auto b) {
      return std::chrono::duration<double, std::micro>(b - a).count() / kRows;
    };
    std::printf("prepare=%d insert %.1f us/row, point select %.1f us/query\n", prepare, us(t0, t1),
                us(t1, t2));
    (void)testing::DropTestSchema(*server, schema->name);
  }
}

}  // namespace
}  // namespace edgeloop::store
