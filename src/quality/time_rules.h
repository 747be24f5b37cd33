// Time rules of the quality gate: clock skew, future timestamps, out-of-order and duplicate
// timestamps, gaps and sampling-rate deviation. Internal to the quality library; QualityGate owns
// one SkewTracker and one TimeTracker per channel and calls them from its own thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "common/sample.h"
#include "quality/quality_config.h"
#include "quality/quality_event.h"

namespace edgeloop::quality::internal {

// Clock skew, judged per batch from offset = received - batch.End() (only batches with a receive
// time). A negative offset beyond the tolerance is impossible for a correct clock (data received
// before it was measured) and starts an episode at once; a positive one may be a delivery delay,
// so only `skew_batches` late batches in a row start one. While an episode lasts, every batch
// whose offset is beyond the tolerance is flagged as a whole; the first batch within tolerance
// ends it. Events: one when an episode begins (ongoing) and one when it ends.
class SkewTracker {
 public:
  void Check(const SampleBatch& batch, const ClockSettings& s, std::vector<uint8_t>& flags,
             EventSink& events);
  bool active() const { return active_; }

 private:
  std::deque<int64_t> late_;  // offsets (ns) of the most recent consecutive late batches
  std::deque<Timestamp> late_starts_;
  bool active_ = false;
  Timestamp episode_start_;
  int64_t worst_offset_ns_ = 0;
};

// Order, duplicates, gaps, rate and future times of one channel's sample times.
//  - future_timestamp: later than now + future_tolerance (now = received, else the gate's clock).
//  - duplicate_timestamp: a time (within duplicate_tolerance x the nominal interval) the channel
//    has already delivered: on the grid of a recent evenly spaced batch, or one of the recent
//    explicit timestamps.
//  - out_of_order: not later than the channel's latest accepted sample, and not a duplicate.
//  - gap (event): two consecutive accepted samples further apart than gap_factor intervals.
//  - rate_deviation (event): over rate_window_s of stream time, the mean of the intervals that
//    are neither gaps nor backwards differs from the nominal interval by more than the tolerance.
//    Evenly spaced batches carry no times of their own, so for them a rate error shows only
//    at batch boundaries (as here, or as gaps and overlaps).
// Samples flagged by clock_skew or future_timestamp do not enter the channel's timeline (else one
// bad batch would make every later good one look out of order); all others do, also NaN ones.
class TimeTracker {
 public:
  void Check(const SampleBatch& batch, const TimingSettings& t, const ClockSettings& c,
             Timestamp now, std::vector<uint8_t>& flags, EventSink& events);

  // Samples the gaps of the last Check call left out (for the quality score).
  uint64_t missing_in_last_check() const { return missing_; }

 private:
  struct Segment {  // an evenly spaced run of accepted samples
    Timestamp start;
    double rate_hz = 0;
    uint64_t count = 0;
  };
  bool IsDuplicate(Timestamp t, double tolerance_ns) const;
  // Accounts for the interval from the latest accepted sample to `t` (gap or rate sample).
  void Interval(Timestamp t, const SampleBatch& batch, const TimingSettings& s, EventSink& events);
  void AddRateSpan(Timestamp from, Timestamp to, uint64_t intervals, double nominal_hz,
                   const TimingSettings& s, EventSink& events);

  bool started_ = false;
  Timestamp latest_;  // latest accepted sample time
  std::deque<Segment> segments_;
  std::deque<Timestamp> recent_times_;  // explicit timestamps, ascending
  uint64_t missing_ = 0;
  // Rate measurement over the current window.
  std::optional<Timestamp> rate_from_;
  double rate_span_s_ = 0;
  uint64_t rate_intervals_ = 0;
};

}  // namespace edgeloop::quality::internal
