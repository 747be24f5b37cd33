// BoundedQueue<T>: a multi-producer, multi-consumer FIFO with a fixed capacity.
//
// Push blocks while the queue is full (explicit backpressure) and counts how often a producer had
// to wait, so slow consumers are visible instead of silently growing memory. Close() wakes
// everybody: pushes then fail, pops drain what is left and then return nullopt.
// Thread-safe: any thread may call any method.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

namespace edgeloop {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // Returns false if the queue was closed (the item is not enqueued).
  bool Push(T item) {
    std::unique_lock lock(mu_);
    if (items_.size() >= capacity_ && !closed_) {
      ++backpressure_waits_;
      not_full_.wait(lock, [&] { return items_.size() < capacity_ || closed_; });
    }
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }

  // Blocks until an item is there or the queue is closed and drained.
  std::optional<T> Pop() {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return !items_.empty() || closed_; });
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }

  void Close() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    not_empty_.notify_all();
    not_full_.notify_all();
  }

  size_t Size() const {
    std::lock_guard lock(mu_);
    return items_.size();
  }
  size_t capacity() const { return capacity_; }
  // How many pushes found the queue full and had to wait.
  uint64_t BackpressureWaits() const {
    std::lock_guard lock(mu_);
    return backpressure_waits_;
  }

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<T> items_;
  bool closed_ = false;
  uint64_t backpressure_waits_ = 0;
};

}  // namespace edgeloop
