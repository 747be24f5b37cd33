#include "edge/desired_state.h"

#include <gtest/gtest.h>

#include <string>

namespace edgeloop::edge {
namespace {

const std::string kSha(64, 'a');

std::string Doc(const std::string& models, const std::string& revision = "7") {
  return R"({"revision": )" + revision + R"(, "models": [)" + models + "]}";
}

std::string Model(const std::string& overrides = "", const std::string& group = "pump",
                  const std::string& role = "production") {
  return R"({"group": ")" + group + R"(", "role": ")" + role +
         R"(", "version": "v3", "sha256": ")" + kSha +
         R"(", "url": "/v1/artifacts/x", "size": 100)" + overrides + "}";
}

TEST(ParseDesiredStateTest, AcceptsAValidDocument) {
  const std::string upper(64, 'F');
  auto state = ParseDesiredState(Doc(
      Model() + "," + R"({"group": "pump", "role": "shadow", "version": "v4", "sha256": ")" +
      upper + R"(", "url": "http://hub:8080/a", "size": 5, "signature": "AAAA", "future": 1})"));
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ(state->revision, 7);
  ASSERT_EQ(state->models.size(), 2u);
  EXPECT_EQ(state->models[0].group, "pump");
  EXPECT_EQ(state->models[0].role, ModelRole::kProduction);
  EXPECT_EQ(state->models[0].version, "v3");
  EXPECT_EQ(state->models[0].url, "/v1/artifacts/x");
  EXPECT_EQ(state->models[0].size, 100);
  EXPECT_EQ(state->models[0].signature, "");
  EXPECT_EQ(state->models[1].role, ModelRole::kShadow);
  EXPECT_EQ(state->models[1].sha256, std::string(64, 'f'));
  EXPECT_EQ(state->models[1].signature, "AAAA");
  auto empty = ParseDesiredState(Doc(""));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->models.empty());
}

// Each malformed document is refused with a reason naming the field.
TEST(ParseDesiredStateTest, RefusesMalformedDocumentsWithReasons) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{", "not valid JSON"},
      {"[]", "expected a JSON object"},
      {R"({"models": []})", "revision: missing"},
      {Doc("", "\"7\""), "revision: expected an integer"},
      {Doc("", "-1"), "revision: -1 outside"},
      {Doc("", "1.5"), "revision: expected an integer"},
      {R"({"revision": 1})", "models: missing"},
      {R"({"revision": 1, "models": {}})", "models: expected an array"},
      {Doc("3"), "models[0]: expected an object"},
      {Doc(Model(), "18446744073709551615"), "revision: 18446744073709551615 outside"},
      {Doc(R"({"role": "production"})"), "models[0].group: missing"},
      {Doc(Model("", "pump/../x")), "models[0].group: only letters"},
      {Doc(Model("", "pump", "canary")), "models[0].role: expected \"production\" or"},
      {Doc(Model(R"(, "sha256": "abc")")), "models[0].sha256: expected 64 hex digits"},
      {Doc(Model(R"(, "sha256": ")" + std::string(63, 'a') + "g\"")),
       "models[0].sha256: expected 64 hex digits"},
      {Doc(Model(R"(, "sha256": 5)")), "models[0].sha256: expected a string"},
      {Doc(Model(R"(, "url": "ftp://x")")), "models[0].url: expected a path"},
      {Doc(Model(R"(, "url": "/a b")")), "models[0].url: contains spaces"},
      {Doc(Model(R"(, "size": 0)")), "models[0].size: 0 outside"},
      {Doc(Model(R"(, "size": 99999999999999)")), "models[0].size: 99999999999999 outside"},
      {Doc(Model(R"(, "size": "5")")), "models[0].size: expected an integer"},
      {Doc(Model(R"(, "version": "")")), "models[0].version: empty"},
      {Doc(Model(R"(, "signature": 1)")), "models[0].signature: expected a string"},
      {Doc(Model() + "," + Model(R"(, "version": "v9")")),
       "models[1]: duplicate production model for group \"pump\""},
  };
  for (const auto& [doc, reason] : cases) {
    auto state = ParseDesiredState(doc);
    ASSERT_FALSE(state.ok()) << doc;
    EXPECT_EQ(state.status().code(), StatusCode::kInvalidArgument) << doc;
    EXPECT_NE(state.status().message().find(reason), std::string::npos)
        << doc << " -> " << state.status().ToString();
  }
}

TEST(ParseDesiredStateTest, EnforcesLimits) {
  DesiredStateLimits limits;
  limits.max_models = 1;
  auto state = ParseDesiredState(Doc(Model() + "," + Model("", "fan")), limits);
  ASSERT_FALSE(state.ok());
  EXPECT_NE(state.status().message().find("more than 1 entries"), std::string::npos);
  limits = {};
  limits.max_document_bytes = 10;
  state = ParseDesiredState(Doc(""), limits);
  ASSERT_FALSE(state.ok());
  EXPECT_NE(state.status().message().find("larger than 10 bytes"), std::string::npos);
  limits = {};
  limits.max_text_bytes = 8;
  state = ParseDesiredState(Doc(Model("", "a-very-long-group")), limits);
  ASSERT_FALSE(state.ok());
  EXPECT_NE(state.status().message().find("group: longer than 8 bytes"), std::string::npos);
  // Deep nesting is refused as a document, not a crash.
  state = ParseDesiredState(std::string(100000, '[') + std::string(100000, ']'));
  EXPECT_FALSE(state.ok());
}

}  // namespace
}  // namespace edgeloop::edge
