// Desired state: which models the hub wants this node to run, fetched by polling.
//
// Protocol (docs/protocol.md, "Desired state"): GET /v1/nodes/{id}/desired with a bearer token
// and If-None-Match; 304 = unchanged, 200 = a JSON document plus an ETag. Each model names an
// artifact by URL and sha256; ArtifactCache downloads it into <models_dir>/<sha256>.onnx, checks
// size, digest and (when a key is configured) an Ed25519 signature before the file appears under
// its final name. DesiredStatePoller ties it together and hands verified local paths to an
// `apply` callback; the ETag only advances once apply succeeded, so a failed apply is retried.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace edgeloop::edge {

enum class ModelRole { kProduction, kShadow };
std::string_view ModelRoleName(ModelRole role);

struct DesiredModel {
  std::string group;  // model group, e.g. "pump-bearing"
  ModelRole role = ModelRole::kProduction;
  std::string version;    // registry version label
  std::string sha256;     // 64 lowercase hex digits (upper case input is lowered)
  std::string url;        // "/path" on the hub, or an absolute http(s) URL
  int64_t size = 0;       // exact artifact size in bytes
  std::string signature;  // base64 Ed25519 signature over the artifact bytes; empty if none
};

struct DesiredState {
  int64_t revision = 0;
  std::vector<DesiredModel> models;
};

struct DesiredStateLimits {
  size_t max_document_bytes = 1 << 20;
  size_t max_models = 64;
  int64_t max_artifact_bytes = int64_t{512} << 20;
  size_t max_text_bytes = 2048;  // any string field
};

// Strictly parses a desired-state document. Unknown fields are ignored (forward compatibility);
// known fields must have the right type and range. Errors are InvalidArgument naming the field,
// e.g. "models[1].sha256: expected 64 hex digits".
[[nodiscard]] Result<DesiredState> ParseDesiredState(std::string_view json,
                                                     const DesiredStateLimits& limits = {});

// A GET against the hub. Implementations add the node's bearer token themselves (only for the
// hub's own origin) so the token never leaves the configured hub.
struct HubResponse {
  int status = 0;
  std::string etag;  // ETag header, "" when absent
};
class HubClient {
 public:
  virtual ~HubClient() = default;
  // GETs `url` (a path on the hub or an absolute URL), streaming the body to `sink`; a sink that
  // returns false aborts the transfer (Unavailable). Transport failures are Unavailable; any
  // HTTP status is a value. Called by one thread at a time.
  [[nodiscard]] virtual Result<HubResponse> Get(
      const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
      const std::function<bool(const char* data, size_t size)>& sink) = 0;
};

struct HubEndpoint {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string token;  // sent as "Authorization: Bearer <token>"; empty = none
  std::chrono::milliseconds timeout{10000};
};
// Plain HTTP to the hub (absolute https:// artifact URLs are fetched with TLS, without the token
// unless they point at the hub itself).
std::unique_ptr<HubClient> MakeHttpHubClient(HubEndpoint endpoint);

struct ArtifactCacheOptions {
  std::string models_dir;
  int64_t max_artifact_bytes = int64_t{512} << 20;
  // PEM Ed25519 public key. When set, every artifact must carry a valid signature.
  std::string signing_public_key_pem;
};

// Verified model files in one directory, named by content: <models_dir>/<sha256>.onnx.
// Downloads go to a temp file in the same directory, are fsynced, verified, then renamed, so
// the final name only ever holds a complete, verified artifact. One thread at a time.
class ArtifactCache {
 public:
  // Creates the directory if needed; a bad key is InvalidArgument.
  [[nodiscard]] static Result<std::unique_ptr<ArtifactCache>> Create(ArtifactCacheOptions options);
  ~ArtifactCache();

  // Returns the local path of `model`'s artifact, downloading it through `hub` unless a file
  // with the right size and digest is present. `*downloaded` tells which happened.
  [[nodiscard]] Result<std::string> Ensure(const DesiredModel& model, HubClient& hub,
                                           bool* downloaded);
  std::string PathFor(std::string_view sha256) const;

 private:
  struct Key;
  ArtifactCache(ArtifactCacheOptions options, std::unique_ptr<Key> key);
  [[nodiscard]] Status VerifyFile(const std::string& path, const DesiredModel& model) const;
  ArtifactCacheOptions options_;
  std::unique_ptr<Key> key_;
};

struct DesiredStatePollerOptions {
  std::string node_id;  // [A-Za-z0-9._-]+
  Duration poll_interval = std::chrono::seconds(30);
  DesiredStateLimits limits;
};

struct DesiredStatePollerStats {
  int64_t applied_revision = -1;  // -1 until something was applied
  std::string etag;               // of the applied document
  std::string last_error;         // "" after a successful step
  uint64_t polls = 0;
  uint64_t not_modified = 0;  // 304 answers
  uint64_t downloads = 0;     // artifacts fetched (cache hits are not counted)
  uint64_t failures = 0;      // steps that ended in an error
};

// Polls the hub for the node's desired state. Step() and Run() from one thread; stats() from
// any thread.
class DesiredStatePoller {
 public:
  // Verified local paths keyed by sha256.
  using ApplyFn = std::function<Status(const DesiredState& state,
                                       const std::map<std::string, std::string>& paths)>;

  // `hub`, `cache` and `clock` must outlive the poller.
  DesiredStatePoller(DesiredStatePollerOptions options, HubClient& hub, ArtifactCache& cache,
                     Clock& clock, ApplyFn apply);

  // One poll: GET with If-None-Match; on 200 parse, fetch and verify artifacts, apply, and only
  // then remember the ETag. Returns the step's error (also kept in stats().last_error).
  [[nodiscard]] Status Step();
  // Steps every poll_interval (measured on the clock) until `stop` becomes true. The stop flag
  // is checked at least every 200 ms of clock time.
  void Run(const std::atomic<bool>& stop);

  DesiredStatePollerStats stats() const;

 private:
  [[nodiscard]] Status StepInner();
  DesiredStatePollerOptions options_;
  HubClient& hub_;
  ArtifactCache& cache_;
  Clock& clock_;
  ApplyFn apply_;
  mutable std::mutex mu_;
  DesiredStatePollerStats stats_;  // guarded by mu_
};

}  // namespace edgeloop::edge
