#include "store/hub_types.h"

#include <array>
#include <utility>

namespace edgeloop::store {
namespace {

// One table per enum: the name is the stored and wire form, so parse and print cannot drift.
constexpr std::array<std::pair<Role, std::string_view>, 8> kRoles = {{
    {Role::kAdmin, "admin"},
    {Role::kEdgeEngineer, "edge-engineer"},
    {Role::kDataSteward, "data-steward"},
    {Role::kMlEngineer, "ml-engineer"},
    {Role::kDomainValidator, "domain-validator"},
    {Role::kTechnician, "technician"},
    {Role::kViewer, "viewer"},
    {Role::kNode, "node"},
}};

constexpr std::array<std::pair<AlertState, std::string_view>, 3> kAlertStates = {{
    {AlertState::kOpen, "open"},
    {AlertState::kAcknowledged, "acknowledged"},
    {AlertState::kResolved, "resolved"},
}};

constexpr std::array<std::pair<DeploymentRole, std::string_view>, 3> kDeploymentRoles = {{
    {DeploymentRole::kProduction, "production"},
    {DeploymentRole::kShadow, "shadow"},
    {DeploymentRole::kCanary, "canary"},
}};

constexpr std::array<std::pair<DeploymentState, std::string_view>, 3> kDeploymentStates = {{
    {DeploymentState::kActive, "active"},
    {DeploymentState::kSuperseded, "superseded"},
    {DeploymentState::kRolledBack, "rolled_back"},
}};

template <typename E, size_t N>
std::string_view NameOf(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "unknown";  // only reachable with a value cast from outside the enum
}

template <typename E, size_t N>
std::optional<E> Parse(const std::array<std::pair<E, std::string_view>, N>& table,
                       std::string_view name) {
  for (const auto& [v, n] : table) {
    if (n == name) return v;
  }
  return std::nullopt;
}

}  // namespace

std::string_view RoleName(Role role) { return NameOf(kRoles, role); }
std::optional<Role> ParseRole(std::string_view name) { return Parse(kRoles, name); }

std::string_view AlertStateName(AlertState s) { return NameOf(kAlertStates, s); }
std::optional<AlertState> ParseAlertState(std::string_view name) {
  return Parse(kAlertStates, name);
}

std::string_view DeploymentRoleName(DeploymentRole r) { return NameOf(kDeploymentRoles, r); }
std::optional<DeploymentRole> ParseDeploymentRole(std::string_view name) {
  return Parse(kDeploymentRoles, name);
}

std::string_view DeploymentStateName(DeploymentState s) { return NameOf(kDeploymentStates, s); }
std::optional<DeploymentState> ParseDeploymentState(std::string_view name) {
  return Parse(kDeploymentStates, name);
}

}  // namespace edgeloop::store
