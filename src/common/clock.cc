#include "common/clock.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <thread>

namespace edgeloop {

std::string FormatTimestamp(Timestamp t) {
  const int64_t ns = ToNanos(t);
  int64_t secs = ns / 1'000'000'000;
  int64_t rem = ns % 1'000'000'000;
  if (rem < 0) {
    rem += 1'000'000'000;
    secs -= 1;
  }
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(rem / 1'000'000));
  return buf;
}

Timestamp SystemClock::Now() const {
  return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
}

void SystemClock::SleepUntil(Timestamp deadline) { std::this_thread::sleep_until(deadline); }

Timestamp SimulatedClock::Now() const {
  std::lock_guard lock(mu_);
  return now_;
}

void SimulatedClock::SleepUntil(Timestamp deadline) {
  std::unique_lock lock(mu_);
  advanced_.wait(lock, [&] { return now_ >= deadline; });
}

void SimulatedClock::Advance(Duration d) {
  if (d < Duration::zero()) {
    std::fprintf(stderr, "edgeloop: fatal: SimulatedClock::Advance with negative duration\n");
    std::abort();
  }
  {
    std::lock_guard lock(mu_);
    now_ += d;
  }
  advanced_.notify_all();
}

void SimulatedClock::AdvanceTo(Timestamp t) {
  {
    std::lock_guard lock(mu_);
    if (t < now_) {
      std::fprintf(stderr, "edgeloop: fatal: SimulatedClock::AdvanceTo moves time backwards\n");
      std::abort();
    }
    now_ = t;
  }
  advanced_.notify_all();
}

}  // namespace edgeloop
