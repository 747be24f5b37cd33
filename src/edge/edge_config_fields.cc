// Field readers shared by the edge.toml section readers (see edge_config_internal.h).
#include <filesystem>

#include "common/duration.h"
#include "edge/edge_config_internal.h"

namespace edgeloop::edge {

namespace config_detail {

std::string ResolvePath(const std::string& base_dir, const std::string& path) {
  if (base_dir.empty() || path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<std::string> ReadId(const ConfigTable& t, std::string_view key) {
  EL_ASSIGN_OR_RETURN(std::string id, t.String(key));
  if (!IsValidId(id)) return t.Error(key, "must be 1..64 characters of A-Z a-z 0-9 . _ -");
  return id;
}

Result<int64_t> ReadInt(const ConfigTable& t, std::string_view key, int64_t fallback, int64_t lo,
                        int64_t hi) {
  EL_ASSIGN_OR_RETURN(int64_t v, t.Int(key, fallback));
  if (v < lo || v > hi) {
    return t.Error(key, "= " + std::to_string(v) + " is out of range [" + std::to_string(lo) +
                            ", " + std::to_string(hi) + "]");
  }
  return v;
}

Result<int64_t> ReadInt(const ConfigTable& t, std::string_view key, int64_t lo, int64_t hi) {
  EL_ASSIGN_OR_RETURN(int64_t v, t.Int(key));
  return ReadInt(t, key, v, lo, hi);
}

Result<double> ReadDouble(const ConfigTable& t, std::string_view key, double fallback, double lo,
                          double hi) {
  EL_ASSIGN_OR_RETURN(double v, t.Double(key, fallback));
  EL_RETURN_IF_ERROR(CheckRange(t, key, v, lo, hi));
  return v;
}

Result<Duration> ReadDuration(const ConfigTable& t, std::string_view key, Duration fallback) {
  if (!t.Has(key)) return fallback;
  EL_ASSIGN_OR_RETURN(std::string text, t.String(key));
  Result<Duration> d = ParseDuration(text);
  if (!d.ok()) return t.Error(key, "is not a duration: " + d.status().message());
  if (*d <= Duration::zero()) return t.Error(key, "must be > 0");
  return *d;
}

Result<ChannelKind> ReadKind(const ConfigTable& t, std::string_view key, ChannelKind fallback) {
  EL_ASSIGN_OR_RETURN(std::string name, t.String(key, std::string(ChannelKindName(fallback))));
  for (ChannelKind k : {ChannelKind::kVibration, ChannelKind::kTemperature}) {
    if (ChannelKindName(k) == name) return k;
  }
  return t.Error(key, "must be \"vibration\" or \"temperature\"");
}

bool SplitHostPort(std::string_view text, std::string& host, int& port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size()) return false;
  std::string_view h = text.substr(0, colon);
  const std::string_view p = text.substr(colon + 1);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') {
    h = h.substr(1, h.size() - 2);
  } else if (h.find(':') != std::string_view::npos) {
    return false;  // an IPv6 address needs brackets
  }
  if (h.empty() || h.find_first_of(" /[]") != std::string_view::npos) return false;
  if (p.size() > 5) return false;
  int value = 0;
  for (char c : p) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  if (value > 65535) return false;
  host = std::string(h);
  port = value;
  return true;
}

Result<std::string> ReadBroker(const ConfigTable& t, std::string_view key) {
  EL_ASSIGN_OR_RETURN(std::string url, t.String(key));
  std::string_view rest = url;
  bool scheme_ok = false;
  for (std::string_view scheme : {"tcp://", "ssl://"}) {
    if (rest.starts_with(scheme)) {
      rest.remove_prefix(scheme.size());
      scheme_ok = true;
    }
  }
  std::string host;
  int port = 0;
  if (!scheme_ok || !SplitHostPort(rest, host, port) || port == 0) {
    return t.Error(key, "must be \"tcp://host:port\" or \"ssl://host:port\"");
  }
  return url;
}

Result<int> ReadQos(const ConfigTable& t, std::string_view key, int fallback) {
  EL_ASSIGN_OR_RETURN(int64_t qos, ReadInt(t, key, fallback, 0, 2));
  return static_cast<int>(qos);
}

Status CheckDeclared(const Context& ctx, const ConfigTable& t, std::string_view key,
                     std::string_view asset) {
  if (ctx.asset_ids.count(asset)) return Status::Ok();
  return t.Error(key, "names asset '" + std::string(asset) + "', which no [[asset]] declares");
}

}  // namespace config_detail

}  // namespace edgeloop::edge
