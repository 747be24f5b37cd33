// Conformance tests of the model registry and deployments (both engines, see
// hub_store_test_fixture.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/sha256.h"
#include "store/hub_store_test_data.h"
#include "store/hub_store_test_fixture.h"

namespace edgeloop::store {
namespace {

using testdata::kT0;

std::string Sha(std::string_view bytes) {
  return Sha256Hex(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

ModelVersion Meta(int64_t tenant, const std::string& name) {
  return ModelVersion{.tenant = tenant,
                      .name = name,
                      .signature = "c2lnbmF0dXJl",
                      .trainer = "pca",
                      .metadata_json = R"({"features":["rms","kurtosis"],"threshold":2.5})",
                      .created_by = "mia",
                      .created = kT0};
}

// Two artifacts whose sha256 share the first 8 hex digits: a birthday search over ~2^16
// candidates, deterministic because the candidates are. Computed once per process (it takes
// a few seconds under the sanitizers) and shared by both engines' runs.
const std::pair<std::string, std::string>& ShaPrefixCollision() {
  static const std::pair<std::string, std::string> collision = [] {
    std::unordered_map<std::string, std::string> seen;
    for (int i = 0;; ++i) {
      std::string bytes = "artifact-" + std::to_string(i);
      auto [it, inserted] = seen.emplace(Sha(bytes).substr(0, 8), bytes);
      if (!inserted) return std::make_pair(it->second, bytes);
    }
  }();
  return collision;
}

TEST_P(HubStoreConformance, RegistryVersionsNumberPerName) {
  const int64_t t = MakeTenant("acme");
  Result<ModelVersion> v1 = store().CreateModelVersion(Meta(t, "pump-pca"), "model-one");
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  EXPECT_GT(v1->id, 0);
  EXPECT_EQ(v1->tenant, t);
  EXPECT_EQ(v1->name, "pump-pca");
  EXPECT_EQ(v1->version, 1);
  EXPECT_EQ(v1->sha256, Sha("model-one"));
  EXPECT_EQ(v1->size, 9);
  EXPECT_EQ(v1->signature, "c2lnbmF0dXJl");
  EXPECT_EQ(v1->trainer, "pca");
  EXPECT_EQ(nlohmann::json::parse(v1->metadata_json),
            nlohmann::json::parse(Meta(t, "x").metadata_json));
  EXPECT_FALSE(v1->parent_version.has_value());
  EXPECT_EQ(v1->created_by, "mia");
  EXPECT_EQ(v1->created, kT0);

  ModelVersion m2 = Meta(t, "pump-pca");
  m2.parent_version = 1;
  m2.metadata_json = "";  // stored as {}
  Result<ModelVersion> v2 = store().CreateModelVersion(m2, "model-two");
  ASSERT_TRUE(v2.ok()) << v2.status().ToString();
  EXPECT_EQ(v2->version, 2);
  EXPECT_EQ(v2->parent_version, 1);
  EXPECT_EQ(nlohmann::json::parse(v2->metadata_json), nlohmann::json::object());
  Result<ModelVersion> fan = store().CreateModelVersion(Meta(t, "fan-ae"), "fan-model");
  ASSERT_TRUE(fan.ok()) << fan.status().ToString();
  EXPECT_EQ(fan->version, 1);

  Result<std::vector<ModelVersion>> latest = store().ListModels(t);
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  ASSERT_EQ(latest->size(), 2u);
  EXPECT_EQ((*latest)[0].name, "fan-ae");
  EXPECT_EQ((*latest)[0].version, 1);
  EXPECT_EQ((*latest)[1].name, "pump-pca");
  EXPECT_EQ((*latest)[1].version, 2);

  Result<std::vector<ModelVersion>> versions = store().ListModelVersions(t, "pump-pca");
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].version, 1);
  EXPECT_EQ((*versions)[1].version, 2);
  EXPECT_TRUE(store().ListModelVersions(t, "nope").value().empty());

  Result<ModelVersion> got = store().GetModelVersion(t, "pump-pca", 2);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->id, v2->id);
  EXPECT_EQ(got->sha256, Sha("model-two"));
  EXPECT_EQ(store().GetModelVersion(t, "pump-pca", 3).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().GetModelVersion(t, "nope", 1).status().code(), StatusCode::kNotFound);
}

TEST_P(HubStoreConformance, RegistrySameArtifactTwiceUnderOneNameRefused) {
  const int64_t t = MakeTenant("acme");
  ASSERT_TRUE(store().CreateModelVersion(Meta(t, "pump-pca"), "a").ok());
  ASSERT_TRUE(store().CreateModelVersion(Meta(t, "pump-pca"), "b").ok());
  ASSERT_TRUE(store().CreateModelVersion(Meta(t, "pump-pca"), "c").ok());
  Result<ModelVersion> dup = store().CreateModelVersion(Meta(t, "pump-pca"), "c");
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(dup.status().message(), "model pump-pca already has this artifact as version 3");
  EXPECT_EQ(store().ListModelVersions(t, "pump-pca").value().size(), 3u);

  // The same bytes under another name are a new model; the artifact is shared.
  Result<ModelVersion> other = store().CreateModelVersion(Meta(t, "pump-pca-copy"), "c");
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_EQ(other->version, 1);
  EXPECT_EQ(store().GetArtifact(t, Sha("c")).value(), "c");
}

TEST_P(HubStoreConformance, RegistryRefusesBadInput) {
  const int64_t t = MakeTenant("acme");
  for (const std::string name : {std::string(""), std::string("has space"), std::string("a/b"),
                                 std::string("x\ny"), std::string(129, 'm')}) {
    EXPECT_EQ(store().CreateModelVersion(Meta(t, name), "bytes").status().code(),
              StatusCode::kInvalidArgument)
        << name;
  }
  EXPECT_TRUE(store().CreateModelVersion(Meta(t, std::string(128, 'm')), "bytes").ok());
  EXPECT_TRUE(store().CreateModelVersion(Meta(t, "Pump_PCA.v2-b"), "bytes").ok());

  ModelVersion wrong_sha = Meta(t, "pump");
  wrong_sha.sha256 = Sha("something else");
  EXPECT_EQ(store().CreateModelVersion(wrong_sha, "bytes").status().code(),
            StatusCode::kInvalidArgument);
  ModelVersion right_sha = Meta(t, "pump");
  right_sha.sha256 = Sha("bytes");
  std::transform(right_sha.sha256.begin(), right_sha.sha256.end(), right_sha.sha256.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  Result<ModelVersion> ok = store().CreateModelVersion(right_sha, "bytes");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->sha256, Sha("bytes"));

  ModelVersion bad_json = Meta(t, "pump2");
  bad_json.metadata_json = "{not json";
  EXPECT_EQ(store().CreateModelVersion(bad_json, "bytes").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(store().ListModelVersions(t, "pump2").value().empty());
}

TEST_P(HubStoreConformance, RegistryArtifactBytesRoundTrip) {
  const int64_t t = MakeTenant("acme");
  const std::string with_nuls("\0onnx\0\x01\xff\0", 10);
  std::string big(1 << 20, '\0');
  std::mt19937 rng(7);
  for (char& c : big) c = static_cast<char>(rng());
  ASSERT_TRUE(store().CreateModelVersion(Meta(t, "nuls"), with_nuls).ok());
  Result<ModelVersion> big_model = store().CreateModelVersion(Meta(t, "big"), big);
  ASSERT_TRUE(big_model.ok()) << big_model.status().ToString();
  EXPECT_EQ(big_model->size, 1 << 20);

  Result<std::string> small_back = store().GetArtifact(t, Sha(with_nuls));
  ASSERT_TRUE(small_back.ok()) << small_back.status().ToString();
  EXPECT_EQ(*small_back, with_nuls);
  Result<std::string> big_back = store().GetArtifact(t, big_model->sha256);
  ASSERT_TRUE(big_back.ok()) << big_back.status().ToString();
  EXPECT_TRUE(*big_back == big) << "1 MiB artifact differs after the round trip";
  EXPECT_EQ(store().GetArtifact(t, Sha("never uploaded")).status().code(), StatusCode::kNotFound);
}

TEST_P(HubStoreConformance, RegistryFindByShaPrefix) {
  const int64_t t = MakeTenant("acme");
  const auto& [left, right] = ShaPrefixCollision();
  const std::string sha_left = Sha(left);
  const std::string sha_right = Sha(right);
  ASSERT_EQ(sha_left.substr(0, 8), sha_right.substr(0, 8));
  ASSERT_TRUE(store().CreateModelVersion(Meta(t, "left"), left).ok());
  ASSERT_TRUE(store().CreateModelVersion(Meta(t, "right"), right).ok());

  Result<ModelVersion> full = store().FindModelVersionBySha(t, sha_left);
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  EXPECT_EQ(full->name, "left");

  // The first differing digit settles it.
  size_t differ = 8;
  while (sha_left[differ] == sha_right[differ]) ++differ;
  Result<ModelVersion> by_prefix =
      store().FindModelVersionBySha(t, sha_right.substr(0, differ + 1));
  ASSERT_TRUE(by_prefix.ok()) << by_prefix.status().ToString();
  EXPECT_EQ(by_prefix->name, "right");

  // Upper-case digits are read as lower-case ones.
  std::string upper = sha_left.substr(0, std::max<size_t>(12, differ + 1));
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  Result<ModelVersion> by_upper = store().FindModelVersionBySha(t, upper);
  ASSERT_TRUE(by_upper.ok()) << by_upper.status().ToString();
  EXPECT_EQ(by_upper->name, "left");

  Result<ModelVersion> ambiguous = store().FindModelVersionBySha(t, sha_left.substr(0, 8));
  EXPECT_EQ(ambiguous.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(ambiguous.status().message().find("left"), std::string::npos);
  EXPECT_NE(ambiguous.status().message().find("right"), std::string::npos);

  EXPECT_EQ(store().FindModelVersionBySha(t, sha_left.substr(0, 7)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store().FindModelVersionBySha(t, "zzzzzzzz").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store().FindModelVersionBySha(t, "0123abcd%").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store().FindModelVersionBySha(t, sha_left + "0").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store().FindModelVersionBySha(t, Sha("never uploaded")).status().code(),
            StatusCode::kNotFound);

  // The same artifact under a second name: the newest upload answers.
  ASSERT_TRUE(store().CreateModelVersion(Meta(t, "left-again"), left).ok());
  Result<ModelVersion> newest = store().FindModelVersionBySha(t, sha_left);
  ASSERT_TRUE(newest.ok()) << newest.status().ToString();
  EXPECT_EQ(newest->name, "left-again");
}

TEST_P(HubStoreConformance, RegistryConcurrentUploadsGetDistinctVersions) {
  const int64_t t = MakeTenant("acme");
  constexpr int kThreads = 6;
  std::vector<Result<ModelVersion>> results(kThreads, Internal("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      results[i] = store().CreateModelVersion(Meta(t, "pump-pca"),
                                              "concurrent artifact " + std::to_string(i));
    });
  }
  for (std::thread& th : threads) th.join();
  std::set<int64_t> versions;
  for (const Result<ModelVersion>& r : results) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    versions.insert(r->version);
  }
  EXPECT_EQ(versions, (std::set<int64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(store().ListModelVersions(t, "pump-pca").value().size(), 6u);
}

Deployment Production(int64_t tenant, const std::string& model, int64_t version) {
  return Deployment{.tenant = tenant,
                    .model = model,
                    .version = version,
                    .group = "pump-bearing",
                    .target_group = "line-1",
                    .role = DeploymentRole::kProduction,
                    .created_by = "mia",
                    .created = kT0};
}

TEST_P(HubStoreConformance, DeploymentsValidated) {
  const int64_t t = MakeTenant("acme");
  ASSERT_TRUE(store().CreateModelVersion(Meta(t, "pump-pca"), "v1").ok());
  auto code = [&](Deployment d) { return store().CreateDeployment(d, {}).status().code(); };
  EXPECT_EQ(code(Production(t, "pump-pca", 2)), StatusCode::kNotFound);
  EXPECT_EQ(code(Production(t, "nope", 1)), StatusCode::kNotFound);
  Deployment d = Production(t, "pump-pca", 1);
  d.role = DeploymentRole::kCanary;
  EXPECT_EQ(code(d), StatusCode::kInvalidArgument);  // canary without percent
  d.canary_percent = 101;
  EXPECT_EQ(code(d), StatusCode::kInvalidArgument);
  d = Production(t, "pump-pca", 1);
  d.canary_percent = 10;
  EXPECT_EQ(code(d), StatusCode::kInvalidArgument);  // percent without canary
  d = Production(t, "pump-pca", 1);
  d.role = DeploymentRole::kShadow;
  d.canary_percent = 5;
  EXPECT_EQ(code(d), StatusCode::kInvalidArgument);
  d = Production(t, "pump-pca", 1);
  d.target_nodes = {"gw-1"};
  EXPECT_EQ(code(d), StatusCode::kInvalidArgument);  // both targets
  d.target_nodes.clear();
  d.target_group.clear();
  EXPECT_EQ(code(d), StatusCode::kInvalidArgument);  // no target
  d = Production(t, "pump-pca", 1);
  d.group = "";
  EXPECT_EQ(code(d), StatusCode::kInvalidArgument);
  d = Production(t, "pump-pca", 1);
  d.target_group = "";
  d.target_nodes = {"gw-1", "bad node"};
  EXPECT_EQ(code(d), StatusCode::kInvalidArgument);
  EXPECT_TRUE(store().ListDeployments(t, false).value().empty());
  EXPECT_EQ(store().DeploymentRevision(t).value(), 0);
}

TEST_P(HubStoreConformance, DeploymentsSupersedeRollBackAndRevisions) {
  const int64_t t = MakeTenant("acme");
  ASSERT_TRUE(store().CreateModelVersion(Meta(t, "pump-pca"), "v1").ok());
  ASSERT_TRUE(store().CreateModelVersion(Meta(t, "pump-pca"), "v2").ok());
  EXPECT_EQ(store().DeploymentRevision(t).value(), 0);

  Result<Deployment> d1 = store().CreateDeployment(Production(t, "pump-pca", 1), {});
  ASSERT_TRUE(d1.ok()) << d1.status().ToString();
  EXPECT_GT(d1->id, 0);
  EXPECT_EQ(d1->tenant, t);
  EXPECT_EQ(d1->model, "pump-pca");
  EXPECT_EQ(d1->version, 1);
  EXPECT_EQ(d1->group, "pump-bearing");
  EXPECT_EQ(d1->target_group, "line-1");
  EXPECT_TRUE(d1->target_nodes.empty());
  EXPECT_EQ(d1->role, DeploymentRole::kProduction);
  EXPECT_EQ(d1->state, DeploymentState::kActive);
  EXPECT_EQ(d1->created_by, "mia");
  EXPECT_EQ(d1->created, kT0);
  EXPECT_FALSE(d1->replaces.has_value());
  EXPECT_EQ(store().DeploymentRevision(t).value(), 1);

  // A canary of v2 on explicit nodes, then v2 to production replacing d1.
  Deployment canary = Production(t, "pump-pca", 2);
  canary.target_group = "";
  canary.target_nodes = {"gw-1", "gw-2", "gw:3"};
  canary.role = DeploymentRole::kCanary;
  canary.canary_percent = 25;
  Result<Deployment> d2 = store().CreateDeployment(canary, {});
  ASSERT_TRUE(d2.ok()) << d2.status().ToString();
  EXPECT_EQ(d2->target_nodes, canary.target_nodes);
  EXPECT_EQ(d2->role, DeploymentRole::kCanary);
  EXPECT_EQ(d2->canary_percent, 25);
  EXPECT_EQ(store().DeploymentRevision(t).value(), 2);

  Deployment promote = Production(t, "pump-pca", 2);
  promote.replaces = d1->id;
  const int64_t supersede[] = {d1->id, d2->id};
  Result<Deployment> d3 = store().CreateDeployment(promote, supersede);
  ASSERT_TRUE(d3.ok()) << d3.status().ToString();
  EXPECT_EQ(d3->replaces, d1->id);
  EXPECT_EQ(store().DeploymentRevision(t).value(), 3);
  EXPECT_EQ(store().GetDeployment(t, d1->id).value().state, DeploymentState::kSuperseded);
  EXPECT_EQ(store().GetDeployment(t, d2->id).value().state, DeploymentState::kSuperseded);
  EXPECT_EQ(store().GetDeployment(t, d2->id).value().target_nodes, canary.target_nodes);

  auto ids = [&](bool active_only) {
    std::vector<int64_t> out;
    const std::vector<Deployment> listed = store().ListDeployments(t, active_only).value();
    for (const Deployment& d : listed) {
      out.push_back(d.id);
    }
    return out;
  };
  EXPECT_EQ(ids(true), (std::vector<int64_t>{d3->id}));
  EXPECT_EQ(ids(false), (std::vector<int64_t>{d3->id, d2->id, d1->id}));

  // Roll back: d3 rolled back, d1 active again, in one step.
  const std::pair<int64_t, DeploymentState> rollback[] = {{d3->id, DeploymentState::kRolledBack},
                                                          {d1->id, DeploymentState::kActive}};
  ASSERT_TRUE(store().SetDeploymentStates(t, rollback).ok());
  EXPECT_EQ(store().DeploymentRevision(t).value(), 4);
  EXPECT_EQ(store().GetDeployment(t, d3->id).value().state, DeploymentState::kRolledBack);
  EXPECT_EQ(ids(true), (std::vector<int64_t>{d1->id}));

  // An unknown id anywhere in the list: kNotFound and nothing changes.
  const std::pair<int64_t, DeploymentState> broken[] = {{d1->id, DeploymentState::kSuperseded},
                                                        {d3->id + 100, DeploymentState::kActive}};
  EXPECT_EQ(store().SetDeploymentStates(t, broken).code(), StatusCode::kNotFound);
  EXPECT_EQ(store().GetDeployment(t, d1->id).value().state, DeploymentState::kActive);
  EXPECT_EQ(store().DeploymentRevision(t).value(), 4);
  EXPECT_EQ(store().GetDeployment(t, d3->id + 100).status().code(), StatusCode::kNotFound);

  // Superseding only touches active deployments: the rolled-back d3 stays rolled back.
  const int64_t again[] = {d1->id, d3->id};
  Result<Deployment> d4 = store().CreateDeployment(Production(t, "pump-pca", 2), again);
  ASSERT_TRUE(d4.ok()) << d4.status().ToString();
  EXPECT_EQ(store().GetDeployment(t, d1->id).value().state, DeploymentState::kSuperseded);
  EXPECT_EQ(store().GetDeployment(t, d3->id).value().state, DeploymentState::kRolledBack);
  EXPECT_EQ(store().DeploymentRevision(t).value(), 5);
}

TEST_P(HubStoreConformance, RegistryAndDeploymentsTenantIsolation) {
  const int64_t a = MakeTenant("acme");
  const int64_t b = MakeTenant("bolt");
  Result<ModelVersion> model = store().CreateModelVersion(Meta(a, "pump-pca"), "shared bytes");
  ASSERT_TRUE(model.ok());
  Result<Deployment> dep = store().CreateDeployment(Production(a, "pump-pca", 1), {});
  ASSERT_TRUE(dep.ok()) << dep.status().ToString();

  EXPECT_TRUE(store().ListModels(b).value().empty());
  EXPECT_TRUE(store().ListModelVersions(b, "pump-pca").value().empty());
  EXPECT_EQ(store().GetModelVersion(b, "pump-pca", 1).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().FindModelVersionBySha(b, model->sha256).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().GetArtifact(b, model->sha256).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().CreateDeployment(Production(b, "pump-pca", 1), {}).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store().GetDeployment(b, dep->id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store().ListDeployments(b, false).value().empty());
  EXPECT_EQ(store().DeploymentRevision(b).value(), 0);
  const std::pair<int64_t, DeploymentState> steal[] = {{dep->id, DeploymentState::kRolledBack}};
  EXPECT_EQ(store().SetDeploymentStates(b, steal).code(), StatusCode::kNotFound);

  // B's own copy of the same bytes is B's version 1, and superseding A's id does nothing.
  ASSERT_TRUE(store().CreateModelVersion(Meta(b, "pump-pca"), "shared bytes").ok());
  const int64_t foreign[] = {dep->id};
  ASSERT_TRUE(store().CreateDeployment(Production(b, "pump-pca", 1), foreign).ok());
  EXPECT_EQ(store().GetDeployment(a, dep->id).value().state, DeploymentState::kActive);
  EXPECT_EQ(store().DeploymentRevision(a).value(), 1);
  EXPECT_EQ(store().DeploymentRevision(b).value(), 1);
}

}  // namespace
}  // namespace edgeloop::store
