#include "demo/demo_hub.h"

#include <filesystem>

#include "edge/enrollment.h"
#include "hub/api_client.h"

namespace edgeloop::demo {
namespace fs = std::filesystem;

Result<DemoHub> StartDemoHub(const DemoOptions& options, const std::vector<std::string>& gateways,
                             const Clock& wall_clock) {
  DemoHub out;
  hub::HubConfig config;
  EL_RETURN_IF_ERROR(hub::ParseListen(options.hub_listen, config.listen_host, config.listen_port)
                         .WithContext("hub address"));
  const fs::path db_path = fs::path(options.data_dir) / "hub.db";
  config.db_url = options.hub_db.empty() ? "sqlite:" + db_path.string() : options.hub_db;
  config.tenant = kDemoTenant;
  config.admin_token_file = (fs::path(options.data_dir) / "admin.token").string();
  config.threads = 16;
  std::error_code ec;
  // A fresh hub per run, like the gateways' stores (a PostgreSQL hub_db is the caller's).
  for (const char* suffix : {"", "-wal", "-shm"}) {
    if (options.hub_db.empty()) fs::remove(db_path.string() + suffix, ec);
  }
  fs::remove(config.admin_token_file, ec);
  auto hub = hub::Hub::Start(config, wall_clock);
  if (!hub.ok()) {
    Status s = hub.status();
    if (s.code() == StatusCode::kUnavailable) {
      s = s.WithContext("is another program using " + options.hub_listen +
                        "? pass --hub-listen 127.0.0.1:0 for any free port");
    }
    return s;
  }
  out.hub = std::move(hub).value();
  out.db = config.db_url;
  out.admin_token_file = config.admin_token_file;
  out.session.url = out.hub->url();
  out.session.tenant = kDemoTenant;
  out.session.admin_token = out.hub->new_admin_token();
  if (out.session.admin_token.empty()) {
    return FailedPrecondition("the hub database " + config.db_url + " already has a tenant '" +
                              kDemoTenant + "': use an empty database for the demo");
  }
  EL_ASSIGN_OR_RETURN(auto admin, hub::ApiClient::Create(out.session.url, out.session.admin_token));
  for (const std::string& gw : gateways) {
    EL_ASSIGN_OR_RETURN(hub::ApiReply enrollment,
                        admin->Post("/v1/enrollments", {{"node", gw}, {"group", "demo"}}));
    if (!enrollment.json.contains("enrollment_token")) {
      return Internal("POST /v1/enrollments answered without enrollment_token: " + enrollment.body);
    }
    EL_ASSIGN_OR_RETURN(
        edge::EnrollmentResult node,
        edge::EnrollWithHub(out.session.url,
                            enrollment.json["enrollment_token"].get<std::string>()));
    out.node_tokens[gw] = node.token;
  }
  return out;
}

Result<HubSummary> ReadHubSummary(DemoHub& hub) {
  HubSummary s;
  s.url = hub.session.url;
  s.db = hub.db;
  s.admin_token_file = hub.admin_token_file;
  EL_ASSIGN_OR_RETURN(auto admin, hub::ApiClient::Create(hub.session.url, hub.session.admin_token));
  EL_ASSIGN_OR_RETURN(store::Tenant tenant, hub.hub->store().FindTenant(hub.session.tenant));
  EL_ASSIGN_OR_RETURN(hub::ApiReply nodes, admin->Get("/v1/nodes"));
  const nlohmann::json& list =
      nodes.json.is_object() ? nodes.json.value("nodes", nlohmann::json()) : nodes.json;
  if (!list.is_array()) return Internal("GET /v1/nodes: unexpected answer " + nodes.body);
  for (const nlohmann::json& n : list) {
    HubNodeSummary node;
    node.node = n.value("id", "");
    node.batches = n.value("batches", int64_t{0});
    node.inference_uptime = n.value("inference_uptime", 0.0);
    node.status = n.value("status", "");
    EL_ASSIGN_OR_RETURN(node.windows, hub.hub->store().CountWindows(tenant.id, node.node));
    s.nodes.push_back(node);
  }
  EL_ASSIGN_OR_RETURN(hub::ApiReply alerts, admin->Get("/v1/alerts?limit=1000"));
  const nlohmann::json& alist =
      alerts.json.is_object() ? alerts.json.value("alerts", nlohmann::json()) : alerts.json;
  if (!alist.is_array()) return Internal("GET /v1/alerts: unexpected answer " + alerts.body);
  for (const nlohmann::json& a : alist) {
    HubAlertSummary alert;
    alert.id = a.value("id", int64_t{0});
    alert.node = a.value("node", "");
    alert.asset = a.value("asset", "");
    alert.severity = a.value("severity", "");
    alert.state = a.value("state", "");
    alert.opened = a.value("opened", "");
    alert.peak_score = a.value("peak_score", 0.0);
    s.alerts.push_back(alert);
  }
  return s;
}

}  // namespace edgeloop::demo
