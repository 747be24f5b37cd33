#include "edge/desired_state.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

namespace edgeloop::edge {
namespace {

using nlohmann::json;

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

// Reads a required string field: present, a string, non-empty, within the limit, printable
// ASCII (these values end up in logs, file names and request lines).
Result<std::string> TextField(const json& obj, const std::string& where, const char* key,
                              const DesiredStateLimits& limits, bool required = true) {
  const auto it = obj.find(key);
  if (it == obj.end()) {
    if (!required) return std::string();
    return InvalidArgument(where + key + ": missing");
  }
  if (!it->is_string()) return InvalidArgument(where + key + ": expected a string");
  std::string value = it->get<std::string>();
  if (value.empty()) return InvalidArgument(where + key + ": empty");
  if (value.size() > limits.max_text_bytes) {
    return InvalidArgument(where + key + ": longer than " + std::to_string(limits.max_text_bytes) +
                           " bytes");
  }
  for (const char c : value) {
    if (c <= ' ' || c == 0x7f) {
      return InvalidArgument(where + key + ": contains spaces or control characters");
    }
  }
  return value;
}

Result<int64_t> IntField(const json& obj, const std::string& where, const char* key, int64_t min,
                         int64_t max) {
  const auto it = obj.find(key);
  if (it == obj.end()) return InvalidArgument(where + key + ": missing");
  if (!it->is_number_integer()) return InvalidArgument(where + key + ": expected an integer");
  if (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(max)) {
    return InvalidArgument(where + key + ": " + std::to_string(it->get<uint64_t>()) + " outside [" +
                           std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  const int64_t value = it->get<int64_t>();
  if (value < min || value > max) {
    return InvalidArgument(where + key + ": " + std::to_string(value) + " outside [" +
                           std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return value;
}

Result<DesiredModel> ParseModel(const json& obj, size_t index, const DesiredStateLimits& limits) {
  const std::string where = "models[" + std::to_string(index) + "].";
  if (!obj.is_object())
    return InvalidArgument("models[" + std::to_string(index) + "]: expected an object");
  DesiredModel model;
  EL_ASSIGN_OR_RETURN(model.group, TextField(obj, where, "group", limits));
  if (!std::all_of(model.group.begin(), model.group.end(), IsIdChar)) {
    return InvalidArgument(where + "group: only letters, digits, '.', '_' and '-' allowed");
  }
  EL_ASSIGN_OR_RETURN(const std::string role, TextField(obj, where, "role", limits));
  if (role == "production") {
    model.role = ModelRole::kProduction;
  } else if (role == "shadow") {
    model.role = ModelRole::kShadow;
  } else {
    return InvalidArgument(where + "role: expected \"production\" or \"shadow\", got \"" + role +
                           "\"");
  }
  EL_ASSIGN_OR_RETURN(model.version, TextField(obj, where, "version", limits));
  EL_ASSIGN_OR_RETURN(model.sha256, TextField(obj, where, "sha256", limits));
  if (model.sha256.size() != 64 || !std::all_of(model.sha256.begin(), model.sha256.end(), IsHex)) {
    return InvalidArgument(where + "sha256: expected 64 hex digits");
  }
  std::transform(model.sha256.begin(), model.sha256.end(), model.sha256.begin(), [](char c) {
    return static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
  });
  EL_ASSIGN_OR_RETURN(model.url, TextField(obj, where, "url", limits));
  if (!(model.url.starts_with("/") || model.url.starts_with("http://") ||
        model.url.starts_with("https://"))) {
    return InvalidArgument(where + "url: expected a path starting with '/' or an http(s) URL");
  }
  EL_ASSIGN_OR_RETURN(model.size, IntField(obj, where, "size", 1, limits.max_artifact_bytes));
  EL_ASSIGN_OR_RETURN(model.signature, TextField(obj, where, "signature", limits, false));
  return model;
}

}  // namespace

std::string_view ModelRoleName(ModelRole role) {
  return role == ModelRole::kProduction ? "production" : "shadow";
}

Result<DesiredState> ParseDesiredState(std::string_view text, const DesiredStateLimits& limits) {
  if (text.size() > limits.max_document_bytes) {
    return InvalidArgument("desired state: document larger than " +
                           std::to_string(limits.max_document_bytes) + " bytes");
  }
  const json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return InvalidArgument("desired state: not valid JSON");
  if (!doc.is_object()) return InvalidArgument("desired state: expected a JSON object");
  DesiredState state;
  EL_ASSIGN_OR_RETURN(state.revision,
                      IntField(doc, "", "revision", 0, std::numeric_limits<int64_t>::max()));
  const auto models = doc.find("models");
  if (models == doc.end()) return InvalidArgument("models: missing");
  if (!models->is_array()) return InvalidArgument("models: expected an array");
  if (models->size() > limits.max_models) {
    return InvalidArgument("models: more than " + std::to_string(limits.max_models) + " entries");
  }
  std::set<std::pair<std::string, ModelRole>> seen;
  for (size_t i = 0; i < models->size(); ++i) {
    EL_ASSIGN_OR_RETURN(DesiredModel model, ParseModel((*models)[i], i, limits));
    if (!seen.emplace(model.group, model.role).second) {
      return InvalidArgument("models[" + std::to_string(i) + "]: duplicate " +
                             std::string(ModelRoleName(model.role)) + " model for group \"" +
                             model.group + "\"");
    }
    state.models.push_back(std::move(model));
  }
  return state;
}

DesiredStatePoller::DesiredStatePoller(DesiredStatePollerOptions options, HubClient& hub,
                                       ArtifactCache& cache, Clock& clock, ApplyFn apply)
    : options_(std::move(options)),
      hub_(hub),
      cache_(cache),
      clock_(clock),
      apply_(std::move(apply)) {}

Status DesiredStatePoller::Step() {
  {
    std::lock_guard lock(mu_);
    ++stats_.polls;
  }
  Status status = StepInner();
  std::lock_guard lock(mu_);
  if (status.ok()) {
    stats_.last_error.clear();
  } else {
    ++stats_.failures;
    stats_.last_error = status.ToString();
  }
  return status;
}

Status DesiredStatePoller::StepInner() {
  if (options_.node_id.empty() ||
      !std::all_of(options_.node_id.begin(), options_.node_id.end(), IsIdChar)) {
    return InvalidArgument("desired state: node id \"" + options_.node_id +
                           "\" must be letters, digits, '.', '_' or '-'");
  }
  const std::string path = "/v1/nodes/" + options_.node_id + "/desired";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string etag;
  {
    std::lock_guard lock(mu_);
    etag = stats_.etag;
  }
  if (!etag.empty()) headers.emplace_back("If-None-Match", etag);
  std::string body;
  bool too_big = false;
  const size_t max_bytes = options_.limits.max_document_bytes;
  auto got = hub_.Get(path, headers, [&](const char* data, size_t size) {
    if (body.size() + size > max_bytes) {
      too_big = true;
      return false;
    }
    body.append(data, size);
    return true;
  });
  if (too_big) {
    return InvalidArgument("GET " + path + ": document larger than " + std::to_string(max_bytes) +
                           " bytes");
  }
  if (!got.ok()) return got.status();
  if (got->status == 304) {
    std::lock_guard lock(mu_);
    ++stats_.not_modified;
    return Status::Ok();
  }
  if (got->status != 200) {
    const std::string snippet = body.substr(0, 200);
    return Unavailable("GET " + path + ": HTTP " + std::to_string(got->status) +
                       (snippet.empty() ? "" : ": " + snippet));
  }
  auto state = ParseDesiredState(body, options_.limits);
  if (!state.ok()) return state.status().WithContext("GET " + path);
  std::map<std::string, std::string> paths;
  for (const DesiredModel& model : state->models) {
    if (paths.count(model.sha256) != 0) continue;
    bool downloaded = false;
    auto local = cache_.Ensure(model, hub_, &downloaded);
    if (!local.ok()) {
      return local.status().WithContext("model " + model.group + "/" +
                                        std::string(ModelRoleName(model.role)) + " " +
                                        model.version);
    }
    if (downloaded) {
      std::lock_guard lock(mu_);
      ++stats_.downloads;
    }
    paths.emplace(model.sha256, std::move(local).value());
  }
  // The ETag is remembered only after apply succeeded: a node that could not apply (say the
  // model's input schema does not match its channels) asks again next interval.
  if (apply_) {
    EL_RETURN_IF_ERROR(
        apply_(*state, paths)
            .WithContext("applying desired revision " + std::to_string(state->revision)));
  }
  std::lock_guard lock(mu_);
  stats_.applied_revision = state->revision;
  stats_.etag = got->etag;
  return Status::Ok();
}

void DesiredStatePoller::Run(const std::atomic<bool>& stop) {
  constexpr Duration kStopCheck = std::chrono::milliseconds(200);
  while (!stop.load()) {
    const Timestamp next = clock_.Now() + options_.poll_interval;
    (void)Step();  // recorded in stats(); the daemon logs and exports it
    while (!stop.load()) {
      const Timestamp now = clock_.Now();
      if (now >= next) break;
      clock_.SleepUntil(std::min(next, now + kStopCheck));
    }
  }
}

DesiredStatePollerStats DesiredStatePoller::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace edgeloop::edge
