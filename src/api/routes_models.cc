#include "api/routes.h"

namespace edgeloop::api {

// Placeholder until the model routes land.
void AddModelRoutes(Router&, const HubContext&) {}

}  // namespace edgeloop::api
