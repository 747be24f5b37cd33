#include "demo/plant_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "demo/plant_builder.h"

namespace edgeloop::demo {
namespace {

using ::testing::HasSubstr;

std::string WithReplaced(std::string_view from, std::string_view to) {
  std::string text(DefaultPlantToml());
  const size_t pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  text.replace(pos, from.size(), to);
  return text;
}

TEST(PlantConfigTest, BuiltInPlantParsesWithSevenAssetsOnThreeGateways) {
  auto plant = ParsePlantConfig(DefaultPlantToml(), "<built-in>");
  ASSERT_TRUE(plant.ok()) << plant.status().ToString();
  EXPECT_EQ(plant->gateways.size(), 3u);
  EXPECT_EQ(plant->AssetCount(), 7u);
  EXPECT_EQ(plant->pipeline.vibration_rate_hz, 25600);
  EXPECT_EQ(plant->pipeline.detector.warmup_windows, 20u);
  EXPECT_EQ(plant->gateways[1].assets[0].imbalance_g, 0.25);
  EXPECT_TRUE(plant->inject_sensor_glitches);
}

TEST(PlantConfigTest, ErrorsNameFileKeyAndLine) {
  auto wrong_type = ParsePlantConfig(WithReplaced("window_s = 1.0", "window_s = \"1s\""), "p.toml");
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_THAT(wrong_type.status().message(),
              HasSubstr("p.toml:7:12: 'signals.window_s' must be a number, got a string"));

  auto unknown = ParsePlantConfig(WithReplaced("raise_windows = 3", "raise_windws = 3"), "p.toml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(), HasSubstr("missing required key 'alerts.raise_windows'"));

  auto extra = ParsePlantConfig(WithReplaced("rpm = 1485", "rpm = 1485\n  rmp = 10"), "p.toml");
  ASSERT_FALSE(extra.ok());
  EXPECT_THAT(extra.status().message(), HasSubstr("unknown key 'gateway[0].asset[2].rmp'"));
  EXPECT_THAT(extra.status().message(), HasSubstr("did you mean 'rpm'?"));

  auto range = ParsePlantConfig(WithReplaced("raise_score = 6.0", "raise_score = 0.1"), "p.toml");
  ASSERT_FALSE(range.ok());
  EXPECT_THAT(range.status().message(), HasSubstr("'alerts.raise_score' = 0.1 is out of range"));

  auto syntax = ParsePlantConfig("[signals\nx=1", "p.toml");
  ASSERT_FALSE(syntax.ok());
  EXPECT_THAT(syntax.status().message(), HasSubstr("p.toml:1:"));
}

TEST(PlantConfigTest, RefusesDuplicateAssetsAndUnknownBearings) {
  auto dup = ParsePlantConfig(WithReplaced("id = \"motor-203\"", "id = \"pump-101\""), "p.toml");
  ASSERT_FALSE(dup.ok());
  EXPECT_THAT(dup.status().message(), HasSubstr("repeats asset 'pump-101'"));
  auto bearing =
      ParsePlantConfig(WithReplaced("rpm = 1485", "rpm = 1485\n  bearing = \"6309\""), "p.toml");
  ASSERT_FALSE(bearing.ok());
  EXPECT_THAT(bearing.status().message(), HasSubstr("6309"));
}

TEST(PlantConfigTest, LoadFromMissingFileNamesThePath) {
  auto r = LoadPlantConfig("/no/such/plant.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("/no/such/plant.toml"));
}

TEST(PlantBuilderTest, PicksOneFaultyAndOneDifferentGlitchyAssetDeterministically) {
  auto plant = ParsePlantConfig(DefaultPlantToml(), "<built-in>");
  ASSERT_TRUE(plant.ok());
  const Timestamp t0 = FromNanos(0);
  std::set<std::string> faulty_assets;
  std::set<sim::FaultKind> kinds;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    auto a = PlanMachines(*plant, seed, t0, std::chrono::seconds(60));
    auto b = PlanMachines(*plant, seed, t0, std::chrono::seconds(60));
    ASSERT_TRUE(a.ok() && b.ok());
    int faults = 0, glitchy = 0;
    for (size_t i = 0; i < a->size(); ++i) {
      const auto& spec = (*a)[i].spec;
      ASSERT_EQ(spec.faults.size(), (*b)[i].spec.faults.size());
      EXPECT_EQ((*a)[i].seed, (*b)[i].seed);
      if (!spec.faults.empty()) {
        ++faults;
        EXPECT_EQ(spec.faults.front().kind, (*b)[i].spec.faults.front().kind);
        kinds.insert(spec.faults.front().kind);
        faulty_assets.insert(spec.asset.id);
        EXPECT_TRUE(spec.glitches.empty());
        EXPECT_GE(spec.faults.front().onset, t0 + std::chrono::seconds(25));
      }
      glitchy += !spec.glitches.empty();
    }
    EXPECT_EQ(faults, 1);
    EXPECT_EQ(glitchy, 1);
  }
  EXPECT_GE(faulty_assets.size(), 4u) << "the seed should spread the fault over the plant";
  EXPECT_EQ(kinds.size(), 3u) << "outer race, inner race and rolling element all occur";
}

TEST(PlantBuilderTest, TooShortDurationSaysWhatIsNeeded) {
  auto plant = ParsePlantConfig(DefaultPlantToml(), "<built-in>");
  auto r = PlanMachines(*plant, 1, FromNanos(0), std::chrono::seconds(20));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("too short"));
  EXPECT_THAT(r.status().message(), HasSubstr("--duration 56s"));
}

}  // namespace
}  // namespace edgeloop::demo
