#include "demo/gateway_uplink.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "edge/edge_daemon.h"
#include "edge/uplink_batcher.h"
#include "uplink/http_transport.h"
#include "uplink/outbox.h"
#include "uplink/uplink.h"

namespace edgeloop::demo {

GatewayUplink::GatewayUplink(GatewayUplinkOptions options) : options_(std::move(options)) {}

GatewayUplink::~GatewayUplink() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

Result<std::unique_ptr<GatewayUplink>> GatewayUplink::Create(GatewayUplinkOptions options) {
  std::unique_ptr<GatewayUplink> g(new GatewayUplink(std::move(options)));
  uplink::OutboxOptions oo;
  oo.path = g->options_.outbox_path;
  auto outbox = uplink::Outbox::Open(oo);
  if (!outbox.ok()) return outbox.status().WithContext("outbox of " + g->options_.node_id);
  g->outbox_ = std::move(outbox).value();
  // Batches are cut on the wall clock: on plant time a 60x demo would send 60 batches a second.
  g->batcher_ = std::make_unique<edge::UplinkBatcher>(
      *g->outbox_, g->wall_,
      edge::UplinkBatcherOptions{g->options_.node_id, 256, std::chrono::milliseconds(500)});
  uplink::UplinkOptions uo;
  uo.node_id = g->options_.node_id;
  uo.token = g->options_.token;
  uo.idle_poll = std::chrono::milliseconds(100);
  uo.seed = std::hash<std::string>{}(g->options_.node_id);
  g->sender_ = std::make_unique<uplink::Uplink>(
      *g->outbox_,
      uplink::MakeHttpTransport(g->options_.hub_host, g->options_.hub_port,
                                std::chrono::seconds(10)),
      g->wall_, uo);
  GatewayUplink* self = g.get();
  g->thread_ = std::thread([self] { self->sender_->Run(self->stop_); });
  return g;
}

void GatewayUplink::OnOutput(const edge::PipelineOutput& out) {
  edge::AddOutputRecords(*batcher_, out);
}

void GatewayUplink::Heartbeat(const edge::EdgeAgentSnapshot& agent, Timestamp now,
                              double uptime_s) {
  edge::DaemonStatus status;
  status.agent = agent;
  status.uptime_s = uptime_s;
  status.inference_uptime = edge::InferenceUptime(agent);
  if (auto s = outbox_->Stats(); s.ok()) {
    status.outbox_pending = s->pending;
    status.outbox_dropped = s->dropped_batches;
  }
  status.uplink_acked = sender_->stats().acked;
  batcher_->Add(edge::HeartbeatJson(status, now));
}

void GatewayUplink::Tick() {
  if (Status s = batcher_->FlushIfDue(); !s.ok()) {
    spdlog::warn("demo {}: uplink batch: {}", options_.node_id, s.ToString());
  }
}

Status GatewayUplink::Drain(std::chrono::milliseconds timeout) {
  EL_RETURN_IF_ERROR(batcher_->Flush());
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int64_t pending = 0;
  while (true) {
    EL_ASSIGN_OR_RETURN(uplink::OutboxStats s, outbox_->Stats());
    pending = s.pending;
    if (pending == 0 || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (pending > 0) {
    return Unavailable(options_.node_id + ": " + std::to_string(pending) +
                       " batches not yet acknowledged by the hub (last error: " +
                       sender_->stats().last_error + ")");
  }
  return Status::Ok();
}

GatewayUplinkStats GatewayUplink::stats() const {
  GatewayUplinkStats out;
  const uplink::UplinkStats s = sender_->stats();
  out.batches_sent = s.acked;
  out.parked = s.parked;
  out.last_error = s.last_error;
  if (auto o = outbox_->Stats(); o.ok()) out.pending = o->pending;
  return out;
}

}  // namespace edgeloop::demo
