// EdgeAgent: the processing core of one gateway.
//
// It owns one AssetPipeline per asset it serves, its local EdgeStore and `workers` worker
// threads. Assets are split into shards, one per worker, by a stable hash of the asset id, so an
// asset's batches are always processed in order by the same thread and pipelines need no locks.
// Sample batches arrive through Submit(), which routes them to their shard's bounded queue and
// blocks while that queue is full: a slow gateway pushes back on its source instead of growing
// without limit (waits are counted). Each worker runs its batches through the asset's pipeline,
// persists the results (the store is shared and guarded by a mutex) and hands them to the
// optional `on_output` observer (the daemon's uplink batcher, drift monitors, MQTT alerts).
// Submit, Stop and Snapshot may be called from any thread; Start and Stop from one owner thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/asset.h"
#include "common/bounded_queue.h"
#include "common/clock.h"
#include "common/sample.h"
#include "common/status.h"
#include "edge/asset_pipeline.h"
#include "store/edge_store.h"

namespace edgeloop::edge {

struct EdgeAgentConfig {
  std::string node_id;
  std::vector<Asset> assets;
  PipelineConfig pipeline;
  // Per-asset settings that replace `pipeline` for that asset (e.g. an asset group's models).
  std::map<std::string, PipelineConfig> asset_pipelines;
  std::string store_path;
  size_t queue_capacity = 64;  // groups of batches waiting, per worker
  int workers = 1;             // worker threads; assets are sharded across them
  // The clock the quality gates compare sample times with (not owned; must outlive the agent).
  // nullptr: the system clock. A simulated plant passes its plant clock.
  const Clock* clock = nullptr;
  // Called on a worker thread after a batch's results were stored, before they are discarded;
  // must be thread-safe when workers > 1.
  std::function<void(AssetPipeline& pipeline, const PipelineOutput& out)> on_output;
};

// Latency from Submit() of a batch to the end of its processing, for batches that closed at
// least one window: the time a sample waits before its window is scored (and an alert decided).
struct LatencySummary {
  uint64_t count = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  uint64_t late =
      0;  // windows decided later than one window length after their last sample arrived
};

struct EdgeAgentSnapshot {
  std::string node_id;
  std::map<std::string, AssetStats> assets;  // by asset id
  uint64_t batches_processed = 0;
  uint64_t batches_refused = 0;  // unknown asset or unusable batch, with a logged reason
  uint64_t queue_backpressure_waits = 0;
  size_t queue_depth = 0;  // summed over the workers' queues
  uint64_t windows_decided = 0;
  LatencySummary latency;
  Status error;  // first storage error, if any
};

class EdgeAgent {
 public:
  static Result<std::unique_ptr<EdgeAgent>> Create(EdgeAgentConfig config);
  ~EdgeAgent();

  void Start();
  // Queues a group of batches; blocks while a target queue is full. False after Stop().
  bool Submit(std::vector<SampleBatch> batches);
  // Applies `fn` to every pipeline on its own worker thread (between batches) and waits for it:
  // the safe way to reconfigure a pipeline (e.g. swap its models) while the agent runs.
  // After Stop() it runs `fn` on the caller's thread. False if Stop() is still joining.
  bool ForEachPipeline(const std::function<void(AssetPipeline&)>& fn);
  // Drains the queue, stops the worker, stores final alert states. Returns the first error the
  // worker met (it keeps running through errors so that one bad write loses nothing else).
  Status Stop();

  EdgeAgentSnapshot Snapshot() const;
  const EdgeAgentConfig& config() const { return config_; }
  // The feature names `asset_id`'s pipeline produces (immutable, so any thread may read them);
  // nullptr for an unknown asset.
  const std::vector<std::string>* FeatureNames(std::string_view asset_id) const;
  // Which worker serves `asset_id` (stable for a given worker count).
  size_t ShardOf(std::string_view asset_id) const;

  // The local store, under its lock (for the daemon's retention and queries).
  template <typename Fn>
  auto WithStore(Fn&& fn) {
    std::lock_guard lock(store_mu_);
    return fn(store_);
  }

 private:
  struct Work {
    std::vector<SampleBatch> batches;
    std::chrono::steady_clock::time_point submitted;
    std::function<void(AssetPipeline&)> task;  // set for ForEachPipeline work
    std::shared_ptr<std::atomic<int>> pending;
  };
  struct Shard {
    explicit Shard(size_t capacity) : queue(capacity) {}
    BoundedQueue<Work> queue;
    std::map<std::string, AssetPipeline*> pipelines;
    std::thread thread;
  };

  EdgeAgent(EdgeAgentConfig config, store::EdgeStore store,
            std::map<std::string, std::unique_ptr<AssetPipeline>> pipelines);
  void Run(Shard& shard);
  void Persist(AssetPipeline& pipeline, PipelineOutput& out);
  void RecordError(const Status& s);
  void RecordLatency(std::chrono::steady_clock::time_point submitted, size_t windows);

  const EdgeAgentConfig config_;
  std::mutex store_mu_;
  store::EdgeStore store_;  // guarded by store_mu_
  std::map<std::string, std::unique_ptr<AssetPipeline>> pipelines_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<bool> stopped_{false};
  std::atomic<bool> joined_{false};  // Stop() has joined the workers
  std::mutex done_mu_;               // ForEachPipeline waits on done_cv_ until its tasks ran
  std::condition_variable done_cv_;

  mutable std::mutex mu_;  // guards the fields below, written by workers, read by Snapshot
  std::map<std::string, AssetStats> stats_;
  uint64_t batches_processed_ = 0;
  uint64_t batches_refused_ = 0;
  uint64_t windows_decided_ = 0;
  uint64_t late_windows_ = 0;
  std::vector<float> latencies_ms_;  // ring of the latest kLatencySamples latencies
  size_t latency_next_ = 0;
  uint64_t latency_count_ = 0;
  Status error_;
};

}  // namespace edgeloop::edge
