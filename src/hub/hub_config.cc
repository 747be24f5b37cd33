#include "hub/hub_config.h"

#include <charconv>
#include <filesystem>

#include "common/config.h"

namespace edgeloop::hub {
namespace {

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || base_dir.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

// sqlite:relative.db resolves against the config's folder like every other path.
std::string ResolveDbUrl(const std::string& base_dir, const std::string& url) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (url.rfind(kSqlite, 0) != 0) return url;
  return std::string(kSqlite) + Resolve(base_dir, url.substr(kSqlite.size()));
}

}  // namespace

Status ParseListen(std::string_view text, std::string& host, int& port) {
  std::string_view port_text = text;
  std::string parsed_host = host.empty() ? "127.0.0.1" : host;
  if (const size_t colon = text.rfind(':'); colon != std::string_view::npos) {
    parsed_host = colon == 0 ? "127.0.0.1" : std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  int value = -1;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || value < 0 ||
      value > 65535) {
    return InvalidArgument("listen address '" + std::string(text) +
                           "': expected HOST:PORT, :PORT or PORT with a port in 0..65535");
  }
  if (parsed_host.empty())
    return InvalidArgument("listen address '" + std::string(text) + "': empty host");
  host = parsed_host;
  port = value;
  return Status::Ok();
}

namespace {

Result<HubConfig> ReadHub(const ConfigDocument& doc, const std::string& source_name,
                          const std::string& base_dir) {
  HubConfig c;
  c.source_name = source_name;
  const ConfigTable root = doc.Root();
  EL_ASSIGN_OR_RETURN(std::optional<ConfigTable> server, root.OptionalTable("server"));
  if (server) {
    EL_ASSIGN_OR_RETURN(std::string listen, server->String("listen", "127.0.0.1:8080"));
    if (Status s = ParseListen(listen, c.listen_host, c.listen_port); !s.ok()) {
      return server->Error("listen", s.message());
    }
    EL_ASSIGN_OR_RETURN(int64_t threads, server->Int("threads", c.threads));
    EL_RETURN_IF_ERROR(CheckRange(*server, "threads", threads, 4, 1024));
    c.threads = static_cast<int>(threads);
  }
  EL_ASSIGN_OR_RETURN(std::optional<ConfigTable> store, root.OptionalTable("store"));
  if (store) {
    EL_ASSIGN_OR_RETURN(std::string url, store->String("url", c.db_url));
    c.db_url = ResolveDbUrl(base_dir, url);
    EL_ASSIGN_OR_RETURN(int64_t pool, store->Int("pool_size", c.pool_size));
    EL_RETURN_IF_ERROR(CheckRange(*store, "pool_size", pool, 1, 256));
    c.pool_size = static_cast<int>(pool);
  }
  EL_ASSIGN_OR_RETURN(std::optional<ConfigTable> boot, root.OptionalTable("bootstrap"));
  if (boot) {
    EL_ASSIGN_OR_RETURN(c.tenant, boot->String("tenant", c.tenant));
    if (c.tenant.empty() || c.tenant.size() > 64) {
      return boot->Error("tenant", "must be 1 to 64 characters");
    }
    EL_ASSIGN_OR_RETURN(std::string token_file,
                        boot->String("admin_token_file", c.admin_token_file));
    c.admin_token_file = token_file;
  }
  c.admin_token_file = Resolve(base_dir, c.admin_token_file);
  EL_ASSIGN_OR_RETURN(std::optional<ConfigTable> limits, root.OptionalTable("limits"));
  if (limits) {
    EL_ASSIGN_OR_RETURN(int64_t model_mb, limits->Int("max_model_mb", c.max_model_bytes >> 20));
    EL_RETURN_IF_ERROR(CheckRange(*limits, "max_model_mb", model_mb, 1, 512));
    c.max_model_bytes = model_mb << 20;
    EL_ASSIGN_OR_RETURN(int64_t ingest_mb, limits->Int("max_ingest_mb", c.max_ingest_bytes >> 20));
    EL_RETURN_IF_ERROR(CheckRange(*limits, "max_ingest_mb", ingest_mb, 1, 256));
    c.max_ingest_bytes = ingest_mb << 20;
    EL_ASSIGN_OR_RETURN(c.enrollment_ttl_s, limits->Int("enrollment_ttl_s", c.enrollment_ttl_s));
    EL_RETURN_IF_ERROR(
        CheckRange(*limits, "enrollment_ttl_s", c.enrollment_ttl_s, 60, int64_t{366} * 24 * 3600));
  }
  EL_RETURN_IF_ERROR(doc.CheckNoUnknownKeys());
  return c;
}

}  // namespace

Result<HubConfig> ParseHubConfig(std::string_view text, std::string source_name,
                                 std::string base_dir) {
  EL_ASSIGN_OR_RETURN(ConfigDocument doc, ConfigDocument::ParseString(text, source_name));
  return ReadHub(doc, source_name, base_dir);
}

Result<HubConfig> LoadHubConfig(const std::string& path) {
  EL_ASSIGN_OR_RETURN(ConfigDocument doc, ConfigDocument::ParseFile(path));
  return ReadHub(doc, path, std::filesystem::path(path).parent_path().string());
}

}  // namespace edgeloop::hub
