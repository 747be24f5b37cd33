// SqlHubStore: the model registry (versions and their artifacts) and deployments of those
// versions to nodes, with the per-tenant deployment revision that desired-state ETags follow.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/sha256.h"
#include "store/hub_sql_rows.h"
#include "store/hub_sql_store.h"

namespace edgeloop::store {
namespace {

constexpr size_t kMaxModelName = 128;
constexpr size_t kMinShaPrefix = 8;
constexpr size_t kShaHexDigits = 64;
// Two uploads under one name may pick the same next version; the loser's insert hits the unique
// key and the whole transaction runs again. A handful of rounds is plenty for human uploads.
constexpr int kVersionAttempts = 16;

constexpr std::string_view kModelColumns =
    "id, tenant, name, version, sha256, size, signature, trainer, CAST(metadata AS TEXT), "
    "parent_version, created_by, created";

ModelVersion ModelFromRow(const SqlRow& row) {
  ModelVersion m;
  m.id = row.Int(0);
  m.tenant = row.Int(1);
  m.name = row.Text(2);
  m.version = row.Int(3);
  m.sha256 = row.Text(4);
  m.size = row.Int(5);
  m.signature = row.Text(6);
  m.trainer = row.Text(7);
  m.metadata_json = row.Text(8);
  if (!row.IsNull(9)) m.parent_version = row.Int(9);
  m.created_by = row.Text(10);
  m.created = row.Int(11);
  return m;
}

std::vector<ModelVersion> ModelsFromRows(const SqlResult& r) {
  std::vector<ModelVersion> models;
  models.reserve(r.rows.size());
  for (const SqlRow& row : r.rows) models.push_back(ModelFromRow(row));
  return models;
}

Status ValidateModelName(const std::string& name) {
  if (name.empty() || name.size() > kMaxModelName) {
    return InvalidArgument("model name must be 1.." + std::to_string(kMaxModelName) +
                           " characters");
  }
  for (unsigned char c : name) {
    if (!std::isalnum(c) && c != '.' && c != '_' && c != '-') {
      return InvalidArgument("model name '" + name +
                             "' may only hold letters, digits, '.', '_' and '-'");
    }
  }
  return Status::Ok();
}

bool IsHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Result<ModelVersion> SqlHubStore::CreateModelVersion(const ModelVersion& model,
                                                     std::string_view artifact) {
  EL_RETURN_IF_ERROR(ValidateModelName(model.name));
  const std::string sha = Sha256Hex(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(artifact.data()), artifact.size()));
  if (sha.empty()) return Internal("could not hash the model artifact");
  if (!model.sha256.empty() && Lower(model.sha256) != sha) {
    return InvalidArgument("model sha256 " + model.sha256 + " does not match the artifact (" + sha +
                           ")");
  }
  const std::string metadata = model.metadata_json.empty() ? "{}" : model.metadata_json;
  if (!nlohmann::json::accept(metadata)) {
    return InvalidArgument("model metadata is not valid JSON");
  }
  if (model.parent_version && *model.parent_version < 1) {
    return InvalidArgument("parent_version must be >= 1");
  }

  ModelVersion created;
  Status status;
  for (int attempt = 0; attempt < kVersionAttempts; ++attempt) {
    bool duplicate_artifact = false;  // our own kAlreadyExists: final, no retry
    status = WithTransaction([&](SqlConn& conn) -> Status {
      EL_ASSIGN_OR_RETURN(SqlResult same,
                          conn.Exec("SELECT version FROM models WHERE tenant = $1 AND name = $2 "
                                    "AND sha256 = $3",
                                    {model.tenant, model.name, sha}));
      if (!same.rows.empty()) {
        duplicate_artifact = true;
        return AlreadyExists("model " + model.name + " already has this artifact as version " +
                             std::to_string(same.rows[0].Int(0)));
      }
      EL_ASSIGN_OR_RETURN(
          SqlResult next,
          conn.Exec("SELECT CAST(COALESCE(MAX(version), 0) + 1 AS BIGINT) FROM models "
                    "WHERE tenant = $1 AND name = $2",
                    {model.tenant, model.name}));
      const int64_t version = next.rows.at(0).Int(0);
      SqlValue parent;
      if (model.parent_version) parent = *model.parent_version;
      EL_ASSIGN_OR_RETURN(
          SqlResult inserted,
          conn.Exec(
              "INSERT INTO models (tenant, name, version, sha256, size, signature, trainer, "
              "metadata, parent_version, created_by, created) "
              "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING " +
                  std::string(kModelColumns),
              {model.tenant, model.name, version, sha, static_cast<int64_t>(artifact.size()),
               model.signature, model.trainer, metadata, parent, model.created_by, model.created}));
      if (inserted.rows.empty()) return Internal("INSERT ... RETURNING gave no row");
      // Two names may share one artifact; its bytes are stored once per tenant.
      EL_RETURN_IF_ERROR(conn.Exec("INSERT INTO artifacts (tenant, sha256, bytes) "
                                   "VALUES ($1, $2, $3) ON CONFLICT (tenant, sha256) DO NOTHING",
                                   {model.tenant, sha, SqlBlob{std::string(artifact)}})
                             .status());
      created = ModelFromRow(inserted.rows[0]);
      return Status::Ok();
    });
    if (status.ok()) return created;
    if (status.code() != StatusCode::kAlreadyExists || duplicate_artifact) return status;
  }
  return status.WithContext("model " + model.name + ": no free version after " +
                            std::to_string(kVersionAttempts) + " attempts");
}

Result<std::vector<ModelVersion>> SqlHubStore::ListModels(int64_t tenant) {
  std::vector<ModelVersion> models;
  EL_RETURN_IF_ERROR(WithConn([&](SqlConn& conn) -> Status {
    EL_ASSIGN_OR_RETURN(
        SqlResult r,
        conn.Exec("SELECT " + std::string(kModelColumns) +
                      " FROM models m WHERE tenant = $1 AND version = (SELECT MAX(version) FROM "
                      "models l WHERE l.tenant = m.tenant AND l.name = m.name) ORDER BY name",
                  {tenant}));
    models = ModelsFromRows(r);
    return Status::Ok();
  }));
  return models;
}

Result<std::vector<ModelVersion>> SqlHubStore::ListModelVersions(int64_t tenant,
                                                                 const std::string& name) {
  std::vector<ModelVersion> models;
  EL_RETURN_IF_ERROR(WithConn([&](SqlConn& conn) -> Status {
    EL_ASSIGN_OR_RETURN(SqlResult r, conn.Exec("SELECT " + std::string(kModelColumns) +
                                                   " FROM models WHERE tenant = $1 AND name = $2 "
                                                   "ORDER BY version",
                                               {tenant, name}));
    models = ModelsFromRows(r);
    return Status::Ok();
  }));
  return models;
}

Result<ModelVersion> SqlHubStore::GetModelVersion(int64_t tenant, const std::string& name,
                                                  int64_t version) {
  ModelVersion model;
  EL_RETURN_IF_ERROR(WithConn([&](SqlConn& conn) -> Status {
    EL_ASSIGN_OR_RETURN(
        SqlResult r, conn.Exec("SELECT " + std::string(kModelColumns) +
                                   " FROM models WHERE tenant = $1 AND name = $2 AND version = $3",
                               {tenant, name, version}));
    if (r.rows.empty()) {
      return NotFound("no model " + name + " version " + std::to_string(version));
    }
    model = ModelFromRow(r.rows[0]);
    return Status::Ok();
  }));
  return model;
}

Result<ModelVersion> SqlHubStore::FindModelVersionBySha(int64_t tenant,
                                                        const std::string& sha_prefix) {
  if (sha_prefix.size() < kMinShaPrefix || sha_prefix.size() > kShaHexDigits ||
      !IsHex(sha_prefix)) {
    return InvalidArgument("a model sha256 prefix needs " + std::to_string(kMinShaPrefix) + ".." +
                           std::to_string(kShaHexDigits) + " hex digits, not '" + sha_prefix + "'");
  }
  // Validated hex, so the LIKE pattern holds no wildcard but the trailing one.
  const std::string pattern = Lower(sha_prefix) + "%";
  std::vector<ModelVersion> matches;
  EL_RETURN_IF_ERROR(WithConn([&](SqlConn& conn) -> Status {
    EL_ASSIGN_OR_RETURN(SqlResult r,
                        conn.Exec("SELECT " + std::string(kModelColumns) +
                                      " FROM models WHERE tenant = $1 AND sha256 LIKE $2 "
                                      "ORDER BY id DESC LIMIT 100",
                                  {tenant, pattern}));
    matches = ModelsFromRows(r);
    return Status::Ok();
  }));
  if (matches.empty()) return NotFound("no model version with sha256 " + sha_prefix + "...");
  std::set<std::string> shas;
  for (const ModelVersion& m : matches) shas.insert(m.sha256);
  if (shas.size() > 1) {
    // Name a few candidates so the caller can pick a longer prefix.
    constexpr size_t kNamed = 5;
    std::string names;
    for (size_t i = 0; i < matches.size() && i < kNamed; ++i) {
      const ModelVersion& m = matches[i];
      if (!names.empty()) names += ", ";
      names += m.name + " v" + std::to_string(m.version) + " (" + m.sha256.substr(0, 16) + ")";
    }
    if (matches.size() > kNamed) names += ", ...";
    return FailedPrecondition("sha256 prefix " + sha_prefix + " is ambiguous: " + names);
  }
  // The same artifact under several names: the newest upload wins.
  return matches.front();
}

Result<std::string> SqlHubStore::GetArtifact(int64_t tenant, const std::string& sha256) {
  std::string bytes;
  EL_RETURN_IF_ERROR(WithConn([&](SqlConn& conn) -> Status {
    EL_ASSIGN_OR_RETURN(SqlResult r,
                        conn.Exec("SELECT bytes FROM artifacts WHERE tenant = $1 AND sha256 = $2",
                                  {tenant, Lower(sha256)}));
    if (r.rows.empty()) return NotFound("no artifact with sha256 " + sha256);
    bytes = r.rows[0].Blob(0);
    return Status::Ok();
  }));
  return bytes;
}

// ---- Deployments ----

namespace {

constexpr std::string_view kDeploymentColumns =
    "id, tenant, model, version, grp, CAST(target_nodes AS TEXT), target_group, role, "
    "canary_percent, state, created_by, created, replaces";

Result<Deployment> DeploymentFromRow(const SqlRow& row) {
  Deployment d;
  d.id = row.Int(0);
  d.tenant = row.Int(1);
  d.model = row.Text(2);
  d.version = row.Int(3);
  d.group = row.Text(4);
  const std::string where = "deployment " + std::to_string(d.id);
  nlohmann::json nodes = nlohmann::json::parse(row.Text(5), nullptr, /*allow_exceptions=*/false);
  if (!nodes.is_array()) return DataLoss(where + ": target_nodes is not a JSON array");
  for (const nlohmann::json& n : nodes) {
    if (!n.is_string()) return DataLoss(where + ": target_nodes holds a non-string");
    d.target_nodes.push_back(n.get<std::string>());
  }
  d.target_group = row.Text(6);
  std::optional<DeploymentRole> role = ParseDeploymentRole(row.Text(7));
  if (!role) return DataLoss(where + " has unknown role '" + row.Text(7) + "'");
  d.role = *role;
  d.canary_percent = static_cast<int>(row.Int(8));
  std::optional<DeploymentState> state = ParseDeploymentState(row.Text(9));
  if (!state) return DataLoss(where + " has unknown state '" + row.Text(9) + "'");
  d.state = *state;
  d.created_by = row.Text(10);
  d.created = row.Int(11);
  d.replaces = hub_sql::OptIntAt(row, 12);
  return d;
}

Status ValidateDeployment(const Deployment& d) {
  EL_RETURN_IF_ERROR(ValidateModelName(d.model));
  if (d.version < 1) return InvalidArgument("deployment model version must be >= 1");
  EL_RETURN_IF_ERROR(hub_sql::ValidateId("deployment group", d.group));
  if (d.target_nodes.empty() == d.target_group.empty()) {
    return InvalidArgument("a deployment targets either a list of nodes or a node group");
  }
  for (const std::string& node : d.target_nodes) {
    EL_RETURN_IF_ERROR(hub_sql::ValidateId("target node", node));
  }
  if (!d.target_group.empty()) {
    EL_RETURN_IF_ERROR(hub_sql::ValidateId("target group", d.target_group));
  }
  if (d.role == DeploymentRole::kCanary) {
    if (d.canary_percent < 1 || d.canary_percent > 100) {
      return InvalidArgument("a canary deployment needs a percent in 1..100");
    }
  } else if (d.canary_percent != 0) {
    return InvalidArgument("only a canary deployment takes a percent");
  }
  return Status::Ok();
}

// Every deployment change moves the tenant's revision on, so desired-state ETags change.
Status BumpRevision(SqlConn& conn, int64_t tenant) {
  return conn
      .Exec(
          "INSERT INTO deployment_revisions (tenant, revision) VALUES ($1, 1) "
          "ON CONFLICT (tenant) DO UPDATE SET revision = deployment_revisions.revision + 1",
          {tenant})
      .status();
}

}  // namespace

Result<Deployment> SqlHubStore::CreateDeployment(const Deployment& deployment,
                                                 std::span<const int64_t> supersede) {
  EL_RETURN_IF_ERROR(ValidateDeployment(deployment));
  const int64_t tenant = deployment.tenant;
  Deployment created;
  EL_RETURN_IF_ERROR(WithTransaction([&](SqlConn& conn) -> Status {
    EL_ASSIGN_OR_RETURN(SqlResult model,
                        conn.Exec("SELECT id FROM models WHERE tenant = $1 AND name = $2 "
                                  "AND version = $3",
                                  {tenant, deployment.model, deployment.version}));
    if (model.rows.empty()) {
      return NotFound("no model " + deployment.model + " version " +
                      std::to_string(deployment.version));
    }
    // A new deployment is always active; its predecessors are what changes state.
    EL_ASSIGN_OR_RETURN(
        SqlResult inserted,
        conn.Exec("INSERT INTO deployments (tenant, model, version, grp, target_nodes, "
                  "target_group, role, canary_percent, state, created_by, created, replaces) "
                  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9, $10, $11) RETURNING " +
                      std::string(kDeploymentColumns),
                  {tenant, deployment.model, deployment.version, deployment.group,
                   nlohmann::json(deployment.target_nodes).dump(), deployment.target_group,
                   std::string(DeploymentRoleName(deployment.role)),
                   static_cast<int64_t>(deployment.canary_percent), deployment.created_by,
                   deployment.created, hub_sql::OptInt(deployment.replaces)}));
    if (inserted.rows.empty()) return Internal("INSERT ... RETURNING gave no row");
    EL_ASSIGN_OR_RETURN(created, DeploymentFromRow(inserted.rows[0]));
    for (int64_t id : supersede) {
      EL_RETURN_IF_ERROR(conn.Exec("UPDATE deployments SET state = 'superseded' WHERE tenant = $1 "
                                   "AND id = $2 AND state = 'active' AND id <> $3",
                                   {tenant, id, created.id})
                             .status());
    }
    return BumpRevision(conn, tenant);
  }));
  return created;
}

Status SqlHubStore::SetDeploymentStates(
    int64_t tenant, std::span<const std::pair<int64_t, DeploymentState>> states) {
  if (states.empty()) return Status::Ok();
  return WithTransaction([&](SqlConn& conn) -> Status {
    for (const auto& [id, state] : states) {
      EL_ASSIGN_OR_RETURN(
          SqlResult r, conn.Exec("UPDATE deployments SET state = $3 WHERE tenant = $1 AND id = $2",
                                 {tenant, id, std::string(DeploymentStateName(state))}));
      // Returning the error rolls back the states already set in this call.
      if (r.affected == 0) return NotFound("no deployment " + std::to_string(id));
    }
    return BumpRevision(conn, tenant);
  });
}

Result<Deployment> SqlHubStore::GetDeployment(int64_t tenant, int64_t id) {
  Deployment deployment;
  EL_RETURN_IF_ERROR(WithConn([&](SqlConn& conn) -> Status {
    EL_ASSIGN_OR_RETURN(SqlResult r,
                        conn.Exec("SELECT " + std::string(kDeploymentColumns) +
                                      " FROM deployments WHERE tenant = $1 AND id = $2",
                                  {tenant, id}));
    if (r.rows.empty()) return NotFound("no deployment " + std::to_string(id));
    EL_ASSIGN_OR_RETURN(deployment, DeploymentFromRow(r.rows[0]));
    return Status::Ok();
  }));
  return deployment;
}

Result<std::vector<Deployment>> SqlHubStore::ListDeployments(int64_t tenant, bool active_only) {
  std::vector<Deployment> deployments;
  EL_RETURN_IF_ERROR(WithConn([&](SqlConn& conn) -> Status {
    EL_ASSIGN_OR_RETURN(SqlResult r, conn.Exec("SELECT " + std::string(kDeploymentColumns) +
                                                   " FROM deployments WHERE tenant = $1" +
                                                   (active_only ? " AND state = 'active'" : "") +
                                                   " ORDER BY id DESC",
                                               {tenant}));
    deployments.reserve(r.rows.size());
    for (const SqlRow& row : r.rows) {
      EL_ASSIGN_OR_RETURN(Deployment d, DeploymentFromRow(row));
      deployments.push_back(std::move(d));
    }
    return Status::Ok();
  }));
  return deployments;
}

Result<int64_t> SqlHubStore::DeploymentRevision(int64_t tenant) {
  int64_t revision = 0;
  EL_RETURN_IF_ERROR(WithConn([&](SqlConn& conn) -> Status {
    EL_ASSIGN_OR_RETURN(
        SqlResult r,
        conn.Exec("SELECT revision FROM deployment_revisions WHERE tenant = $1", {tenant}));
    if (!r.rows.empty()) revision = r.rows[0].Int(0);
    return Status::Ok();
  }));
  return revision;
}

}  // namespace edgeloop::store
