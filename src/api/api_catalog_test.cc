// Catalog routes over real HTTP: sites, assets, channels and downsampled feature series.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "api/api_data_test_util.h"

namespace edgeloop::api::testing {
namespace {

using nlohmann::json;
using store::Role;

class CatalogApiTest : public SeededApiTest {
 protected:
  const std::string& Token(Role role) { return hub().acme().token(role); }
  const std::string& GlobexToken() { return hub().globex().token(Role::kAdmin); }
};

TEST_F(CatalogApiTest, ListsAndUpsertsSites) {
  HttpResult list = hub().Get("/v1/sites", Token(Role::kViewer));
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.json["sites"].size(), 1u);
  EXPECT_EQ(
      list.json["sites"][0],
      json({{"id", "acme-site-1"}, {"name", "acme-site-1 plant"}, {"location", "acme-town"}}));

  HttpResult put = hub().Call("PUT", "/v1/sites/acme-site-2", Token(Role::kDataSteward),
                              R"({"name":"Line 2","location":"Hall B"})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json, json({{"id", "acme-site-2"}, {"name", "Line 2"}, {"location", "Hall B"}}));
  // Updating keeps one site and changes its fields; location is optional.
  put = hub().Call("PUT", "/v1/sites/acme-site-2", Token(Role::kEdgeEngineer),
                   R"({"name":"Line 2 new"})");
  ASSERT_EQ(put.status, 200) << put.body;
  list = hub().Get("/v1/sites", Token(Role::kViewer));
  ASSERT_EQ(list.json["sites"].size(), 2u);
  bool found = false;
  for (const json& s : list.json["sites"]) {
    if (s["id"] == "acme-site-2") {
      found = true;
      EXPECT_EQ(s["name"], "Line 2 new");
      EXPECT_EQ(s["location"], "");
    }
  }
  EXPECT_TRUE(found);
  // The other tenant sees only its own site.
  HttpResult globex = hub().Get("/v1/sites", GlobexToken());
  ASSERT_EQ(globex.status, 200);
  ASSERT_EQ(globex.json["sites"].size(), 1u);
  EXPECT_EQ(globex.json["sites"][0]["id"], "globex-site-1");
}

TEST_F(CatalogApiTest, RefusesBadSitesAndStoresNothing) {
  const std::string& token = Token(Role::kAdmin);
  struct Case {
    std::string path, body, expected;
  } cases[] = {
      {"/v1/sites/acme-site-3", R"({"location":"x"})", "name: required"},
      {"/v1/sites/acme-site-3", R"({"name":""})", "name"},
      {"/v1/sites/acme-site-3", R"({"name":"a","colour":"red"})", "colour"},
      {"/v1/sites/acme-site-3", R"({"name":42})", "name"},
      {"/v1/sites/acme-site-3", R"({"name":"a")", "body"},
      {"/v1/sites/acme-site-3", R"(["name"])", "body"},
      {"/v1/sites/bad*id", R"({"name":"a"})", "id:"},
      {"/v1/sites/" + std::string(65, 'a'), R"({"name":"a"})", "id:"},
  };
  for (const Case& c : cases) {
    HttpResult r = hub().Call("PUT", c.path, token, c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_NE(ErrorMessage(r).find(c.expected), std::string::npos) << c.body << " -> " << r.body;
  }
  EXPECT_EQ(hub().Get("/v1/sites", token).json["sites"].size(), 1u);
  EXPECT_EQ(hub()
                .Call("PUT", "/v1/sites/acme-site-3", Token(Role::kTechnician), R"({"name":"a"})")
                .status,
            403);
}

TEST_F(CatalogApiTest, ShowsSeededAssetWithChannels) {
  HttpResult list = hub().Get("/v1/assets?site=acme-site-1", Token(Role::kTechnician));
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.json["assets"].size(), 1u);
  const json& a = list.json["assets"][0];
  EXPECT_EQ(a["id"], "acme-pump-1");
  EXPECT_EQ(a["site"], "acme-site-1");
  EXPECT_EQ(a["name"], "acme-pump-1 feed pump");
  EXPECT_EQ(a["kind"], "acme-centrifugal");
  EXPECT_EQ(a["attrs"], json({{"shaft_hz", "acme-24.6"}}));
  EXPECT_EQ(a["created"], Rfc(seed().t0));
  EXPECT_EQ(hub().Get("/v1/assets?site=acme-site-9", Token(Role::kViewer)).json["assets"].size(),
            0u);

  HttpResult one = hub().Get("/v1/assets/acme-pump-1", Token(Role::kViewer));
  ASSERT_EQ(one.status, 200) << one.body;
  ASSERT_EQ(one.json["channels"].size(), 1u);
  EXPECT_EQ(one.json["channels"][0], json({{"asset", "acme-pump-1"},
                                           {"id", "acme-vib-x"},
                                           {"kind", "waveform"},
                                           {"unit", "acme-g"},
                                           {"rate_hz", 25600.0}}));
  HttpResult channels = hub().Get("/v1/assets/acme-pump-1/channels", Token(Role::kViewer));
  ASSERT_EQ(channels.status, 200);
  EXPECT_EQ(channels.json["channels"], one.json["channels"]);

  EXPECT_EQ(hub().Get("/v1/assets/acme-nope", Token(Role::kViewer)).status, 404);
  EXPECT_EQ(hub().Get("/v1/assets/acme-nope/channels", Token(Role::kViewer)).status, 404);
  // Another tenant's asset is exactly as unknown as a missing one.
  for (const char* path : {"/v1/assets/acme-pump-1", "/v1/assets/acme-pump-1/channels",
                           "/v1/assets/acme-pump-1/features"}) {
    HttpResult r = hub().Get(path, GlobexToken());
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_TRUE(r.HasErrorShape());
  }
  HttpResult globex = hub().Get("/v1/assets", GlobexToken());
  ASSERT_EQ(globex.json["assets"].size(), 1u);
  EXPECT_EQ(globex.json["assets"][0]["id"], "globex-pump-1");
}

TEST_F(CatalogApiTest, UpsertsAssetsKeepingCreationTime) {
  const std::string& token = Token(Role::kDataSteward);
  HttpResult put =
      hub().Call("PUT", "/v1/assets/acme-fan-1", token,
                 R"({"site":"acme-site-1","name":"Fan 1","kind":"fan","attrs":{"blades":7}})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json["attrs"], json({{"blades", 7}}));
  const json created = put.json["created"];
  put = hub().Call("PUT", "/v1/assets/acme-fan-1", token, R"({"site":"acme-site-1"})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json["created"], created);
  EXPECT_EQ(put.json["name"], "acme-fan-1");  // name defaults to the id
  EXPECT_EQ(put.json["attrs"], json::object());
  HttpResult get = hub().Get("/v1/assets/acme-fan-1", token);
  EXPECT_EQ(get.json["kind"], "");
  EXPECT_EQ(get.json["channels"], json::array());

  struct Case {
    std::string body, expected;
  } cases[] = {
      {R"({"name":"x"})", "site: required"},
      {R"({"site":"acme-site-9"})", "site: no such site"},
      {R"({"site":"acme-site-1","attrs":[1]})", "attrs"},
      {R"({"site":"acme-site-1","kind":7})", "kind"},
      {R"({"site":"acme-site-1","owner":"bob"})", "owner"},
      {"not json", "body"},
  };
  for (const Case& c : cases) {
    HttpResult r = hub().Call("PUT", "/v1/assets/acme-fan-2", token, c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_NE(ErrorMessage(r).find(c.expected), std::string::npos) << c.body << " -> " << r.body;
  }
  EXPECT_EQ(hub().Get("/v1/assets/acme-fan-2", token).status, 404);
  EXPECT_EQ(hub().Get("/v1/assets", token).json["assets"].size(), 2u);
}

TEST_F(CatalogApiTest, UpsertsChannels) {
  const std::string& token = Token(Role::kEdgeEngineer);
  HttpResult put = hub().Call("PUT", "/v1/assets/acme-pump-1/channels/acme-temp", token,
                              R"({"kind":"scalar","unit":"degC","rate_hz":1})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json, json({{"asset", "acme-pump-1"},
                            {"id", "acme-temp"},
                            {"kind", "scalar"},
                            {"unit", "degC"},
                            {"rate_hz", 1.0}}));
  HttpResult list = hub().Get("/v1/assets/acme-pump-1/channels", token);
  ASSERT_EQ(list.json["channels"].size(), 2u);

  struct Case {
    std::string body, expected;
  } cases[] = {
      {R"({"unit":"g"})", "kind: required"},
      {R"({"kind":"audio"})", "kind"},
      {R"({"kind":"scalar","rate_hz":-1})", "rate_hz"},
      {R"({"kind":"scalar","rate_hz":"fast"})", "rate_hz"},
      {R"({"kind":"scalar","gain":2})", "gain"},
  };
  for (const Case& c : cases) {
    HttpResult r = hub().Call("PUT", "/v1/assets/acme-pump-1/channels/acme-new", token, c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_NE(ErrorMessage(r).find(c.expected), std::string::npos) << c.body << " -> " << r.body;
  }
  EXPECT_EQ(hub().Get("/v1/assets/acme-pump-1/channels", token).json["channels"].size(), 2u);
  EXPECT_EQ(
      hub().Call("PUT", "/v1/assets/acme-nope/channels/x", token, R"({"kind":"scalar"})").status,
      404);
  EXPECT_EQ(hub()
                .Call("PUT", "/v1/assets/acme-pump-1/channels/acme-temp", GlobexToken(),
                      R"({"kind":"scalar"})")
                .status,
            404);
}

// Six windows 10 s apart with feature acme-temp = 0..5 and score = 10 * i: three 20 s buckets
// hold two windows each.
class FeatureApiTest : public CatalogApiTest {
 protected:
  void SetUp() override {
    t0_ = (hub().NowMs() / 1000 - 3600) * 1000;
    store::DecodedBatch batch;
    batch.seq = 2;
    batch.created = t0_;
    for (int i = 0; i < 6; ++i) {
      batch.windows.push_back({.asset = "acme-fan-9",
                               .start = t0_ + i * 10000,
                               .end = t0_ + (i + 1) * 10000,
                               .status = "scored",
                               .detector = "baseline-v1",
                               .score = 10.0 * i,
                               .top_feature = "acme-temp",
                               .features_json = "{\"acme-temp\":" + std::to_string(i) +
                                                ",\"acme-rms\":" + std::to_string(100 + i) + "}"});
    }
    IngestAcme(hub(), batch);
  }
  store::TimeMs t0_ = 0;
};

TEST_F(FeatureApiTest, DownsamplesIntoEqualBuckets) {
  const std::string path = "/v1/assets/acme-fan-9/features?names=acme-temp,score&from=" + Rfc(t0_) +
                           "&to=" + std::to_string(t0_ + 60000) + "&points=3";
  HttpResult r = hub().Get(path, Token(Role::kViewer));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["asset"], "acme-fan-9");
  EXPECT_EQ(r.json["from"], Rfc(t0_));
  EXPECT_EQ(r.json["to"], Rfc(t0_ + 60000));
  ASSERT_EQ(r.json["series"].size(), 2u);
  const json& temp = r.json["series"]["acme-temp"];
  ASSERT_EQ(temp.size(), 3u) << temp;
  for (int b = 0; b < 3; ++b) {
    EXPECT_EQ(temp[b]["t"], Rfc(t0_ + b * 20000));
    EXPECT_EQ(temp[b]["n"], 2);
    EXPECT_DOUBLE_EQ(temp[b]["mean"].get<double>(), 2 * b + 0.5);
    EXPECT_DOUBLE_EQ(temp[b]["min"].get<double>(), 2 * b);
    EXPECT_DOUBLE_EQ(temp[b]["max"].get<double>(), 2 * b + 1);
  }
  const json& score = r.json["series"]["score"];
  ASSERT_EQ(score.size(), 3u);
  EXPECT_DOUBLE_EQ(score[2]["mean"].get<double>(), 45.0);

  // One bucket over the first 30 s: windows 0, 1, 2; the window starting at `to` is excluded.
  r = hub().Get("/v1/assets/acme-fan-9/features?names=acme-temp&from=" + Rfc(t0_) +
                    "&to=" + Rfc(t0_ + 30000) + "&points=1",
                Token(Role::kViewer));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json["series"]["acme-temp"].size(), 1u);
  EXPECT_EQ(r.json["series"]["acme-temp"][0]["n"], 3);
  EXPECT_DOUBLE_EQ(r.json["series"]["acme-temp"][0]["mean"].get<double>(), 1.0);
}

TEST_F(FeatureApiTest, DefaultsToAllFeaturesOverTheLastDay) {
  HttpResult r = hub().Get("/v1/assets/acme-fan-9/features", Token(Role::kViewer));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json["series"].size(), 2u) << r.body;
  // 200 buckets of 7.2 minutes over 24 h: the six windows of one minute fall in one bucket, or
  // two when a bucket boundary crosses them.
  const json& rms = r.json["series"]["acme-rms"];
  ASSERT_TRUE(rms.size() == 1u || rms.size() == 2u) << rms;
  int64_t n = 0;
  double sum = 0, min = 1e9, max = -1e9;
  for (const json& p : rms) {
    n += p["n"].get<int64_t>();
    sum += p["n"].get<int64_t>() * p["mean"].get<double>();
    min = std::min(min, p["min"].get<double>());
    max = std::max(max, p["max"].get<double>());
  }
  EXPECT_EQ(n, 6);
  EXPECT_NEAR(sum / 6, 102.5, 1e-9);
  EXPECT_DOUBLE_EQ(min, 100);
  EXPECT_DOUBLE_EQ(max, 105);
  EXPECT_FALSE(r.json["series"]["acme-temp"].empty());
  // An asset without windows answers empty series, not an error.
  ASSERT_EQ(
      hub()
          .Call("PUT", "/v1/assets/acme-quiet", Token(Role::kAdmin), R"({"site":"acme-site-1"})")
          .status,
      200);
  r = hub().Get("/v1/assets/acme-quiet/features", Token(Role::kViewer));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["series"], json::object());
}

TEST_F(FeatureApiTest, RefusesBadParameters) {
  std::string many;
  for (int i = 0; i < 33; ++i) many += (i ? "," : "") + std::string("f") + std::to_string(i);
  struct Case {
    std::string query, expected;
  } cases[] = {
      {"points=0", "points"},     {"points=5001", "points"},         {"points=ten", "points"},
      {"from=yesterday", "from"}, {"to=2026-13-45T00:00:00Z", "to"}, {"from=2000&to=1000", "from"},
      {"names=" + many, "names"}, {"names=a,,b", "names"},
  };
  for (const Case& c : cases) {
    HttpResult r = hub().Get("/v1/assets/acme-fan-9/features?" + c.query, Token(Role::kViewer));
    EXPECT_EQ(r.status, 400) << c.query;
    EXPECT_EQ(ErrorMessage(r).rfind(c.expected, 0), 0u) << c.query << " -> " << r.body;
  }
  EXPECT_EQ(hub().Get("/v1/assets/acme-fan-9/features?points=5000", Token(Role::kViewer)).status,
            200);
}

}  // namespace
}  // namespace edgeloop::api::testing
