#include "common/config.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace edgeloop {
namespace {

ConfigDocument Parse(std::string_view text) {
  Result<ConfigDocument> doc = ConfigDocument::ParseString(text, "plant.toml");
  if (!doc.ok()) ADD_FAILURE() << doc.status().ToString();
  return std::move(doc).value();
}

::testing::AssertionResult MessageHas(const Status& status, std::string_view needle) {
  if (status.ok()) return ::testing::AssertionFailure() << "status is OK, wanted an error";
  if (status.message().find(needle) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "message \"" << status.message() << "\" lacks \"" << needle << "\"";
  }
  return ::testing::AssertionSuccess();
}

// --- Parsing -----------------------------------------------------------------------------------

TEST(ConfigParseTest, SyntaxErrorNamesFileLineAndColumn) {
  Result<ConfigDocument> doc = ConfigDocument::ParseString("a = 1\nb = = 2\n", "plant.toml");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(doc.status().message().rfind("plant.toml:2:5: TOML syntax error: ", 0), 0u)
      << doc.status().message();
}

TEST(ConfigParseTest, RedefinitionIsASyntaxErrorWithLine) {
  Result<ConfigDocument> doc =
      ConfigDocument::ParseString("[a]\nx = 1\n\n[a]\ny = 2\n", "plant.toml");
  ASSERT_FALSE(doc.ok());
  EXPECT_TRUE(MessageHas(doc.status(), "plant.toml:4:"));
  EXPECT_TRUE(MessageHas(doc.status(), "TOML syntax error"));
}

TEST(ConfigParseTest, EmptyDocumentIsValid) {
  ConfigDocument doc = Parse("");
  EXPECT_FALSE(doc.Root().Has("anything"));
  EXPECT_TRUE(doc.CheckNoUnknownKeys().ok());
}

TEST(ConfigParseTest, ParseFileMissingPathIsNotFoundAndNamesThePath) {
  std::string path = ::testing::TempDir() + "edgeloop_config_test_does_not_exist.toml";
  Result<ConfigDocument> doc = ConfigDocument::ParseFile(path);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(MessageHas(doc.status(), path));
}

TEST(ConfigParseTest, ParseFileOnADirectoryIsIoError) {
  Result<ConfigDocument> doc = ConfigDocument::ParseFile(::testing::TempDir());
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), StatusCode::kIoError);
  EXPECT_TRUE(MessageHas(doc.status(), ::testing::TempDir()));
}

TEST(ConfigParseTest, ParseFileReadsARealFileAndErrorsNameIt) {
  std::string path = ::testing::TempDir() + "edgeloop_config_test_plant.toml";
  {
    std::ofstream out(path);
    out << "# plant\n"
           "[pipeline]\n"
           "window_s = 2.5\n"
           "name = 7\n";
  }
  Result<ConfigDocument> doc = ConfigDocument::ParseFile(path);
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  Result<ConfigTable> pipeline = doc->Root().Table("pipeline");
  ASSERT_TRUE(pipeline.ok());
  Result<double> window = pipeline->Double("window_s");
  ASSERT_TRUE(window.ok());
  EXPECT_DOUBLE_EQ(*window, 2.5);
  Result<std::string> name = pipeline->String("name");
  ASSERT_FALSE(name.ok());
  EXPECT_EQ(name.status().message(),
            path + ":4:8: 'pipeline.name' must be a string, got an integer");
  std::remove(path.c_str());
}

TEST(ConfigParseTest, ParseFileSyntaxErrorNamesThePathAndLine) {
  std::string path = ::testing::TempDir() + "edgeloop_config_test_broken.toml";
  {
    std::ofstream out(path);
    out << "a = 1\n\n[b\n";
  }
  Result<ConfigDocument> doc = ConfigDocument::ParseFile(path);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(MessageHas(doc.status(), path + ":3:"));
  EXPECT_TRUE(MessageHas(doc.status(), "TOML syntax error"));
  std::remove(path.c_str());
}

// --- Scalars -----------------------------------------------------------------------------------

TEST(ConfigTableTest, ReadsScalars) {
  ConfigDocument doc = Parse(R"(
d = 1.5
i = -42
s = "pump-101"
b = true
)");
  ConfigTable root = doc.Root();
  EXPECT_DOUBLE_EQ(root.Double("d").value(), 1.5);
  EXPECT_EQ(root.Int("i").value(), -42);
  EXPECT_EQ(root.String("s").value(), "pump-101");
  EXPECT_TRUE(root.Bool("b").value());
  EXPECT_TRUE(doc.CheckNoUnknownKeys().ok());
}

TEST(ConfigTableTest, IntsAreAcceptedAsDoubles) {
  ConfigDocument doc = Parse("x = 3\nbig = 9007199254740992\n");
  Result<double> x = doc.Root().Double("x");
  ASSERT_TRUE(x.ok()) << x.status().ToString();
  EXPECT_EQ(*x, 3.0);
  EXPECT_EQ(doc.Root().Double("big").value(), 9007199254740992.0);
}

TEST(ConfigTableTest, WrongTypeNamesFileLineColumnKeyAndTypes) {
  ConfigDocument doc = Parse("[pipeline]\nwindow_s = \"ten\"\n");
  ConfigTable pipeline = doc.Root().Table("pipeline").value();
  Result<double> window = pipeline.Double("window_s");
  ASSERT_FALSE(window.ok());
  EXPECT_EQ(window.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(window.status().message(),
            "plant.toml:2:12: 'pipeline.window_s' must be a number, got a string");
}

TEST(ConfigTableTest, WrongTypeMessagesUseTheDocumentedTypeNames) {
  ConfigDocument doc = Parse(R"(
s = "x"
i = 1
f = 1.5
b = false
t = { a = 1 }
a = [1, 2]
)");
  ConfigTable root = doc.Root();
  EXPECT_TRUE(MessageHas(root.Int("s").status(), "'s' must be an integer, got a string"));
  EXPECT_TRUE(MessageHas(root.String("i").status(), "'i' must be a string, got an integer"));
  EXPECT_TRUE(MessageHas(root.Bool("f").status(), "'f' must be a boolean, got a number"));
  EXPECT_TRUE(MessageHas(root.Double("b").status(), "'b' must be a number, got a boolean"));
  EXPECT_TRUE(MessageHas(root.Double("t").status(), "'t' must be a number, got a table"));
  EXPECT_TRUE(MessageHas(root.Double("a").status(), "'a' must be a number, got an array"));
  EXPECT_TRUE(MessageHas(root.Table("i").status(), "plant.toml:3:5: 'i' must be a table"));
  EXPECT_TRUE(
      MessageHas(root.DoubleArray("s").status(), "'s' must be an array of numbers, got a string"));
  EXPECT_TRUE(
      MessageHas(root.TableArray("i").status(), "'i' must be an array of tables, got an integer"));
}

TEST(ConfigTableTest, MissingRequiredKeyAtRootNamesFileAndKey) {
  ConfigDocument doc = Parse("a = 1\n");
  Result<double> x = doc.Root().Double("window_s");
  ASSERT_FALSE(x.ok());
  EXPECT_EQ(x.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(x.status().message(), "plant.toml: missing required key 'window_s'");
}

TEST(ConfigTableTest, MissingRequiredKeyInTableNamesTheTableLine) {
  ConfigDocument doc = Parse("a = 1\n\n[pipeline]\nother = 2\n");
  ConfigTable pipeline = doc.Root().Table("pipeline").value();
  EXPECT_EQ(pipeline.Double("window_s").status().message(),
            "plant.toml:3: missing required key 'pipeline.window_s'");
  EXPECT_TRUE(MessageHas(pipeline.Int("n").status(), "missing required key 'pipeline.n'"));
  EXPECT_TRUE(MessageHas(pipeline.String("s").status(), "missing required key 'pipeline.s'"));
  EXPECT_TRUE(MessageHas(pipeline.Bool("b").status(), "missing required key 'pipeline.b'"));
  EXPECT_TRUE(MessageHas(pipeline.DoubleArray("v").status(), "missing required key 'pipeline.v'"));
  EXPECT_EQ(pipeline.Table("sub").status().message(),
            "plant.toml:3: missing required key 'pipeline.sub'");
}

TEST(ConfigTableTest, IntRejectsFractionButAcceptsIntegralFloat) {
  ConfigDocument doc = Parse("[modbus]\nunit = 2.5\nport = 502.0\n");
  ConfigTable modbus = doc.Root().Table("modbus").value();
  Result<int64_t> unit = modbus.Int("unit");
  ASSERT_FALSE(unit.ok());
  EXPECT_EQ(unit.status().message(), "plant.toml:2:8: 'modbus.unit' must be an integer, got 2.5");
  Result<int64_t> port = modbus.Int("port");
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  EXPECT_EQ(*port, 502);
}

TEST(ConfigTableTest, IntRejectsNonFiniteAndHugeFloats) {
  ConfigDocument doc = Parse("a = inf\nb = nan\nc = 1e30\n");
  EXPECT_TRUE(MessageHas(doc.Root().Int("a").status(), "must be an integer"));
  EXPECT_TRUE(MessageHas(doc.Root().Int("b").status(), "must be an integer"));
  EXPECT_TRUE(MessageHas(doc.Root().Int("c").status(), "must be an integer"));
}

TEST(ConfigTableTest, FallbacksApplyOnlyWhenAbsent) {
  ConfigDocument doc = Parse("present = \"text\"\n");
  ConfigTable root = doc.Root();
  EXPECT_EQ(root.Double("d", 2.5).value(), 2.5);
  EXPECT_EQ(root.Int("i", 7).value(), 7);
  EXPECT_EQ(root.String("s", "dflt").value(), "dflt");
  EXPECT_FALSE(root.Bool("b", false).value());
  EXPECT_TRUE(root.Bool("b2", true).value());
  EXPECT_EQ(root.DoubleArray("v", {1.0, 2.0}).value(), (std::vector<double>{1.0, 2.0}));
  EXPECT_EQ(root.String("present", "dflt").value(), "text");
  // Present with the wrong type is an error even with a fallback.
  Result<double> wrong = root.Double("present", 1.0);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().message(), "plant.toml:1:11: 'present' must be a number, got a string");
  EXPECT_FALSE(root.Int("present", 1).ok());
  EXPECT_FALSE(root.Bool("present", true).ok());
  EXPECT_FALSE(root.DoubleArray("present", {}).ok());
}

// --- Arrays ------------------------------------------------------------------------------------

TEST(ConfigTableTest, DoubleArrayAcceptsMixedNumbers) {
  ConfigDocument doc = Parse("x = [1, 2.5, -3]\nempty = []\n");
  EXPECT_EQ(doc.Root().DoubleArray("x").value(), (std::vector<double>{1.0, 2.5, -3.0}));
  EXPECT_TRUE(doc.Root().DoubleArray("empty").value().empty());
}

TEST(ConfigTableTest, DoubleArrayElementErrorNamesIndexAndPosition) {
  ConfigDocument doc = Parse("[filter]\ntaps = [1, 2,\n  \"three\"]\n");
  Result<std::vector<double>> taps = doc.Root().Table("filter")->DoubleArray("taps");
  ASSERT_FALSE(taps.ok());
  EXPECT_EQ(taps.status().message(),
            "plant.toml:3:3: 'filter.taps[2]' must be a number, got a string");
}

TEST(ConfigTableTest, StringArray) {
  ConfigDocument doc = Parse("[sim]\nassets = [\"a\", \"b\"]\nempty = []\nmixed = [\"a\",\n 2]\n");
  ConfigTable sim = doc.Root().Table("sim").value();
  EXPECT_EQ(sim.StringArray("assets").value(), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(sim.StringArray("empty").value().empty());
  EXPECT_EQ(sim.StringArray("absent", {"x"}).value(), (std::vector<std::string>{"x"}));
  Result<std::vector<std::string>> mixed = sim.StringArray("mixed");
  ASSERT_FALSE(mixed.ok());
  EXPECT_EQ(mixed.status().message(),
            "plant.toml:5:2: 'sim.mixed[1]' must be a string, got an integer");
  EXPECT_TRUE(MessageHas(sim.StringArray("absent").status(), "missing required key 'sim.absent'"));
}

// --- Tables ------------------------------------------------------------------------------------

TEST(ConfigTableTest, OptionalTable) {
  ConfigDocument doc = Parse("[mqtt]\nhost = \"broker\"\nx = 1\n");
  Result<std::optional<ConfigTable>> absent = doc.Root().OptionalTable("modbus");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
  Result<std::optional<ConfigTable>> mqtt = doc.Root().OptionalTable("mqtt");
  ASSERT_TRUE(mqtt.ok());
  ASSERT_TRUE(mqtt->has_value());
  EXPECT_EQ((*mqtt)->String("host").value(), "broker");
  EXPECT_FALSE((*mqtt)->OptionalTable("x").ok());
}

TEST(ConfigTableTest, TableArrayPathsAndErrorsCarryIndexAndLine) {
  ConfigDocument doc = Parse(R"([plant]
name = "north"

[[plant.gateway]]
id = "gw-1"

[[plant.gateway]]
port = 502
)");
  ConfigTable plant = doc.Root().Table("plant").value();
  Result<std::vector<ConfigTable>> gateways = plant.TableArray("gateway");
  ASSERT_TRUE(gateways.ok()) << gateways.status().ToString();
  ASSERT_EQ(gateways->size(), 2u);
  EXPECT_EQ((*gateways)[0].String("id").value(), "gw-1");
  EXPECT_EQ((*gateways)[1].Path("id"), "plant.gateway[1].id");
  EXPECT_EQ((*gateways)[1].String("id").status().message(),
            "plant.toml:7: missing required key 'plant.gateway[1].id'");
  EXPECT_TRUE(plant.TableArray("absent").value().empty());
}

TEST(ConfigTableTest, TableArrayRejectsNonTableElements) {
  ConfigDocument doc = Parse("gateway = [{ id = \"a\" }, 5]\n");
  Result<std::vector<ConfigTable>> gateways = doc.Root().TableArray("gateway");
  ASSERT_FALSE(gateways.ok());
  EXPECT_EQ(gateways.status().message(),
            "plant.toml:1:26: 'gateway[1]' must be a table, got an integer");
}

TEST(ConfigTableTest, PathQuotesKeysThatAreNotBare) {
  ConfigDocument doc = Parse("[pipeline]\n");
  ConfigTable pipeline = doc.Root().Table("pipeline").value();
  EXPECT_EQ(pipeline.Path("window_s"), "pipeline.window_s");
  EXPECT_EQ(pipeline.Path("a b"), "pipeline.\"a b\"");
  EXPECT_EQ(doc.Root().Path("x"), "x");
}

TEST(ConfigTableTest, HasDoesNotRequireTheKey) {
  ConfigDocument doc = Parse("a = 1\n");
  EXPECT_TRUE(doc.Root().Has("a"));
  EXPECT_FALSE(doc.Root().Has("b"));
}

// --- Unknown keys ------------------------------------------------------------------------------

TEST(ConfigUnknownKeysTest, AllKnownKeysReadIsOk) {
  ConfigDocument doc = Parse("[pipeline]\nwindow_s = 1\n");
  ASSERT_TRUE(doc.Root().Table("pipeline")->Double("window_s").ok());
  EXPECT_TRUE(doc.CheckNoUnknownKeys().ok());
}

TEST(ConfigUnknownKeysTest, MisspelledKeyGetsDidYouMean) {
  ConfigDocument doc = Parse(R"([pipeline]
hop_s = 0.5
# window in seconds


windw_s = 2
)");
  ConfigTable pipeline = doc.Root().Table("pipeline").value();
  EXPECT_EQ(pipeline.Double("window_s", 10.0).value(), 10.0);  // absent: the typo hides it
  EXPECT_TRUE(pipeline.Double("hop_s").ok());
  Status status = doc.CheckNoUnknownKeys();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "plant.toml:6:1: unknown key 'pipeline.windw_s' (did you mean 'window_s'?)");
}

TEST(ConfigUnknownKeysTest, NoSuggestionWhenNothingIsClose) {
  ConfigDocument doc = Parse("[pipeline]\nwindow_s = 1\ncompletely_else = 2\n");
  ASSERT_TRUE(doc.Root().Table("pipeline")->Double("window_s").ok());
  Status status = doc.CheckNoUnknownKeys();
  EXPECT_EQ(status.message(), "plant.toml:3:1: unknown key 'pipeline.completely_else'");
}

TEST(ConfigUnknownKeysTest, TranspositionCountsAsOneEdit) {
  ConfigDocument doc = Parse("wnidow_s = 1\n");
  EXPECT_EQ(doc.Root().Double("window_s", 1.0).value(), 1.0);
  EXPECT_TRUE(MessageHas(doc.CheckNoUnknownKeys(), "(did you mean 'window_s'?)"));
}

TEST(ConfigUnknownKeysTest, ReportsAllUnknownKeysOnePerLineInFileOrder) {
  ConfigDocument doc = Parse(R"(zeta = 1
known = 2
[detector]
raise_z = 3
rasie_z = 4
[unread_table]
x = 1
y = 2
[[gateway]]
id = "a"
[[gateway]]
id = "b"
idd = "c"
)");
  ConfigTable root = doc.Root();
  ASSERT_TRUE(root.Int("known").ok());
  ASSERT_TRUE(root.Table("detector")->Double("raise_z").ok());
  std::vector<ConfigTable> gateways = root.TableArray("gateway").value();
  for (const ConfigTable& gw : gateways) ASSERT_TRUE(gw.String("id").ok());

  Status status = doc.CheckNoUnknownKeys();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message(),
            "plant.toml:1:1: unknown key 'zeta'\n"
            "plant.toml:5:1: unknown key 'detector.rasie_z' (did you mean 'raise_z'?)\n"
            "plant.toml:6:2: unknown key 'unread_table'\n"
            "plant.toml:13:1: unknown key 'gateway[1].idd' (did you mean 'id'?)");
}

TEST(ConfigUnknownKeysTest, NestedTablesAreCheckedRecursively) {
  ConfigDocument doc = Parse(R"([edge.mqtt]
host = "broker"
prot = 1883
[edge.mqtt.tls]
ca = "ca.pem"
)");
  ConfigTable mqtt = doc.Root().Table("edge")->Table("mqtt").value();
  ASSERT_TRUE(mqtt.String("host").ok());
  EXPECT_EQ(mqtt.Int("port", 1883).value(), 1883);
  // tls is asked about but its keys are never read.
  ASSERT_TRUE(mqtt.OptionalTable("tls").ok());
  EXPECT_EQ(doc.CheckNoUnknownKeys().message(),
            "plant.toml:3:1: unknown key 'edge.mqtt.prot' (did you mean 'port'?)\n"
            "plant.toml:5:1: unknown key 'edge.mqtt.tls.ca'");
}

TEST(ConfigUnknownKeysTest, InlineArraysOfTablesAreChecked) {
  ConfigDocument doc = Parse("assets = [{ id = \"p1\" }, { id = \"p2\", knd = \"pump\" }]\n");
  std::vector<ConfigTable> assets = doc.Root().TableArray("assets").value();
  for (const ConfigTable& asset : assets) {
    ASSERT_TRUE(asset.String("id").ok());
    ASSERT_TRUE(asset.String("kind", "motor").ok());
  }
  EXPECT_EQ(doc.CheckNoUnknownKeys().message(),
            "plant.toml:1:39: unknown key 'assets[1].knd' (did you mean 'kind'?)");
}

TEST(ConfigUnknownKeysTest, HasCountsAsKnown) {
  ConfigDocument doc = Parse("legacy = true\n");
  EXPECT_TRUE(doc.Root().Has("legacy"));
  EXPECT_TRUE(doc.CheckNoUnknownKeys().ok());
}

TEST(ConfigUnknownKeysTest, WrongTypeStillCountsAsKnown) {
  ConfigDocument doc = Parse("a = \"x\"\n");
  EXPECT_FALSE(doc.Root().Double("a").ok());
  EXPECT_TRUE(doc.CheckNoUnknownKeys().ok());
}

// --- Range checks and custom errors ------------------------------------------------------------

TEST(ConfigCheckRangeTest, OutOfRangeMessage) {
  ConfigDocument doc = Parse("[detector]\nraise_z = 0.5\n");
  ConfigTable detector = doc.Root().Table("detector").value();
  double raise_z = detector.Double("raise_z").value();
  Status status = CheckRange(detector, "raise_z", raise_z, 1, 100);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "plant.toml:2:11: 'detector.raise_z' = 0.5 is out of range [1, 100]");
}

TEST(ConfigCheckRangeTest, InRangeIncludingBoundsIsOk) {
  ConfigDocument doc = Parse("[detector]\nraise_z = 1\n");
  ConfigTable detector = doc.Root().Table("detector").value();
  EXPECT_TRUE(CheckRange(detector, "raise_z", 1, 1, 100).ok());
  EXPECT_TRUE(CheckRange(detector, "raise_z", 100, 1, 100).ok());
  EXPECT_TRUE(CheckRange(detector, "raise_z", 50.5, 1, 100).ok());
  EXPECT_FALSE(CheckRange(detector, "raise_z", std::nan(""), 1, 100).ok());
}

TEST(ConfigCheckRangeTest, AbsentKeyFallsBackToTableLine) {
  ConfigDocument doc = Parse("\n[detector]\n");
  ConfigTable detector = doc.Root().Table("detector").value();
  double raise_z = detector.Double("raise_z", 200).value();
  EXPECT_EQ(CheckRange(detector, "raise_z", raise_z, 1, 100).message(),
            "plant.toml:2: 'detector.raise_z' = 200 is out of range [1, 100]");
}

TEST(ConfigTableTest, ErrorUsesTheModuleMessageShape) {
  ConfigDocument doc = Parse("[asset]\nkind = \"boiler\"\n");
  ConfigTable asset = doc.Root().Table("asset").value();
  Status status = asset.Error("kind", "must be one of pump, motor, fan");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "plant.toml:2:8: 'asset.kind' must be one of pump, motor, fan");
}

// --- Lifetime ----------------------------------------------------------------------------------

TEST(ConfigLifetimeTest, ViewsRemainValidAfterTheDocumentMoves) {
  std::string text = "[pipeline]\nwindow_s = 4\nextra = 1\n";
  Result<ConfigDocument> parsed = ConfigDocument::ParseString(text, "plant.toml");
  ASSERT_TRUE(parsed.ok());
  ConfigTable pipeline = parsed->Root().Table("pipeline").value();

  ConfigDocument moved = std::move(parsed).value();
  std::vector<ConfigDocument> holder;
  holder.push_back(std::move(moved));
  holder.reserve(16);  // relocates the document again

  EXPECT_EQ(pipeline.Double("window_s").value(), 4.0);
  EXPECT_EQ(pipeline.Path("window_s"), "pipeline.window_s");
  // Reads through the old view count for the moved document.
  EXPECT_EQ(holder[0].CheckNoUnknownKeys().message(),
            "plant.toml:3:1: unknown key 'pipeline.extra'");
}

TEST(ConfigLifetimeTest, ViewsOutliveTheDocument) {
  std::optional<ConfigTable> view;
  {
    ConfigDocument doc = Parse("[a]\nx = \"kept\"\n");
    view = doc.Root().Table("a").value();
  }
  EXPECT_EQ(view->String("x").value(), "kept");
}

TEST(ConfigLifetimeTest, MovedFromDocumentReportsFailedPrecondition) {
  ConfigDocument doc = Parse("a = 1\n");
  ConfigDocument other = std::move(doc);
  EXPECT_EQ(doc.CheckNoUnknownKeys().code(),  // NOLINT(bugprone-use-after-move): by design
            StatusCode::kFailedPrecondition);
  EXPECT_FALSE(other.CheckNoUnknownKeys().ok());
}

}  // namespace
}  // namespace edgeloop
