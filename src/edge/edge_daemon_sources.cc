// EdgeDaemon::BuildSources: one live source per [[source]] of the config.
#include <fmt/format.h>

#include "edge/edge_daemon.h"
#include "edge/modbus_source.h"
#include "edge/replay_source.h"
#include "edge/sim_source.h"
#include "ingest/mqtt_source.h"

namespace edgeloop::edge {
namespace {

ingest::MqttClientOptions ClientOptions(const MqttConnectionConfig& c, int qos) {
  ingest::MqttClientOptions o;
  o.broker_uri = c.broker;
  o.client_id = c.client_id;
  o.username = c.username;
  o.password = c.password;
  o.subscribe_qos = qos;
  return o;
}

}  // namespace

Status EdgeDaemon::BuildSources() {
  for (const SourceConfig& sc : config_.sources) {
    const std::string where = "source '" + sc.name + "'";
    std::unique_ptr<ingest::Source> source;
    if (const auto* m = std::get_if<MqttJsonSourceConfig>(&sc.spec)) {
      ingest::MqttJsonSourceOptions o;
      o.name = sc.name;
      o.mqtt = ClientOptions(m->connection, m->qos);
      auto topics = ingest::TopicMap::Create(m->topics);
      if (!topics.ok()) return topics.status().WithContext(where);
      source = std::make_unique<ingest::MqttJsonSource>(std::move(o), std::move(topics).value(),
                                                        &clock_);
    } else if (const auto* s = std::get_if<SparkplugSourceConfig>(&sc.spec)) {
      ingest::MqttSparkplugSourceOptions o;
      o.name = sc.name;
      o.mqtt = ClientOptions(s->connection, 1);
      o.groups = {s->group};
      // Metrics are keyed "<group>/<edge node>/<device>/<metric>" (see mqtt_source.h).
      std::vector<ingest::TopicMapping> mappings;
      for (const SparkplugMetricMapping& mm : s->metrics) {
        mappings.push_back(
            {fmt::format("{}/{}/{}/{}", s->group, mm.edge_node, mm.device, mm.metric), mm.asset,
             mm.channel, mm.kind, mm.rate_hz});
      }
      auto metrics = ingest::TopicMap::Create(std::move(mappings));
      if (!metrics.ok()) return metrics.status().WithContext(where);
      source = std::make_unique<ingest::MqttSparkplugSource>(std::move(o),
                                                             std::move(metrics).value(), &clock_);
    } else if (const auto* mb = std::get_if<ModbusSourceConfig>(&sc.spec)) {
      auto poller = ingest::ModbusPoller::Create(mb->poller, clock_);
      if (!poller.ok()) return poller.status().WithContext(where);
      source = std::make_unique<ModbusSource>(sc.name, std::move(poller).value());
    } else if (const auto* r = std::get_if<ReplaySourceConfig>(&sc.spec)) {
      ReplaySourceOptions o;
      o.name = sc.name;
      o.path = r->path;
      o.asset = r->asset;
      o.channel = r->channel;
      o.kind = r->kind;
      o.rate_hz = r->rate_hz;
      o.speed = r->speed == ReplaySourceConfig::Speed::kFast ? 0 : r->multiplier;
      o.loop = r->loop;
      auto replay = ReplaySource::Create(std::move(o), clock_);
      if (!replay.ok()) return replay.status().WithContext(where);
      source = std::move(replay).value();
    } else if (const auto* sim = std::get_if<SimSourceConfig>(&sc.spec)) {
      SimSourceOptions o;
      o.name = sc.name;
      for (const std::string& id : sim->assets) o.assets.push_back(*config_.FindAsset(id));
      o.seed = sim->seed;
      o.speed = sim->speed;
      o.fault_asset = sim->fault_asset;
      if (sim->fault) o.fault = *sim->fault;
      o.vibration_rate_hz = config_.pipeline.pipeline.vibration_rate_hz;
      auto s = SimSource::Create(std::move(o), clock_);
      if (!s.ok()) return s.status().WithContext(where);
      source = std::move(s).value();
    }
    sources_.push_back(std::move(source));
  }
  return Status::Ok();
}

}  // namespace edgeloop::edge
