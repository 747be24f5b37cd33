#include "edge/model_slot.h"

#include <utility>

namespace edgeloop::edge {

Status ModelSlot::Swap(std::shared_ptr<const EdgeModel> model) {
  if (!model && role_ == Role::kProduction) {
    return InvalidArgument("the production model slot cannot be emptied");
  }
  std::shared_ptr<const EdgeModel> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    old = std::exchange(model_, std::move(model));
    // Published after the pointer: a reader that sees the new generation finds the new model.
    generation_.fetch_add(1, std::memory_order_release);
  }
  // `old` is released here, outside the lock: the last reference may free a large model.
  return Status::Ok();
}

ModelSlot::Snapshot ModelSlot::Get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {model_, generation_.load(std::memory_order_relaxed)};
}

}  // namespace edgeloop::edge
