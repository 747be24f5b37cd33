// `edgeloop sim` through the real binary: the files it writes (CSV headers, row counts, ISO
// timestamps, ground-truth JSON), determinism by seed, and its error handling.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_runner.h"
#include "sim/machine_simulator.h"

namespace edgeloop::sim {
namespace {

namespace fs = std::filesystem;

using edgeloop::testing::FreshDir;

std::pair<int, std::string> RunSim(const std::string& args) {
  return edgeloop::testing::RunEdgeloop("sim " + args);
}

std::vector<std::string> Lines(const fs::path& path) {
  std::ifstream f(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(f, line);) lines.push_back(line);
  return lines;
}

std::string ReadAll(const fs::path& path) {
  std::ifstream f(path);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

TEST(SimCliTest, WritesVibrationProcessAndTruthFiles) {
  const fs::path dir = FreshDir("files");
  auto [code, out] = RunSim(
      "--kind motor --fault inner_race,imbalance --fault looseness "
      "--onset 1s --growth 1s --duration 3s --rate 12800 --seed 3 --out " +
      dir.string());
  ASSERT_EQ(code, 0) << out;

  const auto vib = Lines(dir / "motor-1_vibration.csv");
  ASSERT_EQ(vib.size(), 1u + 3 * 12800);
  EXPECT_EQ(vib[0], "time_s,vib_de_g");
  EXPECT_EQ(vib[1].rfind("0.000000000,", 0), 0u) << vib[1];
  EXPECT_EQ(vib[12801].rfind("1.000000000,", 0), 0u) << vib[12801];
  double t = 0, g = 0;
  ASSERT_EQ(std::sscanf(vib.back().c_str(), "%lf,%lf", &t, &g), 2) << vib.back();
  EXPECT_NEAR(t, 3 - 1 / 12800.0, 1e-7);

  const auto process = Lines(dir / "motor-1_process.csv");
  ASSERT_EQ(process.size(), 1u + 3);
  EXPECT_EQ(process[0], "timestamp,speed_rpm,temp_bearing_c,current_a");
  EXPECT_EQ(process[1].rfind("2026-01-05T06:00:00.000Z,", 0), 0u) << process[1];
  EXPECT_EQ(process[3].rfind("2026-01-05T06:00:02.000Z,", 0), 0u) << process[3];
  double rpm = 0, temp = 0, amps = 0;
  ASSERT_EQ(std::sscanf(process[2].c_str() + 25, "%lf,%lf,%lf", &rpm, &temp, &amps), 3);
  EXPECT_NEAR(rpm, 1485, 3);
  EXPECT_GT(temp, 30);
  EXPECT_GT(amps, 10);

  const auto truth = nlohmann::json::parse(ReadAll(dir / "motor-1_truth.json"));
  EXPECT_EQ(truth["asset"], "motor-1");
  EXPECT_EQ(truth["seed"], 3);
  EXPECT_EQ(truth["nominal_rpm"], 1485);
  const MachineFrequencies f = ComputeMachineFrequencies(Bearing6205(), 1485);
  EXPECT_NEAR(truth["frequencies_hz"]["bpfi"].get<double>(), f.bpfi_hz, 1e-9);
  EXPECT_NEAR(truth["frequencies_hz"]["ball_defect"].get<double>(), 2 * f.bsf_hz, 1e-9);
  ASSERT_EQ(truth["faults"].size(), 3u);
  EXPECT_EQ(truth["faults"][0]["kind"], "inner_race");
  EXPECT_EQ(truth["faults"][2]["kind"], "looseness");
  EXPECT_EQ(truth["faults"][0]["onset"], "2026-01-05T06:00:01.000Z");
  EXPECT_EQ(truth["faults"][0]["growth_s"], 1);
}

TEST(SimCliTest, SameSeedSameFilesOtherSeedOtherFiles) {
  const fs::path a = FreshDir("seed_a"), b = FreshDir("seed_b"), c = FreshDir("seed_c");
  const std::string common = "--kind fan --fault outer_race --duration 1s --asset fan-7 ";
  ASSERT_EQ(RunSim(common + "--seed 5 --out " + a.string()).first, 0);
  ASSERT_EQ(RunSim(common + "--seed 5 --out " + b.string()).first, 0);
  ASSERT_EQ(RunSim(common + "--seed 6 --out " + c.string()).first, 0);
  const std::string va = ReadAll(a / "fan-7_vibration.csv");
  EXPECT_EQ(va, ReadAll(b / "fan-7_vibration.csv"));
  EXPECT_NE(va, ReadAll(c / "fan-7_vibration.csv"));
  EXPECT_EQ(ReadAll(a / "fan-7_process.csv"), ReadAll(b / "fan-7_process.csv"));
}

TEST(SimCliTest, BadOptionsExitTwoAndUnwritableFoldersExitOne) {
  const std::string out = " --out " + FreshDir("bad").string();
  for (const auto& [args, message] : std::vector<std::pair<std::string, std::string>>{
           {"--fault cracked_rotor", "unknown fault 'cracked_rotor'"},
           {"--duration 60", "needs a unit"},
           {"--onset soon", "--onset"},
           {"--kind boat", "unknown machine kind 'boat'"},
           {"--rpm fast", "--rpm must be a number"},
           {"--rate 0", "--rate must be a number"},
           {"--seed=-1", "--seed"},
           {"--curve sigmoid", "unknown growth curve"},
           {"--fault imbalance,imbalance", "given twice"},
           {"--asset ../x", "--asset"},
       }) {
    auto [code, text] = RunSim(args + out);
    EXPECT_EQ(code, 2) << args << ": " << text;
    EXPECT_NE(text.find(message), std::string::npos) << args << ": " << text;
  }
  // A folder below a plain file cannot be created, whoever runs the test.
  const fs::path dir = FreshDir("blocked");
  fs::create_directories(dir);
  std::ofstream(dir / "file") << "x";
  auto [code, text] = RunSim("--duration 1s --out " + (dir / "file" / "sub").string());
  EXPECT_EQ(code, 1) << text;
  EXPECT_NE(text.find("cannot create output folder"), std::string::npos) << text;
}

}  // namespace
}  // namespace edgeloop::sim
