// Catalog routes: sites, assets, channels, and feature series of an asset over time.
#include <algorithm>
#include <string>
#include <vector>

#include "api/body_reader.h"
#include "api/data_views.h"
#include "api/query_params.h"
#include "api/roles.h"
#include "api/routes.h"

namespace edgeloop::api {
namespace {

using nlohmann::json;

constexpr int64_t kDay = 24 * 3600 * 1000LL;
constexpr int64_t kDefaultPoints = 200;
constexpr int64_t kMaxPoints = 5000;
constexpr size_t kMaxFeatureNames = 32;

// Ids chosen by callers (site, asset, channel) become URL path segments and label lineage
// nodes, so they stay short and URL-safe.
Status CheckId(std::string_view name, const std::string& id) {
  bool ok = !id.empty() && id.size() <= 64 &&
            id.find_first_not_of(
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                "0123456789._-") == std::string::npos;
  if (ok) return Status::Ok();
  return InvalidArgument(std::string(name) + ": 1 to 64 letters, digits, '.', '_' or '-'");
}

json ListSchema(const std::string& key, json item) {
  return {{"type", "object"},
          {"properties", {{key, {{"type", "array"}, {"items", std::move(item)}}}}}};
}

Response ListSites(const HubContext& ctx, const Request& req) {
  Result<std::vector<store::Site>> sites = ctx.store->ListSites(req.principal.tenant);
  if (!sites.ok()) return StatusResponse(sites.status());
  json items = json::array();
  for (const store::Site& s : *sites) items.push_back(SiteJson(s));
  return JsonResponse(200, {{"sites", items}});
}

Response PutSite(const HubContext& ctx, const Request& req) {
  store::Site site;
  site.tenant = req.principal.tenant;
  site.id = req.path_params.at("id");
  if (Status s = CheckId("id", site.id); !s.ok()) return StatusResponse(s);
  Result<BodyReader> body = BodyReader::Parse(req.body);
  if (!body.ok()) return StatusResponse(body.status());
  site.name = body->String("name", {.max_len = 200});
  site.location = body->OptString("location", {.min_len = 0, .max_len = 200}).value_or("");
  if (Status s = body->Finish(); !s.ok()) return StatusResponse(s);
  if (Status s = ctx.store->UpsertSite(site); !s.ok()) return StatusResponse(s);
  return JsonResponse(200, SiteJson(site));
}

Response ListAssets(const HubContext& ctx, const Request& req) {
  Result<std::vector<store::Asset>> assets =
      ctx.store->ListAssets(req.principal.tenant, req.Query("site").value_or(""));
  if (!assets.ok()) return StatusResponse(assets.status());
  json items = json::array();
  for (const store::Asset& a : *assets) items.push_back(AssetJson(a));
  return JsonResponse(200, {{"assets", items}});
}

Response GetAsset(const HubContext& ctx, const Request& req) {
  const std::string& id = req.path_params.at("id");
  Result<store::Asset> asset = ctx.store->GetAsset(req.principal.tenant, id);
  if (!asset.ok()) return StatusResponse(asset.status());
  Result<std::vector<store::Channel>> channels = ctx.store->ListChannels(req.principal.tenant, id);
  if (!channels.ok()) return StatusResponse(channels.status());
  json out = AssetJson(*asset);
  out["channels"] = json::array();
  for (const store::Channel& c : *channels) out["channels"].push_back(ChannelJson(c));
  return JsonResponse(200, out);
}

Response PutAsset(const HubContext& ctx, const Request& req) {
  const int64_t tenant = req.principal.tenant;
  store::Asset asset;
  asset.tenant = tenant;
  asset.id = req.path_params.at("id");
  if (Status s = CheckId("id", asset.id); !s.ok()) return StatusResponse(s);
  Result<BodyReader> body = BodyReader::Parse(req.body);
  if (!body.ok()) return StatusResponse(body.status());
  asset.site = body->String("site", {.max_len = 64});
  asset.name = body->OptString("name", {.min_len = 0, .max_len = 200}).value_or(asset.id);
  asset.kind = body->OptString("kind", {.min_len = 0, .max_len = 100}).value_or("");
  asset.attrs_json = body->OptObject("attrs").value_or(json::object()).dump();
  if (body->Has("site") && !asset.site.empty()) {
    // An asset hangs under a known site of this tenant; a typo would orphan it.
    Result<std::vector<store::Site>> sites = ctx.store->ListSites(tenant);
    if (!sites.ok()) return StatusResponse(sites.status());
    bool known = std::any_of(sites->begin(), sites->end(),
                             [&](const store::Site& s) { return s.id == asset.site; });
    if (!known) body->AddError("site", "no such site");
  }
  if (Status s = body->Finish(); !s.ok()) return StatusResponse(s);
  // An update keeps the asset's creation time.
  Result<store::Asset> existing = ctx.store->GetAsset(tenant, asset.id);
  if (existing.ok()) {
    asset.created = existing->created;
  } else if (existing.status().code() == StatusCode::kNotFound) {
    asset.created = ctx.NowMs();
  } else {
    return StatusResponse(existing.status());
  }
  if (Status s = ctx.store->UpsertAsset(asset); !s.ok()) return StatusResponse(s);
  Result<store::Asset> stored = ctx.store->GetAsset(tenant, asset.id);
  if (!stored.ok()) return StatusResponse(stored.status());
  return JsonResponse(200, AssetJson(*stored));
}

Response ListChannels(const HubContext& ctx, const Request& req) {
  const std::string& id = req.path_params.at("id");
  // An unknown asset is 404, not an empty list.
  Result<store::Asset> asset = ctx.store->GetAsset(req.principal.tenant, id);
  if (!asset.ok()) return StatusResponse(asset.status());
  Result<std::vector<store::Channel>> channels = ctx.store->ListChannels(req.principal.tenant, id);
  if (!channels.ok()) return StatusResponse(channels.status());
  json items = json::array();
  for (const store::Channel& c : *channels) items.push_back(ChannelJson(c));
  return JsonResponse(200, {{"channels", items}});
}

Response PutChannel(const HubContext& ctx, const Request& req) {
  store::Channel channel;
  channel.tenant = req.principal.tenant;
  channel.asset = req.path_params.at("id");
  channel.id = req.path_params.at("channel");
  if (Status s = CheckId("channel", channel.id); !s.ok()) return StatusResponse(s);
  Result<BodyReader> body = BodyReader::Parse(req.body);
  if (!body.ok()) return StatusResponse(body.status());
  channel.kind = body->Enum("kind", {"waveform", "scalar"});
  channel.unit = body->OptString("unit", {.min_len = 0, .max_len = 32}).value_or("");
  channel.rate_hz = body->OptDouble("rate_hz", 0, 1e9).value_or(0);
  if (Status s = body->Finish(); !s.ok()) return StatusResponse(s);
  Result<store::Asset> asset = ctx.store->GetAsset(channel.tenant, channel.asset);
  if (!asset.ok()) return StatusResponse(asset.status());
  if (Status s = ctx.store->UpsertChannel(channel); !s.ok()) return StatusResponse(s);
  return JsonResponse(200, ChannelJson(channel));
}

Response GetFeatures(const HubContext& ctx, const Request& req) {
  const int64_t tenant = req.principal.tenant;
  const std::string& id = req.path_params.at("id");
  Result<TimeRange> range = QueryTimeRange(req, ctx.NowMs(), kDay);
  if (!range.ok()) return StatusResponse(range.status());
  Result<std::optional<int64_t>> points = QueryInt(req, "points", 1, kMaxPoints);
  if (!points.ok()) return StatusResponse(points.status());
  Result<std::vector<std::string>> names = QueryList(req, "names");
  if (!names.ok()) return StatusResponse(names.status());
  if (names->size() > kMaxFeatureNames) {
    return StatusResponse(InvalidArgument("names: at most 32 names"));
  }
  for (const std::string& n : *names) {
    if (n.size() > 128)
      return StatusResponse(InvalidArgument("names: a name is at most 128 bytes"));
  }
  Result<store::Asset> asset = ctx.store->GetAsset(tenant, id);
  if (!asset.ok()) return StatusResponse(asset.status());
  if (names->empty()) {
    Result<std::vector<std::string>> all = ctx.store->FeatureNames(tenant, id);
    if (!all.ok()) return StatusResponse(all.status());
    *names = std::move(*all);
    if (names->size() > kMaxFeatureNames) names->resize(kMaxFeatureNames);
  }
  json series = json::object();
  for (const std::string& name : *names) {
    Result<std::vector<store::FeatureBucket>> buckets =
        ctx.store->QueryFeature(tenant, id, name, range->from, range->to,
                                static_cast<int>(points->value_or(kDefaultPoints)));
    if (!buckets.ok()) return StatusResponse(buckets.status());
    json points_json = json::array();
    for (const store::FeatureBucket& b : *buckets) {
      points_json.push_back({{"t", TimeJson(b.start)},
                             {"n", b.count},
                             {"mean", b.mean},
                             {"min", b.min},
                             {"max", b.max}});
    }
    series[name] = std::move(points_json);
  }
  return JsonResponse(200, {{"asset", id},
                            {"from", TimeJson(range->from)},
                            {"to", TimeJson(range->to)},
                            {"series", series}});
}

json FeaturesSchema() {
  json point = {{"type", "object"},
                {"properties",
                 {{"t", {{"type", "string"}, {"format", "date-time"}}},
                  {"n", {{"type", "integer"}}},
                  {"mean", {{"type", "number"}}},
                  {"min", {{"type", "number"}}},
                  {"max", {{"type", "number"}}}}}};
  return {
      {"type", "object"},
      {"properties",
       {{"asset", {{"type", "string"}}},
        {"from", {{"type", "string"}, {"format", "date-time"}}},
        {"to", {{"type", "string"}, {"format", "date-time"}}},
        {"series",
         {{"type", "object"}, {"additionalProperties", {{"type", "array"}, {"items", point}}}}}}}};
}

}  // namespace

void AddCatalogRoutes(Router& router, const HubContext& ctx) {
  const HubContext* c = &ctx;
  router.Add({.method = "GET",
              .pattern = "/v1/sites",
              .roles = kReadRoles,
              .tag = "catalog",
              .summary = "List sites",
              .response_schema = ListSchema("sites", SiteSchema()),
              .handler = [c](const Request& r) { return ListSites(*c, r); }});
  router.Add({.method = "PUT",
              .pattern = "/v1/sites/{id}",
              .roles = kCatalogWriters,
              .tag = "catalog",
              .summary = "Create or update a site",
              .request_schema = {{"type", "object"},
                                 {"required", {"name"}},
                                 {"additionalProperties", false},
                                 {"properties",
                                  {{"name", {{"type", "string"}, {"maxLength", 200}}},
                                   {"location", {{"type", "string"}, {"maxLength", 200}}}}}},
              .response_schema = SiteSchema(),
              .handler = [c](const Request& r) { return PutSite(*c, r); }});
  router.Add({.method = "GET",
              .pattern = "/v1/assets",
              .roles = kReadRoles,
              .tag = "catalog",
              .summary = "List assets, optionally of one site",
              .response_schema = ListSchema("assets", AssetSchema()),
              .query_params = {{"site", "only assets of this site"}},
              .handler = [c](const Request& r) { return ListAssets(*c, r); }});
  router.Add({.method = "GET",
              .pattern = "/v1/assets/{id}",
              .roles = kReadRoles,
              .tag = "catalog",
              .summary = "Show an asset with its channels",
              .response_schema = AssetSchema(),
              .handler = [c](const Request& r) { return GetAsset(*c, r); }});
  router.Add({.method = "PUT",
              .pattern = "/v1/assets/{id}",
              .roles = kCatalogWriters,
              .tag = "catalog",
              .summary = "Create or update an asset",
              .request_schema = {{"type", "object"},
                                 {"required", {"site"}},
                                 {"additionalProperties", false},
                                 {"properties",
                                  {{"site", {{"type", "string"}}},
                                   {"name", {{"type", "string"}, {"maxLength", 200}}},
                                   {"kind", {{"type", "string"}, {"maxLength", 100}}},
                                   {"attrs", {{"type", "object"}}}}}},
              .response_schema = AssetSchema(),
              .handler = [c](const Request& r) { return PutAsset(*c, r); }});
  router.Add({.method = "GET",
              .pattern = "/v1/assets/{id}/channels",
              .roles = kReadRoles,
              .tag = "catalog",
              .summary = "List the channels of an asset",
              .response_schema = ListSchema("channels", ChannelSchema()),
              .handler = [c](const Request& r) { return ListChannels(*c, r); }});
  router.Add({.method = "PUT",
              .pattern = "/v1/assets/{id}/channels/{channel}",
              .roles = kCatalogWriters,
              .tag = "catalog",
              .summary = "Create or update a channel of an asset",
              .request_schema = {{"type", "object"},
                                 {"required", {"kind"}},
                                 {"additionalProperties", false},
                                 {"properties",
                                  {{"kind", {{"type", "string"}, {"enum", {"waveform", "scalar"}}}},
                                   {"unit", {{"type", "string"}, {"maxLength", 32}}},
                                   {"rate_hz", {{"type", "number"}, {"minimum", 0}}}}}},
              .response_schema = ChannelSchema(),
              .handler = [c](const Request& r) { return PutChannel(*c, r); }});
  router.Add({.method = "GET",
              .pattern = "/v1/assets/{id}/features",
              .roles = kReadRoles,
              .tag = "catalog",
              .summary = "Feature series of an asset, downsampled to time buckets",
              .response_schema = FeaturesSchema(),
              .query_params = {{"names", "comma-separated feature names (default: all, max 32)"},
                               {"from", "RFC 3339 or Unix ms (default: 24 h before to)"},
                               {"to", "RFC 3339 or Unix ms (default: now)"},
                               {"points", "buckets per series, 1..5000 (default 200)"}},
              .handler = [c](const Request& r) { return GetFeatures(*c, r); }});
}

}  // namespace edgeloop::api
