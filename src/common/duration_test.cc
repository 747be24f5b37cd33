#include "common/duration.h"

#include <gtest/gtest.h>

namespace edgeloop {
namespace {

using namespace std::chrono_literals;

TEST(ParseDurationTest, AcceptsEveryUnit) {
  EXPECT_EQ(ParseDuration("60s").value(), 60s);
  EXPECT_EQ(ParseDuration("250ms").value(), 250ms);
  EXPECT_EQ(ParseDuration("1.5m").value(), 90s);
  EXPECT_EQ(ParseDuration("2h").value(), 7200s);
  EXPECT_EQ(ParseDuration("1d").value(), 86400s);
  EXPECT_EQ(ParseDuration("10us").value(), 10us);
  EXPECT_EQ(ParseDuration("7ns").value(), 7ns);
}

TEST(ParseDurationTest, RefusesMissingOrUnknownUnitsWithClearMessages) {
  auto bare = ParseDuration("60");
  ASSERT_FALSE(bare.ok());
  EXPECT_NE(bare.status().message().find("needs a unit"), std::string::npos);
  auto weird = ParseDuration("5 weeks");
  ASSERT_FALSE(weird.ok());
  EXPECT_NE(weird.status().message().find("unknown unit"), std::string::npos);
  EXPECT_FALSE(ParseDuration("").ok());
  EXPECT_FALSE(ParseDuration("-5s").ok());
  EXPECT_FALSE(ParseDuration("1.2.3s").ok());
  EXPECT_FALSE(ParseDuration("1e300d").ok());
}

TEST(FormatDurationTest, Compact) {
  EXPECT_EQ(FormatDuration(42s), "42.0s");
  EXPECT_EQ(FormatDuration(200s), "3m 20s");
  EXPECT_EQ(FormatDuration(3h + 5min), "3h 05m");
  EXPECT_EQ(FormatDuration(-2s), "-2.0s");
}

}  // namespace
}  // namespace edgeloop
