// `edgeloop model train|inspect|run|eval` through the real binary, on generated plant data:
// each trainer learns, exports, and its exported model (float and int8) is scored by the edge
// runtime; bad files and arguments give clear errors and exit codes.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>

#include "cli_runner.h"

namespace edgeloop::testing {
namespace {

namespace fs = std::filesystem;

// Five sensors driven by two latent process variables (flow, load) plus noise. Anomalous rows
// break the correlation: sensor 3 drifts away from what flow and load predict.
void WriteProcessCsv(const fs::path& path, int rows, int anomaly_begin, int anomaly_end,
                     uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0);
  std::ofstream f(path);
  f << "timestamp,flow,load,pressure,current,temp,anomaly\n";
  for (int i = 0; i < rows; ++i) {
    const double flow = 10 + 2 * std::sin(i / 50.0) + 0.5 * g(rng);
    const double load = 5 + g(rng);
    const bool bad = i >= anomaly_begin && i < anomaly_end;
    const double pressure = 0.3 * flow + 0.1 * g(rng);
    const double current = 2 * load + 0.5 * flow + 0.2 * g(rng) + (bad ? 3.0 : 0.0);
    const double temp = 40 + 3 * load + 0.3 * g(rng);
    f << 1600000000 + i << ',' << flow << ',' << load << ',' << pressure << ',' << current << ','
      << temp << ',' << (bad ? 1 : 0) << '\n';
  }
}

// Three fault classes (0 healthy, 2 imbalance, 5 looseness) as clusters in 4 features.
void WriteFaultCsv(const fs::path& path, int rows, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0);
  std::ofstream f(path);
  f << "rms,crest,x1,x2,fault\n";
  const int labels[] = {0, 2, 5};
  for (int i = 0; i < rows; ++i) {
    const int c = i % 3;
    f << 1 + c + 0.4 * g(rng) << ',' << 3 + (c == 2 ? 2 : 0) + 0.5 * g(rng) << ','
      << (c == 1 ? 1.5 : 0.0) + 0.5 * g(rng) << ',' << g(rng) << ',' << labels[c] << '\n';
  }
}

class ModelCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // One folder per test: CTest runs the tests of this fixture in parallel processes.
    dir_ = FreshDir(std::string("model_cli_") +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    WriteProcessCsv(dir_ / "normal.csv", 3000, -1, -1, 1);
    WriteProcessCsv(dir_ / "test.csv", 1000, 600, 700, 2);
    WriteFaultCsv(dir_ / "faults.csv", 1500, 3);
    WriteFaultCsv(dir_ / "faults_test.csv", 600, 4);
  }
  std::string P(const std::string& name) const { return (dir_ / name).string(); }

  nlohmann::json EvalJson(const std::string& model, const std::string& data,
                          const std::string& label) {
    auto [code, out] = RunEdgeloop("model eval " + P(model) + " --data " + P(data) + " --label " +
                                   label + " --json");
    EXPECT_EQ(code, 0) << out;
    auto j = nlohmann::json::parse(out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << out;
    return j.is_discarded() ? nlohmann::json() : j["files"][0];
  }

  fs::path dir_;
};

TEST_F(ModelCliTest, PcaTrainsInspectsRunsEvaluatesAndQuantizes) {
  auto [code, out] =
      RunEdgeloop("model train --trainer pca --data " + P("normal.csv") +
                  " --exclude anomaly --out " + P("pca.onnx") + " --int8 " + P("pca8.onnx"));
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("int8: 2 MatMul(s) quantized"), std::string::npos) << out;
  EXPECT_NE(out.find("same decision on"), std::string::npos) << out;

  auto [icode, iout] = RunEdgeloop("model inspect --json " + P("pca.onnx"));
  ASSERT_EQ(icode, 0) << iout;
  auto info = nlohmann::json::parse(iout);
  EXPECT_EQ(info["metadata"]["trainer"], "pca");
  EXPECT_EQ(info["metadata"]["features"].size(), 5u);
  EXPECT_EQ(info["metadata"]["features"][0]["name"], "flow");
  EXPECT_TRUE(info["metadata"]["threshold"].is_number());
  EXPECT_EQ(info["outputs"][0]["name"], "score");
  EXPECT_EQ(info["inputs"][0]["shape"], "[N, 5]");
  EXPECT_EQ(info["metadata"]["training"]["rows"], 2400);  // 20% held out to calibrate
  EXPECT_EQ(info["metadata"]["reference_histograms"].size(), 5u);

  auto [tcode, text] = RunEdgeloop("model inspect " + P("pca.onnx"));
  ASSERT_EQ(tcode, 0) << text;
  EXPECT_NE(text.find("features   5 : flow, load, pressure, current, temp"), std::string::npos)
      << text;

  auto eval = EvalJson("pca.onnx", "test.csv", "anomaly");
  EXPECT_GT(eval["roc_auc"].get<double>(), 0.95) << eval.dump();
  EXPECT_GT(eval["f1"].get<double>(), 0.6) << eval.dump();
  EXPECT_LT(eval["far"].get<double>(), 5.0) << eval.dump();
  auto eval8 = EvalJson("pca8.onnx", "test.csv", "anomaly");
  EXPECT_NEAR(eval8["f1"].get<double>(), eval["f1"].get<double>(), 0.1) << eval8.dump();

  auto [rcode, rout] = RunEdgeloop("model run " + P("pca.onnx") + " --data " + P("test.csv") +
                                   " --out " + P("scores.csv"));
  ASSERT_EQ(rcode, 0) << rout;
  EXPECT_NE(rout.find("scored 1000 rows"), std::string::npos) << rout;
  EXPECT_NE(rout.find("peak RSS"), std::string::npos) << rout;
  std::ifstream scores(P("scores.csv"));
  std::string header, line;
  std::getline(scores, header);
  EXPECT_EQ(header, "time,score,t2,q,alarm");
  int rows = 0, alarms_in_window = 0;
  while (std::getline(scores, line)) {
    alarms_in_window += (rows >= 600 && rows < 700 && line.back() == '1');
    ++rows;
  }
  EXPECT_EQ(rows, 1000);
  EXPECT_GT(alarms_in_window, 50);
}

TEST_F(ModelCliTest, IsolationForestFlagsTheBrokenCorrelation) {
  auto [code, out] = RunEdgeloop("model train --trainer iforest --data " + P("normal.csv") +
                                 " --exclude anomaly --trees 100 --seed 3 --out " + P("if.onnx"));
  ASSERT_EQ(code, 0) << out;
  auto eval = EvalJson("if.onnx", "test.csv", "anomaly");
  EXPECT_GT(eval["roc_auc"].get<double>(), 0.7) << eval.dump();
  auto [icode, iout] = RunEdgeloop("model inspect " + P("if.onnx"));
  EXPECT_NE(iout.find("ai.onnx.ml:TreeEnsembleRegressor"), std::string::npos) << iout;
}

TEST_F(ModelCliTest, GbdtClassifiesFaults) {
  auto [code, out] =
      RunEdgeloop("model train --trainer gbdt --data " + P("faults.csv") +
                  " --label fault --rounds 30 --max-depth 4 --out " + P("gbdt.onnx"));
  ASSERT_EQ(code, 0) << out;
  auto eval = EvalJson("gbdt.onnx", "faults_test.csv", "fault");
  EXPECT_GT(eval["accuracy"].get<double>(), 0.85) << eval.dump();
  auto [icode, iout] = RunEdgeloop("model inspect --json " + P("gbdt.onnx"));
  auto info = nlohmann::json::parse(iout);
  EXPECT_EQ(info["metadata"]["class_labels"], nlohmann::json({0, 2, 5}));
  EXPECT_EQ(info["metadata"]["task"], "classification");
}

TEST_F(ModelCliTest, ModelCarriesAReferenceSpectrumForDrift) {
  const std::string mat = std::string(EDGELOOP_SHARED_DATA) + "/cwru/normal_0.mat";
  if (!fs::exists(mat)) GTEST_SKIP() << "CWRU data not found at " << mat;
  auto [code, out] =
      RunEdgeloop("model train --trainer pca --data " + P("normal.csv") +
                  " --exclude anomaly --reference-spectrum " + mat +
                  " --spectrum-channel X097_DE_time --spectrum-fs 12000 --out " + P("pca.onnx"));
  ASSERT_EQ(code, 0) << out;
  auto [icode, iout] = RunEdgeloop("model inspect --json " + P("pca.onnx"));
  auto meta = nlohmann::json::parse(iout)["metadata"];
  ASSERT_EQ(meta["reference_spectrum"].size(), 2049u);
  EXPECT_NEAR(meta["reference_spectrum_bin_hz"].get<double>(), 12000.0 / 4096, 1e-9);
  // Parseval: the bins sum to the variance of the drive-end signal (a few hundredths of g²).
  double sum = 0;
  for (const auto& v : meta["reference_spectrum"]) sum += v.get<double>();
  EXPECT_GT(sum, 1e-3);
  EXPECT_LT(sum, 1.0);

  auto [bcode, bout] = RunEdgeloop("model train --trainer pca --data " + P("normal.csv") +
                                   " --exclude anomaly --reference-spectrum " + mat +
                                   " --spectrum-channel nosuch --out " + P("pca2.onnx"));
  EXPECT_EQ(bcode, 1);
  EXPECT_NE(bout.find("no channel 'nosuch'"), std::string::npos) << bout;
}

TEST_F(ModelCliTest, BadInputsGiveClearErrors) {
  {
    std::ofstream f(P("garbage.onnx"));
    f << "this is not a model";
  }
  auto [c1, o1] = RunEdgeloop("model inspect " + P("garbage.onnx"));
  EXPECT_EQ(c1, 1);
  EXPECT_NE(o1.find("error: "), std::string::npos) << o1;
  EXPECT_NE(o1.find("garbage.onnx"), std::string::npos) << o1;

  auto [c2, o2] = RunEdgeloop("model inspect " + P("missing.onnx"));
  EXPECT_EQ(c2, 1) << o2;

  auto [c3, o3] =
      RunEdgeloop("model train --trainer gbdt --data " + P("faults.csv") + " --out " + P("x.onnx"));
  EXPECT_EQ(c3, 1);
  EXPECT_NE(o3.find("needs --label"), std::string::npos) << o3;
  EXPECT_FALSE(fs::exists(P("x.onnx")));

  auto [c4, o4] = RunEdgeloop("model train --trainer pca --data " + P("normal.csv") +
                              " --label nosuch --out " + P("x.onnx"));
  EXPECT_EQ(c4, 1);
  EXPECT_NE(o4.find("no label column 'nosuch'"), std::string::npos) << o4;

  // A model whose features the file does not have.
  ASSERT_EQ(RunEdgeloop("model train --trainer pca --data " + P("normal.csv") +
                        " --exclude anomaly --out " + P("pca.onnx"))
                .first,
            0);
  auto [c5, o5] = RunEdgeloop("model run " + P("pca.onnx") + " --data " + P("faults.csv"));
  EXPECT_EQ(c5, 1);
  EXPECT_NE(o5.find("no feature column 'flow'"), std::string::npos) << o5;

  auto [c6, o6] = RunEdgeloop("model train --trainer pca --data " + P("normal.csv") +
                              " --exclude anomaly --out " + P("nodir/pca.onnx"));
  EXPECT_EQ(c6, 1);
  EXPECT_NE(o6.find("cannot write"), std::string::npos) << o6;

  auto [c7, o7] = RunEdgeloop("model train --trainer pca --data " + P("faults.csv") +
                              " --exclude fault --int8 " + P("x8.onnx") + " --out " +
                              P("tiny.onnx") + " --validation-fraction 0");
  EXPECT_EQ(c7, 0) << o7;  // no held-out rows: the threshold stays at the control limit
}

}  // namespace
}  // namespace edgeloop::testing
