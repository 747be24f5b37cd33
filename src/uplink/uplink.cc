#include "uplink/uplink.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/base64.h"

namespace edgeloop::uplink {
namespace {

// 408 and 429 mean "not now", not "never": retry them like 5xx.
bool IsTransient(int status) {
  return status == 408 || status == 429 || status >= 500 || status < 200 ||
         (status >= 300 && status < 400);
}

std::string Truncate(std::string_view s, size_t n) {
  return std::string(s.substr(0, std::min(n, s.size())));
}

}  // namespace

Uplink::Uplink(Outbox& outbox, std::unique_ptr<Transport> transport, Clock& clock,
               UplinkOptions options)
    : outbox_(outbox),
      transport_(std::move(transport)),
      clock_(clock),
      options_(std::move(options)),
      rng_(options_.seed) {}

std::string Uplink::EncodeRequest(const std::string& node_id, int64_t dropped_batches,
                                  const std::vector<OutboxBatch>& batches) {
  nlohmann::json body;
  body["v"] = kProtocolVersion;
  body["node"] = node_id;
  body["dropped_batches"] = dropped_batches;
  nlohmann::json& list = body["batches"] = nlohmann::json::array();
  for (const OutboxBatch& b : batches) {
    list.push_back({{"seq", b.seq}, {"payload", Base64Encode(b.payload)}});
  }
  return body.dump();
}

Duration Uplink::NextBackoff() {
  // Full jitter (uniform in [0, cap]) spreads a fleet that lost the hub at the same moment.
  int64_t failures = 0;
  {
    std::lock_guard lock(stats_mu_);
    failures = stats_.consecutive_failures;
  }
  const int shift = static_cast<int>(std::clamp<int64_t>(failures - 1, 0, 40));
  const int64_t initial = options_.initial_backoff.count();
  const int64_t max = options_.max_backoff.count();
  const int64_t cap = initial > (max >> shift) ? max : std::min(max, initial << shift);
  std::uniform_int_distribution<int64_t> dist(0, std::max<int64_t>(cap, 0));
  return Duration(dist(rng_));
}

Status Uplink::ApplyAnswer(const HttpResponse& response, const std::vector<OutboxBatch>& batches,
                           bool* transient) {
  *transient = false;
  std::vector<int64_t> sent;
  sent.reserve(batches.size());
  for (const OutboxBatch& b : batches) sent.push_back(b.seq);

  if (response.status == 409) {
    // The hub already stored every batch of this request: it is as good as an ack.
    EL_RETURN_IF_ERROR(outbox_.Ack(sent));
    std::lock_guard lock(stats_mu_);
    ++stats_.duplicate_answers;
    stats_.acked += static_cast<int64_t>(sent.size());
    return Status::Ok();
  }
  if (IsTransient(response.status)) {
    *transient = true;
    return Unavailable("hub answered HTTP " + std::to_string(response.status) + ": " +
                       Truncate(response.body, 200));
  }
  if (response.status >= 400) {
    const std::string reason =
        "HTTP " + std::to_string(response.status) + ": " + Truncate(response.body, 200);
    for (int64_t seq : sent) EL_RETURN_IF_ERROR(outbox_.Park(seq, reason));
    std::lock_guard lock(stats_mu_);
    stats_.parked += static_cast<int64_t>(sent.size());
    stats_.last_error = reason;
    return Status::Ok();
  }

  // 2xx: {"acked": [seq...], "acked_through": N}; either field may be absent.
  const nlohmann::json answer = nlohmann::json::parse(response.body, nullptr, false);
  if (answer.is_discarded() || !answer.is_object()) {
    *transient = true;
    return Unavailable("hub answered 2xx with a body that is not a JSON object: " +
                       Truncate(response.body, 200));
  }
  std::vector<int64_t> acked;
  if (auto it = answer.find("acked"); it != answer.end()) {
    if (!it->is_array()) {
      *transient = true;
      return Unavailable("hub answer field 'acked' is not an array");
    }
    for (const auto& v : *it) {
      if (!v.is_number_integer()) {
        *transient = true;
        return Unavailable("hub answer field 'acked' holds a non-integer");
      }
      acked.push_back(v.get<int64_t>());
    }
  }
  int64_t through = 0;
  if (auto it = answer.find("acked_through"); it != answer.end()) {
    if (!it->is_number_integer()) {
      *transient = true;
      return Unavailable("hub answer field 'acked_through' is not an integer");
    }
    through = it->get<int64_t>();
  }
  // Count only what this request carried; acked_through may also cover older gaps.
  int64_t newly = 0;
  for (int64_t seq : sent) {
    if (seq <= through || std::find(acked.begin(), acked.end(), seq) != acked.end()) ++newly;
  }
  if (through > 0) EL_RETURN_IF_ERROR(outbox_.AckThrough(through));
  EL_RETURN_IF_ERROR(outbox_.Ack(acked));
  std::lock_guard lock(stats_mu_);
  stats_.acked += newly;
  return Status::Ok();
}

Result<Duration> Uplink::Step() {
  EL_ASSIGN_OR_RETURN(std::vector<OutboxBatch> batches,
                      outbox_.Pending(options_.max_batches_per_request));
  if (batches.empty()) return options_.idle_poll;
  EL_ASSIGN_OR_RETURN(OutboxStats ostats, outbox_.Stats());

  const std::string body = EncodeRequest(options_.node_id, ostats.dropped_batches, batches);
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"Authorization", "Bearer " + options_.token},
      {"X-Edgeloop-Node", options_.node_id},
      {"X-Edgeloop-Protocol", std::to_string(kProtocolVersion)},
  };
  {
    std::lock_guard lock(stats_mu_);
    ++stats_.requests;
  }
  Result<HttpResponse> response = transport_->Post(kIngestPath, headers, body, "application/json");
  Status outcome;
  bool transient = true;
  if (response.ok()) {
    outcome = ApplyAnswer(*response, batches, &transient);
    if (!outcome.ok() && !transient) return outcome;  // the outbox itself failed
  } else {
    outcome = response.status();
  }
  if (!outcome.ok()) {
    {
      std::lock_guard lock(stats_mu_);
      ++stats_.transient_failures;
      ++stats_.consecutive_failures;
      stats_.last_error = outcome.message();
    }
    Duration wait = NextBackoff();
    // A hub that says when to come back (429/503 with Retry-After) is obeyed, within max_backoff:
    // retrying earlier only adds load to a hub that is shedding it.
    if (response.ok() && response->retry_after_s) {
      const Duration asked = std::chrono::seconds(*response->retry_after_s);
      wait = std::max(wait, std::min<Duration>(asked, options_.max_backoff));
    }
    return wait;
  }
  {
    std::lock_guard lock(stats_mu_);
    stats_.consecutive_failures = 0;
  }
  // Keep draining without a pause while there is a backlog.
  return Duration::zero();
}

void Uplink::Run(const std::atomic<bool>& stop) {
  constexpr Duration kSlice = std::chrono::milliseconds(50);
  while (!stop.load()) {
    Result<Duration> wait = Step();
    Duration remaining = wait.ok() ? *wait : options_.idle_poll;  // outbox error: retry later
    if (!wait.ok()) {
      std::lock_guard lock(stats_mu_);
      stats_.last_error = wait.status().message();
    }
    while (remaining > Duration::zero() && !stop.load()) {
      const Duration d = std::min(remaining, kSlice);
      clock_.SleepFor(d);
      remaining -= d;
    }
  }
}

UplinkStats Uplink::stats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

}  // namespace edgeloop::uplink
