#include "drift/page_hinkley.h"

#include <gtest/gtest.h>

#include <random>

namespace edgeloop::drift {
namespace {

TEST(PageHinkleyTest, HandComputedAbsoluteMode) {
  // δ = 0, λ = 9, no warm-up. Values 0,0,0,0,10,10: after the 5th the mean is 2 and up = 8
  // (< 9); after the 6th the mean is 10/3·2 = 3.33 and up = 8 + 6.67 = 14.67 > 9: alarm.
  auto ph = PageHinkley::Create({.delta = 0, .lambda = 9, .min_samples = 0, .relative = false});
  ASSERT_TRUE(ph.ok());
  for (int i = 0; i < 4; ++i) EXPECT_EQ(ph->Update(0), PhAlarm::kNone);
  EXPECT_EQ(ph->Update(10), PhAlarm::kNone);
  EXPECT_NEAR(ph->IncreaseStatistic(), 8.0, 1e-12);
  EXPECT_EQ(ph->Update(10), PhAlarm::kIncrease);
  EXPECT_NEAR(ph->last_alarm_statistic(), 8.0 + 10 - 20.0 / 6, 1e-12);
  EXPECT_EQ(ph->samples_since_reset(), 0);  // reset after the alarm
  EXPECT_EQ(ph->IncreaseStatistic(), 0);
}

TEST(PageHinkleyTest, NonFiniteValuesAreIgnored) {
  auto ph = PageHinkley::Create({.delta = 0, .lambda = 1, .min_samples = 0, .relative = false});
  ASSERT_TRUE(ph.ok());
  EXPECT_EQ(ph->Update(std::numeric_limits<double>::quiet_NaN()), PhAlarm::kNone);
  EXPECT_EQ(ph->samples_since_reset(), 0);
}

// N(0, 1) for `before` values, then N(shift, 1); returns the index of the first alarm after the
// shift (−1 when none) and counts alarms before it.
struct ShiftRun {
  int64_t first_alarm = -1;
  PhAlarm direction = PhAlarm::kNone;
  int alarms_before_shift = 0;
  int alarms_after_first = 0;
};
ShiftRun MeanShift(uint64_t seed, int before, int after, double shift) {
  auto ph = PageHinkley::Create({});
  EXPECT_TRUE(ph.ok());
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(10.0, 3.0);  // arbitrary scale: relative mode
  ShiftRun run;
  for (int i = 0; i < before + after; ++i) {
    double x = noise(rng) + (i >= before ? shift * 3.0 : 0.0);
    PhAlarm a = ph->Update(x);
    if (a == PhAlarm::kNone) continue;
    if (i < before) {
      ++run.alarms_before_shift;
    } else if (run.first_alarm < 0) {
      run.first_alarm = i - before;
      run.direction = a;
    } else {
      ++run.alarms_after_first;
    }
  }
  return run;
}

TEST(PageHinkleyTest, StationaryStreamDoesNotAlarm) {
  ShiftRun run = MeanShift(/*seed=*/7, 50000, 0, 0.0);
  EXPECT_EQ(run.alarms_before_shift, 0);
}

TEST(PageHinkleyTest, DetectsOneSigmaShiftUpWithinBoundedDelayAndOnlyOnce) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    ShiftRun run = MeanShift(seed, 500, 5000, 1.0);
    EXPECT_EQ(run.alarms_before_shift, 0) << seed;
    EXPECT_EQ(run.direction, PhAlarm::kIncrease) << seed;
    EXPECT_GE(run.first_alarm, 10) << seed;  // it needs evidence, not one value
    EXPECT_LE(run.first_alarm, 150) << seed;
    // After the reset the new level is the normal one: no alarm storm.
    EXPECT_EQ(run.alarms_after_first, 0) << seed;
  }
}

TEST(PageHinkleyTest, DetectsShiftDown) {
  ShiftRun run = MeanShift(11, 500, 500, -1.0);
  EXPECT_EQ(run.direction, PhAlarm::kDecrease);
  EXPECT_GE(run.first_alarm, 10);
  EXPECT_LE(run.first_alarm, 150);
}

TEST(PageHinkleyTest, ForgettingBoundsOldEvidence) {
  // A step 0 → 2: each value after it adds at most 2 of evidence. With α = 0.5 the sum is capped
  // at 2/(1 − α) = 4 < λ = 5, so it never alarms; the classic test (α = 1) does.
  auto count_alarms = [](double alpha) {
    auto ph = PageHinkley::Create(
        {.delta = 0, .lambda = 5, .alpha = alpha, .min_samples = 0, .relative = false});
    EXPECT_TRUE(ph.ok());
    int alarms = 0;
    for (int i = 0; i < 1000; ++i) alarms += ph->Update(i < 500 ? 0.0 : 2.0) != PhAlarm::kNone;
    return alarms;
  };
  EXPECT_EQ(count_alarms(0.5), 0);
  EXPECT_GT(count_alarms(1.0), 0);
}

TEST(PageHinkleyTest, RejectsBadOptions) {
  EXPECT_FALSE(PageHinkley::Create({.delta = -1}).ok());
  EXPECT_FALSE(PageHinkley::Create({.lambda = 0}).ok());
  EXPECT_FALSE(PageHinkley::Create({.alpha = 0}).ok());
  EXPECT_FALSE(PageHinkley::Create({.alpha = 1.5}).ok());
  EXPECT_FALSE(PageHinkley::Create({.min_samples = 1}).ok());
}

}  // namespace
}  // namespace edgeloop::drift
