// SqlHubStore: tenants, tokens, enrollment and nodes.
#include "store/hub_sql_store.h"

#include <chrono>

#include "store/hub_sql_rows.h"

namespace edgeloop::store {
namespace {

using hub_sql::kNodeColumns;
using hub_sql::kTokenColumns;

// The store has no clock of its own: callers pass times. Only a TokenRecord created without a
// `created` stamp (the interface lets the store fill it) reads the wall clock.
TimeMs WallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status NodeNotFound(const std::string& node) { return NotFound("node " + node + " not found"); }

Result<TokenRecord> InsertToken(SqlConn& conn, TokenRecord token) {
  if (token.hash.empty()) return InvalidArgument("token hash is empty");
  if (token.role == Role::kNode) {
    EL_RETURN_IF_ERROR(hub_sql::ValidateId("node id", token.node));
  }
  if (token.created == 0) token.created = WallClockMs();
  const std::string sql =
      "INSERT INTO tokens (tenant, name, role, node, hash, created, expires, "
      "revoked) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";
  Result<SqlResult> r = conn.Exec(
      sql, {token.tenant, token.name, std::string(RoleName(token.role)), token.node, token.hash,
            token.created, hub_sql::OptInt(token.expires), int64_t{token.revoked ? 1 : 0}});
  if (!r.ok()) {
    if (r.status().code() == StatusCode::kAlreadyExists) {
      return AlreadyExists("a token with this hash already exists");
    }
    return r.status();
  }
  if (r->rows.empty()) return Internal("INSERT INTO tokens returned no id");
  token.id = r->rows[0].Int(0);
  return token;
}

Result<NodeRecord> SelectNode(SqlConn& conn, int64_t tenant, const std::string& node) {
  EL_ASSIGN_OR_RETURN(SqlResult r, conn.Exec("SELECT " + std::string(kNodeColumns) +
                                                 " FROM nodes WHERE tenant = $1 AND id = $2",
                                             {tenant, node}));
  if (r.rows.empty()) return NodeNotFound(node);
  return hub_sql::NodeFromRow(r.rows[0]);
}

}  // namespace

Result<Tenant> SqlHubStore::CreateTenant(const std::string& name, TimeMs now) {
  // Tenant names are display names (spaces allowed), but bounded and printable.
  if (name.empty() || name.size() > 128) {
    return InvalidArgument("tenant name must have 1 to 128 characters");
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return InvalidArgument("tenant name has a control character");
  }
  Tenant tenant{.id = 0, .name = name, .created = now};
  Status s = WithConn([&](SqlConn& conn) -> Status {
    Result<SqlResult> r =
        conn.Exec("INSERT INTO tenants (name, created) VALUES ($1, $2) RETURNING id", {name, now});
    if (!r.ok()) {
      if (r.status().code() == StatusCode::kAlreadyExists) {
        return AlreadyExists("tenant " + name + " already exists");
      }
      return r.status();
    }
    if (r->rows.empty()) return Internal("INSERT INTO tenants returned no id");
    tenant.id = r->rows[0].Int(0);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return tenant;
}

Result<Tenant> SqlHubStore::FindTenant(const std::string& name) {
  Tenant tenant;
  Status s = WithConn([&](SqlConn& conn) -> Status {
    EL_ASSIGN_OR_RETURN(SqlResult r,
                        conn.Exec("SELECT id, name, created FROM tenants WHERE name = $1", {name}));
    if (r.rows.empty()) return NotFound("tenant " + name + " not found");
    tenant = Tenant{.id = r.rows[0].Int(0), .name = r.rows[0].Text(1), .created = r.rows[0].Int(2)};
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return tenant;
}

Result<TokenRecord> SqlHubStore::CreateToken(const TokenRecord& token) {
  TokenRecord stored;
  Status s = WithTransaction([&](SqlConn& conn) -> Status {
    EL_RETURN_IF_ERROR(hub_sql::RequireTenant(conn, token.tenant));
    EL_ASSIGN_OR_RETURN(stored, InsertToken(conn, token));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return stored;
}

Result<TokenRecord> SqlHubStore::FindTokenByHash(const std::string& hash) {
  TokenRecord token;
  Status s = WithConn([&](SqlConn& conn) -> Status {
    EL_ASSIGN_OR_RETURN(
        SqlResult r,
        conn.Exec("SELECT " + std::string(kTokenColumns) + " FROM tokens WHERE hash = $1", {hash}));
    // The hash may come from an attacker's guess: the message never repeats it.
    if (r.rows.empty()) return NotFound("no token with this hash");
    token = hub_sql::TokenFromRow(r.rows[0]);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return token;
}

Result<std::vector<TokenRecord>> SqlHubStore::ListTokens(int64_t tenant) {
  std::vector<TokenRecord> tokens;
  Status s = WithConn([&](SqlConn& conn) -> Status {
    EL_ASSIGN_OR_RETURN(SqlResult r, conn.Exec("SELECT " + std::string(kTokenColumns) +
                                                   " FROM tokens WHERE tenant = $1 ORDER BY id",
                                               {tenant}));
    for (const SqlRow& row : r.rows) tokens.push_back(hub_sql::TokenFromRow(row));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return tokens;
}

Status SqlHubStore::RevokeToken(int64_t tenant, int64_t token_id) {
  return WithConn([&](SqlConn& conn) -> Status {
    EL_ASSIGN_OR_RETURN(
        SqlResult r,
        conn.Exec("UPDATE tokens SET revoked = 1 WHERE tenant = $1 AND id = $2 RETURNING id",
                  {tenant, token_id}));
    if (r.rows.empty()) return NotFound("token " + std::to_string(token_id) + " not found");
    return Status::Ok();
  });
}

Result<EnrollmentRecord> SqlHubStore::CreateEnrollment(const EnrollmentRecord& enrollment) {
  EL_RETURN_IF_ERROR(hub_sql::ValidateId("node id", enrollment.node));
  if (!enrollment.site.empty()) EL_RETURN_IF_ERROR(hub_sql::ValidateId("site id", enrollment.site));
  if (!enrollment.group.empty()) {
    EL_RETURN_IF_ERROR(hub_sql::ValidateId("group", enrollment.group));
  }
  if (enrollment.hash.empty()) return InvalidArgument("enrollment hash is empty");
  if (enrollment.expires <= enrollment.created) {
    return InvalidArgument("enrollment expires before it is created");
  }
  EnrollmentRecord stored = enrollment;
  Status s = WithTransaction([&](SqlConn& conn) -> Status {
    EL_RETURN_IF_ERROR(hub_sql::RequireTenant(conn, enrollment.tenant));
    Result<SqlResult> r = conn.Exec(
        "INSERT INTO enrollments (tenant, node, site, grp, hash, created, expires, used, "
        "created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        {enrollment.tenant, enrollment.node, enrollment.site, enrollment.group, enrollment.hash,
         enrollment.created, enrollment.expires, hub_sql::OptInt(enrollment.used),
         enrollment.created_by});
    if (!r.ok()) {
      if (r.status().code() == StatusCode::kAlreadyExists) {
        return AlreadyExists("an enrollment with this hash already exists");
      }
      return r.status();
    }
    if (r->rows.empty()) return Internal("INSERT INTO enrollments returned no id");
    stored.id = r->rows[0].Int(0);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return stored;
}

Result<NodeRecord> SqlHubStore::Enroll(const std::string& enrollment_hash, TokenRecord node_token,
                                       TimeMs now) {
  NodeRecord node;
  Status s = WithTransaction([&](SqlConn& conn) -> Status {
    EL_ASSIGN_OR_RETURN(SqlResult e, conn.Exec("SELECT id, tenant, node, site, grp, expires, used "
                                               "FROM enrollments WHERE hash = $1",
                                               {enrollment_hash}));
    if (e.rows.empty()) return NotFound("enrollment not found");
    const SqlRow& row = e.rows[0];
    const int64_t id = row.Int(0);
    const int64_t tenant = row.Int(1);
    const std::string node_id = row.Text(2);
    const TimeMs expires = row.Int(5);
    if (!row.IsNull(6)) {
      return FailedPrecondition("enrollment already used at " + hub_sql::FormatTimeMs(row.Int(6)));
    }
    if (now >= expires) {
      return FailedPrecondition("enrollment expired at " + hub_sql::FormatTimeMs(expires));
    }
    // `used IS NULL` again: on PostgreSQL a concurrent Enroll read the row unused too; the
    // row lock makes the second UPDATE wait, re-check and match nothing.
    EL_ASSIGN_OR_RETURN(SqlResult mark,
                        conn.Exec("UPDATE enrollments SET used = $1 WHERE id = $2 AND used IS NULL "
                                  "RETURNING id",
                                  {now, id}));
    if (mark.rows.empty()) return FailedPrecondition("enrollment already used");
    // Re-enrolling keeps the node's counters and status; only placement and time change.
    EL_RETURN_IF_ERROR(
        conn.Exec("INSERT INTO nodes (tenant, id, site, grp, enrolled) VALUES ($1, $2, $3, $4, $5) "
                  "ON CONFLICT (tenant, id) DO UPDATE SET site = excluded.site, "
                  "grp = excluded.grp, enrolled = excluded.enrolled",
                  {tenant, node_id, row.Text(3), row.Text(4), now})
            .status());
    EL_RETURN_IF_ERROR(conn.Exec("UPDATE tokens SET revoked = 1 WHERE tenant = $1 AND node = $2 "
                                 "AND role = $3 AND revoked = 0",
                                 {tenant, node_id, std::string(RoleName(Role::kNode))})
                           .status());
    node_token.tenant = tenant;
    node_token.role = Role::kNode;
    node_token.node = node_id;
    node_token.revoked = false;
    if (node_token.name.empty()) node_token.name = "node " + node_id;
    if (node_token.created == 0) node_token.created = now;
    EL_RETURN_IF_ERROR(InsertToken(conn, node_token).status());
    EL_ASSIGN_OR_RETURN(node, SelectNode(conn, tenant, node_id));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return node;
}

Result<std::vector<NodeRecord>> SqlHubStore::ListNodes(int64_t tenant) {
  std::vector<NodeRecord> nodes;
  Status s = WithConn([&](SqlConn& conn) -> Status {
    EL_ASSIGN_OR_RETURN(SqlResult r, conn.Exec("SELECT " + std::string(kNodeColumns) +
                                                   " FROM nodes WHERE tenant = $1 ORDER BY id",
                                               {tenant}));
    for (const SqlRow& row : r.rows) nodes.push_back(hub_sql::NodeFromRow(row));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return nodes;
}

Result<NodeRecord> SqlHubStore::GetNode(int64_t tenant, const std::string& node) {
  NodeRecord record;
  Status s = WithConn([&](SqlConn& conn) -> Status {
    EL_ASSIGN_OR_RETURN(record, SelectNode(conn, tenant, node));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return record;
}

Status SqlHubStore::TouchNode(int64_t tenant, const std::string& node, TimeMs now) {
  return WithConn([&](SqlConn& conn) -> Status {
    // last_seen never moves backwards (requests of one node may finish out of order).
    EL_ASSIGN_OR_RETURN(
        SqlResult r,
        conn.Exec("UPDATE nodes SET last_seen = CASE WHEN last_seen IS NULL OR last_seen < $3 "
                  "THEN CAST($3 AS BIGINT) ELSE last_seen END "
                  "WHERE tenant = $1 AND id = $2 RETURNING id",
                  {tenant, node, now}));
    if (r.rows.empty()) return NodeNotFound(node);
    return Status::Ok();
  });
}

Status SqlHubStore::WithConn(const std::function<Status(SqlConn&)>& body) {
  EL_ASSIGN_OR_RETURN(std::unique_ptr<SqlConn> conn, pool_->Acquire());
  return body(*conn);
}

Status SqlHubStore::WithTransaction(const std::function<Status(SqlConn&)>& body) {
  EL_ASSIGN_OR_RETURN(std::unique_ptr<SqlConn> conn, pool_->Acquire());
  return conn->Transaction(body);
}

}  // namespace edgeloop::store
