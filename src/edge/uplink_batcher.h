// UplinkBatcher: groups the node's records for the hub into outbox batches.
//
// Records (feature windows, alerts, quality events, drift events, shadow statistics, heartbeats)
// are JSON objects with a "type" field; the batcher collects them and appends one batch to the
// Outbox when `max_records` are waiting or the oldest has waited `max_delay`, so a quiet node
// still reports promptly and a busy one does not write a batch per window. The batch format is
// documented in docs/protocol.md ("Batch payload"). Once appended, a batch survives kill -9 (the
// outbox is durable); records still waiting in memory are also in the local store.
// Thread-safe: any thread may Add; Flush/FlushIfDue from any thread.
#pragma once

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "edge/alert_logic.h"
#include "store/edge_store.h"
#include "uplink/outbox.h"

namespace edgeloop::edge {

inline constexpr int kBatchFormatVersion = 1;

struct UplinkBatcherOptions {
  std::string node_id;
  size_t max_records = 256;
  Duration max_delay = std::chrono::seconds(2);
};

struct UplinkBatcherStats {
  uint64_t records = 0;  // added
  uint64_t batches = 0;  // appended to the outbox
  uint64_t append_errors = 0;
  std::string last_error;
};

class UplinkBatcher {
 public:
  // Borrows `outbox` and `clock`; both must outlive the batcher.
  UplinkBatcher(uplink::Outbox& outbox, const Clock& clock, UplinkBatcherOptions options);

  void Add(nlohmann::json record);
  // Appends what is waiting (if anything) as one batch.
  Status Flush();
  // Flushes when the oldest waiting record is older than max_delay.
  Status FlushIfDue();
  UplinkBatcherStats stats() const;

 private:
  Status FlushLocked();

  uplink::Outbox& outbox_;
  const Clock& clock_;
  const UplinkBatcherOptions options_;
  mutable std::mutex mu_;
  nlohmann::json pending_ = nlohmann::json::array();
  Timestamp oldest_{};
  UplinkBatcherStats stats_;
};

// The record encodings (docs/protocol.md). Times are RFC 3339 UTC strings; NaN becomes null.
nlohmann::json WindowRecordJson(const store::WindowRecord& w);
nlohmann::json AlertRecordJson(const store::AlertRecord& a, std::string_view event);
nlohmann::json QualityEventJson(const store::QualityEventRecord& e);
// The alert record of a pipeline decision: event "opened", "escalated" or "cleared".
nlohmann::json AlertChangeJson(const store::AlertRecord& a, AlertLogic::Decision decision);

struct PipelineOutput;
// Queues every record of one pipeline output: windows, quality events, alert changes.
void AddOutputRecords(UplinkBatcher& batcher, const PipelineOutput& out);

}  // namespace edgeloop::edge
