#include "edge/edge_config.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "common/config.h"
#include "common/duration.h"
#include "edge/edge_config_internal.h"

namespace edgeloop::edge {

namespace {

using namespace config_detail;  // NOLINT: the field readers shared with the sources

// Bounded: tokens and keys are short, and a device file (/dev/zero) must not hang the start.
Result<std::string> ReadSmallFile(const ConfigTable& t, std::string_view key,
                                  const std::string& path) {
  constexpr size_t kMaxBytes = 64 * 1024;
  std::ifstream in(path, std::ios::binary);
  if (!in) return t.Error(key, "cannot be read: '" + path + "'");
  std::string text(kMaxBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return t.Error(key, "cannot be read: '" + path + "'");
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxBytes) return t.Error(key, "'" + path + "' is too large");
  return text;
}

Result<std::string> ReadTokenFile(const ConfigTable& t, const std::string& path) {
  EL_ASSIGN_OR_RETURN(std::string token, ReadSmallFile(t, "token_file", path));
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  if (token.empty()) return t.Error("token_file", "'" + path + "' is empty");
  return token;
}

Status ReadHub(const ConfigTable& root, const Context& ctx, EdgeConfig& c) {
  EL_ASSIGN_OR_RETURN(std::optional<ConfigTable> t, root.OptionalTable("hub"));
  if (!t) return Status::Ok();
  HubSettings h;
  EL_ASSIGN_OR_RETURN(h.url, t->String("url"));
  std::string_view rest = h.url;
  if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    return t->Error("url", "must start with http:// or https://");
  }
  if (rest.empty() || rest.front() == '/' || rest.find(' ') != std::string_view::npos) {
    return t->Error("url", "needs a host, e.g. \"https://hub.example.com\"");
  }
  const bool has_token = t->Has("token");
  const bool has_file = t->Has("token_file");
  if (has_token && has_file) {
    return t->Error("token_file", "conflicts with 'hub.token': give exactly one of them");
  }
  if (!has_token && !has_file) return t->Error("token", "is missing: give token or token_file");
  if (has_token) {
    EL_ASSIGN_OR_RETURN(h.token, t->String("token"));
    if (h.token.empty()) return t->Error("token", "must not be empty");
  } else {
    EL_ASSIGN_OR_RETURN(std::string file, t->String("token_file"));
    h.token_file = ResolvePath(ctx.base_dir, file);
    EL_ASSIGN_OR_RETURN(h.token, ReadTokenFile(*t, h.token_file));
  }
  if (h.token.find_first_of("\r\n") != std::string::npos) {
    return t->Error(has_token ? "token" : "token_file", "must be one line");
  }
  EL_ASSIGN_OR_RETURN(h.desired_poll, ReadDuration(*t, "desired_poll", h.desired_poll));
  EL_ASSIGN_OR_RETURN(h.heartbeat, ReadDuration(*t, "heartbeat", h.heartbeat));
  EL_ASSIGN_OR_RETURN(std::string key_file, t->String("public_key_file", ""));
  h.public_key_file = ResolvePath(ctx.base_dir, key_file);
  if (!key_file.empty()) {
    EL_ASSIGN_OR_RETURN(h.public_key_pem, ReadSmallFile(*t, "public_key_file", h.public_key_file));
  }
  c.hub = std::move(h);
  return Status::Ok();
}

Status ReadStore(const ConfigTable& root, const Context& ctx, EdgeConfig& c) {
  EL_ASSIGN_OR_RETURN(ConfigTable t, root.Table("store"));
  StoreSettings& s = c.store;
  EL_ASSIGN_OR_RETURN(std::string path, t.String("path"));
  if (path.empty()) return t.Error("path", "must not be empty");
  s.path = ResolvePath(ctx.base_dir, path);
  EL_ASSIGN_OR_RETURN(std::string outbox, t.String("outbox_path", ""));
  s.outbox_path = outbox.empty() ? s.path + ".outbox" : ResolvePath(ctx.base_dir, outbox);
  if (s.outbox_path == s.path) return t.Error("outbox_path", "must differ from store.path");
  EL_ASSIGN_OR_RETURN(s.max_age, ReadDuration(t, "max_age", s.max_age));
  EL_ASSIGN_OR_RETURN(s.max_mb, ReadInt(t, "max_mb", s.max_mb, 1, 1 << 20));
  EL_ASSIGN_OR_RETURN(s.outbox_max_mb, ReadInt(t, "outbox_max_mb", s.outbox_max_mb, 1, 1 << 20));
  EL_ASSIGN_OR_RETURN(std::string models_dir, t.String("models_dir", ""));
  s.models_dir =
      models_dir.empty()
          ? (std::filesystem::path(s.path).parent_path() / "models").lexically_normal().string()
          : ResolvePath(ctx.base_dir, models_dir);
  return Status::Ok();
}

Status ReadHttp(const ConfigTable& root, EdgeConfig& c) {
  EL_ASSIGN_OR_RETURN(std::optional<ConfigTable> t, root.OptionalTable("http"));
  if (!t) return Status::Ok();
  EL_ASSIGN_OR_RETURN(c.http.listen, t->String("listen", c.http.listen));
  if (!SplitHostPort(c.http.listen, c.http.host, c.http.port)) {
    return t->Error("listen", "must be \"host:port\" (port 0..65535, IPv6 as \"[::1]:9100\")");
  }
  return Status::Ok();
}

Result<quality::PhysicalRange> ReadRange(const ConfigTable& t, std::string_view key,
                                         quality::PhysicalRange fallback) {
  EL_ASSIGN_OR_RETURN(std::vector<double> v, t.DoubleArray(key, {fallback.min, fallback.max}));
  if (v.size() != 2 || !(v[0] < v[1]) || !std::isfinite(v[0]) || !std::isfinite(v[1])) {
    return t.Error(key, "must be [min, max] with min < max");
  }
  return quality::PhysicalRange{v[0], v[1]};
}

// Same keys as the demo's [alerts] (src/demo/plant_config.cc), all optional here.
Status ReadAlertPolicy(const ConfigTable& a, AlertPolicy& p) {
  EL_ASSIGN_OR_RETURN(p.raise_score, ReadDouble(a, "raise_score", p.raise_score, 0.01, 1000));
  EL_ASSIGN_OR_RETURN(
      p.clear_score,
      ReadDouble(a, "clear_score", std::min(p.clear_score, p.raise_score), 0.001, p.raise_score));
  EL_ASSIGN_OR_RETURN(int64_t raise, ReadInt(a, "raise_windows", p.raise_windows, 1, 1000));
  EL_ASSIGN_OR_RETURN(int64_t clear, ReadInt(a, "clear_windows", p.clear_windows, 1, 1000));
  p.raise_windows = static_cast<int>(raise);
  p.clear_windows = static_cast<int>(clear);
  EL_ASSIGN_OR_RETURN(int64_t cooldown,
                      ReadInt(a, "cooldown_windows", p.cooldown_windows, 0, 1000000));
  p.cooldown_windows = static_cast<int>(cooldown);
  EL_ASSIGN_OR_RETURN(p.critical_score,
                      ReadDouble(a, "critical_score", std::max(p.critical_score, p.raise_score),
                                 p.raise_score, 1e6));
  return Status::Ok();
}

Status ReadPipeline(const ConfigTable& root, EdgeConfig& c) {
  EL_ASSIGN_OR_RETURN(std::optional<ConfigTable> t, root.OptionalTable("pipeline"));
  if (!t) return Status::Ok();
  PipelineSettings& s = c.pipeline;
  PipelineConfig& p = s.pipeline;
  EL_ASSIGN_OR_RETURN(int64_t workers, ReadInt(*t, "workers", s.workers, 1, 64));
  s.workers = static_cast<int>(workers);
  EL_ASSIGN_OR_RETURN(int64_t queue, ReadInt(*t, "queue_capacity", s.queue_capacity, 1, 100000));
  s.queue_capacity = static_cast<int>(queue);
  EL_ASSIGN_OR_RETURN(p.vibration_rate_hz,
                      ReadDouble(*t, "vibration_rate_hz", p.vibration_rate_hz, 12800, 1e6));
  EL_ASSIGN_OR_RETURN(p.window_s, ReadDouble(*t, "window_s", p.window_s, 0.1, 10));
  EL_ASSIGN_OR_RETURN(std::optional<ConfigTable> q, t->OptionalTable("quality"));
  if (q) {
    EL_ASSIGN_OR_RETURN(p.quality.vibration_g,
                        ReadRange(*q, "vibration_range_g", p.quality.vibration_g));
    EL_ASSIGN_OR_RETURN(p.quality.temperature_c,
                        ReadRange(*q, "temperature_range_c", p.quality.temperature_c));
  }
  EL_ASSIGN_OR_RETURN(std::optional<ConfigTable> d, t->OptionalTable("detector"));
  if (d) {
    EL_ASSIGN_OR_RETURN(
        int64_t warmup,
        ReadInt(*d, "warmup_windows", static_cast<int64_t>(p.detector.warmup_windows), 3, 100000));
    p.detector.warmup_windows = static_cast<size_t>(warmup);
    EL_ASSIGN_OR_RETURN(
        p.detector.relative_scale_floor,
        ReadDouble(*d, "relative_scale_floor", p.detector.relative_scale_floor, 0, 10));
  }
  EL_ASSIGN_OR_RETURN(std::optional<ConfigTable> a, t->OptionalTable("alerts"));
  if (a) EL_RETURN_IF_ERROR(ReadAlertPolicy(*a, p.alerts));
  Status valid = Validate(p);
  if (!valid.ok()) return root.Error("pipeline", "is inconsistent: " + valid.message());
  return Status::Ok();
}

Status ReadAssets(const ConfigTable& root, Context& ctx, EdgeConfig& c) {
  EL_ASSIGN_OR_RETURN(std::vector<ConfigTable> tables, root.TableArray("asset"));
  for (const ConfigTable& t : tables) {
    Asset a;
    EL_ASSIGN_OR_RETURN(a.id, ReadId(t, "id"));
    if (!ctx.asset_ids.insert(a.id).second) return t.Error("id", "repeats asset '" + a.id + "'");
    EL_ASSIGN_OR_RETURN(a.kind, t.String("kind"));
    if (a.kind != "pump" && a.kind != "motor" && a.kind != "fan" && a.kind != "compressor") {
      return t.Error("kind", "must be one of pump, motor, fan, compressor");
    }
    EL_ASSIGN_OR_RETURN(a.shaft_rpm, t.Double("shaft_rpm"));
    EL_RETURN_IF_ERROR(CheckRange(t, "shaft_rpm", a.shaft_rpm, 60, 30000));
    EL_ASSIGN_OR_RETURN(std::string bearing, t.String("bearing", "6205"));
    // Kinematics are known for the 6205 only (the CWRU rig's bearing); other geometries would
    // silently give wrong defect frequencies.
    if (bearing != "6205") return t.Error("bearing", "must be \"6205\" (the only known geometry)");
    a.bearing = Bearing6205();
    c.assets.push_back(std::move(a));
  }
  return Status::Ok();
}

Result<std::string> ReadSha256(const ConfigTable& t, std::string_view key) {
  EL_ASSIGN_OR_RETURN(std::string hex, t.String(key, ""));
  if (hex.empty()) return hex;
  if (hex.size() != 64) return t.Error(key, "must be 64 hex digits");
  for (char& ch : hex) {
    if (ch >= 'A' && ch <= 'F') ch = static_cast<char>(ch - 'A' + 'a');
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) {
      return t.Error(key, "must be 64 hex digits");
    }
  }
  return hex;
}

Status ReadModels(const ConfigTable& root, const Context& ctx, EdgeConfig& c) {
  EL_ASSIGN_OR_RETURN(std::vector<ConfigTable> tables, root.TableArray("models"));
  std::map<std::string, std::string, std::less<>> group_of_asset;
  std::set<std::string> groups;
  for (const ConfigTable& t : tables) {
    ModelGroupConfig m;
    EL_ASSIGN_OR_RETURN(m.group, ReadId(t, "group"));
    if (!groups.insert(m.group).second) return t.Error("group", "repeats group '" + m.group + "'");
    EL_ASSIGN_OR_RETURN(m.assets, t.StringArray("assets"));
    if (m.assets.empty()) return t.Error("assets", "needs at least one asset id");
    for (const std::string& a : m.assets) {
      EL_RETURN_IF_ERROR(CheckDeclared(ctx, t, "assets", a));
      auto [it, fresh] = group_of_asset.emplace(a, m.group);
      if (!fresh) {
        return t.Error("assets", "puts asset '" + a + "' in group '" + m.group +
                                     "', but it is already in group '" + it->second + "'");
      }
    }
    EL_ASSIGN_OR_RETURN(std::string production, t.String("production"));
    if (production.empty()) return t.Error("production", "must not be empty");
    m.production = ResolvePath(ctx.base_dir, production);
    EL_ASSIGN_OR_RETURN(m.production_sha256, ReadSha256(t, "production_sha256"));
    EL_ASSIGN_OR_RETURN(std::string shadow, t.String("shadow", ""));
    m.shadow = ResolvePath(ctx.base_dir, shadow);
    EL_ASSIGN_OR_RETURN(m.shadow_sha256, ReadSha256(t, "shadow_sha256"));
    if (m.shadow.empty() && !m.shadow_sha256.empty()) {
      return t.Error("shadow_sha256", "is given without a shadow model");
    }
    EL_ASSIGN_OR_RETURN(std::optional<ConfigTable> a, t.OptionalTable("alerts"));
    if (a) EL_RETURN_IF_ERROR(ReadAlertPolicy(*a, m.alerts));
    if (Status valid = Validate(m.alerts); !valid.ok()) {
      return t.Error("alerts", "is inconsistent: " + valid.message());
    }
    c.models.push_back(std::move(m));
  }
  return Status::Ok();
}

Status ReadDrift(const ConfigTable& root, EdgeConfig& c) {
  EL_ASSIGN_OR_RETURN(std::optional<ConfigTable> t, root.OptionalTable("drift"));
  if (!t) return Status::Ok();
  drift::DriftMonitorOptions& o = c.drift.options;
  EL_ASSIGN_OR_RETURN(c.drift.enabled, t->Bool("enabled", true));
  EL_ASSIGN_OR_RETURN(
      int64_t capacity,
      ReadInt(*t, "window_capacity", static_cast<int64_t>(o.window_capacity), 10, 1000000));
  o.window_capacity = static_cast<size_t>(capacity);
  EL_ASSIGN_OR_RETURN(int64_t every, ReadInt(*t, "evaluate_every",
                                             static_cast<int64_t>(o.evaluate_every), 1, capacity));
  o.evaluate_every = static_cast<size_t>(every);
  EL_ASSIGN_OR_RETURN(o.psi_threshold, ReadDouble(*t, "psi_threshold", o.psi_threshold, 1e-3, 10));
  // JS divergence in bits lies in [0, 1].
  EL_ASSIGN_OR_RETURN(o.js_threshold, ReadDouble(*t, "js_threshold", o.js_threshold, 1e-4, 1));
  EL_ASSIGN_OR_RETURN(o.spectrum_js_threshold,
                      ReadDouble(*t, "spectrum_js_threshold", o.spectrum_js_threshold, 1e-4, 1));
  return Status::Ok();
}

Status ReadAlertsMqtt(const ConfigTable& root, EdgeConfig& c) {
  EL_ASSIGN_OR_RETURN(std::optional<ConfigTable> t, root.OptionalTable("alerts_mqtt"));
  if (!t) return Status::Ok();
  AlertsMqttSettings s;
  EL_ASSIGN_OR_RETURN(s.broker, ReadBroker(*t, "broker"));
  EL_ASSIGN_OR_RETURN(std::string topic, t->String("topic", "edgeloop/{node}/alerts"));
  for (size_t at = topic.find("{node}"); at != std::string::npos; at = topic.find("{node}", at)) {
    topic.replace(at, 6, c.node.id);
    at += c.node.id.size();
  }
  Status valid = ingest::ValidateTopicName(topic);
  if (!valid.ok()) return t->Error("topic", "is not a valid MQTT topic: " + valid.message());
  s.topic = std::move(topic);
  EL_ASSIGN_OR_RETURN(s.qos, ReadQos(*t, "qos", 1));
  EL_ASSIGN_OR_RETURN(s.client_id, t->String("client_id", c.node.id + "-alerts"));
  if (s.client_id.empty() || s.client_id.size() > 256) {
    return t->Error("client_id", "must be 1..256 characters");
  }
  c.alerts_mqtt = std::move(s);
  return Status::Ok();
}

Result<EdgeConfig> ReadEdge(const ConfigDocument& doc, std::string source_name,
                            std::string base_dir) {
  EdgeConfig c;
  c.source_name = std::move(source_name);
  Context ctx;
  ctx.base_dir = std::move(base_dir);
  const ConfigTable root = doc.Root();
  EL_ASSIGN_OR_RETURN(ConfigTable node, root.Table("node"));
  EL_ASSIGN_OR_RETURN(c.node.id, ReadId(node, "id"));
  EL_ASSIGN_OR_RETURN(c.node.site, node.String("site", ""));
  ctx.node_id = c.node.id;
  EL_RETURN_IF_ERROR(ReadHub(root, ctx, c));
  EL_RETURN_IF_ERROR(ReadStore(root, ctx, c));
  EL_RETURN_IF_ERROR(ReadHttp(root, c));
  EL_RETURN_IF_ERROR(ReadPipeline(root, c));
  EL_RETURN_IF_ERROR(ReadAssets(root, ctx, c));
  EL_ASSIGN_OR_RETURN(c.sources, ReadSources(root, ctx));
  EL_RETURN_IF_ERROR(ReadModels(root, ctx, c));
  EL_RETURN_IF_ERROR(ReadDrift(root, c));
  EL_RETURN_IF_ERROR(ReadAlertsMqtt(root, c));
  EL_RETURN_IF_ERROR(doc.CheckNoUnknownKeys());
  return c;
}

}  // namespace

std::string_view SourceTypeName(SourceType type) {
  switch (type) {
    case SourceType::kMqttJson:
      return "mqtt_json";
    case SourceType::kSparkplug:
      return "sparkplug";
    case SourceType::kModbus:
      return "modbus";
    case SourceType::kReplay:
      return "replay";
    case SourceType::kSim:
      return "sim";
  }
  return "unknown";
}

const Asset* EdgeConfig::FindAsset(std::string_view id) const {
  for (const Asset& a : assets) {
    if (a.id == id) return &a;
  }
  return nullptr;
}

Result<EdgeConfig> ParseEdgeConfig(std::string_view text, std::string source_name,
                                   std::string base_dir) {
  EL_ASSIGN_OR_RETURN(ConfigDocument doc, ConfigDocument::ParseString(text, source_name));
  return ReadEdge(doc, std::move(source_name), std::move(base_dir));
}

Result<EdgeConfig> LoadEdgeConfig(const std::string& path) {
  EL_ASSIGN_OR_RETURN(ConfigDocument doc, ConfigDocument::ParseFile(path));
  return ReadEdge(doc, path, std::filesystem::path(path).parent_path().string());
}

}  // namespace edgeloop::edge
