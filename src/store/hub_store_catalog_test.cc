// Conformance: the catalog (sites, assets, channels): upsert by key, validation, tenant
// isolation, on every engine.
#include <gtest/gtest.h>

#include "store/hub_store_test_fixture.h"
#include "store/hub_store_test_records.h"

namespace edgeloop::store {
namespace {

using hub_test::kT0;
using hub_test::NewTenant;

TEST_P(HubStoreConformance, SitesAreUpsertedPerTenant) {
  const int64_t a = NewTenant(store(), "tenant-a");
  const int64_t b = NewTenant(store(), "tenant-b");
  ASSERT_TRUE(store().UpsertSite({.tenant = a, .id = "north", .name = "North"}).ok());
  ASSERT_TRUE(store().UpsertSite({.tenant = a, .id = "east", .name = "East"}).ok());
  ASSERT_TRUE(
      store().UpsertSite({.tenant = a, .id = "north", .name = "North 2", .location = "Oslo"}).ok());
  Result<std::vector<Site>> sites = store().ListSites(a);
  ASSERT_TRUE(sites.ok());
  ASSERT_EQ(sites->size(), 2u);
  EXPECT_EQ((*sites)[0].id, "east");
  EXPECT_EQ((*sites)[1].name, "North 2");
  EXPECT_EQ((*sites)[1].location, "Oslo");
  EXPECT_TRUE(store().ListSites(b)->empty());
  EXPECT_EQ(store().UpsertSite({.tenant = a, .id = ""}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store().UpsertSite({.tenant = a, .id = std::string(129, 'x')}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(store().UpsertSite({.tenant = a, .id = std::string(128, 'x')}).ok());
  EXPECT_EQ(store().UpsertSite({.tenant = a, .id = "a/b"}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store().UpsertSite({.tenant = a + b + 100, .id = "x"}).code(), StatusCode::kNotFound);
}

TEST_P(HubStoreConformance, AssetsAreUpsertedListedBySiteAndIsolated) {
  const int64_t a = NewTenant(store(), "tenant-a");
  const int64_t b = NewTenant(store(), "tenant-b");
  ASSERT_TRUE(store()
                  .UpsertAsset({.tenant = a,
                                .id = "pump-1",
                                .site = "north",
                                .name = "Pump 1",
                                .kind = "centrifugal_pump",
                                .attrs_json = R"({"rpm":1480})",
                                .created = kT0})
                  .ok());
  ASSERT_TRUE(
      store().UpsertAsset({.tenant = a, .id = "fan-1", .site = "east", .created = kT0}).ok());
  ASSERT_TRUE(store()
                  .UpsertAsset({.tenant = a,
                                .id = "pump-1",
                                .site = "north",
                                .name = "Pump 1 (rebuilt)",
                                .kind = "centrifugal_pump",
                                .created = kT0 + 500})
                  .ok());
  Result<Asset> pump = store().GetAsset(a, "pump-1");
  ASSERT_TRUE(pump.ok());
  EXPECT_EQ(pump->name, "Pump 1 (rebuilt)");
  EXPECT_EQ(pump->created, kT0);  // the first registration's
  EXPECT_EQ(pump->attrs_json, "{}");
  EXPECT_EQ(store().ListAssets(a, "")->size(), 2u);
  ASSERT_EQ(store().ListAssets(a, "north")->size(), 1u);
  EXPECT_EQ(store().ListAssets(a, "north")->at(0).id, "pump-1");
  EXPECT_TRUE(store().ListAssets(a, "west")->empty());
  EXPECT_TRUE(store().ListAssets(b, "")->empty());
  Result<Asset> other = store().GetAsset(b, "pump-1");
  EXPECT_EQ(other.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(other.status().message(), "asset pump-1 not found");
  EXPECT_EQ(store().UpsertAsset({.tenant = a, .id = "pump 2"}).code(),
            StatusCode::kInvalidArgument);
}

TEST_P(HubStoreConformance, ChannelsBelongToAnAssetOfTheTenant) {
  const int64_t a = NewTenant(store(), "tenant-a");
  const int64_t b = NewTenant(store(), "tenant-b");
  ASSERT_TRUE(store().UpsertAsset({.tenant = a, .id = "pump-1", .created = kT0}).ok());
  Channel vib{.tenant = a,
              .asset = "pump-1",
              .id = "vib_x",
              .kind = "waveform",
              .unit = "g",
              .rate_hz = 25600};
  ASSERT_TRUE(store().UpsertChannel(vib).ok());
  ASSERT_TRUE(store()
                  .UpsertChannel({.tenant = a,
                                  .asset = "pump-1",
                                  .id = "temp",
                                  .kind = "scalar",
                                  .unit = "C",
                                  .rate_hz = 1})
                  .ok());
  vib.unit = "m/s2";
  ASSERT_TRUE(store().UpsertChannel(vib).ok());
  Result<std::vector<Channel>> channels = store().ListChannels(a, "pump-1");
  ASSERT_TRUE(channels.ok());
  ASSERT_EQ(channels->size(), 2u);
  EXPECT_EQ((*channels)[0].id, "temp");
  EXPECT_EQ((*channels)[1].unit, "m/s2");
  EXPECT_DOUBLE_EQ((*channels)[1].rate_hz, 25600);

  Channel foreign = vib;
  foreign.tenant = b;  // B cannot attach a channel to A's asset
  Status s = store().UpsertChannel(foreign);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "asset pump-1 not found");
  EXPECT_EQ(store().ListChannels(b, "pump-1").status().code(), StatusCode::kNotFound);
  Channel bad = vib;
  bad.kind = "video";
  EXPECT_EQ(store().UpsertChannel(bad).code(), StatusCode::kInvalidArgument);
  bad = vib;
  bad.id = "";
  EXPECT_EQ(store().UpsertChannel(bad).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace edgeloop::store
