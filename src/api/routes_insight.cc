#include "api/routes.h"

namespace edgeloop::api {

// Placeholder until the lineage/quality/SLO routes land.
void AddInsightRoutes(Router&, const HubContext&) {}

}  // namespace edgeloop::api
