// `edgeloop analyze` through the real binary: the CWRU recordings are diagnosed as their file
// names say, a simulated fault written by `edgeloop sim` is diagnosed as simulated, and bad
// input gets a clear error and a non-zero exit code.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_runner.h"

namespace edgeloop {
namespace {

namespace fs = std::filesystem;
using testing::FreshDir;
using testing::RunEdgeloop;

const fs::path kCwru = fs::path(EDGELOOP_SHARED_DATA) / "cwru";

nlohmann::json AnalyzeJson(const std::string& args) {
  auto [code, out] = RunEdgeloop("analyze --json " + args);
  EXPECT_EQ(code, 0) << out;
  const size_t brace = out.find('{');
  if (code != 0 || brace == std::string::npos) return {};
  return nlohmann::json::parse(out.substr(brace), nullptr, /*allow_exceptions=*/false);
}

struct CwruCase {
  const char* file;
  double fs;
  const char* condition;
  const char* family;  // envelope family whose peak must match theory, or nullptr
};

class AnalyzeCwruTest : public ::testing::TestWithParam<CwruCase> {};

TEST_P(AnalyzeCwruTest, DiagnosesTheRecordingAsItsNameSays) {
  ASSERT_TRUE(fs::is_directory(kCwru))
      << "CWRU data not found at " << kCwru << ": the tests need ../shared/data beside the repo";
  const CwruCase& c = GetParam();
  const nlohmann::json j =
      AnalyzeJson("'" + (kCwru / c.file).string() + "' --fs " + std::to_string(c.fs));
  ASSERT_TRUE(j.is_object()) << c.file;
  EXPECT_EQ(j["diagnosis"]["condition"], c.condition) << j["diagnosis"].dump(2);
  EXPECT_GT(j["shaft_hz"].get<double>() * 60, 1700) << "speed read from the file's RPM variable";
  if (c.family) {
    const double err = j["envelope"][c.family]["error_percent"].get<double>();
    EXPECT_LT(std::abs(err), 2.0) << c.family << " peak off theory by " << err << " %";
  }
}

INSTANTIATE_TEST_SUITE_P(Cwru, AnalyzeCwruTest,
                         ::testing::Values(CwruCase{"IR007_0.mat", 12000, "inner_race", "bpfi"},
                                           CwruCase{"IR021_0.mat", 12000, "inner_race", "bpfi"},
                                           CwruCase{"OR007@6_0.mat", 12000, "outer_race", "bpfo"},
                                           CwruCase{"OR021@6_0.mat", 12000, "outer_race", "bpfo"},
                                           CwruCase{"B007_0.mat", 12000, "rolling_element",
                                                    "2xbsf"},
                                           CwruCase{"normal_0.mat", 48000, "healthy", nullptr}),
                         [](const ::testing::TestParamInfo<CwruCase>& info) {
                           std::string name = info.param.file;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

TEST(AnalyzeCliTest, TextReportNamesDiagnosisAndEvidence) {
  auto [code, out] = RunEdgeloop("analyze '" + (kCwru / "IR007_0.mat").string() + "' --fs 12000");
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("diagnosis INNER RACE"), std::string::npos) << out;
  EXPECT_NE(out.find("ISO 10816-3"), std::string::npos) << out;
  EXPECT_NE(out.find("X105_DE_time"), std::string::npos) << out;
}

TEST(AnalyzeCliTest, SimulatedInnerRaceFaultIsDiagnosedFromItsCsv) {
  const fs::path dir = FreshDir("analyze_sim");
  auto [sim_code, sim_out] = RunEdgeloop(
      "sim --kind motor --fault inner_race --duration 4s --rate 25600 --seed 11 --out " +
      dir.string());
  ASSERT_EQ(sim_code, 0) << sim_out;
  fs::path csv;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().string().ends_with("_vibration.csv")) csv = e.path();
  }
  ASSERT_FALSE(csv.empty()) << "sim wrote no vibration CSV";
  std::ifstream truth_file(
      dir /
      (csv.filename().string().substr(0, csv.filename().string().size() - 14) + "_truth.json"));
  ASSERT_TRUE(truth_file.good());
  // The rate comes from the CSV's time column, the speed from --rpm (the truth file has it).
  const nlohmann::json truth = nlohmann::json::parse(truth_file, nullptr, false);
  ASSERT_FALSE(truth.is_discarded());
  ASSERT_TRUE(truth.contains("nominal_rpm")) << truth.dump(2);
  const double rpm = truth["nominal_rpm"].get<double>();
  const nlohmann::json j = AnalyzeJson(csv.string() + " --rpm " + std::to_string(rpm));
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["diagnosis"]["condition"], "inner_race") << j["diagnosis"].dump(2);
  EXPECT_NEAR(j["sample_rate_hz"].get<double>(), 25600, 1);
}

TEST(AnalyzeCliTest, BadInputGetsClearErrors) {
  auto [c1, o1] = RunEdgeloop("analyze /no/such/file.mat --fs 12000");
  EXPECT_EQ(c1, 1);
  EXPECT_NE(o1.find("/no/such/file.mat"), std::string::npos) << o1;

  auto [c2, o2] = RunEdgeloop("analyze '" + (kCwru / "IR007_0.mat").string() + "'");
  EXPECT_EQ(c2, 2);
  EXPECT_NE(o2.find("pass --fs"), std::string::npos) << o2;

  auto [c3, o3] =
      RunEdgeloop("analyze '" + (kCwru / "IR007_0.mat").string() + "' --fs 12000 --channel XYZ");
  EXPECT_EQ(c3, 2);
  EXPECT_NE(o3.find("no channel 'XYZ'"), std::string::npos) << o3;
  EXPECT_NE(o3.find("X105_DE_time"), std::string::npos) << "lists the channels there are";

  auto [c4, o4] = RunEdgeloop("analyze '" + (kCwru / "IR007_0.mat").string() +
                              "' --fs 12000 --bearing n=2,d=9,D=3");
  EXPECT_EQ(c4, 2);
  EXPECT_NE(o4.find("--bearing"), std::string::npos) << o4;

  const fs::path dir = FreshDir("analyze_bad");
  fs::create_directories(dir);
  {
    std::ofstream f(dir / "v73.mat", std::ios::binary);
    std::string header = "MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan 5 2026 HDF5";
    header.resize(128, ' ');
    f << header;
  }
  auto [c5, o5] = RunEdgeloop("analyze " + (dir / "v73.mat").string() + " --fs 1000 --rpm 1800");
  EXPECT_EQ(c5, 1);
  EXPECT_NE(o5.find("v7.3"), std::string::npos) << o5;

  {
    std::ofstream f(dir / "short.csv");
    f << "time_s,vib\n0,0.1\n0.001,oops\n";
  }
  auto [c6, o6] = RunEdgeloop("analyze " + (dir / "short.csv").string() + " --rpm 1800");
  EXPECT_EQ(c6, 1);
  EXPECT_NE(o6.find("short.csv:3"), std::string::npos) << o6;
}

}  // namespace
}  // namespace edgeloop
