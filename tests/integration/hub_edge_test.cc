// The real edge daemon against the real hub, both in-process over real HTTP on 127.0.0.1 (no
// TestHub): a gateway enrolls, streams windows and heartbeats, and follows the deployments an ML
// engineer makes through the API (production, canary, promote, roll back, shadow) -- the hub's
// rollout status turns "applied" only from what the daemon's heartbeats report. Then a fault
// develops on a simulated pump; its alert reaches the hub, a technician acknowledges and
// annotates it, and the alert's lineage shows the annotation next to the batch, the gateway,
// the asset and the model version that raised it.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "common/sha256.h"
#include "edge/edge_config.h"
#include "edge/edge_daemon.h"
#include "edge/enrollment.h"
#include "edge/model_test_util.h"
#include "hub/api_client.h"
#include "hub/hub.h"

namespace edgeloop {
namespace {

using edge::testing::AsBytes;
using edge::testing::TempDir;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kNode[] = "gw-e2e";
constexpr char kModel[] = "pump-bearing";

template <typename Pred>
bool WaitFor(Pred pred, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(100));
  }
  return pred();
}

// The machine SimSource simulates for the asset "pump-1" of the config below (no vanes).
sim::MachineSpec SimPump() {
  sim::MachineSpec spec;
  spec.asset = {"pump-1", "pump", 1770, Bearing6205()};
  return spec;
}

// Real PCA models on the bearing features of the healthy simulated pump: v0 ships with the
// gateway, v1 and v2 come through the hub's registry. Each is trained on first use and kept for
// the rest of the process (ctest runs each test in a process of its own).
const std::string& Model(int v) {
  static std::map<int, std::string> trained;
  auto it = trained.find(v);
  if (it != trained.end()) return it->second;
  // Impulsiveness and the resonance bands bearing impacts ring; the low bands follow the load,
  // which wanders, and would false-alarm on a healthy machine (see edge_daemon_test).
  const std::vector<std::string> features = {"crest", "kurtosis", "band_2000_5000hz_rms_g",
                                             "band_5000_10000hz_rms_g"};
  return trained[v] = edge::testing::TrainPcaModel(11 + v, 200, features, SimPump());
}

class HubEdgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    v0_path_ = dir_.Write("v0.onnx", Model(0));
    hub::HubConfig config;
    config.listen_port = 0;
    config.db_url = "sqlite:" + dir_.path() + "/hub.db";
    config.tenant = "acme";
    config.admin_token_file = dir_.path() + "/admin.token";
    config.threads = 16;
    auto started = hub::Hub::Start(config, clock_);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    hub_ = std::move(started).value();
    ASSERT_FALSE(hub_->new_admin_token().empty());
    admin_ = Client(hub_->new_admin_token());
  }

  void TearDown() override {
    if (daemon_) {
      Status s = daemon_->Stop();
      EXPECT_TRUE(s.ok()) << s.ToString();
      daemon_.reset();
    }
    if (hub_) hub_->Stop();
  }

  std::unique_ptr<hub::ApiClient> Client(const std::string& token) {
    auto client = hub::ApiClient::Create(hub_->url(), token);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(client).value() : nullptr;
  }

  // A human token made by the admin.
  std::string NewToken(const std::string& name, const std::string& role) {
    auto reply = admin_->Post("/v1/tokens", {{"name", name}, {"role", role}});
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    return reply.ok() ? reply->json.value("token", "") : "";
  }

  // The admin makes a one-time enrollment token; the gateway exchanges it for its node token.
  std::string EnrollNode() {
    auto enrollment = admin_->Post("/v1/enrollments", {{"node", kNode}, {"group", "line-1"}});
    EXPECT_TRUE(enrollment.ok()) << enrollment.status().ToString();
    if (!enrollment.ok()) return "";
    const std::string secret = enrollment->json.value("enrollment_token", "");
    auto enrolled = edge::EnrollWithHub(hub_->url(), secret);
    EXPECT_TRUE(enrolled.ok()) << enrolled.status().ToString();
    if (!enrolled.ok()) return "";
    EXPECT_EQ(enrolled->node, kNode);
    // One-time: a second exchange of the same secret is refused.
    EXPECT_FALSE(edge::EnrollWithHub(hub_->url(), secret).ok());
    return enrolled->token;
  }

  // Starts the gateway: two simulated machines (the pump scored by the "pumps" model group, the
  // fan by the baseline detector), uplink to the hub with the node token.
  void StartDaemon(const std::string& node_token, bool pump_fault) {
    const std::string text = fmt::format(
        R"(
[node]
id = "{}"
[hub]
url = "{}"
token = "{}"
desired_poll = "200ms"
heartbeat = "1s"
[store]
path = "{}/edge.db"
[http]
listen = "127.0.0.1:0"
[pipeline]
workers = 2
[[asset]]
id = "pump-1"
kind = "pump"
shaft_rpm = 1770
[[asset]]
id = "fan-1"
kind = "fan"
shaft_rpm = 990
[[source]]
name = "sim"
type = "sim"
assets = ["pump-1", "fan-1"]
seed = 5
speed = 20
{}
[[models]]
group = "pumps"
assets = ["pump-1"]
production = "{}"
[drift]
window_capacity = 60
evaluate_every = 20
)",
        kNode, hub_->url(), node_token, dir_.path(),
        pump_fault ? "fault_asset = \"pump-1\"\nfault = \"outer_race\"" : "", v0_path_);
    auto config = edge::ParseEdgeConfig(text, "edge.toml");
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    auto daemon = edge::EdgeDaemon::Create(*config, clock_);
    ASSERT_TRUE(daemon.ok()) << daemon.status().ToString();
    daemon_ = std::move(daemon).value();
    Status s = daemon_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // Uploads `bytes` as the next version of kModel; returns the version number (0 on failure).
  int64_t Upload(hub::ApiClient& api, const std::string& bytes) {
    auto reply = api.PostBytes(std::string("/v1/models/") + kModel + "/versions", bytes,
                               "application/octet-stream");
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    if (!reply.ok()) return 0;
    EXPECT_EQ(reply->status, 201);
    EXPECT_EQ(reply->json.value("sha256", ""), Sha256Hex(AsBytes(bytes)));
    return reply->json.value("version", int64_t{0});
  }

  // POST /v1/deployments of kModel@version to the node; returns the deployment id (0 on failure).
  int64_t Deploy(hub::ApiClient& api, int64_t version, const std::string& role,
                 int canary_percent = 0) {
    json body = {{"model", kModel},
                 {"version", version},
                 {"group", "pumps"},
                 {"nodes", {kNode}},
                 {"role", role}};
    if (canary_percent > 0) body["canary_percent"] = canary_percent;
    auto reply = api.Post("/v1/deployments", body);
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    return reply.ok() ? reply->json.value("id", int64_t{0}) : 0;
  }

  // The rollout status of deployment `id` on the node, as GET /v1/deployments/{id} shows it.
  std::string Rollout(hub::ApiClient& api, int64_t id) {
    auto reply = api.Get("/v1/deployments/" + std::to_string(id));
    if (!reply.ok()) return "error: " + reply.status().ToString();
    for (const json& t : reply->json.value("targets", json::array())) {
      if (t.value("node", "") == kNode) return t.value("status", "");
    }
    return "node not among the targets: " + reply->body;
  }

  // What the daemon runs in "pumps/<slot>" (its own view, e.g. "pca@1a2b3c4d5e6f").
  std::string Running(const std::string& slot) const {
    const edge::DaemonStatus s = daemon_->Snapshot();
    auto it = s.model_versions.find("pumps/" + slot);
    return it == s.model_versions.end() ? "" : it->second;
  }

  static bool Runs(const std::string& running, const std::string& bytes) {
    return !running.empty() &&
           running.find(Sha256Hex(AsBytes(bytes)).substr(0, 12)) != std::string::npos;
  }

  // Waits until the daemon runs `bytes` in `slot` and the hub says deployment `id` is applied.
  void ExpectApplied(hub::ApiClient& api, int64_t id, const std::string& slot,
                     const std::string& bytes, const std::string& what) {
    EXPECT_TRUE(WaitFor([&] { return Runs(Running(slot), bytes); }, seconds(30)))
        << what << ": the daemon runs " << Running(slot)
        << "; desired error: " << daemon_->Snapshot().desired_error;
    EXPECT_TRUE(WaitFor([&] { return Rollout(api, id) == "applied"; }, seconds(30)))
        << what << ": deployment " << id << " is " << Rollout(api, id);
  }

  TempDir dir_;
  SystemClock clock_;
  std::string v0_path_;
  std::unique_ptr<hub::Hub> hub_;
  std::unique_ptr<hub::ApiClient> admin_;
  std::unique_ptr<edge::EdgeDaemon> daemon_;  // stopped before the hub (it drains its outbox)
};

TEST_F(HubEdgeTest, DeploymentsThroughTheHubDriveTheDaemonAndHeartbeatsReportThemApplied) {
  const std::string node_token = EnrollNode();
  ASSERT_FALSE(node_token.empty());
  ASSERT_NO_FATAL_FAILURE(StartDaemon(node_token, /*pump_fault=*/false));
  ASSERT_TRUE(Runs(Running("production"), Model(0)));

  auto ml = Client(NewToken("ml-ana", "ml-engineer"));
  ASSERT_NE(ml, nullptr);
  const int64_t v1 = Upload(*ml, Model(1));
  const int64_t v2 = Upload(*ml, Model(2));
  ASSERT_EQ(v1, 1);
  ASSERT_EQ(v2, 2);

  // v1 as production: the daemon swaps to it, and its heartbeats make the rollout "applied".
  const int64_t prod = Deploy(*ml, v1, "production");
  ASSERT_GT(prod, 0);
  ExpectApplied(*ml, prod, "production", Model(1), "v1 production");

  // v2 as a 100 % canary takes the production slot of the group on the node.
  const int64_t canary = Deploy(*ml, v2, "canary", 100);
  ASSERT_GT(canary, 0);
  ExpectApplied(*ml, canary, "production", Model(2), "v2 canary");
  EXPECT_NE(Rollout(*ml, prod), "applied") << "the canary overrides v1 on the node";

  // Promoted: a new production deployment of v2, applied without the node changing anything.
  auto promoted =
      ml->Post("/v1/deployments/" + std::to_string(canary) + "/promote", json::object());
  ASSERT_TRUE(promoted.ok()) << promoted.status().ToString();
  const int64_t v2_prod = promoted->json.value("id", int64_t{0});
  ASSERT_GT(v2_prod, 0);
  EXPECT_EQ(promoted->json["role"], "production");
  EXPECT_EQ(promoted->json["replaces"], prod);
  ExpectApplied(*ml, v2_prod, "production", Model(2), "v2 promoted");

  // Rolled back: v1's production deployment is active again and the daemon returns to v1.
  auto rolled =
      ml->Post("/v1/deployments/" + std::to_string(v2_prod) + "/rollback", json::object());
  ASSERT_TRUE(rolled.ok()) << rolled.status().ToString();
  EXPECT_EQ(rolled->json["rolled_back"]["state"], "rolled_back");
  ASSERT_TRUE(rolled->json["restored"].is_object()) << rolled->body;
  EXPECT_EQ(rolled->json["restored"]["id"], prod);
  ExpectApplied(*ml, prod, "production", Model(1), "rollback to v1");

  // v2 as shadow: scored next to v1 on the same windows.
  const int64_t shadow = Deploy(*ml, v2, "shadow");
  ASSERT_GT(shadow, 0);
  ExpectApplied(*ml, shadow, "shadow", Model(2), "v2 shadow");
  EXPECT_TRUE(Runs(Running("production"), Model(1))) << Running("production");

  // The node as the hub sees it: online, windows in, versions and uptime from heartbeats.
  auto node = ml->Get(std::string("/v1/nodes/") + kNode);
  ASSERT_TRUE(node.ok()) << node.status().ToString();
  const json& n = node->json;
  EXPECT_EQ(n["status"], "online") << node->body;
  EXPECT_EQ(n["group"], "line-1");
  EXPECT_GT(n["batches"].get<int64_t>(), 0) << node->body;
  EXPECT_GT(n["inference_uptime"].get<double>(), 0.99) << node->body;
  EXPECT_TRUE(Runs(n["versions"]["models"].value("pumps/production", ""), Model(1))) << node->body;
  EXPECT_TRUE(Runs(n["versions"]["models"].value("pumps/shadow", ""), Model(2))) << node->body;
  EXPECT_GT(n["versions"]["desired_revision"].get<int64_t>(), 0) << node->body;
  EXPECT_FALSE(n["last_heartbeat"].is_null()) << node->body;

  // Windows of both machines reached the hub's feature store (the last 24 h by default).
  for (const char* asset : {"pump-1", "fan-1"}) {
    auto features = ml->Get(std::string("/v1/assets/") + asset + "/features?names=kurtosis");
    ASSERT_TRUE(features.ok()) << asset << ": " << features.status().ToString();
    EXPECT_FALSE(features->json["series"]["kurtosis"].empty()) << features->body;
  }

  // Four swaps picked up by the pump's pipeline (v1, the v2 canary, v1 again, the v2 shadow; the
  // promotion names the bytes already running) and not one window refused or failed on the way.
  edge::DaemonStatus s = daemon_->Snapshot();
  EXPECT_TRUE(s.desired_error.empty()) << s.desired_error;
  const edge::AssetStats& pump = s.agent.assets["pump-1"];
  EXPECT_GE(pump.model_swaps, 4u);
  EXPECT_EQ(pump.windows_rejected, 0u);
  EXPECT_EQ(pump.windows_score_errors, 0u);
  EXPECT_GT(pump.windows_scored, 0u);
  EXPECT_GT(s.inference_uptime, 0.99);
}

TEST_F(HubEdgeTest, FaultAlertReachesTheHubAndItsAnnotationShowsInTheLineage) {
  // The model the gateway ships with is a registered version, so alerts it raises trace to it.
  auto ml = Client(NewToken("ml-ana", "ml-engineer"));
  ASSERT_NE(ml, nullptr);
  ASSERT_EQ(Upload(*ml, Model(0)), 1);
  const std::string node_token = EnrollNode();
  ASSERT_FALSE(node_token.empty());
  // At 20x the sim starts 10 minutes (its backlog) before the daemon does; the fault sets in
  // 60 s into it. An alert opened earlier would be a false alarm, not the fault.
  const std::string onset =
      FormatTimestamp(clock_.Now() - std::chrono::minutes(10) + std::chrono::seconds(60));
  ASSERT_NO_FATAL_FAILURE(StartDaemon(node_token, /*pump_fault=*/true));

  // The outer-race fault (sim onset 60 s, full at 180 s, 20x speed) raises an alert on the pump.
  auto tech = Client(NewToken("tech-maria", "technician"));
  ASSERT_NE(tech, nullptr);
  json alert;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto alerts = tech->Get("/v1/alerts?asset=pump-1");
        if (!alerts.ok() || alerts->json["alerts"].empty()) return false;
        alert = alerts->json["alerts"].back();  // newest first: the first one opened
        return true;
      },
      seconds(60)))
      << "no alert at the hub; pump windows scored on the gateway: "
      << daemon_->Snapshot().agent.assets["pump-1"].windows_scored
      << ", alerts opened there: " << daemon_->Snapshot().agent.assets["pump-1"].alerts_opened;
  const int64_t id = alert["id"].get<int64_t>();
  const std::string v0_sha = Sha256Hex(AsBytes(Model(0)));
  EXPECT_EQ(alert["node"], kNode);
  EXPECT_EQ(alert["state"], "open");
  EXPECT_GE(alert["opened"].get<std::string>(), onset) << alert.dump();
  EXPECT_NE(alert["detector"].get<std::string>().find(v0_sha.substr(0, 12)), std::string::npos)
      << alert.dump();
  EXPECT_FALSE(alert["evidence"].empty()) << alert.dump();

  // The technician acknowledges and annotates it.
  const std::string path = "/v1/alerts/" + std::to_string(id);
  auto ack = tech->Post(path + "/ack", json::object());
  ASSERT_TRUE(ack.ok()) << ack.status().ToString();
  EXPECT_EQ(ack->json["state"], "acknowledged");
  EXPECT_EQ(ack->json["acknowledged_by"], "tech-maria");
  auto note = tech->Post(path + "/annotations", {{"label", "confirmed_fault"},
                                                 {"fault_type", "outer_race"},
                                                 {"downtime_avoided_h", 6},
                                                 {"comment", "outer race spalled, replaced"}});
  ASSERT_TRUE(note.ok()) << note.status().ToString();
  EXPECT_EQ(note->status, 201);
  const int64_t annotation = note->json["id"].get<int64_t>();

  auto shown = tech->Get(path);
  ASSERT_TRUE(shown.ok()) << shown.status().ToString();
  ASSERT_EQ(shown->json["annotations"].size(), 1u) << shown->body;
  EXPECT_EQ(shown->json["annotations"][0]["fault_type"], "outer_race");
  EXPECT_EQ(shown->json["annotations"][0]["author"], "tech-maria");

  // Lineage: gateway -sent-> batch -reported-> alert -annotated-> annotation, the asset that
  // raised it and the registered model version that detected it.
  auto lineage = tech->Get("/v1/lineage/alert/" + std::to_string(id));
  ASSERT_TRUE(lineage.ok()) << lineage.status().ToString();
  const json& graph = lineage->json;
  std::map<std::string, json> nodes;
  for (const json& n : graph["nodes"]) nodes[n["id"].get<std::string>()] = n;
  const std::string alert_id = "alert:" + std::to_string(id);
  const std::string batch_id = "batch:" + alert["batch"].get<std::string>();
  const std::string annotation_id = "annotation:" + std::to_string(annotation);
  const std::string model_id = std::string("model:") + kModel + "@1";
  for (const std::string& want : {alert_id, batch_id, std::string("node:") + kNode,
                                  std::string("asset:pump-1"), annotation_id, model_id}) {
    EXPECT_TRUE(nodes.count(want)) << want << " missing in " << lineage->body;
  }
  EXPECT_EQ(graph["root"], alert_id);
  if (nodes.count(annotation_id)) {
    const json& attrs = nodes[annotation_id]["attrs"];
    EXPECT_EQ(attrs["label"], "confirmed_fault");
    EXPECT_EQ(attrs["fault_type"], "outer_race");
    EXPECT_EQ(attrs["downtime_avoided_h"].get<double>(), 6.0);
    EXPECT_EQ(attrs["author"], "tech-maria");
  }
  if (nodes.count(model_id)) {
    EXPECT_EQ(nodes[model_id]["attrs"]["sha256"], v0_sha);
  }
  std::set<std::tuple<std::string, std::string, std::string>> edges;
  for (const json& e : graph["edges"]) {
    edges.emplace(e["from"].get<std::string>(), e["relation"].get<std::string>(),
                  e["to"].get<std::string>());
    EXPECT_TRUE(nodes.count(e["from"].get<std::string>())) << e.dump();
    EXPECT_TRUE(nodes.count(e["to"].get<std::string>())) << e.dump();
  }
  EXPECT_TRUE(edges.count({std::string("node:") + kNode, "sent", batch_id})) << lineage->body;
  EXPECT_TRUE(edges.count({batch_id, "reported", alert_id})) << lineage->body;
  EXPECT_TRUE(edges.count({alert_id, "annotated", annotation_id})) << lineage->body;
  EXPECT_TRUE(edges.count({"asset:pump-1", "raised", alert_id})) << lineage->body;
  EXPECT_TRUE(edges.count({model_id, "detected", alert_id})) << lineage->body;

  // The healthy fan, scored by the baseline detector, raised nothing at the hub.
  auto fan = tech->Get("/v1/alerts?asset=fan-1");
  ASSERT_TRUE(fan.ok()) << fan.status().ToString();
  EXPECT_TRUE(fan->json["alerts"].empty()) << fan->body;
}

}  // namespace
}  // namespace edgeloop
