// SqlHubStore: the one HubStore implementation, written once over SqlPool (sql_db.h) and
// therefore the same code on SQLite and PostgreSQL. Private to src/store: other subsystems use
// hub_store.h. Methods are split over hub_sql_*.cc by area.
#pragma once

#include <functional>
#include <memory>

#include "store/hub_store.h"
#include "store/sql_db.h"

namespace edgeloop::store {

class SqlHubStore final : public HubStore {
 public:
  SqlHubStore(std::unique_ptr<SqlPool> pool, int schema_version)
      : pool_(std::move(pool)), schema_version_(schema_version) {}

  std::string_view Engine() const override { return pool_->dialect().Name(); }
  int SchemaVersion() const override { return schema_version_; }

  Result<Tenant> CreateTenant(const std::string& name, TimeMs now) override;
  Result<Tenant> FindTenant(const std::string& name) override;
  Result<TokenRecord> CreateToken(const TokenRecord& token) override;
  Result<TokenRecord> FindTokenByHash(const std::string& hash) override;
  Result<std::vector<TokenRecord>> ListTokens(int64_t tenant) override;
  Status RevokeToken(int64_t tenant, int64_t token_id) override;
  Result<EnrollmentRecord> CreateEnrollment(const EnrollmentRecord& enrollment) override;
  Result<NodeRecord> Enroll(const std::string& enrollment_hash, TokenRecord node_token,
                            TimeMs now) override;
  Result<std::vector<NodeRecord>> ListNodes(int64_t tenant) override;
  Result<NodeRecord> GetNode(int64_t tenant, const std::string& node) override;
  Status TouchNode(int64_t tenant, const std::string& node, TimeMs now) override;
  Result<IngestOutcome> Ingest(int64_t tenant, const std::string& node, int64_t dropped_batches,
                               std::span<const DecodedBatch> batches, TimeMs now) override;
  Result<BatchInfo> GetBatch(int64_t tenant, const std::string& node, int64_t seq) override;
  Status UpsertSite(const Site& site) override;
  Result<std::vector<Site>> ListSites(int64_t tenant) override;
  Status UpsertAsset(const Asset& asset) override;
  Result<std::vector<Asset>> ListAssets(int64_t tenant, const std::string& site) override;
  Result<Asset> GetAsset(int64_t tenant, const std::string& asset) override;
  Status UpsertChannel(const Channel& channel) override;
  Result<std::vector<Channel>> ListChannels(int64_t tenant, const std::string& asset) override;
  Result<std::vector<FeatureBucket>> QueryFeature(int64_t tenant, const std::string& asset,
                                                  const std::string& feature, TimeMs from,
                                                  TimeMs to, int buckets) override;
  Result<std::vector<std::string>> FeatureNames(int64_t tenant, const std::string& asset) override;
  Result<int64_t> CountWindows(int64_t tenant, const std::string& node) override;
  Result<std::vector<Alert>> ListAlerts(int64_t tenant, const AlertFilter& filter) override;
  Result<Alert> GetAlert(int64_t tenant, int64_t id) override;
  Result<Alert> AcknowledgeAlert(int64_t tenant, int64_t id, const std::string& by,
                                 TimeMs now) override;
  Result<Alert> ResolveAlert(int64_t tenant, int64_t id, const std::string& by,
                             TimeMs now) override;
  Result<Annotation> AnnotateAlert(int64_t tenant, const Annotation& annotation) override;
  Result<ModelVersion> CreateModelVersion(const ModelVersion& model,
                                          std::string_view artifact) override;
  Result<std::vector<ModelVersion>> ListModels(int64_t tenant) override;
  Result<std::vector<ModelVersion>> ListModelVersions(int64_t tenant,
                                                      const std::string& name) override;
  Result<ModelVersion> GetModelVersion(int64_t tenant, const std::string& name,
                                       int64_t version) override;
  Result<ModelVersion> FindModelVersionBySha(int64_t tenant,
                                             const std::string& sha_prefix) override;
  Result<std::string> GetArtifact(int64_t tenant, const std::string& sha256) override;
  Result<Deployment> CreateDeployment(const Deployment& deployment,
                                      std::span<const int64_t> supersede) override;
  Status SetDeploymentStates(int64_t tenant,
                             std::span<const std::pair<int64_t, DeploymentState>> states) override;
  Result<Deployment> GetDeployment(int64_t tenant, int64_t id) override;
  Result<std::vector<Deployment>> ListDeployments(int64_t tenant, bool active_only) override;
  Result<int64_t> DeploymentRevision(int64_t tenant) override;
  Result<std::vector<QualityCount>> QualityCounts(int64_t tenant, TimeMs from, TimeMs to) override;
  Result<std::vector<DriftRecord>> ListDrift(int64_t tenant, const std::string& asset, TimeMs from,
                                             TimeMs to, int64_t limit) override;
  Result<std::vector<HeartbeatSummary>> HeartbeatSummaries(int64_t tenant, TimeMs from,
                                                           TimeMs to) override;
  Result<std::vector<HubShadowStatsRecord>> ListShadowStats(int64_t tenant,
                                                            const std::string& asset,
                                                            int64_t limit) override;

 private:
  // Borrows a connection and runs `body` on it.
  Status WithConn(const std::function<Status(SqlConn&)>& body);
  // Same, inside one transaction.
  Status WithTransaction(const std::function<Status(SqlConn&)>& body);

  std::unique_ptr<SqlPool> pool_;
  int schema_version_;
};

}  // namespace edgeloop::store
