// Windower: cuts one channel's sample stream into fixed-size windows for feature extraction.
//
// Windows are consecutive runs of `window_size` samples; a window remembers how many of its
// samples the quality gate flagged, so the caller can refuse to score it. If a batch does not
// join the previous one (a gap, an overlap or a rate change), the partial window is discarded
// and counted: a window that spans a gap would give meaningless spectra.
// Owned and called by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "common/sample.h"
#include "quality/quality_gate.h"

namespace edgeloop::edge {

struct Window {
  Timestamp start;
  Timestamp end;  // one sample interval past the last sample
  double sample_rate_hz = 0;
  std::span<const float> values;
  size_t flagged_samples = 0;  // samples the quality gate quarantined
};

class Windower {
 public:
  explicit Windower(size_t window_size);

  // Adds `batch` (whose flagged samples are `runs`, in sample order) and calls `on_window` for
  // every window it completes, in time order. The span in Window is valid during the call only.
  void Append(const SampleBatch& batch, std::span<const quality::QuarantineRun> runs,
              const std::function<void(const Window&)>& on_window);

  size_t window_size() const { return window_size_; }
  uint64_t windows_emitted() const { return windows_emitted_; }
  uint64_t partial_windows_discarded() const { return partial_discarded_; }

 private:
  // Drops any partial window and starts the stream anew at `batch`.
  void Restart(const SampleBatch& batch);

  size_t window_size_;
  std::vector<float> buffer_;
  size_t flagged_in_buffer_ = 0;
  // Stream position: the time of the first sample after the last restart, and the index (from
  // there) of the current window's first sample. Times derive from indices, so they never drift.
  Timestamp origin_;
  uint64_t window_first_index_ = 0;
  double rate_hz_ = 0;
  std::optional<Timestamp> expected_next_;  // time the next batch must start at to join
  uint64_t windows_emitted_ = 0;
  uint64_t partial_discarded_ = 0;
};

}  // namespace edgeloop::edge
