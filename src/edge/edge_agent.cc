#include "edge/edge_agent.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace edgeloop::edge {
namespace {
constexpr size_t kLatencySamples = 4096;  // latest latencies kept for the percentiles
constexpr int kMaxWorkers = 64;

// FNV-1a: stable across runs and platforms (std::hash is not), so an asset keeps its shard.
uint64_t StableHash(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}
}  // namespace

Result<std::unique_ptr<EdgeAgent>> EdgeAgent::Create(EdgeAgentConfig config) {
  if (config.node_id.empty()) return InvalidArgument("edge node id must not be empty");
  if (config.workers < 1 || config.workers > kMaxWorkers) {
    return InvalidArgument(fmt::format("edge node {}: workers = {} is outside [1, {}]",
                                       config.node_id, config.workers, kMaxWorkers));
  }
  static const SystemClock system_clock;
  const Clock& clock = config.clock ? *config.clock : system_clock;
  std::map<std::string, std::unique_ptr<AssetPipeline>> pipelines;
  for (const Asset& asset : config.assets) {
    if (pipelines.count(asset.id)) {
      return InvalidArgument("edge node " + config.node_id + " lists asset '" + asset.id +
                             "' twice");
    }
    auto own = config.asset_pipelines.find(asset.id);
    const PipelineConfig& pc = own != config.asset_pipelines.end() ? own->second : config.pipeline;
    EL_ASSIGN_OR_RETURN(pipelines[asset.id], AssetPipeline::Create(asset, pc, clock));
  }
  auto store = store::EdgeStore::Open(config.store_path, config.node_id);
  if (!store.ok()) return store.status().WithContext("edge node " + config.node_id);
  return std::unique_ptr<EdgeAgent>(
      new EdgeAgent(std::move(config), std::move(store).value(), std::move(pipelines)));
}

EdgeAgent::EdgeAgent(EdgeAgentConfig config, store::EdgeStore store,
                     std::map<std::string, std::unique_ptr<AssetPipeline>> pipelines)
    : config_(std::move(config)), store_(std::move(store)), pipelines_(std::move(pipelines)) {
  for (int i = 0; i < config_.workers; ++i) {
    shards_.push_back(std::make_unique<Shard>(config_.queue_capacity));
  }
  for (const auto& [id, p] : pipelines_) {
    stats_[id] = p->stats();
    shards_[ShardOf(id)]->pipelines[id] = p.get();
  }
  latencies_ms_.reserve(kLatencySamples);
}

EdgeAgent::~EdgeAgent() { (void)Stop(); }

const std::vector<std::string>* EdgeAgent::FeatureNames(std::string_view asset_id) const {
  auto it = pipelines_.find(std::string(asset_id));
  return it == pipelines_.end() ? nullptr : &it->second->feature_names();
}

size_t EdgeAgent::ShardOf(std::string_view asset_id) const {
  return StableHash(asset_id) % shards_.size();
}

void EdgeAgent::Start() {
  for (auto& shard : shards_) {
    Shard* s = shard.get();
    s->thread = std::thread([this, s] { Run(*s); });
  }
}

bool EdgeAgent::Submit(std::vector<SampleBatch> batches) {
  if (stopped_) return false;
  const auto now = std::chrono::steady_clock::now();
  if (shards_.size() == 1) {
    return shards_[0]->queue.Push(Work{std::move(batches), now, {}, {}});
  }
  std::vector<std::vector<SampleBatch>> per_shard(shards_.size());
  for (SampleBatch& b : batches) per_shard[ShardOf(b.asset)].push_back(std::move(b));
  bool ok = true;
  for (size_t i = 0; i < shards_.size(); ++i) {
    if (per_shard[i].empty()) continue;
    ok = shards_[i]->queue.Push(Work{std::move(per_shard[i]), now, {}, {}}) && ok;
  }
  return ok;
}

bool EdgeAgent::ForEachPipeline(const std::function<void(AssetPipeline&)>& fn) {
  if (stopped_) {
    // After Stop() the workers are gone and the pipelines are the caller's to touch.
    if (!joined_) return false;
    for (auto& [id, pipeline] : pipelines_) fn(*pipeline);
    return true;
  }
  auto pending = std::make_shared<std::atomic<int>>(static_cast<int>(shards_.size()));
  bool all = true;
  for (auto& shard : shards_) {
    // A closed queue (Stop() running) refuses the task; the ones queued already still run while
    // the workers drain, and `fn` may reference the caller's stack, so wait for those anyway.
    if (!shard->queue.Push(Work{{}, {}, fn, pending})) {
      all = false;
      pending->fetch_sub(1);
    }
  }
  std::unique_lock lock(done_mu_);
  done_cv_.wait(lock, [&] { return pending->load() == 0; });
  return all;
}

void EdgeAgent::RecordError(const Status& s) {
  spdlog::error("edge {}: {}", config_.node_id, s.ToString());
  std::lock_guard lock(mu_);
  if (error_.ok()) error_ = s;
}

void EdgeAgent::RecordLatency(std::chrono::steady_clock::time_point submitted, size_t windows) {
  const auto now = std::chrono::steady_clock::now();
  const double ms = std::chrono::duration<double, std::milli>(now - submitted).count();
  std::lock_guard lock(mu_);
  windows_decided_ += windows;
  if (ms > config_.pipeline.window_s * 1000) late_windows_ += windows;
  if (latencies_ms_.size() < kLatencySamples) {
    latencies_ms_.push_back(static_cast<float>(ms));
  } else {
    latencies_ms_[latency_next_] = static_cast<float>(ms);
  }
  latency_next_ = (latency_next_ + 1) % kLatencySamples;
  ++latency_count_;
}

void EdgeAgent::Run(Shard& shard) {
  PipelineOutput out;
  while (std::optional<Work> work = shard.queue.Pop()) {
    if (work->task) {
      for (auto& [id, pipeline] : shard.pipelines) work->task(*pipeline);
      if (work->pending->fetch_sub(1) == 1) {
        std::lock_guard lock(done_mu_);
        done_cv_.notify_all();
      }
      continue;
    }
    for (const SampleBatch& batch : work->batches) {
      auto it = shard.pipelines.find(batch.asset);
      Status s = it == shard.pipelines.end()
                     ? NotFound("no pipeline for asset '" + batch.asset + "' on this node")
                     : it->second->Process(batch, out);
      if (!s.ok()) {
        out.Clear();
        std::lock_guard lock(mu_);
        // Logged at the 1st, 2nd, 4th, 8th... refusal: a misconfigured source (e.g. a topic
        // capturing an undeclared asset) must be visible without flooding the log.
        if (const uint64_t n = ++batches_refused_; (n & (n - 1)) == 0) {
          spdlog::warn("edge {}: refused batch of {}/{} ({} refused so far): {}", config_.node_id,
                       batch.asset, batch.channel, n, s.message());
        }
        continue;
      }
      const size_t windows = out.windows.size();
      Persist(*it->second, out);
      if (windows > 0) RecordLatency(work->submitted, windows);
      std::lock_guard lock(mu_);
      stats_[batch.asset] = it->second->stats();
      ++batches_processed_;
    }
  }
}

void EdgeAgent::Persist(AssetPipeline& pipeline, PipelineOutput& out) {
  {
    std::lock_guard store_lock(store_mu_);
    if (Status s = store_.AppendQuarantine(out.quarantine); !s.ok()) RecordError(s);
    if (Status s = store_.AppendQualityEvents(out.quality_events); !s.ok()) RecordError(s);
    if (Status s = store_.AppendWindows(out.windows); !s.ok()) RecordError(s);
    for (PipelineOutput::AlertChange& change : out.alert_changes) {
      if (change.decision == AlertLogic::Decision::kOpen) {
        spdlog::info("edge {}: ALERT opened on {} at {} (score {:.1f}, driven by {}; diagnosis {})",
                     config_.node_id, change.alert.asset, FormatTimestamp(change.alert.opened),
                     change.alert.peak_score, change.alert.top_feature, change.alert.diagnosis);
        auto id = store_.InsertAlert(change.alert);
        if (id.ok()) {
          change.alert.id = *id;
          pipeline.SetOpenAlertId(*id);
        } else {
          RecordError(id.status());
        }
      } else if (change.decision == AlertLogic::Decision::kEscalate) {
        spdlog::info("edge {}: alert {} on {} escalated to {} (peak score {:.1f})", config_.node_id,
                     change.alert.id, change.alert.asset, change.alert.severity,
                     change.alert.peak_score);
        if (Status s = store_.UpdateAlert(change.alert); !s.ok()) RecordError(s);
      } else {
        spdlog::info("edge {}: alert on {} cleared at {}", config_.node_id, change.alert.asset,
                     FormatTimestamp(*change.alert.cleared));
        if (Status s = store_.UpdateAlert(change.alert); !s.ok()) RecordError(s);
      }
    }
  }
  if (config_.on_output) config_.on_output(pipeline, out);
  out.Clear();
}

Status EdgeAgent::Stop() {
  if (stopped_.exchange(true)) {
    std::lock_guard lock(mu_);
    return error_;
  }
  for (auto& shard : shards_) shard->queue.Close();
  for (auto& shard : shards_) {
    if (shard->thread.joinable()) shard->thread.join();
  }
  joined_ = true;
  // Alerts still open keep their latest peak score in the store.
  {
    std::lock_guard store_lock(store_mu_);
    for (const auto& [id, pipeline] : pipelines_) {
      if (const auto& open = pipeline->open_alert(); open && open->id != 0) {
        if (Status s = store_.UpdateAlert(*open); !s.ok()) RecordError(s);
      }
    }
  }
  std::lock_guard lock(mu_);
  return error_;
}

EdgeAgentSnapshot EdgeAgent::Snapshot() const {
  EdgeAgentSnapshot snap;
  snap.node_id = config_.node_id;
  for (const auto& shard : shards_) {
    snap.queue_backpressure_waits += shard->queue.BackpressureWaits();
    snap.queue_depth += shard->queue.Size();
  }
  std::vector<float> latencies;
  {
    std::lock_guard lock(mu_);
    snap.assets = stats_;
    snap.batches_processed = batches_processed_;
    snap.batches_refused = batches_refused_;
    snap.windows_decided = windows_decided_;
    snap.latency.late = late_windows_;
    snap.latency.count = latency_count_;
    snap.error = error_;
    latencies = latencies_ms_;
  }
  if (!latencies.empty()) {
    auto at = [&](double q) {
      const size_t k = std::min(latencies.size() - 1, static_cast<size_t>(q * latencies.size()));
      std::nth_element(latencies.begin(), latencies.begin() + k, latencies.end());
      return static_cast<double>(latencies[k]);
    };
    snap.latency.p50_ms = at(0.5);
    snap.latency.p99_ms = at(0.99);
    snap.latency.max_ms = *std::max_element(latencies.begin(), latencies.end());
  }
  return snap;
}

}  // namespace edgeloop::edge
