#include "api/routes.h"

namespace edgeloop::api {

// Placeholder until the alert routes land.
void AddAlertRoutes(Router&, const HubContext&) {}

}  // namespace edgeloop::api
