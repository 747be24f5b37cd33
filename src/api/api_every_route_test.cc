// Walks /v1/openapi.json and checks, for EVERY operation, the API's promises: only the
// allow-listed routes are public; no token and a bad token -> 401 with the error shape; each
// role not allowed -> 403; another tenant's token sees nothing of acme; malformed bodies -> 400
// with a message and nothing stored. Routes added later are covered automatically.
#include <gtest/gtest.h>

#include <set>

#include "api/api_test_fixture.h"

namespace edgeloop::api::testing {
namespace {

using nlohmann::json;
using store::Role;

const std::vector<Role> kAllRoles = {
    Role::kAdmin,           Role::kEdgeEngineer, Role::kDataSteward, Role::kMlEngineer,
    Role::kDomainValidator, Role::kTechnician,   Role::kViewer,      Role::kNode};

struct Operation {
  std::string method;  // upper case
  std::string pattern;
  json op;
  std::set<std::string> roles;
  std::string label() const { return method + " " + pattern; }
};

class EveryRouteTest : public SeededApiTest {
 protected:
  std::vector<Operation> Operations() {
    HttpResult doc = hub().Get("/v1/openapi.json");
    EXPECT_EQ(doc.status, 200);
    std::vector<Operation> ops;
    for (auto& [pattern, item] : doc.json["paths"].items()) {
      for (auto& [method, op] : item.items()) {
        Operation o{.pattern = pattern, .op = op};
        for (char c : method) o.method.push_back(static_cast<char>(std::toupper(c)));
        for (const json& r : op["x-edgeloop-roles"]) o.roles.insert(r.get<std::string>());
        ops.push_back(std::move(o));
      }
    }
    return ops;
  }

  // A sample acme value for a path parameter, by the segment before it and its name.
  std::optional<std::string> Sample(const std::string& pattern, const std::string& param) {
    const std::string marker = "/{" + param + "}";
    const size_t at = pattern.find(marker);
    std::string before = pattern.substr(0, at);
    before = before.substr(before.rfind('/') + 1);
    const SeedInfo& s = seed();
    if (param == "sha256") return s.model_sha256;
    if (param == "version") return std::to_string(s.model_version);
    if (param == "asset") return s.asset;
    if (param == "node") return s.node;
    if (param == "site") return s.site;
    if (param == "channel") return s.channel;
    if (param == "feature") return s.feature;
    if (param == "model" || param == "name") return s.model;
    if (param == "kind" && before == "lineage") return "alert";
    if (param == "seq") return std::to_string(s.batch_seq);
    if (param == "id" || param == "alert") {
      if (before == "tokens") return std::to_string(AcmeTokenId());
      if (before == "nodes") return s.node;
      if (before == "alerts") return std::to_string(s.alert_id);
      if (before == "annotations") return std::to_string(s.annotation_id);
      if (before == "deployments") return std::to_string(s.deployment_id);
      if (before == "sites") return s.site;
      if (before == "assets") return s.asset;
      if (before == "channels") return s.channel;
      if (before == "models") return s.model;
      if (before == "{kind}") return std::to_string(s.alert_id);  // /v1/lineage/{kind}/{id}
      if (before == "batches") return std::to_string(s.batch_seq);
    }
    return std::nullopt;
  }

  int64_t AcmeTokenId() {
    const auto tokens = hub().store().ListTokens(hub().acme().id).value();
    for (const auto& t : tokens) {
      if (t.name == "acme-viewer") return t.id;
    }
    return 0;
  }

  // The concrete path for `op` with acme samples; nullopt (and a test failure naming the
  // pattern) when a parameter has no sample.
  std::optional<std::string> Path(const Operation& op, std::vector<std::string>* values) {
    std::string path = op.pattern;
    size_t open;
    while ((open = path.find('{')) != std::string::npos) {
      const size_t close = path.find('}', open);
      const std::string name = path.substr(open + 1, close - open - 1);
      std::optional<std::string> v = Sample(op.pattern, name);
      if (!v) {
        ADD_FAILURE() << "no sample value for {" << name << "} in " << op.label()
                      << ": add one to EveryRouteTest::Sample";
        return std::nullopt;
      }
      if (values) values->push_back(*v);
      path.replace(open, close - open + 1, *v);
    }
    return path;
  }

  const std::string& TokenOf(const TenantInfo& t, Role role) {
    return role == Role::kNode ? t.node_token : t.tokens.at(role);
  }
  std::vector<std::pair<std::string, std::string>> NodeHeaders(const TenantInfo& t, Role role) {
    if (role != Role::kNode) return {};
    return {{"X-Edgeloop-Node", t.node}, {"X-Edgeloop-Protocol", "1"}};
  }
  std::string DefaultBody(const Operation& op) { return op.op.contains("requestBody") ? "{}" : ""; }

  // Counts of things a malformed request must not create.
  std::map<std::string, int64_t> Counts() {
    store::HubStore& st = hub().store();
    const int64_t acme = hub().acme().id;
    std::map<std::string, int64_t> c;
    c["alerts"] = static_cast<int64_t>(st.ListAlerts(acme, {.limit = 100000}).value().size());
    c["annotations"] =
        static_cast<int64_t>(st.GetAlert(acme, seed().alert_id).value().annotations.size());
    int64_t versions = 0;
    const auto models = st.ListModels(acme).value();
    for (const auto& m : models) {
      versions += static_cast<int64_t>(st.ListModelVersions(acme, m.name).value().size());
    }
    c["model_versions"] = versions;
    c["deployments"] = static_cast<int64_t>(st.ListDeployments(acme, false).value().size());
    c["tokens"] = static_cast<int64_t>(st.ListTokens(acme).value().size());
    c["assets"] = static_cast<int64_t>(st.ListAssets(acme, seed().site).value().size());
    c["sites"] = static_cast<int64_t>(st.ListSites(acme).value().size());
    c["windows"] = st.CountWindows(acme, "").value();
    c["nodes"] = static_cast<int64_t>(st.ListNodes(acme).value().size());
    return c;
  }

  // Bodies of the wrong shape for `op`: broken JSON, a non-object, and every declared property
  // with a value of the wrong type.
  std::vector<std::string> MalformedBodies(const Operation& op) {
    std::vector<std::string> bodies = {"{", "[]", "\"text\"", "{\"a\":"};
    const json& content = op.op["requestBody"]["content"];
    if (!content.contains("application/json")) return bodies;
    const json& schema = content["application/json"]["schema"];
    if (!schema.contains("properties") || schema["properties"].empty()) return bodies;
    json wrong = json::object();
    for (auto& [name, prop] : schema["properties"].items()) {
      const std::string type = prop.value("type", "");
      if (type == "string")
        wrong[name] = 12345;
      else if (type == "integer" || type == "number")
        wrong[name] = "not a number";
      else if (type == "boolean")
        wrong[name] = "yes";
      else if (type == "array")
        wrong[name] = "not an array";
      else
        wrong[name] = json::array({1});
    }
    bodies.push_back(wrong.dump());
    return bodies;
  }
};

TEST_F(EveryRouteTest, PublicRoutesAreExactlyTheAllowList) {
  std::set<std::string> pub;
  for (const Operation& op : Operations()) {
    if (op.roles.empty()) pub.insert(op.label());
  }
  EXPECT_EQ(pub,
            (std::set<std::string>{"GET /healthz", "GET /v1/openapi.json", "POST /v1/enroll"}));
}

TEST_F(EveryRouteTest, NoTokenOrBadTokenIs401) {
  for (const Operation& op : Operations()) {
    if (op.roles.empty()) continue;
    auto path = Path(op, nullptr);
    if (!path) continue;
    for (const std::string token : {std::string(), std::string("elp_not-a-real-token")}) {
      HttpResult r = hub().Call(op.method, *path, token, DefaultBody(op));
      EXPECT_EQ(r.status, 401) << op.label() << " token='" << token << "': " << r.body;
      EXPECT_TRUE(r.HasErrorShape()) << op.label() << ": " << r.body;
      EXPECT_EQ(r.Header("WWW-Authenticate"), "Bearer") << op.label();
    }
  }
}

TEST_F(EveryRouteTest, EveryRoleNotAllowedIs403) {
  const auto before = Counts();
  for (const Operation& op : Operations()) {
    if (op.roles.empty()) continue;
    auto path = Path(op, nullptr);
    if (!path) continue;
    for (Role role : kAllRoles) {
      if (op.roles.count(std::string(store::RoleName(role))) != 0) continue;
      HttpResult r = hub().Call(op.method, *path, TokenOf(hub().acme(), role), DefaultBody(op),
                                NodeHeaders(hub().acme(), role));
      EXPECT_EQ(r.status, 403) << op.label() << " as " << store::RoleName(role) << ": " << r.body;
      EXPECT_TRUE(r.HasErrorShape()) << op.label();
    }
  }
  EXPECT_EQ(Counts(), before);
}

TEST_F(EveryRouteTest, AnotherTenantSeesNothingOfAcme) {
  const auto before = Counts();
  for (const Operation& op : Operations()) {
    if (op.roles.empty()) continue;
    std::vector<std::string> sent;
    auto path = Path(op, &sent);
    if (!path) continue;
    // Prefer a human role (reads); node-only routes use globex's node token.
    Role role = Role::kNode;
    for (Role r : kAllRoles) {
      if (op.roles.count(std::string(store::RoleName(r))) != 0) {
        role = r;
        break;
      }
    }
    HttpResult r = hub().Call(op.method, *path, TokenOf(hub().globex(), role), DefaultBody(op),
                              NodeHeaders(hub().globex(), role));
    // An error may quote the id the caller sent; anything else with "acme-" is a leak.
    std::string body = r.body;
    for (const std::string& v : sent) {
      for (size_t p; (p = body.find(v)) != std::string::npos;) body.erase(p, v.size());
    }
    EXPECT_EQ(body.find("acme-"), std::string::npos)
        << op.label() << " as globex " << store::RoleName(role) << " leaked: " << r.body;
    if (!sent.empty()) {
      // Addressing an acme record: not found (or a refusal), never success on acme's data
      // beyond an empty view.
      EXPECT_TRUE(r.status == 404 || r.status == 400 || r.status == 403 ||
                  (op.method == "GET" && r.status == 200))
          << op.label() << " as globex: " << r.status << " " << r.body;
    }
  }
  EXPECT_EQ(Counts(), before);  // globex's calls changed nothing in acme
}

TEST_F(EveryRouteTest, MalformedBodiesAre400AndStoreNothing) {
  for (const Operation& op : Operations()) {
    if (!op.op.contains("requestBody")) continue;
    auto path = Path(op, nullptr);
    if (!path) continue;
    Role role = Role::kNode;
    for (Role r : kAllRoles) {
      if (op.roles.count(std::string(store::RoleName(r))) != 0) {
        role = r;
        break;
      }
    }
    const std::string token = op.roles.empty() ? "" : TokenOf(hub().acme(), role);
    for (const std::string& body : MalformedBodies(op)) {
      const auto before = Counts();
      HttpResult r = hub().Call(op.method, *path, token, body, NodeHeaders(hub().acme(), role));
      EXPECT_EQ(r.status, 400) << op.label() << " body " << body << ": " << r.body;
      EXPECT_TRUE(r.HasErrorShape()) << op.label() << ": " << r.body;
      EXPECT_EQ(Counts(), before) << op.label() << " body " << body << " stored something";
    }
  }
}

TEST_F(EveryRouteTest, OpenApiOperationsAreComplete) {
  for (const Operation& op : Operations()) {
    EXPECT_FALSE(op.op.value("summary", "").empty()) << op.label();
    EXPECT_FALSE(op.op["tags"].empty()) << op.label();
    EXPECT_TRUE(op.op.contains("x-edgeloop-roles")) << op.label();
    EXPECT_TRUE(op.op["responses"].contains("200") || op.op["responses"].contains("201"))
        << op.label();
    for (const char* code : {"400", "404"}) {
      EXPECT_TRUE(op.op["responses"].contains(code)) << op.label() << " " << code;
    }
    if (!op.roles.empty()) {
      EXPECT_TRUE(op.op["responses"].contains("401")) << op.label();
      EXPECT_TRUE(op.op["responses"].contains("403")) << op.label();
    }
  }
}

}  // namespace
}  // namespace edgeloop::api::testing
