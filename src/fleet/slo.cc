#include "fleet/slo.h"

#include <algorithm>
#include <cmath>

namespace edgeloop::fleet {
namespace {

// Nearest-rank percentile of sorted values: the smallest value with at least p % at or below it.
double NearestRank(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace

std::vector<UptimeSlo> InferenceUptimeSlos(const std::vector<store::HeartbeatSummary>& summaries,
                                           double target) {
  std::vector<UptimeSlo> out;
  for (const store::HeartbeatSummary& s : summaries) {
    UptimeSlo slo;
    slo.node = s.node;
    slo.target = target;
    slo.heartbeats = s.heartbeats;
    // A node that never reported proves nothing: it does not meet the objective.
    slo.uptime = s.heartbeats > 0 ? s.mean_inference_uptime : 0.0;
    slo.met = s.heartbeats > 0 && slo.uptime >= target;
    out.push_back(std::move(slo));
  }
  std::sort(out.begin(), out.end(),
            [](const UptimeSlo& a, const UptimeSlo& b) { return a.node < b.node; });
  return out;
}

AckLatencySlo AlertAckLatency(const std::vector<store::Alert>& alerts, store::TimeMs now,
                              double target_s) {
  AckLatencySlo slo;
  slo.target_s = target_s;
  slo.alerts = static_cast<int64_t>(alerts.size());
  std::vector<double> latencies;
  for (const store::Alert& a : alerts) {
    if (a.acknowledged) {
      // Clocks of hub and node differ a little; an ack "before" the opening counts as instant.
      latencies.push_back(std::max(0.0, static_cast<double>(*a.acknowledged - a.opened) / 1000.0));
    } else if (a.state != store::AlertState::kResolved &&
               static_cast<double>(now - a.opened) / 1000.0 > target_s) {
      // A resolved alert was answered (closed) even without an explicit acknowledgement.
      ++slo.open_over_target;
    }
  }
  slo.acknowledged = static_cast<int64_t>(latencies.size());
  std::sort(latencies.begin(), latencies.end());
  slo.p50_s = NearestRank(latencies, 50);
  slo.p90_s = NearestRank(latencies, 90);
  slo.max_s = latencies.empty() ? 0 : latencies.back();
  return slo;
}

}  // namespace edgeloop::fleet
