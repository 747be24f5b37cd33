// Clock: the one way Edgeloop components read time or wait.
//
// Every time-dependent component takes a Clock& so tests and the demo can run on simulated time.
// Timestamps are nanoseconds since the Unix epoch (UTC), the unit stored everywhere.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

namespace edgeloop {

using Duration = std::chrono::nanoseconds;
using Timestamp = std::chrono::sys_time<std::chrono::nanoseconds>;

inline int64_t ToNanos(Timestamp t) { return t.time_since_epoch().count(); }
inline Timestamp FromNanos(int64_t ns) { return Timestamp(Duration(ns)); }
// Unix milliseconds (the hub's time unit), truncated.
inline int64_t ToUnixMillis(Timestamp t) { return ToNanos(t) / 1'000'000; }
inline double ToSeconds(Duration d) { return std::chrono::duration<double>(d).count(); }
inline Duration FromSeconds(double s) {
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
}

// "2026-01-05T06:00:01.250Z" (millisecond precision, UTC).
std::string FormatTimestamp(Timestamp t);

// Abstract clock. Implementations are thread-safe: any thread may call any method.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
  // Blocks the calling thread until Now() >= deadline.
  virtual void SleepUntil(Timestamp deadline) = 0;
  void SleepFor(Duration d) { SleepUntil(Now() + d); }
};

// Wall-clock time from the operating system.
class SystemClock final : public Clock {
 public:
  Timestamp Now() const override;
  void SleepUntil(Timestamp deadline) override;
};

// Simulated time that only moves when told to. SleepUntil blocks until another thread advances
// the clock past the deadline, so components behave exactly as on real time, only faster and
// deterministically. Thread-safe.
class SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(Timestamp start) : now_(start) {}

  Timestamp Now() const override;
  void SleepUntil(Timestamp deadline) override;

  // Moves time forward by `d` (must be >= 0) and wakes sleepers whose deadline has passed.
  void Advance(Duration d);
  // Moves time forward to `t`; a `t` in the past is a broken invariant and aborts.
  void AdvanceTo(Timestamp t);

 private:
  mutable std::mutex mu_;
  std::condition_variable advanced_;
  Timestamp now_;
};

}  // namespace edgeloop
