#include "edge/alert_logic.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

namespace edgeloop::edge {
namespace {

using D = AlertLogic::Decision;
using ::testing::HasSubstr;

AlertPolicy Policy(int raise_windows, int clear_windows, int cooldown = 0, double critical = 12.0) {
  AlertPolicy p;
  p.raise_score = 6;
  p.clear_score = 3;
  p.raise_windows = raise_windows;
  p.clear_windows = clear_windows;
  p.cooldown_windows = cooldown;
  p.critical_score = critical;
  return p;
}

TEST(AlertLogicTest, OpensOnlyAfterMinimumDurationOfHighScores) {
  AlertLogic logic({6, 3, 3, 2});
  EXPECT_EQ(logic.Update(10), D::kNone);
  EXPECT_EQ(logic.Update(10), D::kNone);
  EXPECT_EQ(logic.Update(1), D::kNone);  // streak broken
  EXPECT_EQ(logic.Update(7), D::kNone);
  EXPECT_EQ(logic.Update(7), D::kNone);
  EXPECT_EQ(logic.Update(6), D::kOpen);
  EXPECT_TRUE(logic.active());
  EXPECT_EQ(logic.peak_score(), 7) << "the peak covers the minimum-duration run";
}

TEST(AlertLogicTest, HysteresisKeepsAlertOpenBetweenThresholds) {
  AlertLogic logic({6, 3, 1, 2});
  EXPECT_EQ(logic.Update(8), D::kOpen);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(logic.Update(4.5), D::kNone) << "between 3 and 6";
  EXPECT_EQ(logic.Update(2), D::kNone);
  EXPECT_EQ(logic.Update(7), D::kNone);  // resets the clear streak
  EXPECT_EQ(logic.Update(2), D::kNone);
  EXPECT_EQ(logic.Update(2), D::kClear);
  EXPECT_FALSE(logic.active());
  EXPECT_EQ(logic.Update(8), D::kOpen) << "without cooldown a new alert can open at once";
}

TEST(AlertLogicTest, CooldownSuppressesAndCountsOpeningsAfterAClear) {
  AlertLogic logic(Policy(/*raise_windows=*/2, /*clear_windows=*/1, /*cooldown=*/5));
  EXPECT_EQ(logic.Update(8), D::kNone);
  EXPECT_EQ(logic.Update(8), D::kOpen);
  EXPECT_EQ(logic.Update(1), D::kClear);
  EXPECT_EQ(logic.cooldown_remaining(), 5);
  // A two-window burst inside the cooldown would open an alert: suppressed, counted once.
  EXPECT_EQ(logic.Update(8), D::kNone);
  EXPECT_EQ(logic.Update(8), D::kNone);
  EXPECT_EQ(logic.Update(8), D::kNone);
  EXPECT_EQ(logic.suppressed_openings(), 1);
  EXPECT_EQ(logic.Update(1), D::kNone);  // run ends
  EXPECT_EQ(logic.Update(8), D::kNone);  // last cooldown window; a new run starts
  EXPECT_EQ(logic.cooldown_remaining(), 0);
  EXPECT_EQ(logic.suppressed_openings(), 1) << "a one-window run is not an opening";
  EXPECT_EQ(logic.Update(8), D::kOpen) << "the run that outlasts the cooldown opens";
  EXPECT_TRUE(logic.active());
}

TEST(AlertLogicTest, HighScoresThroughTheWholeCooldownOpenRightAfterIt) {
  AlertLogic logic(Policy(1, 1, /*cooldown=*/3));
  EXPECT_EQ(logic.Update(8), D::kOpen);
  EXPECT_EQ(logic.Update(1), D::kClear);
  EXPECT_EQ(logic.Update(9), D::kNone);
  EXPECT_EQ(logic.Update(9), D::kNone);
  EXPECT_EQ(logic.Update(9), D::kNone);
  EXPECT_EQ(logic.suppressed_openings(), 1);
  EXPECT_EQ(logic.Update(9), D::kOpen);
}

TEST(AlertLogicTest, SeverityFollowsPeakAndEscalatesOnceWhileOpen) {
  AlertLogic logic(Policy(2, 2, 0, /*critical=*/12));
  EXPECT_EQ(logic.Update(7), D::kNone);
  EXPECT_EQ(logic.Update(8), D::kOpen);
  EXPECT_EQ(logic.severity(), Severity::kWarning);
  EXPECT_EQ(logic.Update(11.9), D::kNone);
  EXPECT_EQ(logic.Update(12), D::kEscalate);
  EXPECT_EQ(logic.severity(), Severity::kCritical);
  EXPECT_EQ(logic.Update(20), D::kNone) << "escalation is reported once";
  EXPECT_EQ(logic.Update(5), D::kNone);
  EXPECT_EQ(logic.severity(), Severity::kCritical) << "severity never goes down while open";
  EXPECT_EQ(logic.peak_score(), 20);
  EXPECT_EQ(logic.Update(1), D::kNone);
  EXPECT_EQ(logic.Update(1), D::kClear);
  EXPECT_EQ(SeverityName(logic.severity()), "critical");
  // The next alert starts from its own peak again.
  EXPECT_EQ(logic.Update(7), D::kNone);
  EXPECT_EQ(logic.Update(7), D::kOpen);
  EXPECT_EQ(logic.severity(), Severity::kWarning);
}

TEST(AlertLogicTest, OpensCriticalWhenTheMinimumDurationRunPeaksAboveCritical) {
  AlertLogic logic(Policy(3, 2, 0, 12));
  EXPECT_EQ(logic.Update(15), D::kNone);
  EXPECT_EQ(logic.Update(7), D::kNone);
  EXPECT_EQ(logic.Update(7), D::kOpen);
  EXPECT_EQ(logic.severity(), Severity::kCritical);
  EXPECT_EQ(logic.peak_score(), 15);
  EXPECT_EQ(logic.Update(20), D::kNone) << "already critical: nothing to escalate";
}

TEST(AlertPolicyTest, ValidateChecksEveryFieldWithItsName) {
  EXPECT_TRUE(Validate(AlertPolicy{}).ok());
  EXPECT_EQ(AlertPolicy{}.min_duration_windows(), AlertPolicy{}.raise_windows);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  struct Case {
    AlertPolicy policy;
    const char* message;
  };
  auto with = [](auto edit) {
    AlertPolicy p;
    edit(p);
    return p;
  };
  const Case cases[] = {
      {with([](AlertPolicy& p) { p.raise_score = -1; }), "raise_score must be a positive"},
      {with([&](AlertPolicy& p) { p.raise_score = nan; }), "raise_score must be a positive"},
      {with([](AlertPolicy& p) { p.clear_score = 0; }), "clear_score must be a positive"},
      {with([&](AlertPolicy& p) { p.critical_score = nan; }), "critical_score must be a positive"},
      {AlertPolicy{3, 6, 3, 3}, "clear_score (6) must not exceed raise_score (3)"},
      {with([](AlertPolicy& p) { p.critical_score = 5; }),
       "critical_score (5) must be at least raise_score (6)"},
      {AlertPolicy{6, 3, 0, 3}, "raise_windows (minimum duration) must be at least 1, got 0"},
      {with([](AlertPolicy& p) { p.clear_windows = -2; }), "clear_windows must be at least 1"},
      {with([](AlertPolicy& p) { p.cooldown_windows = -1; }),
       "cooldown_windows must not be negative, got -1"},
  };
  for (const Case& c : cases) {
    Status s = Validate(c.policy);
    ASSERT_FALSE(s.ok()) << c.message;
    EXPECT_THAT(s.message(), HasSubstr(c.message));
  }
  AlertPolicy equal_critical;
  equal_critical.critical_score = equal_critical.raise_score;
  EXPECT_TRUE(Validate(equal_critical).ok()) << "every alert critical is a valid choice";
}

}  // namespace
}  // namespace edgeloop::edge
