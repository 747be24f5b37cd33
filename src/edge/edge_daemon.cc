#include "edge/edge_daemon.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <future>
#include <set>

#include "edge/desired_state.h"
#include "edge/edge_model.h"
#include "edge/health_server.h"
#include "edge/hub_url.h"
#include "edge/uplink_batcher.h"
#include "ingest/mqtt_client.h"
#include "uplink/http_transport.h"
#include "uplink/outbox.h"
#include "uplink/uplink.h"

namespace edgeloop::edge {
namespace {
constexpr Duration kRetentionEvery = std::chrono::minutes(10);
constexpr Duration kHousekeepingTick = std::chrono::milliseconds(200);
constexpr Duration kDrainTimeout = std::chrono::seconds(5);
constexpr Duration kConnectRetryMin = std::chrono::seconds(2);
constexpr Duration kConnectRetryMax = std::chrono::seconds(60);

std::string RoleKey(const std::string& group, ModelSlot::Role role) {
  return group + (role == ModelSlot::Role::kProduction ? "/production" : "/shadow");
}
}  // namespace

EdgeDaemon::EdgeDaemon(EdgeConfig config, Clock& clock)
    : config_(std::move(config)), clock_(clock), started_(clock.Now()) {}

EdgeDaemon::~EdgeDaemon() { (void)Stop(); }

Result<std::unique_ptr<EdgeDaemon>> EdgeDaemon::Create(EdgeConfig config, Clock& clock) {
  std::unique_ptr<EdgeDaemon> d(new EdgeDaemon(std::move(config), clock));
  EL_RETURN_IF_ERROR(d->Build());
  return d;
}

Status EdgeDaemon::Build() {
  const std::string node = config_.node.id;
  std::error_code ec;
  std::filesystem::create_directories(
      std::filesystem::path(config_.store.path).parent_path().empty()
          ? std::filesystem::path(".")
          : std::filesystem::path(config_.store.path).parent_path(),
      ec);

  EdgeAgentConfig ac;
  ac.node_id = node;
  ac.assets = config_.assets;
  ac.pipeline = config_.pipeline.pipeline;
  ac.store_path = config_.store.path;
  ac.queue_capacity = static_cast<size_t>(config_.pipeline.queue_capacity);
  ac.workers = config_.pipeline.workers;
  ac.clock = &clock_;
  ac.on_output = [this](AssetPipeline& p, const PipelineOutput& out) { OnOutput(p, out); };
  EL_RETURN_IF_ERROR(BuildModels(ac));
  auto agent = EdgeAgent::Create(std::move(ac));
  if (!agent.ok()) return agent.status();
  agent_ = std::move(agent).value();
  // One drift state per asset, made now: afterwards the map never changes shape and each entry
  // is only touched by the worker that owns its asset, so feeding it needs no lock.
  for (const Asset& asset : config_.assets) drift_[asset.id];

  if (config_.hub) EL_RETURN_IF_ERROR(BuildHub());

  if (config_.alerts_mqtt) {
    ingest::MqttClientOptions mo;
    mo.broker_uri = config_.alerts_mqtt->broker;
    mo.client_id =
        config_.alerts_mqtt->client_id.empty() ? node + "-alerts" : config_.alerts_mqtt->client_id;
    EL_RETURN_IF_ERROR(ingest::MqttClient::ValidateOptions(mo));
    alert_mqtt_ = std::make_unique<ingest::MqttClient>(mo);
  }

  HealthServerOptions ho;
  ho.host = config_.http.host;
  ho.port = config_.http.port;
  ho.metrics = [this] { return Metrics(); };
  ho.health = [this] {
    HealthReport r;
    const DaemonStatus s = Snapshot();
    if (!s.agent.error.ok()) {
      r.healthy = false;
      r.reasons.push_back("store: " + s.agent.error.ToString());
    }
    if (s.inference_uptime < 0.995) {
      r.reasons.push_back(
          fmt::format("inference uptime {:.4f} is below the 0.995 SLO", s.inference_uptime));
    }
    return r;
  };
  http_ = std::make_unique<HealthServer>(std::move(ho));
  return BuildSources();
}

Status EdgeDaemon::BuildModels(EdgeAgentConfig& ac) {
  // Every pipeline computes the same features for the same rates; any asset's list will do.
  for (const ModelGroupConfig& g : config_.models) {
    PipelineConfig probe = config_.pipeline.pipeline;
    auto pipeline = AssetPipeline::Create(*config_.FindAsset(g.assets.front()), probe, clock_);
    if (!pipeline.ok()) return pipeline.status();
    const std::vector<std::string>& features = (*pipeline)->feature_names();
    auto production = EdgeModel::Load({g.production, g.production_sha256}, features);
    if (!production.ok()) {
      return production.status().WithContext("model group '" + g.group + "' production model");
    }
    std::shared_ptr<const EdgeModel> shadow;
    if (!g.shadow.empty()) {
      auto s = EdgeModel::Load({g.shadow, g.shadow_sha256}, features);
      if (!s.ok()) return s.status().WithContext("model group '" + g.group + "' shadow model");
      shadow = *s;
    }
    auto slots = std::make_shared<ModelSlots>(*production, shadow);
    groups_[g.group] = slots;
    for (const std::string& asset : g.assets) {
      PipelineConfig pc = config_.pipeline.pipeline;
      pc.models = slots;
      pc.model_alerts = g.alerts;
      ac.asset_pipelines[asset] = pc;
    }
    spdlog::info("model group {}: production {}{}", g.group, (*production)->version(),
                 shadow ? ", shadow " + shadow->version() : "");
  }
  return Status::Ok();
}

Status EdgeDaemon::BuildHub() {
  const HubSettings& hub = *config_.hub;
  EL_ASSIGN_OR_RETURN(HubAddress address, ParseHubUrl(hub.url));
  uplink::OutboxOptions oo;
  oo.path = config_.store.outbox_path;
  oo.disk_budget_bytes = config_.store.outbox_max_mb << 20;
  auto outbox = uplink::Outbox::Open(oo);
  if (!outbox.ok()) return outbox.status().WithContext("outbox");
  outbox_ = std::move(outbox).value();
  batcher_ = std::make_unique<UplinkBatcher>(
      *outbox_, clock_, UplinkBatcherOptions{config_.node.id, 256, std::chrono::seconds(1)});
  uplink::UplinkOptions uo;
  uo.node_id = config_.node.id;
  uo.token = hub.token;
  uo.seed = static_cast<uint64_t>(ToNanos(clock_.Now()));
  uplink_ = std::make_unique<uplink::Uplink>(
      *outbox_, uplink::MakeHttpTransport(address.host, address.port, std::chrono::seconds(10)),
      clock_, uo);

  hub_client_ = MakeHttpHubClient({address.host, address.port, hub.token});
  ArtifactCacheOptions co;
  co.models_dir = config_.store.models_dir;
  co.signing_public_key_pem = hub.public_key_pem;
  auto cache = ArtifactCache::Create(co);
  if (!cache.ok()) return cache.status().WithContext("models_dir");
  artifacts_ = std::move(cache).value();
  DesiredStatePollerOptions po;
  po.node_id = config_.node.id;
  po.poll_interval = hub.desired_poll;
  poller_ = std::make_unique<DesiredStatePoller>(
      po, *hub_client_, *artifacts_, clock_,
      [this](const DesiredState& s, const std::map<std::string, std::string>& paths) {
        return ApplyDesired(s, paths);
      });
  return Status::Ok();
}

Status EdgeDaemon::Start() {
  agent_->Start();
  if (Status s = http_->Start(); !s.ok()) return s.WithContext("http.listen");
  spdlog::info("edge {}: /healthz and /metrics on http://{}:{}", config_.node.id, config_.http.host,
               http_->port());
  if (uplink_) uplink_thread_ = std::thread([this] { uplink_->Run(uplink_stop_); });
  if (poller_) poller_thread_ = std::thread([this] { poller_->Run(stop_); });
  source_up_.assign(sources_.size(), false);
  EL_RETURN_IF_ERROR(ConnectSources(/*first=*/true));
  housekeeping_thread_ = std::thread([this] { Housekeeping(); });
  return Status::Ok();
}

Status EdgeDaemon::ConnectSources(bool first) {
  // In parallel: each MQTT client costs Paho C 1.3.12 about 2 s to connect (its receive thread
  // polls a stale socket list with a 1 s timeout), so one after another they would add up.
  std::vector<std::pair<size_t, std::future<Status>>> starting;
  for (size_t i = 0; i < sources_.size(); ++i) {
    if (source_up_[i]) continue;
    ingest::Source* src = sources_[i].get();
    starting.emplace_back(i, std::async(std::launch::async, [this, src] {
                            return src->Start([this](std::vector<SampleBatch> batches) {
                              return agent_->Submit(std::move(batches));
                            });
                          }));
  }
  std::future<Status> alerts;
  if (alert_mqtt_ && !alert_mqtt_->connected()) {
    alerts = std::async(std::launch::async, [this] { return alert_mqtt_->Connect(); });
  }
  Status first_error;
  for (auto& [i, future] : starting) {
    Status s = future.get();
    if (s.ok()) {
      source_up_[i] = true;
      if (!first)
        spdlog::info("edge {}: source '{}' connected", config_.node.id, sources_[i]->name());
      continue;
    }
    // A broker or device that is down is not a reason to stop a gateway: keep retrying (a bad
    // setting is, at start).
    if (s.code() == StatusCode::kUnavailable) {
      spdlog::warn("edge {}: source '{}' not connected, retrying: {}", config_.node.id,
                   sources_[i]->name(), s.message());
    } else if (first && first_error.ok()) {
      first_error = s.WithContext("source '" + sources_[i]->name() + "'");
    }
  }
  if (alerts.valid()) {
    // The alert topic is a convenience for SCADA: a broker that is down is reported and retried.
    if (Status s = alerts.get(); !s.ok()) {
      spdlog::warn("edge {}: alert topic broker not connected, retrying: {}", config_.node.id,
                   s.message());
    }
  }
  return first_error;
}

bool EdgeDaemon::AllConnected() const {
  for (bool up : source_up_) {
    if (!up) return false;
  }
  return !alert_mqtt_ || alert_mqtt_->connected();
}

Status EdgeDaemon::Stop() {
  if (!agent_ || stopped_) return stop_result_;
  stopped_ = true;
  // Housekeeping first: it may be (re)connecting a source, which must not start after the
  // sources were stopped.
  stop_ = true;
  if (housekeeping_thread_.joinable()) housekeeping_thread_.join();
  if (poller_thread_.joinable()) poller_thread_.join();
  for (auto& source : sources_) source->Stop();
  stop_result_ = agent_->Stop();
  if (batcher_) {
    ReportShadowStats();
    batcher_->Add(Heartbeat());
    if (Status s = batcher_->Flush(); !s.ok()) spdlog::warn("uplink batcher: {}", s.ToString());
  }
  if (uplink_thread_.joinable()) {
    // Give the uplink a bounded chance to deliver what is pending while the hub answers; what it
    // cannot send stays in the outbox for the next start.
    const Timestamp deadline = clock_.Now() + kDrainTimeout;
    while (clock_.Now() < deadline && uplink_->stats().consecutive_failures == 0) {
      auto stats = outbox_->Stats();
      if (!stats.ok() || stats->pending == 0) break;
      clock_.SleepFor(std::chrono::milliseconds(20));
    }
    uplink_stop_ = true;
    uplink_thread_.join();
  }
  if (http_) http_->Stop();
  if (alert_mqtt_ && alert_mqtt_->connected()) (void)alert_mqtt_->Disconnect();
  return stop_result_;
}

int EdgeDaemon::http_port() const { return http_ ? http_->port() : 0; }

void EdgeDaemon::Housekeeping() {
  Timestamp next_heartbeat = clock_.Now();
  Timestamp next_retention = clock_.Now();
  Duration connect_backoff = kConnectRetryMin;
  Timestamp next_connect = clock_.Now() + connect_backoff;
  const Duration heartbeat = config_.hub ? config_.hub->heartbeat : std::chrono::seconds(10);
  while (!stop_) {
    const Timestamp now = clock_.Now();
    if (batcher_) {
      if (now >= next_heartbeat) {
        ReportShadowStats();
        batcher_->Add(Heartbeat());
        next_heartbeat = now + heartbeat;
      }
      (void)batcher_->FlushIfDue();
    }
    if (now >= next_connect && !AllConnected()) {
      (void)ConnectSources(/*first=*/false);
      connect_backoff = AllConnected() ? kConnectRetryMin
                                       : std::min<Duration>(2 * connect_backoff, kConnectRetryMax);
      next_connect = clock_.Now() + connect_backoff;
    }
    if (now >= next_retention) {
      store::RetentionPolicy policy;
      policy.max_age = config_.store.max_age;
      policy.max_bytes = config_.store.max_mb << 20;
      auto report = agent_->WithStore(
          [&](store::EdgeStore& s) { return s.EnforceRetention(policy, clock_.Now()); });
      if (!report.ok()) {
        spdlog::warn("edge {}: retention: {}", config_.node.id, report.status().ToString());
      } else if (report->windows + report->snapshots + report->quarantine > 0) {
        spdlog::info("edge {}: retention removed {} windows, {} snapshots, {} quarantine rows",
                     config_.node.id, report->windows, report->snapshots, report->quarantine);
      }
      next_retention = now + kRetentionEvery;
    }
    clock_.SleepFor(kHousekeepingTick);
  }
}

Result<std::shared_ptr<const EdgeModel>> EdgeDaemon::LoadForGroup(const std::string& group,
                                                                  const std::string& path,
                                                                  const std::string& sha256) {
  const ModelGroupConfig* cfg = nullptr;
  for (const ModelGroupConfig& g : config_.models) {
    if (g.group == group) cfg = &g;
  }
  if (!cfg || !groups_.count(group)) return NotFound("no model group '" + group + "' on this node");
  // The input schema is checked against the features the group's pipelines produce.
  const std::vector<std::string>* features = agent_->FeatureNames(cfg->assets.front());
  return EdgeModel::Load({path, sha256}, *features);
}

void EdgeDaemon::Install(const std::string& group, ModelSlot::Role role,
                         std::shared_ptr<const EdgeModel> model) {
  ModelSlots& slots = *groups_.at(group);
  ModelSlot& slot = role == ModelSlot::Role::kProduction ? slots.production : slots.shadow;
  const std::string version = model ? model->version() : "none";
  if (Status s = slot.Swap(std::move(model)); !s.ok()) {
    ++model_swap_failures_;
    spdlog::warn("edge {}: {}", config_.node.id, s.ToString());
    return;
  }
  ++model_swaps_;
  spdlog::info("edge {}: {} is now {}", config_.node.id, RoleKey(group, role), version);
}

Status EdgeDaemon::SwapModel(const std::string& group, ModelSlot::Role role,
                             const std::string& path, const std::string& sha256) {
  auto model = LoadForGroup(group, path, sha256);
  if (!model.ok()) {
    ++model_swap_failures_;
    return model.status().WithContext("swap of " + RoleKey(group, role) +
                                      " refused; the running model stays");
  }
  Install(group, role, *model);
  return Status::Ok();
}

Status EdgeDaemon::ApplyDesired(const DesiredState& state,
                                const std::map<std::string, std::string>& paths) {
  // Load and check everything first, then swap: a document with one bad model changes nothing.
  struct Change {
    std::string group;
    ModelSlot::Role role;
    std::shared_ptr<const EdgeModel> model;  // null: remove the shadow
  };
  std::vector<Change> changes;
  std::set<std::string> groups_with_shadow;
  for (const DesiredModel& m : state.models) {
    const ModelSlot::Role role =
        m.role == ModelRole::kProduction ? ModelSlot::Role::kProduction : ModelSlot::Role::kShadow;
    if (!groups_.count(m.group)) {
      return NotFound("desired state names model group '" + m.group + "', unknown on this node");
    }
    if (role == ModelSlot::Role::kShadow) groups_with_shadow.insert(m.group);
    const ModelSlots& slots = *groups_.at(m.group);
    auto current = (role == ModelSlot::Role::kProduction ? slots.production : slots.shadow).Get();
    if (current.model && current.model->sha256() == m.sha256) continue;  // already running
    auto path = paths.find(m.sha256);
    if (path == paths.end()) return Internal("artifact " + m.sha256 + " was not downloaded");
    auto model = LoadForGroup(m.group, path->second, m.sha256);
    if (!model.ok()) {
      ++model_swap_failures_;
      return model.status().WithContext("desired revision " + std::to_string(state.revision) +
                                        ", " + RoleKey(m.group, role) + " (" + m.version + ")");
    }
    changes.push_back({m.group, role, *model});
  }
  // A group the document gives no shadow for runs without one.
  for (const auto& [group, slots] : groups_) {
    if (!groups_with_shadow.count(group) && slots->shadow.Get().model) {
      changes.push_back({group, ModelSlot::Role::kShadow, nullptr});
    }
  }
  for (Change& c : changes) Install(c.group, c.role, std::move(c.model));
  return Status::Ok();
}

double InferenceUptime(const EdgeAgentSnapshot& agent) {
  if (agent.windows_decided == 0) return 1;
  return 1.0 - static_cast<double>(agent.latency.late) / static_cast<double>(agent.windows_decided);
}

nlohmann::json HeartbeatJson(const DaemonStatus& s, Timestamp now) {
  nlohmann::json sources = nlohmann::json::object();
  for (const auto& [name, c] : s.sources) {
    sources[name] = {{"messages", c.messages}, {"values", c.values}, {"rejected", c.rejected}};
  }
  return {{"type", "heartbeat"},
          {"time", FormatTimestamp(now)},
          {"version", EDGELOOP_VERSION},
          {"uptime_s", s.uptime_s},
          {"inference_uptime", s.inference_uptime},
          {"windows_decided", s.agent.windows_decided},
          {"latency_ms", {{"p50", s.agent.latency.p50_ms}, {"p99", s.agent.latency.p99_ms}}},
          {"queue_depth", s.agent.queue_depth},
          {"backpressure_waits", s.agent.queue_backpressure_waits},
          {"batches_refused", s.agent.batches_refused},
          {"outbox", {{"pending", s.outbox_pending}, {"dropped", s.outbox_dropped}}},
          {"sources", sources},
          {"models", s.model_versions},
          {"desired_revision", s.desired_revision},
          {"drift_events", s.drift_events}};
}

}  // namespace edgeloop::edge
