// HubMetrics: the hub's own counters for GET /metrics (Prometheus text format).
//
// Requests by route pattern (not raw path, so label cardinality stays bounded by the route
// table), method and status; a latency histogram per route; ingest batches stored / duplicate
// and rows; authentication failures by reason.
//
// Threads: every method is thread-safe (one mutex; the counters are touched once per request,
// which is cheap next to a database round trip).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace edgeloop::api {

class HubMetrics {
 public:
  // Upper bounds (seconds) of the latency histogram buckets; +Inf is implicit.
  static constexpr std::array<double, 11> kLatencyBuckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0};

  // `route` is the matched pattern, or "unmatched" for 404/405 on unknown paths.
  void CountRequest(std::string_view method, std::string_view route, int status, double seconds);
  void CountIngest(int64_t stored, int64_t duplicates, int64_t rows);
  // `reason`: missing, malformed, unknown, revoked, expired, forbidden, node_mismatch.
  void CountAuthFailure(std::string_view reason);

  // Prometheus text exposition of everything above.
  std::string RenderPrometheus() const;

  // Read-back for tests.
  int64_t requests(std::string_view method, std::string_view route, int status) const;
  int64_t auth_failures(std::string_view reason) const;
  int64_t ingest_batches_stored() const;
  int64_t ingest_batches_duplicate() const;
  int64_t ingest_rows() const;

 private:
  struct Latency {
    std::array<int64_t, kLatencyBuckets.size()> buckets{};  // non-cumulative counts
    int64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, int64_t> requests_;
  std::map<std::pair<std::string, std::string>, Latency> latency_;  // (method, route)
  std::map<std::string, int64_t, std::less<>> auth_failures_;
  int64_t batches_stored_ = 0;
  int64_t batches_duplicate_ = 0;
  int64_t rows_ = 0;
};

}  // namespace edgeloop::api
