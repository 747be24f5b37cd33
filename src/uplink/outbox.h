// Outbox: the node's durable store-and-forward queue of uplink batches.
//
// Every batch gets the next per-node sequence number inside the same SQLite transaction that
// stores it, so a sequence number is never reused, even after kill -9 or power loss (the file
// runs in WAL mode with synchronous=FULL, see outbox.cc). A batch leaves the outbox when the hub
// acknowledges it, when it is parked (the hub refused it for good) or when the disk budget forces
// the oldest batches out; those drops are counted in a persisted counter.
//
// Thread-safety: all methods may be called from any thread (an internal mutex serialises them),
// so a producer may Append while the uplink sender reads Pending and Acks.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/sqlite_db.h"

namespace edgeloop::uplink {

struct OutboxOptions {
  std::string path;  // SQLite file; ":memory:" only for tests that do not reopen
  // Bytes of stored payload (pending + parked) the outbox may hold; the oldest batches are
  // dropped when an Append would exceed it. A payload larger than the budget is refused.
  int64_t disk_budget_bytes = int64_t{64} << 20;
};

struct OutboxBatch {
  int64_t seq = 0;
  std::string payload;  // the bytes given to Append
};

struct ParkedBatch {
  int64_t seq = 0;
  std::string reason;
};

struct OutboxStats {
  int64_t last_seq = 0;         // highest sequence number ever assigned (0: none yet)
  int64_t pending = 0;          // batches waiting to be sent
  int64_t parked = 0;           // batches the hub refused for good, kept for inspection
  int64_t stored_bytes = 0;     // payload bytes of pending + parked batches
  int64_t dropped_batches = 0;  // removed unsent because of the disk budget (ever)
  int64_t dropped_bytes = 0;
};

class Outbox {
 public:
  [[nodiscard]] static Result<std::unique_ptr<Outbox>> Open(const OutboxOptions& options);

  // Stores `payload` durably and returns its sequence number (last one + 1).
  [[nodiscard]] Result<int64_t> Append(std::string_view payload);
  // Up to `limit` pending batches in ascending sequence order.
  [[nodiscard]] Result<std::vector<OutboxBatch>> Pending(int64_t limit);
  // Removes every pending batch with seq <= up_to_seq (the hub has them all).
  [[nodiscard]] Status AckThrough(int64_t up_to_seq);
  // Removes the listed pending batches; unknown sequence numbers are ignored (already acked).
  [[nodiscard]] Status Ack(std::span<const int64_t> seqs);
  // Moves a pending batch out of the send queue with the reason the hub gave.
  [[nodiscard]] Status Park(int64_t seq, std::string_view reason);
  [[nodiscard]] Result<std::vector<ParkedBatch>> Parked(int64_t limit);
  [[nodiscard]] Result<OutboxStats> Stats();

 private:
  explicit Outbox(store::SqliteDb db, int64_t budget) : db_(std::move(db)), budget_(budget) {}
  Status EnforceBudgetLocked(int64_t incoming_bytes);
  Result<int64_t> MetaLocked(std::string_view key);
  Status SetMetaLocked(std::string_view key, int64_t value);
  Status InTransaction(const std::function<Status()>& body);

  std::mutex mu_;
  store::SqliteDb db_;
  const int64_t budget_;
};

}  // namespace edgeloop::uplink
