#include "api/hub_metrics.h"

#include <vector>

#include "common/prometheus_text.h"

namespace edgeloop::api {

void HubMetrics::CountRequest(std::string_view method, std::string_view route, int status,
                              double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{std::string(method), std::string(route), status}];
  Latency& l = latency_[{std::string(method), std::string(route)}];
  ++l.count;
  l.sum += seconds;
  for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    if (seconds <= kLatencyBuckets[i]) {
      ++l.buckets[i];
      break;
    }
  }
}

void HubMetrics::CountIngest(int64_t stored, int64_t duplicates, int64_t rows) {
  std::lock_guard lock(mu_);
  batches_stored_ += stored;
  batches_duplicate_ += duplicates;
  rows_ += rows;
}

void HubMetrics::CountAuthFailure(std::string_view reason) {
  std::lock_guard lock(mu_);
  auto it = auth_failures_.find(reason);
  if (it == auth_failures_.end()) it = auth_failures_.emplace(std::string(reason), 0).first;
  ++it->second;
}

std::string HubMetrics::RenderPrometheus() const {
  std::vector<MetricFamily> families;
  std::lock_guard lock(mu_);
  MetricFamily requests{"edgeloop_hub_requests_total",
                        "HTTP requests by method, route pattern and status.",
                        MetricType::kCounter,
                        {}};
  for (const auto& [key, n] : requests_) {
    const auto& [method, route, status] = key;
    requests.samples.push_back(
        {{{"method", method}, {"route", route}, {"status", std::to_string(status)}},
         static_cast<double>(n)});
  }
  families.push_back(std::move(requests));
  // The text helper knows counters and gauges only; the histogram is written as its three
  // conventional series (_bucket with cumulative `le`, _sum, _count), which is exactly what
  // histogram_quantile() reads.
  MetricFamily buckets{"edgeloop_hub_request_duration_seconds_bucket",
                       "Request latency histogram buckets (cumulative, seconds).",
                       MetricType::kCounter,
                       {}};
  MetricFamily sums{"edgeloop_hub_request_duration_seconds_sum",
                    "Total request latency in seconds.",
                    MetricType::kCounter,
                    {}};
  MetricFamily counts{"edgeloop_hub_request_duration_seconds_count",
                      "Requests measured by the latency histogram.",
                      MetricType::kCounter,
                      {}};
  for (const auto& [key, l] : latency_) {
    const auto& [method, route] = key;
    int64_t cumulative = 0;
    for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
      cumulative += l.buckets[i];
      buckets.samples.push_back(
          {{{"method", method}, {"route", route}, {"le", FormatMetricValue(kLatencyBuckets[i])}},
           static_cast<double>(cumulative)});
    }
    buckets.samples.push_back(
        {{{"method", method}, {"route", route}, {"le", "+Inf"}}, static_cast<double>(l.count)});
    sums.samples.push_back({{{"method", method}, {"route", route}}, l.sum});
    counts.samples.push_back(
        {{{"method", method}, {"route", route}}, static_cast<double>(l.count)});
  }
  families.push_back(std::move(buckets));
  families.push_back(std::move(sums));
  families.push_back(std::move(counts));
  families.push_back({"edgeloop_hub_ingest_batches_stored_total",
                      "Ingested batches stored (new).",
                      MetricType::kCounter,
                      {{{}, static_cast<double>(batches_stored_)}}});
  families.push_back({"edgeloop_hub_ingest_batches_duplicate_total",
                      "Ingested batches already held (resends).",
                      MetricType::kCounter,
                      {{{}, static_cast<double>(batches_duplicate_)}}});
  families.push_back({"edgeloop_hub_ingest_rows_total",
                      "Records stored from new ingested batches.",
                      MetricType::kCounter,
                      {{{}, static_cast<double>(rows_)}}});
  MetricFamily auth{"edgeloop_hub_auth_failures_total",
                    "Refused requests by authentication/authorization reason.",
                    MetricType::kCounter,
                    {}};
  for (const auto& [reason, n] : auth_failures_) {
    auth.samples.push_back({{{"reason", reason}}, static_cast<double>(n)});
  }
  families.push_back(std::move(auth));
  return RenderPrometheusText(families);
}

int64_t HubMetrics::requests(std::string_view method, std::string_view route, int status) const {
  std::lock_guard lock(mu_);
  auto it = requests_.find({std::string(method), std::string(route), status});
  return it == requests_.end() ? 0 : it->second;
}

int64_t HubMetrics::auth_failures(std::string_view reason) const {
  std::lock_guard lock(mu_);
  auto it = auth_failures_.find(reason);
  return it == auth_failures_.end() ? 0 : it->second;
}

int64_t HubMetrics::ingest_batches_stored() const {
  std::lock_guard lock(mu_);
  return batches_stored_;
}
int64_t HubMetrics::ingest_batches_duplicate() const {
  std::lock_guard lock(mu_);
  return batches_duplicate_;
}
int64_t HubMetrics::ingest_rows() const {
  std::lock_guard lock(mu_);
  return rows_;
}

}  // namespace edgeloop::api
