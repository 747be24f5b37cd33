// Model registry routes over real HTTP: upload real ONNX (a PCA trained by src/train), list,
// show, duplicate, malformed uploads, parent and signature parameters.
#include <gtest/gtest.h>

#include <string>

#include "api/api_test_fixture.h"
#include "common/base64.h"
#include "common/sha256.h"
#include "registry/test_models.h"

namespace edgeloop::api::testing {
namespace {

using registry::testing::AsBytes;
using registry::testing::TrainedPcaBytes;
using registry::testing::WithoutMetadata;
using store::Role;

HttpResult Upload(TestHubServer& hub, const std::string& token, const std::string& name,
                  const std::string& bytes, const std::string& query = "") {
  return hub.Call("POST", "/v1/models/" + name + "/versions" + query, token, bytes,
                  {{"Content-Type", "application/octet-stream"}});
}

class ApiModelsTest : public ApiTest {
 protected:
  std::string ml() { return hub().acme().token(Role::kMlEngineer); }
  std::string viewer() { return hub().acme().token(Role::kViewer); }
};

TEST_F(ApiModelsTest, UploadRealModelThenListAndShow) {
  const std::string bytes = TrainedPcaBytes(11);
  HttpResult up = Upload(hub(), ml(), "pump-pca", bytes);
  ASSERT_EQ(up.status, 201) << up.body;
  EXPECT_EQ(up.json["name"], "pump-pca");
  EXPECT_EQ(up.json["version"], 1);
  EXPECT_EQ(up.json["sha256"], Sha256Hex(AsBytes(bytes)));
  EXPECT_EQ(up.json["size"], bytes.size());
  EXPECT_EQ(up.json["trainer"], "pca");
  EXPECT_EQ(up.json["task"], "anomaly");
  EXPECT_EQ(up.json["features"], nlohmann::json({"flow", "load", "pressure", "current"}));
  EXPECT_EQ(up.json["threshold"], 1.0);
  EXPECT_EQ(up.json["created_by"], "acme-ml-engineer");
  EXPECT_EQ(up.json["inputs"][0]["shape"], nlohmann::json({-1, 4}));
  EXPECT_EQ(up.Header("Location"), "/v1/models/pump-pca/versions/1");

  // A second, different model of the same name, derived from the first.
  const std::string bytes2 = TrainedPcaBytes(12);
  HttpResult up2 = Upload(hub(), ml(), "pump-pca", bytes2, "?parent=1");
  ASSERT_EQ(up2.status, 201) << up2.body;
  EXPECT_EQ(up2.json["version"], 2);
  EXPECT_EQ(up2.json["parent_version"], 1);
  // A model trained elsewhere (no edgeloop metadata) is accepted too.
  HttpResult foreign =
      Upload(hub(), hub().acme().token(Role::kAdmin), "foreign", WithoutMetadata(bytes));
  ASSERT_EQ(foreign.status, 201) << foreign.body;
  EXPECT_EQ(foreign.json["trainer"], "");
  EXPECT_EQ(foreign.json["metadata"], nlohmann::json::object());

  HttpResult list = hub().Get("/v1/models", viewer());
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.json["models"].size(), 2u);  // latest of each name
  for (const auto& m : list.json["models"]) {
    if (m["name"] == "pump-pca") EXPECT_EQ(m["version"], 2);
    if (m["name"] == "foreign") EXPECT_EQ(m["version"], 1);
  }
  HttpResult versions = hub().Get("/v1/models/pump-pca", viewer());
  ASSERT_EQ(versions.status, 200) << versions.body;
  ASSERT_EQ(versions.json["versions"].size(), 2u);
  EXPECT_EQ(versions.json["versions"][0]["version"], 1);
  EXPECT_EQ(versions.json["versions"][1]["sha256"], Sha256Hex(AsBytes(bytes2)));
  EXPECT_FALSE(versions.json["versions"][0].contains("metadata"));  // summary only

  HttpResult show = hub().Get("/v1/models/pump-pca/versions/1", viewer());
  ASSERT_EQ(show.status, 200) << show.body;
  EXPECT_EQ(show.json["metadata"]["trainer"], "pca");
  EXPECT_EQ(show.json["metadata"]["training"]["rows"], 200);
  EXPECT_EQ(show.json["metadata"]["reference_histograms"].size(), 4u);
  EXPECT_EQ(show.json["outputs"].size(), 3u);
  EXPECT_EQ(show.json["artifact_url"], "/v1/artifacts/" + Sha256Hex(AsBytes(bytes)));

  // The artifact served back is byte for byte what was uploaded.
  HttpResult artifact = hub().Get(show.json["artifact_url"].get<std::string>(), viewer());
  ASSERT_EQ(artifact.status, 200);
  EXPECT_EQ(artifact.body, bytes);

  EXPECT_EQ(hub().Get("/v1/models/pump-pca/versions/3", viewer()).status, 404);
  EXPECT_EQ(hub().Get("/v1/models/nope", viewer()).status, 404);
  EXPECT_EQ(hub().Get("/v1/models/pump-pca/versions/zero", viewer()).status, 400);
  // Another tenant sees none of it.
  const std::string globex = hub().globex().token(Role::kAdmin);
  EXPECT_EQ(hub().Get("/v1/models", globex).json["models"].size(), 0u);
  EXPECT_EQ(hub().Get("/v1/models/pump-pca", globex).status, 404);
  EXPECT_EQ(hub().Get("/v1/models/pump-pca/versions/1", globex).status, 404);
}

TEST_F(ApiModelsTest, SameBytesAgainIsAConflictAndStoresNothing) {
  const std::string bytes = TrainedPcaBytes(13);
  ASSERT_EQ(Upload(hub(), ml(), "m", bytes).status, 201);
  HttpResult again = Upload(hub(), ml(), "m", bytes);
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_TRUE(again.HasErrorShape());
  EXPECT_EQ(hub().store().ListModelVersions(hub().acme().id, "m")->size(), 1u);
  // The same bytes under another name are another model.
  EXPECT_EQ(Upload(hub(), ml(), "m2", bytes).status, 201);
}

TEST_F(ApiModelsTest, MalformedUploadsAre400AndStoreNothing) {
  const std::string bytes = TrainedPcaBytes(14);
  struct Case {
    std::string name, body, query, what;
  };
  const std::vector<Case> cases = {
      {"m", "garbage, not ONNX \x01\xff", "", "not a model the edge runtime can load"},
      {"m", bytes.substr(0, bytes.size() / 2), "", "not a model"},
      {"m", "", "", "empty"},
      {"bad%20name", bytes, "", "name:"},
      {"m", bytes, "?parent=0", "parent"},
      {"m", bytes, "?parent=5", "parent: model m has no version 5"},
      {"m", bytes, "?signature=bm90IGEgc2lnbmF0dXJl", "signature"},
      {"m", bytes, "?signature=%%%", "signature"},
  };
  for (const Case& c : cases) {
    HttpResult r = Upload(hub(), ml(), c.name, c.body, c.query);
    EXPECT_EQ(r.status, 400) << c.what << ": " << r.body;
    EXPECT_TRUE(r.HasErrorShape()) << r.body;
    EXPECT_NE(r.json["error"]["message"].get<std::string>().find(c.what), std::string::npos)
        << r.body;
  }
  // A JSON body sent to the upload route is named as the wrong content type.
  HttpResult json_body = hub().Call("POST", "/v1/models/m/versions", ml(), R"({"a":1})");
  EXPECT_EQ(json_body.status, 400);
  EXPECT_NE(json_body.body.find("octet-stream"), std::string::npos) << json_body.body;
  EXPECT_EQ(hub().Get("/v1/models", ml()).json["models"].size(), 0u);
}

TEST_F(ApiModelsTest, SignatureIsKeptAndServedInTheVersion) {
  const std::string sig = Base64Encode(std::string(64, '\x5a'));
  std::string escaped;
  for (char c : sig) {
    escaped += c == '+' ? "%2B" : c == '/' ? "%2F" : c == '=' ? "%3D" : std::string(1, c);
  }
  HttpResult up = Upload(hub(), ml(), "signed", TrainedPcaBytes(15), "?signature=" + escaped);
  ASSERT_EQ(up.status, 201) << up.body;
  EXPECT_EQ(up.json["signature"], sig);
  EXPECT_EQ(hub().Get("/v1/models/signed/versions/1", ml()).json["signature"], sig);
}

TEST_F(ApiModelsTest, OversizedUploadIs413) {
  const std::string big(static_cast<size_t>(hub().context().max_model_bytes) + 1, '\0');
  HttpResult r = Upload(hub(), ml(), "big", big);
  EXPECT_EQ(r.status, 413) << r.body.substr(0, 200);
  EXPECT_EQ(hub().Get("/v1/models", ml()).json["models"].size(), 0u);
}

TEST_F(ApiModelsTest, OnlyModelWritersUpload) {
  const std::string bytes = TrainedPcaBytes(16);
  for (Role role : {Role::kViewer, Role::kTechnician, Role::kEdgeEngineer, Role::kDataSteward}) {
    EXPECT_EQ(Upload(hub(), hub().acme().token(role), "m", bytes).status, 403);
  }
  EXPECT_EQ(Upload(hub(), "", "m", bytes).status, 401);
  EXPECT_EQ(Upload(hub(), hub().acme().node_token, "m", bytes).status, 403);
  EXPECT_EQ(hub().Get("/v1/models", ml()).json["models"].size(), 0u);
}

}  // namespace
}  // namespace edgeloop::api::testing
