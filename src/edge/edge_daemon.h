// EdgeDaemon: `edgeloop edge`, the program that runs on a gateway for months, unattended.
//
// It wires the configured pieces together (edge_config.h):
//
//   sources (MQTT JSON, Sparkplug B, Modbus, replay, sim) --Submit--> EdgeAgent (sharded workers:
//   quality gate -> windows -> features -> production + shadow models -> alerts -> EdgeStore)
//     --on_output--> evidence snapshots, drift monitors, MQTT alert topic, UplinkBatcher
//     --> Outbox (durable, sequenced) --> Uplink (HTTP POST /v1/ingest) --> hub
//   hub --GET /v1/nodes/{id}/desired--> DesiredStatePoller --verified artifacts--> model hot-swap
//   HealthServer: /healthz and /metrics; housekeeping: heartbeats, shadow statistics, retention.
//
// Ownership: the daemon owns every component. Threads: one per source, one per agent worker,
// one for the uplink, one for the desired-state poller, one for housekeeping, the HTTP server's.
// Start and Stop are called by one owner thread; Status() from any thread.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/prometheus_text.h"
#include "common/status.h"
#include "drift/drift_monitor.h"
#include "edge/edge_agent.h"
#include "edge/edge_config.h"
#include "edge/model_slot.h"
#include "ingest/source.h"

namespace edgeloop::ingest {
class MqttClient;
}
namespace edgeloop::uplink {
class Outbox;
class Uplink;
}  // namespace edgeloop::uplink

namespace edgeloop::edge {

class UplinkBatcher;
class HealthServer;
class DesiredStatePoller;
class ArtifactCache;
struct DesiredState;
class HubClient;

// What the daemon has done so far (for the CLI's progress lines and for tests).
struct DaemonStatus {
  EdgeAgentSnapshot agent;
  std::map<std::string, ingest::SourceCounters> sources;  // by source name
  std::map<std::string, std::string> model_versions;      // "group/production" -> version
  uint64_t drift_events = 0;
  uint64_t alerts_published = 0;
  uint64_t snapshots_stored = 0;
  int64_t outbox_pending = 0;
  int64_t outbox_dropped = 0;
  int64_t uplink_acked = 0;
  int64_t desired_revision = -1;
  std::string desired_error;
  double uptime_s = 0;
  double inference_uptime = 1;  // share of decided windows decided within one window length
};

// Share of decided windows decided within one window length (1 before any window).
double InferenceUptime(const EdgeAgentSnapshot& agent);
// The heartbeat record (docs/protocol.md "Batch payload") for a status taken at `now`.
nlohmann::json HeartbeatJson(const DaemonStatus& status, Timestamp now);

class EdgeDaemon {
 public:
  // Builds everything the config describes (opens stores, loads models, checks sources) but
  // starts nothing; a model that fails to load or a source that cannot be built is an error here.
  static Result<std::unique_ptr<EdgeDaemon>> Create(EdgeConfig config, Clock& clock);
  ~EdgeDaemon();

  // Starts the agent, the uplink, the HTTP server, the poller, housekeeping and then the sources.
  Status Start();
  // Orderly shutdown: sources stop, the agent drains, the batcher flushes into the outbox, the
  // uplink gets one last chance to send. Returns the first error the agent met.
  Status Stop();

  DaemonStatus Snapshot() const;
  int http_port() const;
  const EdgeConfig& config() const { return config_; }

  // Swaps the model of `group`/`role` to the file at `path` (checked: sha256 when given, input
  // schema against the group's pipelines). On error the old model stays. Thread-safe.
  edgeloop::Status SwapModel(const std::string& group, ModelSlot::Role role,
                             const std::string& path, const std::string& sha256);

  // The metric families /metrics serves (exposed for tests).
  std::vector<MetricFamily> Metrics() const;
  // The heartbeat record sent to the hub (exposed for tests and docs).
  nlohmann::json Heartbeat() const;

 private:
  EdgeDaemon(EdgeConfig config, Clock& clock);
  edgeloop::Status Build();
  edgeloop::Status BuildModels(EdgeAgentConfig& agent_config);
  edgeloop::Status BuildSources();
  edgeloop::Status BuildHub();
  void OnOutput(AssetPipeline& pipeline, const PipelineOutput& out);
  void FeedDrift(AssetPipeline& pipeline, const PipelineOutput& out);
  void Housekeeping();
  // Starts every source that is not running (in parallel) and connects the alert client. A
  // source that cannot reach its broker or device is retried by housekeeping with backoff;
  // at the first start any other error is returned.
  edgeloop::Status ConnectSources(bool first);
  bool AllConnected() const;
  void ReportShadowStats();
  Result<std::shared_ptr<const EdgeModel>> LoadForGroup(const std::string& group,
                                                        const std::string& path,
                                                        const std::string& sha256);
  void Install(const std::string& group, ModelSlot::Role role,
               std::shared_ptr<const EdgeModel> model);
  edgeloop::Status ApplyDesired(const DesiredState& state,
                                const std::map<std::string, std::string>& paths);

  EdgeConfig config_;
  Clock& clock_;
  const Timestamp started_;

  std::unique_ptr<EdgeAgent> agent_;
  std::map<std::string, std::shared_ptr<ModelSlots>> groups_;  // by group name
  std::vector<std::unique_ptr<ingest::Source>> sources_;
  std::vector<bool> source_up_;  // by source index; Start/Stop and the housekeeping thread

  std::unique_ptr<uplink::Outbox> outbox_;
  std::unique_ptr<UplinkBatcher> batcher_;
  std::unique_ptr<uplink::Uplink> uplink_;
  std::unique_ptr<HubClient> hub_client_;
  std::unique_ptr<ArtifactCache> artifacts_;
  std::unique_ptr<DesiredStatePoller> poller_;
  std::unique_ptr<HealthServer> http_;
  std::unique_ptr<ingest::MqttClient> alert_mqtt_;

  std::atomic<bool> stop_{false};         // housekeeping and the desired-state poller
  std::atomic<bool> uplink_stop_{false};  // the uplink, which stops last
  std::thread uplink_thread_, poller_thread_, housekeeping_thread_;
  bool stopped_ = false;
  edgeloop::Status stop_result_;

  struct DriftState {
    std::string model_version;
    std::unique_ptr<drift::DriftMonitor> monitor;
    std::vector<size_t> feature_index;  // model feature j <- window feature feature_index[j]
  };
  // By asset; filled at Build, then each entry is used only by its asset's worker thread.
  std::map<std::string, DriftState> drift_;
  std::atomic<uint64_t> drift_events_{0}, alerts_published_{0}, snapshots_stored_{0};
  std::atomic<uint64_t> model_swaps_{0}, model_swap_failures_{0};
};

}  // namespace edgeloop::edge
