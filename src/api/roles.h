// Who may do what: the role sets the route table uses. One place, so the matrix is reviewable
// (docs/hub.md "Roles" prints it) and tests can check it.
#pragma once

#include <vector>

#include "store/hub_types.h"

namespace edgeloop::api {

using store::Role;

// Every human role: read-only views of the tenant's data.
inline const std::vector<Role> kReadRoles = {
    Role::kAdmin,           Role::kEdgeEngineer, Role::kDataSteward, Role::kMlEngineer,
    Role::kDomainValidator, Role::kTechnician,   Role::kViewer};
// Tokens and users.
inline const std::vector<Role> kAdminOnly = {Role::kAdmin};
// Enrollment, nodes.
inline const std::vector<Role> kFleetWriters = {Role::kAdmin, Role::kEdgeEngineer};
// Sites, assets, channels.
inline const std::vector<Role> kCatalogWriters = {Role::kAdmin, Role::kDataSteward,
                                                  Role::kEdgeEngineer};
// Acknowledge / resolve / annotate alerts.
inline const std::vector<Role> kAlertWriters = {Role::kAdmin, Role::kTechnician,
                                                Role::kDomainValidator};
// Upload models.
inline const std::vector<Role> kModelWriters = {Role::kAdmin, Role::kMlEngineer};
// Create, promote, roll back deployments.
inline const std::vector<Role> kDeployers = {Role::kAdmin, Role::kMlEngineer, Role::kEdgeEngineer};
// Node-only: ingest.
inline const std::vector<Role> kNodeOnly = {Role::kNode};
// A node (its own desired state / artifacts) or anyone who can read.
inline const std::vector<Role> kNodeOrRead = {
    Role::kNode,       Role::kAdmin,           Role::kEdgeEngineer, Role::kDataSteward,
    Role::kMlEngineer, Role::kDomainValidator, Role::kTechnician,   Role::kViewer};

}  // namespace edgeloop::api
