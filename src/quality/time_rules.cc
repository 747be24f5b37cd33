#include "quality/time_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace edgeloop::quality::internal {
namespace {

constexpr size_t kMaxSegments = 64;
constexpr size_t kMaxRecentTimes = 256;
constexpr int64_t kGridSlackNs = 1000;  // evenly spaced batches that join within 1 us continue

int64_t Nanos(double seconds) { return static_cast<int64_t>(std::llround(seconds * 1e9)); }

// Number of samples among the first `end` of an evenly spaced batch whose time is <= limit.
size_t CountAtOrBefore(const SampleBatch& b, Timestamp limit, size_t end) {
  if (end == 0 || b.TimeOf(0) > limit) return 0;
  const double est = std::floor(ToSeconds(limit - b.start) * b.sample_rate_hz) + 1;
  size_t e = static_cast<size_t>(std::clamp(est, 0.0, static_cast<double>(end)));
  while (e > 0 && b.TimeOf(e - 1) > limit) --e;
  while (e < end && b.TimeOf(e) <= limit) ++e;
  return e;
}

}  // namespace

void SkewTracker::Check(const SampleBatch& batch, const ClockSettings& s,
                        std::vector<uint8_t>& flags, EventSink& events) {
  if (!s.check_skew || !batch.received || batch.values.empty()) return;
  const int64_t tolerance = Nanos(s.skew_tolerance_s);
  const int64_t offset = ToNanos(*batch.received) - ToNanos(batch.End());
  const bool ahead = offset < -tolerance;
  const bool late = offset > tolerance;
  if (late) {
    late_.push_back(offset);
    late_starts_.push_back(batch.TimeOf(0));
    while (late_.size() > s.skew_batches) {
      late_.pop_front();
      late_starts_.pop_front();
    }
  } else {
    late_.clear();
    late_starts_.clear();
  }
  if (!active_ && (ahead || (late && late_.size() >= s.skew_batches))) {
    active_ = true;
    episode_start_ = ahead ? batch.TimeOf(0) : late_starts_.front();
    worst_offset_ns_ = offset;
    events.Emit(
        Rule::kClockSkew, episode_start_, batch.End(),
        fmt::format("source clock {} the receive time by {:.3f} s (tolerance {} s)",
                    ahead ? "ahead of" : "behind", std::abs(offset) / 1e9, s.skew_tolerance_s),
        /*ongoing=*/true);
  } else if (active_ && !ahead && !late) {
    active_ = false;
    events.Emit(Rule::kClockSkew, episode_start_, batch.TimeOf(0),
                fmt::format("source clock agrees with the receive time again; worst offset "
                            "{:+.3f} s (receive time - batch end)",
                            worst_offset_ns_ / 1e9));
  }
  if (active_ && (ahead || late)) {
    if (std::abs(offset) > std::abs(worst_offset_ns_)) worst_offset_ns_ = offset;
    for (size_t i = 0; i < batch.values.size(); ++i) Flag(flags, i, Rule::kClockSkew);
  }
}

bool TimeTracker::IsDuplicate(Timestamp t, double tolerance_ns) const {
  const auto tol = Duration(static_cast<int64_t>(tolerance_ns));
  auto it = std::lower_bound(recent_times_.begin(), recent_times_.end(), t - tol);
  if (it != recent_times_.end() && *it <= t + tol) return true;
  for (auto s = segments_.rbegin(); s != segments_.rend(); ++s) {
    if (t + tol < s->start) continue;
    const double idx = std::round(ToSeconds(t - s->start) * s->rate_hz);
    if (idx < 0 || idx >= static_cast<double>(s->count)) continue;
    const Timestamp grid = s->start + SampleOffset(static_cast<uint64_t>(idx), s->rate_hz);
    if (std::abs((grid - t).count()) <= tol.count()) return true;
  }
  return false;
}

void TimeTracker::AddRateSpan(Timestamp from, Timestamp to, uint64_t intervals, double nominal_hz,
                              const TimingSettings& s, EventSink& events) {
  if (!s.check_rate || intervals == 0 || to <= from) return;
  if (!rate_from_) rate_from_ = from;
  rate_span_s_ += ToSeconds(to - from);
  rate_intervals_ += intervals;
  if (rate_span_s_ < s.rate_window_s) return;
  const double measured = static_cast<double>(rate_intervals_) / rate_span_s_;
  const double deviation = measured / nominal_hz - 1;
  if (std::abs(deviation) > s.rate_tolerance) {
    events.Emit(Rule::kRateDeviation, *rate_from_, to,
                fmt::format("measured {:.6g} Hz over {:.1f} s, nominal {:.6g} Hz ({:+.2f} %)",
                            measured, rate_span_s_, nominal_hz, 100 * deviation));
  }
  rate_from_.reset();
  rate_span_s_ = 0;
  rate_intervals_ = 0;
}

void TimeTracker::Interval(Timestamp t, const SampleBatch& batch, const TimingSettings& s,
                           EventSink& events) {
  const double interval_s = 1.0 / batch.sample_rate_hz;
  const double d = ToSeconds(t - latest_);
  if (s.check_gaps && d > s.gap_factor * interval_s) {
    const auto missing = static_cast<uint64_t>(std::max(0.0, std::round(d / interval_s) - 1));
    missing_ += missing;
    events.Emit(Rule::kGap, latest_ + SampleOffset(1, batch.sample_rate_hz), t,
                fmt::format("{} sample(s) missing: {:.6f} s between two samples, nominal {:.6f} s",
                            missing, d, interval_s));
    return;  // a gap says nothing about the rate
  }
  AddRateSpan(latest_, t, 1, batch.sample_rate_hz, s, events);
}

void TimeTracker::Check(const SampleBatch& batch, const TimingSettings& t, const ClockSettings& c,
                        Timestamp now, std::vector<uint8_t>& flags, EventSink& events) {
  missing_ = 0;
  const size_t n = batch.values.size();
  if (n == 0) return;
  const double dup_tol_ns = t.duplicate_tolerance * 1e9 / batch.sample_rate_hz;
  const Timestamp future_limit = now + Duration(Nanos(c.future_tolerance_s));
  const auto classify = [&](size_t i, Timestamp ts) {
    if (t.check_order) {
      Flag(flags, i, IsDuplicate(ts, dup_tol_ns) ? Rule::kDuplicateTimestamp : Rule::kOutOfOrder);
    }
  };

  if (!batch.timestamps.empty()) {
    for (size_t i = 0; i < n; ++i) {
      const Timestamp ts = batch.timestamps[i];
      if (flags[i] == static_cast<uint8_t>(Rule::kClockSkew)) continue;
      if (c.check_future && ts > future_limit) {
        Flag(flags, i, Rule::kFutureTimestamp);
        continue;
      }
      if (started_ && ts <= latest_) {
        classify(i, ts);
        continue;
      }
      if (started_) Interval(ts, batch, t, events);
      started_ = true;
      latest_ = ts;
      recent_times_.push_back(ts);
      if (recent_times_.size() > kMaxRecentTimes) recent_times_.pop_front();
    }
    return;
  }

  // Evenly spaced batch: times rise with the index, so future samples form a suffix and
  // samples not later than the latest accepted one a prefix.
  if (flags[0] == static_cast<uint8_t>(Rule::kClockSkew)) return;  // skew flags whole batches
  size_t end = n;
  if (c.check_future) {
    end = CountAtOrBefore(batch, future_limit, n);
    for (size_t i = end; i < n; ++i) Flag(flags, i, Rule::kFutureTimestamp);
  }
  const size_t k = started_ ? CountAtOrBefore(batch, latest_, end) : 0;
  for (size_t i = 0; i < k; ++i) classify(i, batch.TimeOf(i));
  if (k >= end) return;

  const Timestamp first = batch.TimeOf(k);
  const Timestamp last = batch.TimeOf(end - 1);
  if (started_) Interval(first, batch, t, events);
  AddRateSpan(first, last, end - 1 - k, batch.sample_rate_hz, t, events);
  if (!segments_.empty()) {
    Segment& back = segments_.back();
    const Timestamp next = back.start + SampleOffset(back.count, back.rate_hz);
    if (back.rate_hz == batch.sample_rate_hz && std::abs((first - next).count()) <= kGridSlackNs) {
      back.count += end - k;
    } else {
      segments_.push_back({first, batch.sample_rate_hz, end - k});
    }
  } else {
    segments_.push_back({first, batch.sample_rate_hz, end - k});
  }
  if (segments_.size() > kMaxSegments) segments_.pop_front();
  started_ = true;
  latest_ = last;
}

}  // namespace edgeloop::quality::internal
