#include "api/routes.h"

namespace edgeloop::api {

// Placeholder until the catalog routes land.
void AddCatalogRoutes(Router&, const HubContext&) {}

}  // namespace edgeloop::api
