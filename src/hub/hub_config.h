// HubConfig: the settings of `edgeloop hub`, from hub.toml (every key documented in
// docs/hub.toml) and overridden by command-line flags.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace edgeloop::hub {

struct HubConfig {
  std::string source_name = "<defaults>";  // file the config came from, for messages
  // [server]
  std::string listen_host = "127.0.0.1";
  int listen_port = 8080;  // 0: any free port
  int threads = 64;        // HTTP worker threads: each keep-alive client holds one while active
  // [store]
  std::string db_url = "sqlite:edgeloop-hub.db";
  int pool_size = 8;
  // [bootstrap]: on start, when this tenant does not exist yet, it is created with an admin
  // token written to admin_token_file (mode 0600). An existing file is never overwritten.
  std::string tenant = "default";
  std::string admin_token_file = "admin.token";
  // [limits]
  int64_t max_model_bytes = 64 << 20;
  int64_t max_ingest_bytes = 16 << 20;
  int64_t enrollment_ttl_s = 24 * 3600;
};

// "HOST:PORT", ":PORT" (127.0.0.1) or "PORT". InvalidArgument naming the problem.
Status ParseListen(std::string_view text, std::string& host, int& port);

// Reads and checks `path`; relative paths inside resolve against the file's folder.
Result<HubConfig> LoadHubConfig(const std::string& path);
Result<HubConfig> ParseHubConfig(std::string_view text, std::string source_name,
                                 std::string base_dir = "");

}  // namespace edgeloop::hub
