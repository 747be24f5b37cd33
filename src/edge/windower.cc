#include "edge/windower.h"

#include <algorithm>
#include <cmath>

namespace edgeloop::edge {

Windower::Windower(size_t window_size) : window_size_(window_size) {
  buffer_.reserve(window_size_);
}

void Windower::Restart(const SampleBatch& batch) {
  if (!buffer_.empty()) ++partial_discarded_;
  buffer_.clear();
  flagged_in_buffer_ = 0;
  rate_hz_ = batch.sample_rate_hz;
  origin_ = batch.TimeOf(0);
  window_first_index_ = 0;
}

void Windower::Append(const SampleBatch& batch, std::span<const quality::QuarantineRun> runs,
                      const std::function<void(const Window&)>& on_window) {
  if (batch.values.empty() || !(batch.sample_rate_hz > 0)) return;
  // Joins the stream if it starts within half a sample of where the last batch ended.
  const Duration half_sample = SampleOffset(1, batch.sample_rate_hz) / 2;
  const bool joins = expected_next_ && batch.sample_rate_hz == rate_hz_ &&
                     std::chrono::abs(batch.TimeOf(0) - *expected_next_) <= half_sample;
  if (!joins) Restart(batch);

  size_t run_index = 0;
  size_t i = 0;
  while (i < batch.values.size()) {
    const size_t take = std::min(window_size_ - buffer_.size(), batch.values.size() - i);
    buffer_.insert(buffer_.end(), batch.values.begin() + i, batch.values.begin() + i + take);
    // Count the flagged samples that fall into [i, i + take).
    for (; run_index < runs.size(); ++run_index) {
      const auto& run = runs[run_index];
      const size_t lo = std::max(run.first, i);
      const size_t hi = std::min(run.first + run.count, i + take);
      if (hi > lo) flagged_in_buffer_ += hi - lo;
      if (run.first + run.count > i + take) break;  // continues into the next window
    }
    i += take;
    if (buffer_.size() == window_size_) {
      Window w;
      w.start = origin_ + SampleOffset(window_first_index_, rate_hz_);
      w.end = origin_ + SampleOffset(window_first_index_ + window_size_, rate_hz_);
      w.sample_rate_hz = rate_hz_;
      w.values = buffer_;
      w.flagged_samples = flagged_in_buffer_;
      on_window(w);
      ++windows_emitted_;
      buffer_.clear();
      flagged_in_buffer_ = 0;
      window_first_index_ += window_size_;
    }
  }
  expected_next_ = batch.End();
}

}  // namespace edgeloop::edge
