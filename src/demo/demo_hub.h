// The demo's hub: started in-process, gateways enrolled through its API over HTTP, and the
// end-of-run summary read back through the API. Internal to the demo.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "demo/demo_runner.h"
#include "hub/hub.h"

namespace edgeloop::demo {

inline constexpr const char* kDemoTenant = "demo";

struct DemoHub {
  std::unique_ptr<hub::Hub> hub;
  HubSession session;
  std::string db;
  std::string admin_token_file;
  std::map<std::string, std::string> node_tokens;  // by gateway id
};

// Removes the previous run's hub files, starts the hub and enrolls `gateways`: an enrollment
// token per gateway from POST /v1/enrollments (admin token), exchanged by the gateway's own
// client (edge::EnrollWithHub) for its node token.
Result<DemoHub> StartDemoHub(const DemoOptions& options, const std::vector<std::string>& gateways,
                             const Clock& wall_clock);

// Nodes (batches, inference uptime, status), windows per node and alerts, through the API.
Result<HubSummary> ReadHubSummary(DemoHub& hub);

}  // namespace edgeloop::demo
