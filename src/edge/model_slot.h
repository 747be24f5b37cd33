// ModelSlot: the model currently deployed in one role (production or shadow) of an asset group,
// swappable from any thread while pipelines score with it.
//
// Pipelines do not hold the slot's lock while scoring: at each window they compare the slot's
// generation (one atomic load) with the one their Scorer was built from, and only when it
// changed take the lock to copy the new shared_ptr and build a new Scorer. The old Scorer keeps
// the old model alive and scores until the new one is ready, so a swap never leaves a window
// unscored and never blocks a pipeline for longer than a shared_ptr copy.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "common/status.h"
#include "edge/edge_model.h"

namespace edgeloop::edge {

class ModelSlot {
 public:
  enum class Role { kProduction, kShadow };

  struct Snapshot {
    std::shared_ptr<const EdgeModel> model;  // null: the slot is empty (shadow only)
    uint64_t generation = 0;
  };

  explicit ModelSlot(Role role, std::shared_ptr<const EdgeModel> model = nullptr)
      : role_(role), model_(std::move(model)) {}

  // Installs `model` (null empties a shadow slot; a production slot cannot be emptied, since
  // its pipelines would have nothing to score with). Safe from any thread.
  Status Swap(std::shared_ptr<const EdgeModel> model);

  Snapshot Get() const;
  // Bumped by every Swap; cheap enough to read once per window.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  Role role() const { return role_; }

 private:
  const Role role_;
  mutable std::mutex mu_;
  std::shared_ptr<const EdgeModel> model_;  // guarded by mu_
  std::atomic<uint64_t> generation_{1};     // written under mu_, read without it
};

// What the configuration gives an asset group: a production model and, optionally, a shadow
// candidate scored on the same windows for comparison but never alerting. Shared by every
// pipeline of the group (std::shared_ptr<ModelSlots>).
struct ModelSlots {
  explicit ModelSlots(std::shared_ptr<const EdgeModel> production_model,
                      std::shared_ptr<const EdgeModel> shadow_model = nullptr)
      : production(ModelSlot::Role::kProduction, std::move(production_model)),
        shadow(ModelSlot::Role::kShadow, std::move(shadow_model)) {}

  ModelSlot production;
  ModelSlot shadow;
};

}  // namespace edgeloop::edge
