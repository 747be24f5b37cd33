#include "edge/alert_logic.h"

#include <gtest/gtest.h>

namespace edgeloop::edge {
namespace {

using D = AlertLogic::Decision;

TEST(AlertLogicTest, OpensOnlyAfterConsecutiveHighScores) {
  AlertLogic logic({6, 3, 3, 2});
  EXPECT_EQ(logic.Update(10), D::kNone);
  EXPECT_EQ(logic.Update(10), D::kNone);
  EXPECT_EQ(logic.Update(1), D::kNone);  // streak broken
  EXPECT_EQ(logic.Update(7), D::kNone);
  EXPECT_EQ(logic.Update(7), D::kNone);
  EXPECT_EQ(logic.Update(6), D::kOpen);
  EXPECT_TRUE(logic.active());
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
  EXPECT_EQ(logic.Update(8), D::kOpen) << "a new alert can open after clearing";
}

TEST(AlertPolicyTest, RejectsFlappingAndEmptyPolicies) {
  EXPECT_TRUE(Validate(AlertPolicy{}).ok());
  EXPECT_FALSE(Validate(AlertPolicy{3, 6, 3, 3}).ok());
  EXPECT_FALSE(Validate(AlertPolicy{6, 3, 0, 3}).ok());
  EXPECT_FALSE(Validate(AlertPolicy{-1, -2, 3, 3}).ok());
}

}  // namespace
}  // namespace edgeloop::edge
