// EdgeConfig: the edge daemon's configuration (`edgeloop edge --config edge.toml`).
//
// Read strictly at start: every value is type- and range-checked, cross-references (assets named
// by sources and model groups, unique source names) are resolved, and the library configs the
// daemon hands to its components (TopicMapping lists, ModbusPollerConfig, PipelineConfig,
// DriftMonitorOptions) are built and validated here. Any problem refuses the whole file with
// "<file>:<line>:<col>: '<key>' <problem>", so a bad config never half-starts a gateway.
// The documented example is docs/edge.toml.
//
// Relative paths (store, token_file, public_key_file, replay files, models) are resolved against
// the directory of the config file, so a config works wherever the daemon is started from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/asset.h"
#include "common/clock.h"
#include "common/sample.h"
#include "common/status.h"
#include "drift/drift_monitor.h"
#include "edge/alert_logic.h"
#include "edge/asset_pipeline.h"
#include "ingest/modbus_poller.h"
#include "ingest/topic_map.h"
#include "sim/fault_model.h"

namespace edgeloop::edge {

struct NodeSettings {
  std::string id;  // [A-Za-z0-9._-]{1,64}
  std::string site;
};

// Present only when the node has an uplink.
struct HubSettings {
  std::string url;    // http:// or https://
  std::string token;  // from `token`, or the contents of `token_file` (trailing newline dropped)
  std::string token_file;  // resolved path, "" when the token was inline
  Duration desired_poll = std::chrono::seconds(30);
  Duration heartbeat = std::chrono::seconds(10);
  std::string public_key_file;  // Ed25519 PEM for model signatures; "" = signatures not checked
  std::string public_key_pem;   // its contents, read at load
};

struct StoreSettings {
  std::string path;         // SQLite edge store
  std::string outbox_path;  // default: path + ".outbox"
  Duration max_age = std::chrono::hours(24 * 30);
  int64_t max_mb = 1024;
  int64_t outbox_max_mb = 256;
  std::string models_dir;  // default: "models" next to path
};

struct HttpSettings {
  std::string listen = "127.0.0.1:9100";
  std::string host = "127.0.0.1";  // split from `listen`; IPv6 without brackets
  int port = 9100;                 // 0 = any free port
};

struct PipelineSettings {
  int workers = 2;
  int queue_capacity = 64;  // batches per worker
  PipelineConfig pipeline;  // [pipeline] rates plus [pipeline.quality|alerts|detector]
};

// How an MQTT source reaches its broker.
struct MqttConnectionConfig {
  std::string broker;  // "tcp://host:port" or "ssl://host:port"
  std::string client_id;
  std::string username;
  std::string password;
};

struct MqttJsonSourceConfig {
  MqttConnectionConfig connection;
  int qos = 1;
  std::vector<ingest::TopicMapping> topics;  // accepted by ingest::TopicMap::Create
};

struct SparkplugMetricMapping {
  std::string edge_node;
  std::string device;  // "" for node-level metrics
  std::string metric;
  std::string asset;
  std::string channel;
  ChannelKind kind = ChannelKind::kVibration;
  double rate_hz = 0;  // nominal rate, > 0
};

struct SparkplugSourceConfig {
  MqttConnectionConfig connection;
  std::string group;  // Sparkplug group id
  std::vector<SparkplugMetricMapping> metrics;
};

struct ModbusSourceConfig {
  ingest::ModbusPollerConfig poller;  // accepted by ingest::ModbusPoller::Create
};

struct ReplaySourceConfig {
  enum class Speed { kRealtime, kFast, kMultiplier };
  std::string path;  // resolved, exists, .csv or .mat
  std::string asset;
  std::string channel;
  ChannelKind kind = ChannelKind::kVibration;
  double rate_hz = 0;  // 0: the file states its rate (a time column or the .mat's own)
  Speed speed = Speed::kRealtime;
  double multiplier = 1;  // kRealtime: 1; kMultiplier: the factor; kFast: unused
  bool loop = false;
};

struct SimSourceConfig {
  std::vector<std::string> assets;  // declared in [[asset]]
  uint64_t seed = 1;
  double speed = 1;                     // simulated seconds per real second
  std::string fault_asset;              // "" for no fault
  std::optional<sim::FaultKind> fault;  // set exactly when fault_asset is
};

enum class SourceType { kMqttJson, kSparkplug, kModbus, kReplay, kSim };
// "mqtt_json", "sparkplug", "modbus", "replay", "sim".
std::string_view SourceTypeName(SourceType type);

struct SourceConfig {
  std::string name;  // unique among sources
  // Index i holds the type SourceType(i).
  std::variant<MqttJsonSourceConfig, SparkplugSourceConfig, ModbusSourceConfig, ReplaySourceConfig,
               SimSourceConfig>
      spec;

  SourceType type() const { return static_cast<SourceType>(spec.index()); }
};

struct ModelGroupConfig {
  std::string group;
  std::vector<std::string> assets;  // declared; an asset is in at most one group
  std::string production;           // resolved path
  std::string production_sha256;    // "" or 64 lowercase hex digits
  std::string shadow;               // "" for none
  std::string shadow_sha256;
  // In units of the model's threshold (score / threshold), not robust z-scores.
  AlertPolicy alerts{.raise_score = 1.0,
                     .clear_score = 0.8,
                     .raise_windows = 3,
                     .clear_windows = 10,
                     .cooldown_windows = 0,
                     .critical_score = 2.0};
};

struct DriftSettings {
  bool enabled = true;
  drift::DriftMonitorOptions options;
};

struct AlertsMqttSettings {
  std::string broker;
  std::string topic;  // "{node}" already replaced by the node id
  int qos = 1;
  std::string client_id;
};

struct EdgeConfig {
  std::string source_name;  // the file the config came from, for messages
  NodeSettings node;
  std::optional<HubSettings> hub;
  StoreSettings store;
  HttpSettings http;
  PipelineSettings pipeline;
  std::vector<Asset> assets;
  std::vector<SourceConfig> sources;
  std::vector<ModelGroupConfig> models;
  DriftSettings drift;
  std::optional<AlertsMqttSettings> alerts_mqtt;

  const Asset* FindAsset(std::string_view id) const;
};

// Reads and checks `path`; relative paths inside resolve against the file's directory.
Result<EdgeConfig> LoadEdgeConfig(const std::string& path);
// Parses `text`; `source_name` prefixes every message. Relative paths inside resolve against
// `base_dir` ("" = the current directory).
Result<EdgeConfig> ParseEdgeConfig(std::string_view text, std::string source_name,
                                   std::string base_dir = "");

}  // namespace edgeloop::edge
