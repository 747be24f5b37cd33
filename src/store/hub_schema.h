// The hub's versioned schema: an ordered list of migrations, applied by MigrateHubSchema.
#pragma once

#include <span>
#include <string_view>

#include "common/status.h"

namespace edgeloop::store {

class SqlConn;

struct Migration {
  int version;               // 1, 2, 3, ... without gaps
  std::string_view summary;  // what it changes, for logs
  std::string_view sql;      // statements with {{id}}/{{blob}}/{{json}}/{{double}} tokens
};

std::span<const Migration> HubMigrations();

// Creates `schema_migrations` if needed and applies every migration newer than the database's
// version, each in its own transaction (PostgreSQL: under an advisory lock, so two hubs starting
// together do not race). Returns the resulting version; kFailedPrecondition if the database is
// newer than this binary knows.
Result<int> MigrateHubSchema(SqlConn& conn);

}  // namespace edgeloop::store
