#include "common/clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace edgeloop {
namespace {

using std::chrono::seconds;

TEST(SimulatedClockTest, StartsWhereToldAndOnlyMovesWhenAdvanced) {
  const Timestamp start = FromNanos(1'000'000'000'000);
  SimulatedClock clock(start);
  EXPECT_EQ(clock.Now(), start);
  EXPECT_EQ(clock.Now(), start);
  clock.Advance(seconds(5));
  EXPECT_EQ(clock.Now(), start + seconds(5));
  clock.AdvanceTo(start + seconds(7));
  EXPECT_EQ(clock.Now(), start + seconds(7));
}

TEST(SimulatedClockTest, SleepUntilPastDeadlineReturnsAtOnce) {
  SimulatedClock clock(FromNanos(0));
  clock.Advance(seconds(10));
  clock.SleepUntil(FromNanos(0) + seconds(3));  // must not block
  SUCCEED();
}

TEST(SimulatedClockTest, SleeperWakesOnlyWhenTimeReachesDeadline) {
  SimulatedClock clock(FromNanos(0));
  std::atomic<bool> woke{false};
  const Timestamp deadline = clock.Now() + seconds(10);
  std::thread sleeper([&] {
    clock.SleepUntil(deadline);
    woke = true;
  });
  // Advance in steps; the sleeper cannot finish before the last step, whatever the scheduling,
  // because it can only observe times < 10 s until then.
  clock.Advance(seconds(4));
  clock.Advance(seconds(5));
  EXPECT_FALSE(woke.load());
  clock.Advance(seconds(1));
  sleeper.join();
  EXPECT_TRUE(woke.load());
  EXPECT_EQ(clock.Now(), FromNanos(0) + seconds(10));
}

TEST(SimulatedClockDeathTest, MovingBackwardsAborts) {
  SimulatedClock clock(FromNanos(100));
  EXPECT_DEATH(clock.AdvanceTo(FromNanos(50)), "backwards");
}

TEST(SystemClockTest, NowIsCloseToTheOperatingSystemClock) {
  SystemClock clock;
  const auto os_now = std::chrono::system_clock::now();
  EXPECT_LT(std::chrono::abs(clock.Now() - os_now), seconds(1));
}

TEST(FormatTimestampTest, IsoUtcWithMilliseconds) {
  // 2026-01-05T06:00:01.250Z
  const Timestamp t = FromNanos(1767592801'250'000'000);
  EXPECT_EQ(FormatTimestamp(t), "2026-01-05T06:00:01.250Z");
}

}  // namespace
}  // namespace edgeloop
