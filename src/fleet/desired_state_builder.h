// From the tenant's active deployments to each node's desired-state document
// (docs/protocol.md "Desired state"): which model version each node should run, per model
// group and role, including canary selection. Pure functions, thread-safe.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/hub_types.h"

namespace edgeloop::fleet {

// What one node should run in one group and role.
struct DesiredModel {
  std::string group;
  std::string role;  // production | shadow (a canary becomes production on its chosen nodes)
  store::ModelVersion model;
  int64_t deployment_id = 0;
};

// Does the deployment target this node (explicit node list, or the node's group label)?
bool Targets(const store::Deployment& deployment, const store::NodeRecord& node);

// Nodes chosen for a canary: ceil(percent * n / 100) of the targeted nodes (at least 1), picked
// by a stable hash of (deployment id, node id) so the choice does not change while nodes are
// added, and a larger percent is a superset of a smaller one.
std::vector<std::string> CanaryNodes(const store::Deployment& deployment,
                                     const std::vector<store::NodeRecord>& nodes);

// For `node`: per (group, role), the newest active deployment that targets it wins; a canary
// that selected the node overrides production for its group. `models` resolves
// (name, version) -> ModelVersion (versions missing from it are skipped).
std::vector<DesiredModel> ResolveDesired(
    const store::NodeRecord& node, const std::vector<store::Deployment>& active,
    const std::vector<store::NodeRecord>& all_nodes,
    const std::map<std::pair<std::string, int64_t>, store::ModelVersion>& models);

struct DesiredDocument {
  nlohmann::json body;  // {"revision": r, "models": [...]}, urls "/v1/artifacts/{sha256}"
  std::string etag;     // quoted, e.g. "\"r12-1a2b3c4d\"": changes iff the body changes
};
DesiredDocument BuildDesiredDocument(int64_t revision, const std::vector<DesiredModel>& models);

// Rollout status of one deployment on one node, from the node's last heartbeat `models` map
// ("group/role" -> version string as the node reports it, e.g. "pump-pca@1a2b3c4d5e6f").
// "applied" when it reports this version's sha256 prefix (or name@version), "pending" when it
// does not yet, "not_targeted" when the deployment does not pick the node, "unknown" before
// any heartbeat.
std::string RolloutStatus(const DesiredModel* desired_for_node, const store::NodeRecord& node);

}  // namespace edgeloop::fleet
