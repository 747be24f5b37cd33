#include "ingest/topic_map.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace edgeloop::ingest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct MatchCase {
  const char* filter;
  const char* topic;
  bool matches;
};

// Examples from MQTT 3.1.1 section 4.7 plus edge cases around empty levels and `$` topics.
TEST(TopicMatchesTest, FollowsMqtt311Rules) {
  const std::vector<MatchCase> cases = {
      {"sport/tennis/player1", "sport/tennis/player1", true},
      {"sport/tennis/player1", "sport/tennis/player2", false},
      {"sport/tennis/player1", "sport/tennis/player1/ranking", false},
      {"sport/tennis/player1/#", "sport/tennis/player1", true},  // # matches the parent
      {"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
      {"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
      {"sport/#", "sport", true},
      {"sport/#", "sports", false},
      {"#", "sport/tennis", true},
      {"#", "/", true},
      {"sport/tennis/+", "sport/tennis/player1", true},
      {"sport/tennis/+", "sport/tennis/player1/ranking", false},
      {"sport/+", "sport", false},
      {"sport/+", "sport/", true},  // + matches an empty level
      {"+/+", "/finance", true},
      {"/+", "/finance", true},
      {"+", "/finance", false},
      {"+", "finance", true},
      {"+/tennis/#", "sport/tennis/player1", true},
      {"sport/+/player1", "sport/tennis/player1", true},
      {"Sport", "sport", false},  // case sensitive
      {"a//b", "a//b", true},
      {"a//b", "a/b", false},
      {"a/b/", "a/b/", true},
      {"a/b/", "a/b", false},
      // `$` topics: not matched by a wildcard in the first level, but by a literal one.
      {"#", "$SYS/broker/uptime", false},
      {"+/monitor/Clients", "$SYS/monitor/Clients", false},
      {"$SYS/#", "$SYS/broker/uptime", true},
      {"$SYS/monitor/+", "$SYS/monitor/Clients", true},
      {"a/#", "a/$b", true},  // `$` only matters at the first level
      // Invalid filters or topic names never match.
      {"sport/tennis#", "sport/tennis", false},
      {"sport/#/ranking", "sport/x/ranking", false},
      {"sport+", "sport+", false},
      {"", "", false},
      {"#", "a/+", false},
      {"#", "a/#", false},
  };
  for (const MatchCase& c : cases) {
    EXPECT_EQ(TopicMatches(c.filter, c.topic), c.matches)
        << "filter '" << c.filter << "' topic '" << c.topic << "'";
  }
}

TEST(TopicMatchesTest, ValidatesFiltersAndNames) {
  EXPECT_TRUE(ValidateTopicFilter("a/+/b/#").ok());
  EXPECT_TRUE(ValidateTopicFilter("+").ok());
  EXPECT_TRUE(ValidateTopicFilter("/").ok());
  EXPECT_THAT(ValidateTopicFilter("a/b#").message(), HasSubstr("whole level"));
  EXPECT_THAT(ValidateTopicFilter("a/#/b").message(), HasSubstr("last level"));
  EXPECT_THAT(ValidateTopicFilter("a+/b").message(), HasSubstr("'+' must be a whole level"));
  EXPECT_THAT(ValidateTopicFilter("").message(), HasSubstr("empty"));
  EXPECT_THAT(ValidateTopicFilter(std::string("a\0b", 3)).message(), HasSubstr("NUL"));
  EXPECT_THAT(ValidateTopicFilter(std::string(65536, 'a')).message(), HasSubstr("65535"));
  EXPECT_TRUE(ValidateTopicFilter(std::string(65535, 'a')).ok());
  EXPECT_TRUE(ValidateTopicName("plant/pump-101/vib").ok());
  EXPECT_THAT(ValidateTopicName("plant/+/vib").message(), HasSubstr("wildcard"));
  EXPECT_THAT(ValidateTopicName("plant/#").message(), HasSubstr("wildcard"));
  EXPECT_FALSE(ValidateTopicName("").ok());
}

TopicMap MakeMap(std::vector<TopicMapping> mappings) {
  auto map = TopicMap::Create(std::move(mappings));
  EXPECT_TRUE(map.ok()) << map.status().ToString();
  return std::move(map).value();
}

TEST(TopicMapTest, CapturesAssetAndChannelAndFirstMatchWins) {
  const TopicMap map = MakeMap({
      {"plant/{asset}/{channel}/vib", "", "", ChannelKind::kVibration, 25600},
      {"plant/{asset}/temp", "", "temp_de", ChannelKind::kTemperature, 1},
      {"line1/+/fan/#", "fan-7", "vib", ChannelKind::kVibration, 12800},
      {"plant/#", "catch-all", "raw", ChannelKind::kTemperature, 2},
  });
  auto t = map.Resolve("plant/pump-101/vib_de/vib");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->asset, "pump-101");
  EXPECT_EQ(t->channel, "vib_de");
  EXPECT_EQ(t->kind, ChannelKind::kVibration);
  EXPECT_EQ(t->nominal_rate_hz, 25600);
  EXPECT_EQ(t->mapping_index, 0u);

  t = map.Resolve("plant/pump-7/temp");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->asset, "pump-7");
  EXPECT_EQ(t->channel, "temp_de");
  EXPECT_EQ(t->kind, ChannelKind::kTemperature);
  EXPECT_EQ(t->mapping_index, 1u);

  t = map.Resolve("line1/gw3/fan");  // # matches the parent level
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->asset, "fan-7");
  EXPECT_EQ(t->mapping_index, 2u);

  // An empty capture level is no asset: falls through to the catch-all.
  t = map.Resolve("plant//vib_de/vib");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->mapping_index, 3u);

  EXPECT_FALSE(map.Resolve("other/pump/vib").has_value());
  EXPECT_FALSE(map.Resolve("plant/+/x/vib").has_value());  // not a valid topic name
  EXPECT_FALSE(map.Resolve("").has_value());
}

TEST(TopicMapTest, FirstLevelCaptureDoesNotMatchDollarTopics) {
  const TopicMap map = MakeMap({{"{asset}/{channel}", "", "", ChannelKind::kVibration, 100}});
  EXPECT_TRUE(map.Resolve("pump/vib").has_value());
  EXPECT_FALSE(map.Resolve("$SYS/uptime").has_value());
}

TEST(TopicMapTest, SubscriptionFiltersReplaceCapturesWithPlus) {
  const TopicMap map = MakeMap({
      {"plant/{asset}/{channel}/vib", "", "", ChannelKind::kVibration, 25600},
      {"line1/temp/#", "fan-7", "temp", ChannelKind::kTemperature, 1},
  });
  EXPECT_THAT(map.SubscriptionFilters(), ElementsAre("plant/+/+/vib", "line1/temp/#"));
  for (const std::string& f : map.SubscriptionFilters()) EXPECT_TRUE(ValidateTopicFilter(f).ok());
}

TEST(TopicMapTest, RejectsBadMappings) {
  const auto error = [](TopicMapping m) {
    auto map = TopicMap::Create({std::move(m)});
    EXPECT_FALSE(map.ok());
    return map.status().message();
  };
  const auto vib = ChannelKind::kVibration;
  EXPECT_THAT(error({"a/#/b", "x", "y", vib, 1}), HasSubstr("last level"));
  EXPECT_THAT(error({"a/{asset}/{asset}", "", "y", vib, 1}), HasSubstr("twice"));
  EXPECT_THAT(error({"a/{asset}x", "", "y", vib, 1}), HasSubstr("braces"));
  EXPECT_THAT(error({"a/{unit}", "x", "y", vib, 1}), HasSubstr("braces"));
  EXPECT_THAT(error({"a/{asset}", "x", "y", vib, 1}), HasSubstr("asset must come"));
  EXPECT_THAT(error({"a/b", "", "y", vib, 1}), HasSubstr("asset must come"));
  EXPECT_THAT(error({"a/{channel}", "x", "y", vib, 1}), HasSubstr("channel must come"));
  EXPECT_THAT(error({"a/b", "x", "", vib, 1}), HasSubstr("channel must come"));
  EXPECT_THAT(error({"a/b", "x", "y", vib, 0}), HasSubstr("nominal rate"));
  EXPECT_THAT(error({"a/b", "x", "y", vib, std::numeric_limits<double>::infinity()}),
              HasSubstr("nominal rate"));
  // The message names the mapping.
  auto map = TopicMap::Create({{"a/b", "x", "y", vib, 1}, {"c/+x", "x", "y", vib, 1}});
  ASSERT_FALSE(map.ok());
  EXPECT_THAT(map.status().message(), HasSubstr("topic mapping 1 ('c/+x')"));
}

}  // namespace
}  // namespace edgeloop::ingest
