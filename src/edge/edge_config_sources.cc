// [[source]] tables of edge.toml: one reader per source type, each building the library config
// the daemon will hand to the source and checking it here so errors carry the key's line.
#include <cmath>
#include <filesystem>
#include <set>
#include <system_error>
#include <tuple>

#include "common/clock.h"
#include "edge/edge_config_internal.h"

namespace edgeloop::edge::config_detail {
namespace {

// Fields shared by the two MQTT source types.
Result<MqttConnectionConfig> ReadMqttConnection(const ConfigTable& t, const Context& ctx,
                                                const std::string& name) {
  MqttConnectionConfig m;
  EL_ASSIGN_OR_RETURN(m.broker, ReadBroker(t, "broker"));
  EL_ASSIGN_OR_RETURN(m.client_id, t.String("client_id", ctx.node_id + "-" + name));
  if (m.client_id.empty() || m.client_id.size() > 256) {
    return t.Error("client_id", "must be 1..256 characters");
  }
  EL_ASSIGN_OR_RETURN(m.username, t.String("username", ""));
  EL_ASSIGN_OR_RETURN(m.password, t.String("password", ""));
  if (!m.password.empty() && m.username.empty()) {
    return t.Error("password", "needs a username");
  }
  return m;
}

Result<MqttJsonSourceConfig> ReadMqttJson(const ConfigTable& t, const Context& ctx,
                                          const std::string& name) {
  MqttJsonSourceConfig s;
  EL_ASSIGN_OR_RETURN(s.connection, ReadMqttConnection(t, ctx, name));
  EL_ASSIGN_OR_RETURN(s.qos, ReadQos(t, "qos", 1));
  EL_ASSIGN_OR_RETURN(std::vector<ConfigTable> topics, t.TableArray("topic"));
  if (topics.empty()) return t.Error("topic", "needs at least one [[source.topic]]");
  for (const ConfigTable& tt : topics) {
    ingest::TopicMapping mapping;
    EL_ASSIGN_OR_RETURN(mapping.pattern, tt.String("pattern"));
    EL_ASSIGN_OR_RETURN(mapping.asset, tt.String("asset", ""));
    EL_ASSIGN_OR_RETURN(mapping.channel, tt.String("channel", ""));
    EL_ASSIGN_OR_RETURN(mapping.kind, ReadKind(tt, "kind", ChannelKind::kVibration));
    EL_ASSIGN_OR_RETURN(mapping.nominal_rate_hz, tt.Double("rate_hz"));
    EL_RETURN_IF_ERROR(CheckRange(tt, "rate_hz", mapping.nominal_rate_hz, 1e-3, 1e6));
    // Checked one by one so the error points at this mapping's pattern line; the map checks
    // captures against the fixed asset/channel as well.
    Result<ingest::TopicMap> one = ingest::TopicMap::Create({mapping});
    if (!one.ok()) return tt.Error("pattern", "is invalid: " + one.status().message());
    if (!mapping.asset.empty()) EL_RETURN_IF_ERROR(CheckDeclared(ctx, tt, "asset", mapping.asset));
    s.topics.push_back(std::move(mapping));
  }
  Result<ingest::TopicMap> map = ingest::TopicMap::Create(s.topics);
  if (!map.ok()) return t.Error("topic", map.status().message());
  return s;
}

// A Sparkplug id level (group, edge node, device): a non-empty topic level, no wildcards.
Status CheckSparkplugId(const ConfigTable& t, std::string_view key, const std::string& value,
                        bool optional) {
  if (value.empty() && optional) return Status::Ok();
  if (value.empty() || value.find_first_of("/+#") != std::string::npos) {
    return t.Error(key, "must be a non-empty Sparkplug id without '/', '+' or '#'");
  }
  return Status::Ok();
}

Result<SparkplugSourceConfig> ReadSparkplug(const ConfigTable& t, const Context& ctx,
                                            const std::string& name) {
  SparkplugSourceConfig s;
  EL_ASSIGN_OR_RETURN(s.connection, ReadMqttConnection(t, ctx, name));
  EL_ASSIGN_OR_RETURN(s.group, t.String("group"));
  EL_RETURN_IF_ERROR(CheckSparkplugId(t, "group", s.group, false));
  EL_ASSIGN_OR_RETURN(std::vector<ConfigTable> metrics, t.TableArray("metric"));
  if (metrics.empty()) return t.Error("metric", "needs at least one [[source.metric]]");
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  for (const ConfigTable& mt : metrics) {
    SparkplugMetricMapping mm;
    EL_ASSIGN_OR_RETURN(mm.edge_node, mt.String("edge_node"));
    EL_RETURN_IF_ERROR(CheckSparkplugId(mt, "edge_node", mm.edge_node, false));
    EL_ASSIGN_OR_RETURN(mm.device, mt.String("device", ""));
    EL_RETURN_IF_ERROR(CheckSparkplugId(mt, "device", mm.device, true));
    EL_ASSIGN_OR_RETURN(mm.metric, mt.String("metric"));
    if (mm.metric.empty()) return mt.Error("metric", "must not be empty");
    EL_ASSIGN_OR_RETURN(mm.asset, ReadId(mt, "asset"));
    EL_RETURN_IF_ERROR(CheckDeclared(ctx, mt, "asset", mm.asset));
    EL_ASSIGN_OR_RETURN(mm.channel, ReadId(mt, "channel"));
    EL_ASSIGN_OR_RETURN(mm.kind, ReadKind(mt, "kind", ChannelKind::kVibration));
    EL_ASSIGN_OR_RETURN(mm.rate_hz, mt.Double("rate_hz"));
    EL_RETURN_IF_ERROR(CheckRange(mt, "rate_hz", mm.rate_hz, 1e-3, 1e6));
    if (!seen.emplace(mm.edge_node, mm.device, mm.metric).second) {
      return mt.Error("metric", "repeats metric '" + mm.metric + "' of the same node/device");
    }
    s.metrics.push_back(std::move(mm));
  }
  return s;
}

Result<ModbusSourceConfig> ReadModbus(const ConfigTable& t, const Context& ctx) {
  ModbusSourceConfig s;
  ingest::ModbusPollerConfig& c = s.poller;
  EL_ASSIGN_OR_RETURN(c.host, t.String("host"));
  if (c.host.empty() || c.host.find_first_of(" /") != std::string::npos) {
    return t.Error("host", "must be a host name or IP address");
  }
  EL_ASSIGN_OR_RETURN(int64_t port, ReadInt(t, "port", 502, 1, 65535));
  c.port = static_cast<int>(port);
  EL_ASSIGN_OR_RETURN(int64_t unit_id, ReadInt(t, "unit_id", 1, 0, 255));
  EL_ASSIGN_OR_RETURN(c.poll_interval, ReadDuration(t, "poll_interval", c.poll_interval));
  EL_ASSIGN_OR_RETURN(c.response_timeout, ReadDuration(t, "response_timeout", c.response_timeout));
  EL_ASSIGN_OR_RETURN(std::vector<ConfigTable> points, t.TableArray("point"));
  if (points.empty()) return t.Error("point", "needs at least one [[source.point]]");
  std::set<std::pair<std::string, std::string>> seen;
  for (const ConfigTable& pt : points) {
    ingest::ModbusPoint p;
    EL_ASSIGN_OR_RETURN(p.asset, ReadId(pt, "asset"));
    EL_RETURN_IF_ERROR(CheckDeclared(ctx, pt, "asset", p.asset));
    EL_ASSIGN_OR_RETURN(p.channel, ReadId(pt, "channel"));
    if (!seen.emplace(p.asset, p.channel).second) {
      return pt.Error("channel", "repeats " + p.asset + "/" + p.channel + " in this source");
    }
    EL_ASSIGN_OR_RETURN(p.kind, ReadKind(pt, "kind", ChannelKind::kTemperature));
    EL_ASSIGN_OR_RETURN(std::string reg_type, pt.String("register_type", "holding"));
    if (reg_type == "holding") {
      p.register_type = ingest::RegisterType::kHolding;
    } else if (reg_type == "input") {
      p.register_type = ingest::RegisterType::kInput;
    } else {
      return pt.Error("register_type", "must be \"holding\" or \"input\"");
    }
    EL_ASSIGN_OR_RETURN(std::string data_type, pt.String("data_type", "uint16"));
    static constexpr ingest::ModbusDataType kTypes[] = {
        ingest::ModbusDataType::kUint16, ingest::ModbusDataType::kInt16,
        ingest::ModbusDataType::kUint32, ingest::ModbusDataType::kInt32,
        ingest::ModbusDataType::kFloat32};
    bool known = false;
    for (ingest::ModbusDataType dt : kTypes) {
      if (ingest::ModbusDataTypeName(dt) == data_type) {
        p.data_type = dt;
        known = true;
      }
    }
    if (!known) {
      return pt.Error("data_type", "must be one of uint16, int16, uint32, int32, float32");
    }
    EL_ASSIGN_OR_RETURN(int64_t address,
                        ReadInt(pt, "register", 0, 65536 - ingest::RegisterCount(p.data_type)));
    p.address = static_cast<uint16_t>(address);
    EL_ASSIGN_OR_RETURN(std::string order, pt.String("word_order", "high_first"));
    if (order == "high_first") {
      p.word_order = ingest::WordOrder::kHighWordFirst;
    } else if (order == "low_first") {
      p.word_order = ingest::WordOrder::kLowWordFirst;
    } else {
      return pt.Error("word_order", "must be \"high_first\" or \"low_first\"");
    }
    EL_ASSIGN_OR_RETURN(p.scale, ReadDouble(pt, "scale", 1, -1e12, 1e12));
    EL_ASSIGN_OR_RETURN(p.offset, ReadDouble(pt, "offset", 0, -1e12, 1e12));
    EL_ASSIGN_OR_RETURN(int64_t point_unit, ReadInt(pt, "unit_id", unit_id, 0, 255));
    p.unit_id = static_cast<int>(point_unit);
    c.points.push_back(std::move(p));
  }
  // The poller's own checks (it only plans reads here; nothing connects).
  SimulatedClock clock{Timestamp{}};
  Result<ingest::ModbusPoller> poller = ingest::ModbusPoller::Create(c, clock);
  if (!poller.ok()) return t.Error("point", poller.status().message());
  return s;
}

Result<ReplaySourceConfig> ReadReplay(const ConfigTable& t, const Context& ctx) {
  ReplaySourceConfig s;
  EL_ASSIGN_OR_RETURN(std::string path, t.String("path"));
  const std::filesystem::path p(path);
  if (p.extension() != ".csv" && p.extension() != ".mat") {
    return t.Error("path", "must name a .csv or .mat file");
  }
  s.path = ResolvePath(ctx.base_dir, path);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(s.path, ec)) {
    return t.Error("path", "'" + s.path + "' does not exist or is not a file");
  }
  EL_ASSIGN_OR_RETURN(s.asset, ReadId(t, "asset"));
  EL_RETURN_IF_ERROR(CheckDeclared(ctx, t, "asset", s.asset));
  EL_ASSIGN_OR_RETURN(s.channel, ReadId(t, "channel"));
  EL_ASSIGN_OR_RETURN(s.kind, ReadKind(t, "kind", ChannelKind::kVibration));
  EL_ASSIGN_OR_RETURN(s.rate_hz, t.Double("rate_hz", 0));
  if (s.rate_hz != 0) EL_RETURN_IF_ERROR(CheckRange(t, "rate_hz", s.rate_hz, 1e-3, 1e6));
  // speed is a word or a number: try the number first, the word second.
  if (Result<double> factor = t.Double("speed"); factor.ok()) {
    EL_RETURN_IF_ERROR(CheckRange(t, "speed", *factor, 0.01, 10000));
    s.speed = ReplaySourceConfig::Speed::kMultiplier;
    s.multiplier = *factor;
  } else if (t.Has("speed")) {
    Result<std::string> word = t.String("speed");
    if (word.ok() && *word == "realtime") {
      s.speed = ReplaySourceConfig::Speed::kRealtime;
    } else if (word.ok() && *word == "fast") {
      s.speed = ReplaySourceConfig::Speed::kFast;
    } else {
      return t.Error("speed", "must be \"realtime\", \"fast\" or a number (a multiplier)");
    }
  }
  EL_ASSIGN_OR_RETURN(s.loop, t.Bool("loop", false));
  return s;
}

Result<SimSourceConfig> ReadSim(const ConfigTable& t, const Context& ctx) {
  SimSourceConfig s;
  EL_ASSIGN_OR_RETURN(s.assets, t.StringArray("assets"));
  if (s.assets.empty()) return t.Error("assets", "needs at least one asset id");
  std::set<std::string> seen;
  for (const std::string& a : s.assets) {
    EL_RETURN_IF_ERROR(CheckDeclared(ctx, t, "assets", a));
    if (!seen.insert(a).second) return t.Error("assets", "repeats asset '" + a + "'");
  }
  EL_ASSIGN_OR_RETURN(int64_t seed, ReadInt(t, "seed", 1, 0, INT64_MAX));
  s.seed = static_cast<uint64_t>(seed);
  EL_ASSIGN_OR_RETURN(s.speed, ReadDouble(t, "speed", 1, 0.01, 10000));
  EL_ASSIGN_OR_RETURN(s.fault_asset, t.String("fault_asset", ""));
  EL_ASSIGN_OR_RETURN(std::string fault, t.String("fault", ""));
  if (!s.fault_asset.empty()) {
    if (!seen.count(s.fault_asset)) {
      return t.Error("fault_asset", "'" + s.fault_asset + "' is not one of this source's assets");
    }
    Result<sim::FaultKind> kind = sim::ParseFaultKind(fault.empty() ? "outer_race" : fault);
    if (!kind.ok()) return t.Error("fault", kind.status().message());
    s.fault = *kind;
  } else if (!fault.empty()) {
    return t.Error("fault", "needs fault_asset (the asset that develops it)");
  }
  return s;
}

}  // namespace

Result<std::vector<SourceConfig>> ReadSources(const ConfigTable& root, const Context& ctx) {
  EL_ASSIGN_OR_RETURN(std::vector<ConfigTable> tables, root.TableArray("source"));
  std::vector<SourceConfig> sources;
  std::set<std::string> names;
  for (const ConfigTable& t : tables) {
    SourceConfig s;
    EL_ASSIGN_OR_RETURN(s.name, ReadId(t, "name"));
    if (!names.insert(s.name).second) return t.Error("name", "repeats source '" + s.name + "'");
    EL_ASSIGN_OR_RETURN(std::string type, t.String("type"));
    if (type == "mqtt_json") {
      EL_ASSIGN_OR_RETURN(s.spec, ReadMqttJson(t, ctx, s.name));
    } else if (type == "sparkplug") {
      EL_ASSIGN_OR_RETURN(s.spec, ReadSparkplug(t, ctx, s.name));
    } else if (type == "modbus") {
      EL_ASSIGN_OR_RETURN(s.spec, ReadModbus(t, ctx));
    } else if (type == "replay") {
      EL_ASSIGN_OR_RETURN(s.spec, ReadReplay(t, ctx));
    } else if (type == "sim") {
      EL_ASSIGN_OR_RETURN(s.spec, ReadSim(t, ctx));
    } else {
      return t.Error("type", "must be one of mqtt_json, sparkplug, modbus, replay, sim");
    }
    sources.push_back(std::move(s));
  }
  return sources;
}

}  // namespace edgeloop::edge::config_detail
