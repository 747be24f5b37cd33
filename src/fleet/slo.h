// SLOs of the fleet, from stored heartbeats and alerts: edge inference uptime per node (target
// 99.5 %) and alert-to-acknowledge latency. Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/hub_types.h"

namespace edgeloop::fleet {

struct UptimeSlo {
  std::string node;
  double uptime = 0;  // mean inference uptime over the heartbeats in the period
  double target = 0.995;
  bool met = false;
  int64_t heartbeats = 0;
};
std::vector<UptimeSlo> InferenceUptimeSlos(const std::vector<store::HeartbeatSummary>& summaries,
                                           double target = 0.995);

struct AckLatencySlo {
  int64_t alerts = 0;  // opened in the period
  int64_t acknowledged = 0;
  double p50_s = 0, p90_s = 0, max_s = 0;  // over acknowledged alerts
  int64_t open_over_target = 0;            // still unacknowledged after `target_s`, at `now`
  double target_s = 0;
};
AckLatencySlo AlertAckLatency(const std::vector<store::Alert>& alerts, store::TimeMs now,
                              double target_s = 2 * 3600.0);

}  // namespace edgeloop::fleet
