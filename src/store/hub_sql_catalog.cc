// SqlHubStore: sites, assets and channels (insert-or-update by key, per tenant).
#include <cmath>

#include "store/hub_sql_rows.h"
#include "store/hub_sql_store.h"

namespace edgeloop::store {
namespace {

using hub_sql::kAssetColumns;
using hub_sql::kChannelColumns;
using hub_sql::kSiteColumns;

Status RequireAsset(SqlConn& conn, int64_t tenant, const std::string& asset) {
  EL_ASSIGN_OR_RETURN(SqlResult r, conn.Exec("SELECT id FROM assets WHERE tenant = $1 AND id = $2",
                                             {tenant, asset}));
  if (r.rows.empty()) return NotFound("asset " + asset + " not found");
  return Status::Ok();
}

// Free-text fields (names, locations, units) are shown in the dashboard: bounded.
Status ValidateText(std::string_view what, const std::string& text) {
  if (text.size() > 1024) return InvalidArgument(std::string(what) + " is longer than 1024 bytes");
  return Status::Ok();
}

}  // namespace

Status SqlHubStore::UpsertSite(const Site& site) {
  EL_RETURN_IF_ERROR(hub_sql::ValidateId("site id", site.id));
  EL_RETURN_IF_ERROR(ValidateText("site name", site.name));
  EL_RETURN_IF_ERROR(ValidateText("site location", site.location));
  return WithTransaction([&](SqlConn& conn) -> Status {
    EL_RETURN_IF_ERROR(hub_sql::RequireTenant(conn, site.tenant));
    return conn
        .Exec(
            "INSERT INTO sites (tenant, id, name, location) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (tenant, id) DO UPDATE SET name = excluded.name, "
            "location = excluded.location",
            {site.tenant, site.id, site.name, site.location})
        .status();
  });
}

Result<std::vector<Site>> SqlHubStore::ListSites(int64_t tenant) {
  std::vector<Site> sites;
  Status s = WithConn([&](SqlConn& conn) -> Status {
    EL_ASSIGN_OR_RETURN(SqlResult r, conn.Exec("SELECT " + std::string(kSiteColumns) +
                                                   " FROM sites WHERE tenant = $1 ORDER BY id",
                                               {tenant}));
    for (const SqlRow& row : r.rows) sites.push_back(hub_sql::SiteFromRow(row));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return sites;
}

Status SqlHubStore::UpsertAsset(const Asset& asset) {
  EL_RETURN_IF_ERROR(hub_sql::ValidateId("asset id", asset.id));
  if (!asset.site.empty()) EL_RETURN_IF_ERROR(hub_sql::ValidateId("site id", asset.site));
  EL_RETURN_IF_ERROR(ValidateText("asset name", asset.name));
  EL_RETURN_IF_ERROR(ValidateText("asset kind", asset.kind));
  return WithTransaction([&](SqlConn& conn) -> Status {
    EL_RETURN_IF_ERROR(hub_sql::RequireTenant(conn, asset.tenant));
    // `created` stays the first registration's (an asset auto-created by ingest keeps its date
    // when an engineer later describes it).
    return conn
        .Exec(
            "INSERT INTO assets (tenant, id, site, name, kind, attrs, created) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7) "
            "ON CONFLICT (tenant, id) DO UPDATE SET site = excluded.site, name = excluded.name, "
            "kind = excluded.kind, attrs = excluded.attrs",
            {asset.tenant, asset.id, asset.site, asset.name, asset.kind,
             hub_sql::JsonOr(asset.attrs_json, "{}"), asset.created})
        .status();
  });
}

Result<std::vector<Asset>> SqlHubStore::ListAssets(int64_t tenant, const std::string& site) {
  std::vector<Asset> assets;
  Status s = WithConn([&](SqlConn& conn) -> Status {
    const std::string cols = "SELECT " + std::string(kAssetColumns) + " FROM assets ";
    Result<SqlResult> r =
        site.empty()
            ? conn.Exec(cols + "WHERE tenant = $1 ORDER BY id", {tenant})
            : conn.Exec(cols + "WHERE tenant = $1 AND site = $2 ORDER BY id", {tenant, site});
    if (!r.ok()) return r.status();
    for (const SqlRow& row : r->rows) assets.push_back(hub_sql::AssetFromRow(row));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return assets;
}

Result<Asset> SqlHubStore::GetAsset(int64_t tenant, const std::string& asset) {
  Asset found;
  Status s = WithConn([&](SqlConn& conn) -> Status {
    EL_ASSIGN_OR_RETURN(SqlResult r, conn.Exec("SELECT " + std::string(kAssetColumns) +
                                                   " FROM assets WHERE tenant = $1 AND id = $2",
                                               {tenant, asset}));
    if (r.rows.empty()) return NotFound("asset " + asset + " not found");
    found = hub_sql::AssetFromRow(r.rows[0]);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return found;
}

Status SqlHubStore::UpsertChannel(const Channel& channel) {
  EL_RETURN_IF_ERROR(hub_sql::ValidateId("asset id", channel.asset));
  EL_RETURN_IF_ERROR(hub_sql::ValidateId("channel id", channel.id));
  if (channel.kind != "waveform" && channel.kind != "scalar") {
    return InvalidArgument("channel kind must be waveform or scalar");
  }
  EL_RETURN_IF_ERROR(ValidateText("channel unit", channel.unit));
  if (!std::isfinite(channel.rate_hz) || channel.rate_hz < 0) {
    return InvalidArgument("channel rate_hz must be a finite number >= 0");
  }
  return WithTransaction([&](SqlConn& conn) -> Status {
    EL_RETURN_IF_ERROR(RequireAsset(conn, channel.tenant, channel.asset));
    return conn
        .Exec(
            "INSERT INTO channels (tenant, asset, id, kind, unit, rate_hz) "
            "VALUES ($1, $2, $3, $4, $5, $6) "
            "ON CONFLICT (tenant, asset, id) DO UPDATE SET kind = excluded.kind, "
            "unit = excluded.unit, rate_hz = excluded.rate_hz",
            {channel.tenant, channel.asset, channel.id, channel.kind, channel.unit,
             channel.rate_hz})
        .status();
  });
}

Result<std::vector<Channel>> SqlHubStore::ListChannels(int64_t tenant, const std::string& asset) {
  std::vector<Channel> channels;
  Status s = WithConn([&](SqlConn& conn) -> Status {
    EL_RETURN_IF_ERROR(RequireAsset(conn, tenant, asset));
    EL_ASSIGN_OR_RETURN(SqlResult r,
                        conn.Exec("SELECT " + std::string(kChannelColumns) +
                                      " FROM channels WHERE tenant = $1 AND asset = $2 ORDER BY id",
                                  {tenant, asset}));
    for (const SqlRow& row : r.rows) channels.push_back(hub_sql::ChannelFromRow(row));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return channels;
}

}  // namespace edgeloop::store
