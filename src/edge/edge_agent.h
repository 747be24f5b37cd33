// EdgeAgent: the software of one gateway, run in-process.
//
// It owns one AssetPipeline per asset it serves, its local EdgeStore and a worker thread. Sample
// batches arrive through Submit(), which blocks when the bounded input queue is full: a slow
// gateway pushes back on its source instead of growing without limit (waits are counted).
// The worker runs each batch through its asset's pipeline and persists the results.
// Submit, Stop and Snapshot may be called from any thread; Start and Stop from one owner thread.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
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
  std::string store_path;
  size_t queue_capacity = 64;  // batches of samples waiting for the worker
  // The clock the quality gates compare sample times with (not owned; must outlive the agent).
  // nullptr: the system clock. A simulated plant passes its plant clock.
  const Clock* clock = nullptr;
};

struct EdgeAgentSnapshot {
  std::string node_id;
  std::map<std::string, AssetStats> assets;  // by asset id
  uint64_t batches_processed = 0;
  uint64_t batches_refused = 0;  // unknown asset or unusable batch, with a logged reason
  uint64_t queue_backpressure_waits = 0;
  size_t queue_depth = 0;
  Status error;  // first storage error, if any
};

class EdgeAgent {
 public:
  static Result<std::unique_ptr<EdgeAgent>> Create(EdgeAgentConfig config);
  ~EdgeAgent();

  void Start();
  // Queues a group of batches; blocks while the queue is full. False after Stop().
  bool Submit(std::vector<SampleBatch> batches);
  // Drains the queue, stops the worker, stores final alert states. Returns the first error the
  // worker met (it keeps running through errors so that one bad write loses nothing else).
  Status Stop();

  EdgeAgentSnapshot Snapshot() const;
  const EdgeAgentConfig& config() const { return config_; }

 private:
  EdgeAgent(EdgeAgentConfig config, store::EdgeStore store,
            std::map<std::string, std::unique_ptr<AssetPipeline>> pipelines);
  void Run();
  void Persist(AssetPipeline& pipeline, PipelineOutput& out);
  void RecordError(const Status& s);

  const EdgeAgentConfig config_;
  store::EdgeStore store_;  // worker thread only (and Stop, after the join)
  std::map<std::string, std::unique_ptr<AssetPipeline>> pipelines_;
  BoundedQueue<std::vector<SampleBatch>> queue_;
  std::thread worker_;
  bool stopped_ = false;

  mutable std::mutex mu_;  // guards the fields below, written by the worker, read by Snapshot
  std::map<std::string, AssetStats> stats_;
  uint64_t batches_processed_ = 0;
  uint64_t batches_refused_ = 0;
  Status error_;
};

}  // namespace edgeloop::edge
