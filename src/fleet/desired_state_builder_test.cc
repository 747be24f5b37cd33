#include "fleet/desired_state_builder.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace edgeloop::fleet {
namespace {

using store::Deployment;
using store::DeploymentRole;
using store::ModelVersion;
using store::NodeRecord;

NodeRecord Node(std::string id, std::string group = "line-1") {
  NodeRecord n;
  n.tenant = 1;
  n.id = std::move(id);
  n.group = std::move(group);
  return n;
}

std::vector<NodeRecord> Nodes(int n, std::string group = "line-1") {
  std::vector<NodeRecord> out;
  for (int i = 0; i < n; ++i) out.push_back(Node("gw-" + std::to_string(i), group));
  return out;
}

Deployment Deploy(int64_t id, std::string model, int64_t version, DeploymentRole role,
                  std::string group = "pump-bearing", std::string target_group = "line-1") {
  Deployment d;
  d.id = id;
  d.tenant = 1;
  d.model = std::move(model);
  d.version = version;
  d.group = std::move(group);
  d.target_group = std::move(target_group);
  d.role = role;
  d.created = 1000 * id;
  return d;
}

ModelVersion Model(std::string name, int64_t version, char digit) {
  ModelVersion m;
  m.name = std::move(name);
  m.version = version;
  m.sha256 = std::string(64, digit);
  m.size = 1000 + version;
  return m;
}

using ModelMap = std::map<std::pair<std::string, int64_t>, ModelVersion>;

ModelMap Models() {
  ModelMap m;
  for (const auto& mv : {Model("pca", 1, 'a'), Model("pca", 2, 'b'), Model("pca", 3, 'c'),
                         Model("iforest", 1, 'd'), Model("temp", 1, 'e')}) {
    m[{mv.name, mv.version}] = mv;
  }
  return m;
}

TEST(TargetsTest, ExplicitListOrGroupLabel) {
  Deployment d = Deploy(1, "pca", 1, DeploymentRole::kProduction);
  EXPECT_TRUE(Targets(d, Node("gw-1", "line-1")));
  EXPECT_FALSE(Targets(d, Node("gw-1", "line-2")));
  EXPECT_FALSE(Targets(d, Node("gw-1", "")));
  d.target_nodes = {"gw-2", "gw-3"};  // an explicit list replaces the label
  EXPECT_FALSE(Targets(d, Node("gw-1", "line-1")));
  EXPECT_TRUE(Targets(d, Node("gw-3", "line-9")));
  d.target_nodes.clear();
  d.target_group.clear();
  EXPECT_FALSE(Targets(d, Node("gw-1", "")));
}

TEST(CanaryNodesTest, CountIsCeilingOfPercentAndAtLeastOne) {
  Deployment d = Deploy(7, "pca", 2, DeploymentRole::kCanary);
  const std::vector<NodeRecord> nodes = Nodes(10);
  for (const auto& [percent, expected] :
       std::vector<std::pair<int, size_t>>{{1, 1}, {10, 1}, {11, 2}, {25, 3}, {50, 5}, {100, 10}}) {
    d.canary_percent = percent;
    EXPECT_EQ(CanaryNodes(d, nodes).size(), expected) << percent;
  }
  std::vector<NodeRecord> mixed = Nodes(4);
  mixed.push_back(Node("other", "line-2"));  // not targeted: never chosen
  d.canary_percent = 100;
  const auto chosen = CanaryNodes(d, mixed);
  EXPECT_EQ(chosen.size(), 4u);
  EXPECT_EQ(std::count(chosen.begin(), chosen.end(), "other"), 0);
  EXPECT_TRUE(CanaryNodes(d, {Node("x", "line-2")}).empty());
}

TEST(CanaryNodesTest, LargerPercentIsSupersetAndChoiceIsStable) {
  Deployment d = Deploy(7, "pca", 2, DeploymentRole::kCanary);
  const std::vector<NodeRecord> nodes = Nodes(40);
  std::vector<std::string> previous;
  for (int percent = 1; percent <= 100; ++percent) {
    d.canary_percent = percent;
    const auto chosen = CanaryNodes(d, nodes);
    EXPECT_TRUE(std::includes(chosen.begin(), chosen.end(), previous.begin(), previous.end()))
        << percent;
    EXPECT_EQ(chosen, CanaryNodes(d, nodes));  // deterministic
    previous = chosen;
  }
  // Order of the node list does not matter.
  d.canary_percent = 30;
  std::vector<NodeRecord> reversed(nodes.rbegin(), nodes.rend());
  EXPECT_EQ(CanaryNodes(d, reversed), CanaryNodes(d, nodes));
  // Adding a node when the count grows keeps every chosen node (10 % of 10 -> 1, of 11 -> 2).
  d.canary_percent = 10;
  std::vector<NodeRecord> ten = Nodes(10);
  const auto before = CanaryNodes(d, ten);
  ten.push_back(Node("gw-new"));
  const auto after = CanaryNodes(d, ten);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_TRUE(std::includes(after.begin(), after.end(), before.begin(), before.end()));
  // Another deployment picks (in general) different nodes: the hash includes its id.
  Deployment other = d;
  bool differs = false;
  for (other.id = 8; other.id < 20 && !differs; ++other.id) {
    differs = CanaryNodes(other, nodes) != CanaryNodes(d, nodes);
  }
  EXPECT_TRUE(differs);
}

TEST(ResolveDesiredTest, NewestProductionWinsPerGroupAndShadowIsSeparate) {
  const std::vector<NodeRecord> nodes = Nodes(3);
  const std::vector<Deployment> active = {
      Deploy(1, "pca", 1, DeploymentRole::kProduction),
      Deploy(2, "pca", 2, DeploymentRole::kProduction),  // newer: wins
      Deploy(3, "iforest", 1, DeploymentRole::kShadow),
      Deploy(4, "temp", 1, DeploymentRole::kProduction, "motor-temp"),
      Deploy(5, "pca", 3, DeploymentRole::kProduction, "pump-bearing", "line-2"),  // other line
  };
  const auto desired = ResolveDesired(nodes[0], active, nodes, Models());
  ASSERT_EQ(desired.size(), 3u);
  EXPECT_EQ(desired[0].group, "motor-temp");
  EXPECT_EQ(desired[0].role, "production");
  EXPECT_EQ(desired[0].model.name, "temp");
  EXPECT_EQ(desired[0].deployment_id, 4);
  EXPECT_EQ(desired[1].group, "pump-bearing");
  EXPECT_EQ(desired[1].role, "production");
  EXPECT_EQ(desired[1].model.version, 2);
  EXPECT_EQ(desired[1].deployment_id, 2);
  EXPECT_EQ(desired[2].group, "pump-bearing");
  EXPECT_EQ(desired[2].role, "shadow");
  EXPECT_EQ(desired[2].model.name, "iforest");
}

TEST(ResolveDesiredTest, ExplicitListAndInactiveAndUnknownVersions) {
  const std::vector<NodeRecord> nodes = Nodes(3);
  Deployment pinned = Deploy(9, "pca", 3, DeploymentRole::kProduction);
  pinned.target_nodes = {"gw-2"};
  Deployment rolled_back = Deploy(10, "pca", 1, DeploymentRole::kProduction);
  rolled_back.state = store::DeploymentState::kRolledBack;
  Deployment missing = Deploy(11, "ghost", 4, DeploymentRole::kProduction);
  const std::vector<Deployment> active = {Deploy(2, "pca", 2, DeploymentRole::kProduction), pinned,
                                          rolled_back, missing};
  auto d0 = ResolveDesired(nodes[0], active, nodes, Models());
  ASSERT_EQ(d0.size(), 1u);
  EXPECT_EQ(d0[0].deployment_id, 2);  // not pinned, rolled back ignored, ghost skipped
  auto d2 = ResolveDesired(nodes[2], active, nodes, Models());
  ASSERT_EQ(d2.size(), 1u);
  EXPECT_EQ(d2[0].deployment_id, 9);
  EXPECT_TRUE(ResolveDesired(Node("gw-x", "line-3"), active, nodes, Models()).empty());
}

TEST(ResolveDesiredTest, CanaryOverridesProductionOnlyOnItsNodes) {
  const std::vector<NodeRecord> nodes = Nodes(10);
  Deployment canary = Deploy(5, "pca", 3, DeploymentRole::kCanary);
  canary.canary_percent = 30;
  // Older than the production deployment, and still overriding it on its nodes.
  canary.created = 1;
  const std::vector<Deployment> active = {Deploy(2, "pca", 2, DeploymentRole::kProduction), canary};
  const auto chosen = CanaryNodes(canary, nodes);
  ASSERT_EQ(chosen.size(), 3u);
  int on_canary = 0;
  for (const NodeRecord& n : nodes) {
    const auto desired = ResolveDesired(n, active, nodes, Models());
    ASSERT_EQ(desired.size(), 1u);
    EXPECT_EQ(desired[0].role, "production");
    const bool picked = std::binary_search(chosen.begin(), chosen.end(), n.id);
    EXPECT_EQ(desired[0].model.version, picked ? 3 : 2) << n.id;
    on_canary += picked;
  }
  EXPECT_EQ(on_canary, 3);
}

TEST(BuildDesiredDocumentTest, ExactFormatAndEtag) {
  ModelVersion signed_model = Model("pca", 2, 'b');
  signed_model.signature = "c2lnbmF0dXJl";
  const std::vector<DesiredModel> models = {
      {"pump-bearing", "production", signed_model, 2},
      {"pump-bearing", "shadow", Model("iforest", 1, 'd'), 3}};
  const DesiredDocument doc = BuildDesiredDocument(12, models);
  const nlohmann::json expected = {{"revision", 12},
                                   {"models",
                                    {{{"group", "pump-bearing"},
                                      {"role", "production"},
                                      {"version", "pca@2"},
                                      {"sha256", std::string(64, 'b')},
                                      {"url", "/v1/artifacts/" + std::string(64, 'b')},
                                      {"size", 1002},
                                      {"signature", "c2lnbmF0dXJl"}},
                                     {{"group", "pump-bearing"},
                                      {"role", "shadow"},
                                      {"version", "iforest@1"},
                                      {"sha256", std::string(64, 'd')},
                                      {"url", "/v1/artifacts/" + std::string(64, 'd')},
                                      {"size", 1001}}}}};
  EXPECT_EQ(doc.body, expected);
  EXPECT_FALSE(doc.body["models"][1].contains("signature"));
  ASSERT_EQ(doc.etag.size(), std::string("\"r12-0123456789abcdef\"").size());
  EXPECT_EQ(doc.etag.rfind("\"r12-", 0), 0u);
  EXPECT_EQ(doc.etag.back(), '"');

  EXPECT_EQ(BuildDesiredDocument(12, models).etag, doc.etag);  // same body, same tag
  auto changed = models;
  changed[1].model.size += 1;
  EXPECT_NE(BuildDesiredDocument(12, changed).etag, doc.etag);
  EXPECT_NE(BuildDesiredDocument(13, models).etag, doc.etag);
  const DesiredDocument empty = BuildDesiredDocument(0, {});
  EXPECT_EQ(empty.body, (nlohmann::json{{"revision", 0}, {"models", nlohmann::json::array()}}));
}

TEST(RolloutStatusTest, AppliedPendingUnknownNotTargeted) {
  const DesiredModel desired{"pump-bearing", "production", Model("pca", 2, 'b'), 2};
  NodeRecord node = Node("gw-1");
  EXPECT_EQ(RolloutStatus(nullptr, node), "not_targeted");
  EXPECT_EQ(RolloutStatus(&desired, node), "unknown");  // no heartbeat yet
  node.last_heartbeat = 5;
  node.models_json = "{}";
  EXPECT_EQ(RolloutStatus(&desired, node), "pending");
  // The edge reports "<metadata name>@<first 12 hex of sha256>".
  node.models_json = R"({"pump-bearing/production": "bearing-pca@bbbbbbbbbbbb"})";
  EXPECT_EQ(RolloutStatus(&desired, node), "applied");
  node.models_json = R"({"pump-bearing/production": "BBBBBBBBBBBB"})";
  EXPECT_EQ(RolloutStatus(&desired, node), "applied");
  node.models_json = R"({"pump-bearing/production": "pca@2"})";
  EXPECT_EQ(RolloutStatus(&desired, node), "applied");
  node.models_json = R"({"pump-bearing/production": "pca@aaaaaaaaaaaa"})";
  EXPECT_EQ(RolloutStatus(&desired, node), "pending");
  node.models_json = R"({"pump-bearing/production": "pca@bbb"})";  // too short to trust
  EXPECT_EQ(RolloutStatus(&desired, node), "pending");
  node.models_json = R"({"pump-bearing/shadow": "pca@bbbbbbbbbbbb"})";  // other role
  EXPECT_EQ(RolloutStatus(&desired, node), "pending");
  node.models_json = "not json";
  EXPECT_EQ(RolloutStatus(&desired, node), "pending");
}

}  // namespace
}  // namespace edgeloop::fleet
