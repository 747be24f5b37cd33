// HubStoreConformance: the one test fixture every HubStore conformance test uses, instantiated
// for SQLite and PostgreSQL (test names end in /sqlite and /postgres). Each test gets a fresh,
// migrated store: SQLite in a file of its own temp folder, PostgreSQL in a fresh schema of the
// shared test server (postgres_test_server.h). A PostgreSQL server that cannot start FAILS the
// test; nothing is skipped.
//
// Write tests as TEST_P(HubStoreConformance, Name) in hub_store_<area>_test.cc.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "store/hub_store.h"
#include "store/sql_db.h"

namespace edgeloop::store {

// Readable parameter in test listings ("# GetParam() = postgres" instead of raw bytes).
inline void PrintTo(SqlEngine engine, std::ostream* os) {
  *os << (engine == SqlEngine::kSqlite ? "sqlite" : "postgres");
}

class HubStoreConformance : public ::testing::TestWithParam<SqlEngine> {
 protected:
  void SetUp() override;
  void TearDown() override;

  HubStore& store() { return *store_; }
  SqlEngine engine() const { return GetParam(); }
  // Creates a tenant named `name` and returns its id (fails the test and returns -1 on error).
  int64_t MakeTenant(const std::string& name);

  // URL of this test's database (for raw SQL checks or a second store on the same data).
  const std::string& url() const { return url_; }
  // A further empty database of the same engine, cleaned up with the test.
  std::string FreshUrl();

 private:
  std::string NewUrl();

  std::filesystem::path dir_;         // SQLite: the test's temp folder
  std::string server_url_;            // PostgreSQL: the shared server
  std::vector<std::string> schemas_;  // PostgreSQL: schemas to drop in TearDown
  std::string url_;
  std::unique_ptr<HubStore> store_;
};

}  // namespace edgeloop::store
