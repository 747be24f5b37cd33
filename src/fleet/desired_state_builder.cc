#include "fleet/desired_state_builder.h"

#include <algorithm>
#include <cstdint>
#include <span>

#include "common/sha256.h"

namespace edgeloop::fleet {
namespace {

using store::Deployment;
using store::DeploymentRole;
using store::NodeRecord;

// FNV-1a, 64 bit: stable across builds and platforms (std::hash is neither), so a canary keeps
// its nodes across hub restarts and upgrades.
uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 14695981039346656037ull;
  for (const unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// Newer deployment first: by creation time, then by id (ids grow with creation).
bool Newer(const Deployment& a, const Deployment& b) {
  return a.created != b.created ? a.created > b.created : a.id > b.id;
}

bool IsHexPrefixOf(std::string_view prefix, std::string_view sha256) {
  if (prefix.size() > sha256.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = prefix[i];
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    char d = sha256[i];
    if (d >= 'A' && d <= 'F') d = static_cast<char>(d - 'A' + 'a');
    if (c != d) return false;
  }
  return true;
}

bool IsHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

// The edge reports what it loaded as "<model name>@<first 12 hex of sha256>" (edge_model.cc);
// its model name comes from the model's own metadata, which need not equal the registry name, so
// the digest decides. "<registry name>@<version>" (what the desired document names) also counts.
// At least 8 hex digits: shorter prefixes would match by accident.
bool ReportsVersion(std::string_view reported, const store::ModelVersion& model) {
  if (reported == model.name + "@" + std::to_string(model.version)) return true;
  const size_t at = reported.rfind('@');
  const std::string_view digest = at == std::string_view::npos ? reported : reported.substr(at + 1);
  return digest.size() >= 8 && IsHex(digest) && IsHexPrefixOf(digest, model.sha256);
}

}  // namespace

bool Targets(const Deployment& deployment, const NodeRecord& node) {
  if (!deployment.target_nodes.empty()) {
    return std::find(deployment.target_nodes.begin(), deployment.target_nodes.end(), node.id) !=
           deployment.target_nodes.end();
  }
  return !deployment.target_group.empty() && node.group == deployment.target_group;
}

std::vector<std::string> CanaryNodes(const Deployment& deployment,
                                     const std::vector<NodeRecord>& nodes) {
  std::vector<std::pair<uint64_t, std::string>> ranked;
  for (const NodeRecord& node : nodes) {
    if (!Targets(deployment, node)) continue;
    ranked.emplace_back(Fnv1a(std::to_string(deployment.id) + ":" + node.id), node.id);
  }
  if (ranked.empty()) return {};
  const int64_t percent = std::clamp(deployment.canary_percent, 1, 100);
  const int64_t n = static_cast<int64_t>(ranked.size());
  const int64_t k = std::clamp<int64_t>((percent * n + 99) / 100, 1, n);
  // The order depends only on (deployment, node), so k nodes of a larger percent include those
  // of a smaller one, and adding a node only inserts it at its own rank.
  std::sort(ranked.begin(), ranked.end());
  std::vector<std::string> chosen;
  for (int64_t i = 0; i < k; ++i) chosen.push_back(ranked[i].second);
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

std::vector<DesiredModel> ResolveDesired(
    const NodeRecord& node, const std::vector<Deployment>& active,
    const std::vector<NodeRecord>& all_nodes,
    const std::map<std::pair<std::string, int64_t>, store::ModelVersion>& models) {
  // Per group: the newest production, canary (only if it chose this node) and shadow.
  std::map<std::string, const Deployment*> production, canary, shadow;
  for (const Deployment& d : active) {
    if (d.state != store::DeploymentState::kActive || !Targets(d, node)) continue;
    if (!models.contains({d.model, d.version})) continue;
    std::map<std::string, const Deployment*>* slot = &production;
    if (d.role == DeploymentRole::kShadow) {
      slot = &shadow;
    } else if (d.role == DeploymentRole::kCanary) {
      const std::vector<std::string> chosen = CanaryNodes(d, all_nodes);
      if (!std::binary_search(chosen.begin(), chosen.end(), node.id)) continue;
      slot = &canary;
    }
    const Deployment*& best = (*slot)[d.group];
    if (best == nullptr || Newer(d, *best)) best = &d;
  }
  for (const auto& [group, d] : canary) production[group] = d;  // a canary overrides production

  std::vector<DesiredModel> out;
  const auto add = [&](const std::map<std::string, const Deployment*>& slot, const char* role) {
    for (const auto& [group, d] : slot) {
      out.push_back({group, role, models.at({d->model, d->version}), d->id});
    }
  };
  add(production, "production");
  add(shadow, "shadow");
  std::sort(out.begin(), out.end(), [](const DesiredModel& a, const DesiredModel& b) {
    return std::tie(a.group, a.role) < std::tie(b.group, b.role);
  });
  return out;
}

DesiredDocument BuildDesiredDocument(int64_t revision, const std::vector<DesiredModel>& models) {
  nlohmann::json list = nlohmann::json::array();
  for (const DesiredModel& m : models) {
    nlohmann::json entry = {{"group", m.group},
                            {"role", m.role},
                            {"version", m.model.name + "@" + std::to_string(m.model.version)},
                            {"sha256", m.model.sha256},
                            {"url", "/v1/artifacts/" + m.model.sha256},
                            {"size", m.model.size}};
    if (!m.model.signature.empty()) entry["signature"] = m.model.signature;
    list.push_back(std::move(entry));
  }
  DesiredDocument doc;
  doc.body = {{"revision", revision}, {"models", std::move(list)}};
  // nlohmann's objects keep keys sorted, so dump() is canonical: same content, same ETag.
  const std::string canonical = doc.body.dump();
  const std::string digest = Sha256Hex(std::span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(canonical.data()), canonical.size()));
  doc.etag = "\"r" + std::to_string(revision) + "-" + digest.substr(0, 16) + "\"";
  return doc;
}

std::string RolloutStatus(const DesiredModel* desired_for_node, const NodeRecord& node) {
  if (desired_for_node == nullptr) return "not_targeted";
  if (!node.last_heartbeat) return "unknown";
  const nlohmann::json reported =
      nlohmann::json::parse(node.models_json, nullptr, /*allow_exceptions=*/false);
  if (!reported.is_object()) return "pending";
  const auto it = reported.find(desired_for_node->group + "/" + desired_for_node->role);
  if (it == reported.end() || !it->is_string()) return "pending";
  return ReportsVersion(it->get<std::string>(), desired_for_node->model) ? "applied" : "pending";
}

}  // namespace edgeloop::fleet
