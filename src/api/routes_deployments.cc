#include "api/routes.h"

namespace edgeloop::api {

// Placeholder until the deployment routes land.
void AddDeploymentRoutes(Router&, const HubContext&) {}

}  // namespace edgeloop::api
