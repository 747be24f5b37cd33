#include "edge/edge_agent.h"

#include <spdlog/spdlog.h>

namespace edgeloop::edge {

Result<std::unique_ptr<EdgeAgent>> EdgeAgent::Create(EdgeAgentConfig config) {
  if (config.node_id.empty()) return InvalidArgument("edge node id must not be empty");
  static const SystemClock system_clock;
  const Clock& clock = config.clock ? *config.clock : system_clock;
  std::map<std::string, std::unique_ptr<AssetPipeline>> pipelines;
  for (const Asset& asset : config.assets) {
    if (pipelines.count(asset.id)) {
      return InvalidArgument("edge node " + config.node_id + " lists asset '" + asset.id +
                             "' twice");
    }
    EL_ASSIGN_OR_RETURN(pipelines[asset.id], AssetPipeline::Create(asset, config.pipeline, clock));
  }
  auto store = store::EdgeStore::Open(config.store_path, config.node_id);
  if (!store.ok()) return store.status().WithContext("edge node " + config.node_id);
  return std::unique_ptr<EdgeAgent>(
      new EdgeAgent(std::move(config), std::move(store).value(), std::move(pipelines)));
}

EdgeAgent::EdgeAgent(EdgeAgentConfig config, store::EdgeStore store,
                     std::map<std::string, std::unique_ptr<AssetPipeline>> pipelines)
    : config_(std::move(config)),
      store_(std::move(store)),
      pipelines_(std::move(pipelines)),
      queue_(config_.queue_capacity) {
  for (const auto& [id, p] : pipelines_) stats_[id] = p->stats();
}

EdgeAgent::~EdgeAgent() {
  if (worker_.joinable()) (void)Stop();
}

void EdgeAgent::Start() {
  worker_ = std::thread([this] { Run(); });
}

bool EdgeAgent::Submit(std::vector<SampleBatch> batches) { return queue_.Push(std::move(batches)); }

void EdgeAgent::RecordError(const Status& s) {
  spdlog::error("edge {}: {}", config_.node_id, s.ToString());
  std::lock_guard lock(mu_);
  if (error_.ok()) error_ = s;
}

void EdgeAgent::Run() {
  PipelineOutput out;
  while (std::optional<std::vector<SampleBatch>> group = queue_.Pop()) {
    for (const SampleBatch& batch : *group) {
      auto it = pipelines_.find(batch.asset);
      Status s = it == pipelines_.end()
                     ? NotFound("no pipeline for asset '" + batch.asset + "' on this node")
                     : it->second->Process(batch, out);
      if (!s.ok()) {
        spdlog::warn("edge {}: refused batch of {}/{}: {}", config_.node_id, batch.asset,
                     batch.channel, s.message());
        std::lock_guard lock(mu_);
        ++batches_refused_;
        continue;
      }
      Persist(*it->second, out);
      std::lock_guard lock(mu_);
      stats_[batch.asset] = it->second->stats();
      ++batches_processed_;
    }
  }
}

void EdgeAgent::Persist(AssetPipeline& pipeline, PipelineOutput& out) {
  if (Status s = store_.AppendQuarantine(out.quarantine); !s.ok()) RecordError(s);
  if (Status s = store_.AppendQualityEvents(out.quality_events); !s.ok()) RecordError(s);
  if (Status s = store_.AppendWindows(out.windows); !s.ok()) RecordError(s);
  for (const PipelineOutput::AlertChange& change : out.alert_changes) {
    if (change.decision == AlertLogic::Decision::kOpen) {
      spdlog::info("edge {}: ALERT opened on {} at {} (score {:.1f}, driven by {}; diagnosis {})",
                   config_.node_id, change.alert.asset, FormatTimestamp(change.alert.opened),
                   change.alert.peak_score, change.alert.top_feature, change.alert.diagnosis);
      auto id = store_.InsertAlert(change.alert);
      if (id.ok()) {
        pipeline.SetOpenAlertId(*id);
      } else {
        RecordError(id.status());
      }
    } else {
      spdlog::info("edge {}: alert on {} cleared at {}", config_.node_id, change.alert.asset,
                   FormatTimestamp(*change.alert.cleared));
      if (Status s = store_.UpdateAlert(change.alert); !s.ok()) RecordError(s);
    }
  }
  out.Clear();
}

Status EdgeAgent::Stop() {
  if (stopped_) {
    std::lock_guard lock(mu_);
    return error_;
  }
  stopped_ = true;
  queue_.Close();
  if (worker_.joinable()) worker_.join();
  // Alerts still open keep their latest peak score in the store.
  for (const auto& [id, pipeline] : pipelines_) {
    if (const auto& open = pipeline->open_alert(); open && open->id != 0) {
      if (Status s = store_.UpdateAlert(*open); !s.ok()) RecordError(s);
    }
  }
  std::lock_guard lock(mu_);
  return error_;
}

EdgeAgentSnapshot EdgeAgent::Snapshot() const {
  EdgeAgentSnapshot snap;
  snap.node_id = config_.node_id;
  snap.queue_backpressure_waits = queue_.BackpressureWaits();
  snap.queue_depth = queue_.Size();
  std::lock_guard lock(mu_);
  snap.assets = stats_;
  snap.batches_processed = batches_processed_;
  snap.batches_refused = batches_refused_;
  snap.error = error_;
  return snap;
}

}  // namespace edgeloop::edge
