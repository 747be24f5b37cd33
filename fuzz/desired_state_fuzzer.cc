// Fuzzes ParseDesiredState, which reads the hub's desired-state document (docs/protocol.md,
// "Desired state"): a compromised or buggy hub must not crash the node, and whatever is accepted
// must satisfy the rules the poller relies on.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string_view>
#include <utility>

#include "edge/desired_state.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using edgeloop::edge::DesiredStateLimits;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const DesiredStateLimits limits;
  const auto state = edgeloop::edge::ParseDesiredState(input, limits);
  if (!state.ok()) {
    if (state.status().message().empty()) __builtin_trap();
    return 0;
  }
  if (state->revision < 0 || state->models.size() > limits.max_models) __builtin_trap();
  std::set<std::pair<std::string, int>> seen;
  for (const auto& model : state->models) {
    if (model.group.empty() || model.version.empty() || model.url.empty()) __builtin_trap();
    if (model.sha256.size() != 64) __builtin_trap();
    for (const char c : model.sha256) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) __builtin_trap();
    }
    if (model.size <= 0 || model.size > limits.max_artifact_bytes) __builtin_trap();
    if (model.url[0] != '/' && !model.url.starts_with("http://") &&
        !model.url.starts_with("https://")) {
      __builtin_trap();
    }
    if (!seen.emplace(model.group, static_cast<int>(model.role)).second) __builtin_trap();
  }
  return 0;
}
