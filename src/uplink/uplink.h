// Uplink: the sender loop that drains the Outbox to the hub with `POST /v1/ingest`.
//
// Protocol (docs/protocol.md): a JSON envelope of the oldest pending batches (seq + base64
// payload); the hub answers which sequence numbers it has stored, and the sender deletes exactly
// those from the outbox. Transient failures (transport errors, 408, 429, 5xx, unparseable 200)
// are retried with exponential backoff and full jitter; other 4xx answers park the batches with
// the reason so one poisoned batch cannot block the queue forever.
//
// Ownership: borrows the Outbox and Clock (they must outlive it), owns the Transport.
// Thread-safety: Step and Run are for one thread; stats() may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "uplink/http_transport.h"
#include "uplink/outbox.h"

namespace edgeloop::uplink {

inline constexpr int kProtocolVersion = 1;
inline constexpr const char* kIngestPath = "/v1/ingest";

struct UplinkOptions {
  std::string node_id;
  std::string token;  // sent as "Authorization: Bearer <token>"
  int64_t max_batches_per_request = 32;
  Duration initial_backoff = std::chrono::milliseconds(200);
  Duration max_backoff = std::chrono::seconds(60);
  Duration idle_poll = std::chrono::seconds(1);  // wait when the outbox is empty
  uint64_t seed = 1;                             // jitter RNG; tests fix it, agents randomise it
};

struct UplinkStats {
  int64_t requests = 0;           // POSTs attempted
  int64_t acked = 0;              // batches removed from the outbox on the hub's word
  int64_t duplicate_answers = 0;  // 409 answers (hub already had the whole request)
  int64_t transient_failures = 0;
  int64_t parked = 0;  // batches parked after a permanent 4xx
  int64_t consecutive_failures = 0;
  std::string last_error;
};

class Uplink {
 public:
  Uplink(Outbox& outbox, std::unique_ptr<Transport> transport, Clock& clock, UplinkOptions options);

  // One attempt: sends up to max_batches_per_request pending batches and applies the answer.
  // Returns how long to wait before the next Step: zero when more batches are pending, the
  // jittered backoff after a transient failure, idle_poll when the outbox is empty.
  [[nodiscard]] Result<Duration> Step();
  // Calls Step until `stop` becomes true, sleeping on the Clock in slices so Stop is prompt.
  void Run(const std::atomic<bool>& stop);

  UplinkStats stats() const;

  // The request body for `batches` (exposed for tests and docs/protocol.md).
  static std::string EncodeRequest(const std::string& node_id, int64_t dropped_batches,
                                   const std::vector<OutboxBatch>& batches);

 private:
  Duration NextBackoff();
  Status ApplyAnswer(const HttpResponse& response, const std::vector<OutboxBatch>& batches,
                     bool* transient);

  Outbox& outbox_;
  std::unique_ptr<Transport> transport_;
  Clock& clock_;
  const UplinkOptions options_;
  std::mt19937_64 rng_;
  mutable std::mutex stats_mu_;
  UplinkStats stats_;
};

}  // namespace edgeloop::uplink
