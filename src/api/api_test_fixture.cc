#include "api/api_test_fixture.h"

#include <httplib.h>
#include <stdlib.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "api/auth.h"
#include "api/http_server.h"
#include "api/hub_api.h"
#include "common/sha256.h"

namespace edgeloop::api::testing {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Set-up failures are broken test infrastructure: abort loudly with the reason.
template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) {
    std::cerr << "TestHubServer: " << what << ": " << r.status().ToString() << "\n";
    std::abort();
  }
  return std::move(r).value();
}
void Must(const Status& s, const char* what) {
  if (!s.ok()) {
    std::cerr << "TestHubServer: " << what << ": " << s.ToString() << "\n";
    std::abort();
  }
}

}  // namespace

std::string HttpResult::Header(const std::string& name) const {
  auto it = headers.find(Lower(name));
  return it == headers.end() ? std::string() : it->second;
}

bool HttpResult::HasErrorShape() const {
  return json.is_object() && json.contains("error") && json["error"].is_object() &&
         json["error"].contains("code") && json["error"]["code"].is_string() &&
         !json["error"]["code"].get<std::string>().empty() && json["error"].contains("message") &&
         json["error"]["message"].is_string() &&
         !json["error"]["message"].get<std::string>().empty();
}

TestHubServer::TestHubServer(TestHubOptions options) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "edgeloop-api-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    std::cerr << "TestHubServer: mkdtemp failed\n";
    std::abort();
  }
  dir_ = tmpl;
  if (options.simulated_start) {
    auto sim = std::make_unique<SimulatedClock>(*options.simulated_start);
    sim_clock_ = sim.get();
    clock_ = std::move(sim);
  } else {
    clock_ = std::make_unique<SystemClock>();
  }
  store_ = Must(store::OpenHubStore("sqlite:" + dir_ + "/hub.db", 8), "open store");
  metrics_ = std::make_unique<HubMetrics>();
  ctx_.store = store_.get();
  ctx_.clock = clock_.get();
  ctx_.metrics = metrics_.get();
  ctx_.version = "test";
  acme_ = MakeTenant("acme");
  globex_ = MakeTenant("globex");
  server_ = std::make_unique<HubHttpServer>(
      BuildHubRouter(ctx_), ctx_,
      HttpServerOptions{.threads = options.threads, .auth_cache_ttl = options.auth_cache_ttl});
  Must(server_->Listen("127.0.0.1", 0), "listen");
}

TestHubServer::~TestHubServer() {
  server_->Stop();
  server_.reset();
  store_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

int TestHubServer::port() const { return server_->port(); }

const TenantInfo& TestHubServer::tenant(const std::string& name) const {
  return name == "acme" ? acme_ : globex_;
}

std::string TestHubServer::MakeToken(int64_t tenant, store::Role role, const std::string& name,
                                     std::optional<store::TimeMs> expires) {
  const std::string secret = NewTokenSecret();
  store::TokenRecord t{.tenant = tenant,
                       .name = name,
                       .role = role,
                       .hash = HashTokenSecret(secret),
                       .created = NowMs(),
                       .expires = expires};
  Must(store_->CreateToken(t), "create token");
  return secret;
}

TenantInfo TestHubServer::MakeTenant(const std::string& name) {
  TenantInfo t;
  t.name = name;
  t.id = Must(store_->CreateTenant(name, NowMs()), "create tenant").id;
  for (store::Role role :
       {store::Role::kAdmin, store::Role::kEdgeEngineer, store::Role::kDataSteward,
        store::Role::kMlEngineer, store::Role::kDomainValidator, store::Role::kTechnician,
        store::Role::kViewer}) {
    t.tokens[role] = MakeToken(t.id, role, name + "-" + std::string(store::RoleName(role)));
  }
  Must(store_->UpsertSite({.tenant = t.id,
                           .id = name + "-site-1",
                           .name = name + "-site-1 plant",
                           .location = name + "-town"}),
       "create site");
  t.node = name + "-gw-1";
  const std::string enrollment = NewTokenSecret();
  const store::TimeMs now = NowMs();
  Must(store_->CreateEnrollment({.tenant = t.id,
                                 .node = t.node,
                                 .site = name + "-site-1",
                                 .group = name + "-line-1",
                                 .hash = HashTokenSecret(enrollment),
                                 .created = now,
                                 .expires = now + 3600 * 1000,
                                 .created_by = name + "-admin"}),
       "create enrollment");
  t.node_token = NewTokenSecret();
  Must(store_->Enroll(HashTokenSecret(enrollment),
                      {.name = "node " + t.node,
                       .role = store::Role::kNode,
                       .hash = HashTokenSecret(t.node_token),
                       .created = now},
                      now),
       "enroll node");
  return t;
}

const SeedInfo& TestHubServer::Seed() {
  if (seeded_) return seed_;
  seeded_ = true;
  SeedInfo& s = seed_;
  const int64_t acme = acme_.id;
  // Whole seconds keep RFC 3339 round trips exact.
  s.t0 = (NowMs() / 1000 - 600) * 1000;
  Must(store_->UpsertAsset({.tenant = acme,
                            .id = s.asset,
                            .site = s.site,
                            .name = "acme-pump-1 feed pump",
                            .kind = "acme-centrifugal",
                            .attrs_json = R"({"shaft_hz":"acme-24.6"})",
                            .created = s.t0}),
       "upsert asset");
  Must(store_->UpsertChannel({.tenant = acme,
                              .asset = s.asset,
                              .id = s.channel,
                              .kind = "waveform",
                              .unit = "acme-g",
                              .rate_hz = 25600}),
       "upsert channel");

  s.artifact = "acme-onnx-bytes: not a real model, the store does not look inside";
  s.model_sha256 = Sha256Hex(std::span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(s.artifact.data()), s.artifact.size()));
  store::ModelVersion mv =
      Must(store_->CreateModelVersion({.tenant = acme,
                                       .name = s.model,
                                       .sha256 = s.model_sha256,
                                       .size = static_cast<int64_t>(s.artifact.size()),
                                       .trainer = "acme-pca-trainer",
                                       .metadata_json = R"({"trainer":"acme-pca-trainer"})",
                                       .created_by = "acme-ml-engineer",
                                       .created = s.t0},
                                      s.artifact),
           "create model version");
  s.model_version = mv.version;
  const std::string detector = s.model + "@" + s.model_sha256.substr(0, 12);
  store::Deployment dep = Must(store_->CreateDeployment({.tenant = acme,
                                                         .model = s.model,
                                                         .version = mv.version,
                                                         .group = s.deployment_group,
                                                         .target_nodes = {s.node},
                                                         .role = store::DeploymentRole::kProduction,
                                                         .created_by = "acme-ml-engineer",
                                                         .created = s.t0},
                                                        {}),
                               "create deployment");
  s.deployment_id = dep.id;

  store::DecodedBatch batch;
  batch.seq = s.batch_seq;
  batch.payload_bytes = 1234;
  batch.created = s.t0 + 60000;
  for (int i = 0; i < 3; ++i) {
    batch.windows.push_back({.asset = s.asset,
                             .start = s.t0 + i * 10000,
                             .end = s.t0 + (i + 1) * 10000,
                             .status = "scored",
                             .detector = detector,
                             .score = 0.5 + i,
                             .top_feature = s.feature,
                             .features_json = R"({"acme-rms":)" + std::to_string(1.0 + i) + "}"});
  }
  batch.alerts.push_back({.event = "opened",
                          .node_alert_id = 1,
                          .asset = s.asset,
                          .opened = s.t0 + 20000,
                          .peak_score = 2.5,
                          .severity = "warning",
                          .detector = detector,
                          .diagnosis = "acme-outer-race",
                          .top_feature = s.feature,
                          .evidence_json = R"({"acme-rms":3.0})"});
  batch.quality.push_back({.asset = s.asset,
                           .channel = s.channel,
                           .rule = "acme-stuck",
                           .start = s.t0 + 5000,
                           .end = s.t0 + 6000,
                           .detail = "acme-stuck for 1 s"});
  batch.drift.push_back({.asset = s.asset,
                         .model = detector,
                         .kind = "feature_psi",
                         .feature = s.feature,
                         .value = 0.3,
                         .threshold = 0.2,
                         .window_count = 3,
                         .time = s.t0 + 30000});
  batch.shadow_stats.push_back({.asset = s.asset,
                                .production = detector,
                                .shadow = "acme-pca@shadow000000",
                                .period_end = s.t0 + 30000,
                                .stats_json = R"({"n":3,"agreement":1.0})"});
  store::HeartbeatRecord hb;
  hb.time = s.t0 + 30000;
  hb.version = "acme-agent-1.0";
  hb.uptime_s = 600;
  hb.inference_uptime = 0.99;
  hb.windows_decided = 3;
  hb.latency_p50_ms = 2;
  hb.latency_p99_ms = 9;
  hb.models_json = R"({"acme-pump-bearing/production":")" + detector + R"("})";
  hb.desired_revision = 1;
  hb.body_json = R"({"type":"heartbeat","version":"acme-agent-1.0"})";
  batch.heartbeats.push_back(hb);
  std::vector<store::DecodedBatch> batches{batch};
  Must(store_->Ingest(acme, s.node, 0, batches, s.t0 + 60000), "ingest seed batch");

  auto alerts = Must(store_->ListAlerts(acme, {}), "list seeded alerts");
  if (alerts.size() != 1) {
    std::cerr << "TestHubServer: expected 1 seeded alert, got " << alerts.size() << "\n";
    std::abort();
  }
  s.alert_id = alerts[0].id;
  s.annotation_id = Must(store_->AnnotateAlert(acme, {.alert = s.alert_id,
                                                      .label = "confirmed_fault",
                                                      .fault_type = "acme-outer-race",
                                                      .downtime_avoided_h = 4,
                                                      .comment = "acme-checked on site",
                                                      .author = "acme-technician",
                                                      .created = s.t0 + 70000}),
                         "annotate seeded alert")
                        .id;

  Must(store_->UpsertAsset({.tenant = globex_.id,
                            .id = s.globex_asset,
                            .site = s.globex_site,
                            .name = "globex-pump-1",
                            .kind = "globex-centrifugal",
                            .attrs_json = "{}",
                            .created = s.t0}),
       "upsert globex asset");
  return seed_;
}

HttpResult TestHubServer::Call(const std::string& method, const std::string& path,
                               const std::string& token, const std::string& body,
                               const std::vector<std::pair<std::string, std::string>>& headers) {
  httplib::Client cli("127.0.0.1", port());
  cli.set_url_encode(false);  // paths are passed already encoded
  cli.set_connection_timeout(5, 0);
  cli.set_read_timeout(60, 0);
  httplib::Request req;
  req.method = method;
  req.path = path;
  bool content_type = false;
  for (const auto& [k, v] : headers) {
    req.headers.emplace(k, v);
    if (Lower(k) == "content-type") content_type = true;
  }
  if (!token.empty()) req.headers.emplace("Authorization", "Bearer " + token);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    req.body = body;
    if (!content_type) req.headers.emplace("Content-Type", "application/json");
  }
  HttpResult out;
  httplib::Result res = cli.send(req);
  if (!res) {
    out.error = httplib::to_string(res.error());
    return out;
  }
  out.status = res->status;
  out.body = res->body;
  for (const auto& [k, v] : res->headers) out.headers.emplace(Lower(k), v);
  out.json = nlohmann::json::parse(out.body, nullptr, /*allow_exceptions=*/false);
  if (out.json.is_discarded()) out.json = nullptr;
  return out;
}

}  // namespace edgeloop::api::testing
