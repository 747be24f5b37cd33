// GatewayUplink: a demo gateway's path to the hub, built from the edge daemon's own parts:
// pipeline output -> UplinkBatcher -> Outbox (SQLite, sequenced) -> Uplink (POST /v1/ingest over
// real HTTP), plus heartbeats. The demo drives gateways on simulated plant time, so records carry
// plant times while batching and retries run on the wall clock.
//
// Ownership: owns its outbox, batcher and sender thread. Threads: OnOutput from agent workers;
// everything else from the demo's driver thread.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/status.h"
#include "edge/asset_pipeline.h"
#include "edge/edge_agent.h"

namespace edgeloop::uplink {
class Outbox;
class Uplink;
}  // namespace edgeloop::uplink

namespace edgeloop::edge {
class UplinkBatcher;
}

namespace edgeloop::demo {

struct GatewayUplinkOptions {
  std::string node_id;
  std::string outbox_path;
  std::string hub_host = "127.0.0.1";
  int hub_port = 0;
  std::string token;  // the node token from enrollment
};

struct GatewayUplinkStats {
  int64_t batches_sent = 0;  // acknowledged by the hub
  int64_t pending = 0;       // still in the outbox
  int64_t parked = 0;        // refused for good by the hub
  std::string last_error;
};

class GatewayUplink {
 public:
  static Result<std::unique_ptr<GatewayUplink>> Create(GatewayUplinkOptions options);
  ~GatewayUplink();

  // Queues the windows, quality events and alert events of one pipeline output.
  void OnOutput(const edge::PipelineOutput& out);
  // Queues a heartbeat for the agent's state at plant time `now`.
  void Heartbeat(const edge::EdgeAgentSnapshot& agent, Timestamp now, double uptime_s);
  // Cuts a batch when one is due.
  void Tick();
  // Flushes what waits and waits until the hub acknowledged everything or `timeout` passed;
  // then stops the sender. Unavailable when batches remain.
  Status Drain(std::chrono::milliseconds timeout);
  GatewayUplinkStats stats() const;

 private:
  explicit GatewayUplink(GatewayUplinkOptions options);

  const GatewayUplinkOptions options_;
  SystemClock wall_;
  std::unique_ptr<uplink::Outbox> outbox_;
  std::unique_ptr<edge::UplinkBatcher> batcher_;
  std::unique_ptr<uplink::Uplink> sender_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace edgeloop::demo
