// HubStore: everything the hub persists, behind one interface with two backends (SQLite for a
// single site, PostgreSQL when a company outgrows one machine). Both are the same SqlHubStore
// over a different SqlPool (sql_db.h), and both must pass hub_store_conformance_test.
//
// Tenancy: every method takes the caller's tenant id and only reads or writes that tenant's
// rows; an id of another tenant's record answers kNotFound, exactly as a missing one.
// Errors: kNotFound (no such record), kAlreadyExists (unique key taken), kInvalidArgument
// (a value the schema refuses), kFailedPrecondition (state does not allow it, e.g. a used
// enrollment), kUnavailable (database unreachable). Never throws.
// Threads: all methods are thread-safe; each borrows a pooled connection.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/hub_types.h"

namespace edgeloop::store {

class SqlPool;

class HubStore {
 public:
  virtual ~HubStore() = default;

  // "sqlite" or "postgres"; the schema version after migration.
  virtual std::string_view Engine() const = 0;
  virtual int SchemaVersion() const = 0;

  // ---- Tenants and tokens ----
  virtual Result<Tenant> CreateTenant(const std::string& name, TimeMs now) = 0;
  virtual Result<Tenant> FindTenant(const std::string& name) = 0;
  // Stores `token` (id/created filled in by the store). kAlreadyExists if the hash is taken.
  virtual Result<TokenRecord> CreateToken(const TokenRecord& token) = 0;
  // Any tenant: used by authentication. kNotFound if no token has this hash.
  virtual Result<TokenRecord> FindTokenByHash(const std::string& hash) = 0;
  virtual Result<std::vector<TokenRecord>> ListTokens(int64_t tenant) = 0;
  virtual Status RevokeToken(int64_t tenant, int64_t token_id) = 0;

  // ---- Enrollment and nodes ----
  virtual Result<EnrollmentRecord> CreateEnrollment(const EnrollmentRecord& enrollment) = 0;
  // Atomically: checks the enrollment with this hash is unused and not expired at `now`, marks
  // it used, creates (or re-enrolls) the node, revokes the node's earlier node tokens and stores
  // `node_token` (role kNode, node filled from the enrollment). Returns the node.
  // kNotFound for an unknown hash; kFailedPrecondition if used or expired.
  virtual Result<NodeRecord> Enroll(const std::string& enrollment_hash, TokenRecord node_token,
                                    TimeMs now) = 0;
  virtual Result<std::vector<NodeRecord>> ListNodes(int64_t tenant) = 0;
  virtual Result<NodeRecord> GetNode(int64_t tenant, const std::string& node) = 0;
  virtual Status TouchNode(int64_t tenant, const std::string& node, TimeMs now) = 0;

  // ---- Ingest ----
  // One transaction: each batch whose (node, seq) is new is recorded with all its records;
  // a known one is counted as a duplicate and its records ignored. Heartbeats update the
  // node's status; alert events upsert the alert keyed by (node, node_alert_id); assets named
  // by records but not yet registered are created in the node's site. Either everything of
  // the call is stored or nothing.
  virtual Result<IngestOutcome> Ingest(int64_t tenant, const std::string& node,
                                       int64_t dropped_batches,
                                       std::span<const DecodedBatch> batches, TimeMs now) = 0;
  virtual Result<BatchInfo> GetBatch(int64_t tenant, const std::string& node, int64_t seq) = 0;

  // ---- Sites, assets, channels ----
  virtual Status UpsertSite(const Site& site) = 0;
  virtual Result<std::vector<Site>> ListSites(int64_t tenant) = 0;
  virtual Status UpsertAsset(const Asset& asset) = 0;
  virtual Result<std::vector<Asset>> ListAssets(int64_t tenant, const std::string& site) = 0;
  virtual Result<Asset> GetAsset(int64_t tenant, const std::string& asset) = 0;
  virtual Status UpsertChannel(const Channel& channel) = 0;  // kNotFound if the asset is unknown
  virtual Result<std::vector<Channel>> ListChannels(int64_t tenant, const std::string& asset) = 0;

  // ---- Feature windows (schema-on-read: features are stored as the node sent them) ----
  // The mean/min/max of `feature` ("score" for the window score) of `asset` over windows with
  // start in [from, to), in at most `buckets` equal time buckets (empty buckets omitted).
  virtual Result<std::vector<FeatureBucket>> QueryFeature(int64_t tenant, const std::string& asset,
                                                          const std::string& feature, TimeMs from,
                                                          TimeMs to, int buckets) = 0;
  // Feature names seen for an asset in its latest window.
  virtual Result<std::vector<std::string>> FeatureNames(int64_t tenant,
                                                        const std::string& asset) = 0;
  virtual Result<int64_t> CountWindows(int64_t tenant, const std::string& node) = 0;  // "" = all

  // ---- Alerts ----
  virtual Result<std::vector<Alert>> ListAlerts(int64_t tenant, const AlertFilter& filter) = 0;
  virtual Result<Alert> GetAlert(int64_t tenant, int64_t id) = 0;  // with annotations
  // open -> acknowledged; acknowledging again keeps the first time and answers OK.
  // kFailedPrecondition if resolved.
  virtual Result<Alert> AcknowledgeAlert(int64_t tenant, int64_t id, const std::string& by,
                                         TimeMs now) = 0;
  virtual Result<Alert> ResolveAlert(int64_t tenant, int64_t id, const std::string& by,
                                     TimeMs now) = 0;
  virtual Result<Annotation> AnnotateAlert(int64_t tenant, const Annotation& annotation) = 0;

  // ---- Model registry ----
  // Assigns the next version of `model.name`. kAlreadyExists if this name already has a version
  // with the same sha256 (the message names it). `artifact` is stored with it.
  virtual Result<ModelVersion> CreateModelVersion(const ModelVersion& model,
                                                  std::string_view artifact) = 0;
  // Latest version of every model name.
  virtual Result<std::vector<ModelVersion>> ListModels(int64_t tenant) = 0;
  virtual Result<std::vector<ModelVersion>> ListModelVersions(int64_t tenant,
                                                              const std::string& name) = 0;
  virtual Result<ModelVersion> GetModelVersion(int64_t tenant, const std::string& name,
                                               int64_t version) = 0;
  // By full sha256 or a prefix of at least 8 hex digits (edge detectors are "name@sha12").
  virtual Result<ModelVersion> FindModelVersionBySha(int64_t tenant,
                                                     const std::string& sha_prefix) = 0;
  virtual Result<std::string> GetArtifact(int64_t tenant, const std::string& sha256) = 0;

  // ---- Deployments ----
  // Inserts `deployment` and sets every id in `supersede` to kSuperseded, atomically; bumps the
  // tenant's deployment revision. kNotFound if the model version does not exist.
  virtual Result<Deployment> CreateDeployment(const Deployment& deployment,
                                              std::span<const int64_t> supersede) = 0;
  // Sets states atomically (e.g. roll back: this one kRolledBack, the one it replaced kActive);
  // bumps the revision.
  virtual Status SetDeploymentStates(
      int64_t tenant, std::span<const std::pair<int64_t, DeploymentState>> states) = 0;
  virtual Result<Deployment> GetDeployment(int64_t tenant, int64_t id) = 0;
  // Newest first; `active_only` limits to kActive.
  virtual Result<std::vector<Deployment>> ListDeployments(int64_t tenant, bool active_only) = 0;
  // 0 before any deployment; increases with every deployment change.
  virtual Result<int64_t> DeploymentRevision(int64_t tenant) = 0;

  // ---- Quality, drift, SLO inputs ----
  virtual Result<std::vector<QualityCount>> QualityCounts(int64_t tenant, TimeMs from,
                                                          TimeMs to) = 0;
  virtual Result<std::vector<DriftRecord>> ListDrift(int64_t tenant, const std::string& asset,
                                                     TimeMs from, TimeMs to, int64_t limit) = 0;
  virtual Result<std::vector<HeartbeatSummary>> HeartbeatSummaries(int64_t tenant, TimeMs from,
                                                                   TimeMs to) = 0;
  // Shadow statistics records of an asset (newest first).
  virtual Result<std::vector<HubShadowStatsRecord>> ListShadowStats(int64_t tenant,
                                                                    const std::string& asset,
                                                                    int64_t limit) = 0;
};

// A HubStore over `pool`, migrating its schema to the latest version first (creating it on an
// empty database). kFailedPrecondition if the database holds a newer schema than this binary.
Result<std::unique_ptr<HubStore>> OpenHubStore(std::unique_ptr<SqlPool> pool);
// Convenience: OpenSqlPool(url) then OpenHubStore.
Result<std::unique_ptr<HubStore>> OpenHubStore(std::string_view url, int pool_size = 8);

}  // namespace edgeloop::store
