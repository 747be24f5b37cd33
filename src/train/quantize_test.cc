// Post-training int8 quantization: the rewritten model validates, runs its MatMuls on int8, and
// stays close to the float model on held-out rows; models it cannot quantize are refused.
#include "train/quantize.h"

#include <gtest/gtest.h>

#include <random>

#include "model/model_metadata.h"
#include "model/onnx_model.h"
#include "train/batch_runner.h"
#include "train/onnx_builder.h"

namespace edgeloop::train {
namespace {

constexpr int kF = 6, kM = 4;

Dataset RandomRows(size_t n, uint32_t seed) {
  Dataset d;
  d.source = "random";
  for (int j = 0; j < kF; ++j) d.features.push_back("f" + std::to_string(j));
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0);
  for (size_t i = 0; i < n * kF; ++i) d.x.push_back(3.0 + 2.0 * g(rng));
  return d;
}

// score = sum(((x - 3) W)^2), a small two-stage linear model with a threshold.
std::string FloatModel(double threshold) {
  OnnxBuilder b("linear");
  b.AddInput("features", model::DType::kFloat, {-1, kF});
  b.AddOutput("score", model::DType::kFloat, {-1, 1});
  b.AddOutput("proj", model::DType::kFloat, {-1, kM});
  std::vector<float> mean(kF, 3.0f), w(kF * kM);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (float& v : w) v = u(rng);
  b.AddNode("Sub", {"features", b.AddFloats("mean", {kF}, mean)}, {"centered"});
  b.AddNode("MatMul", {"centered", b.AddFloats("w", {kF, kM}, w)}, {"proj"});
  b.AddNode("Mul", {"proj", "proj"}, {"sq"});
  const int64_t axes[] = {1};
  b.AddNode("ReduceSum", {"sq", b.AddInt64s("axes", {1}, axes)}, {"score"})
      .Attr("keepdims", int64_t{1});
  model::ModelMetadata meta;
  meta.trainer = "test";
  meta.task = "anomaly";
  meta.score_output = "score";
  meta.threshold = threshold;
  for (int j = 0; j < kF; ++j) meta.features.push_back({"f" + std::to_string(j), ""});
  return b.Finish(meta).value();
}

TEST(QuantizeTest, Int8ModelTracksTheFloatModel) {
  const std::string fm = FloatModel(/*threshold=*/12.0);
  // Compared on its own calibration rows no activation saturates, so every error is rounding.
  auto q = QuantizeLinearParts(fm, RandomRows(2000, 1), RandomRows(2000, 1));
  ASSERT_TRUE(q.ok()) << q.status().message();
  const auto& r = q->report;
  EXPECT_EQ(r.matmuls_quantized, 1);
  EXPECT_EQ(r.evaluation_rows, 2000u);
  ASSERT_EQ(r.outputs.size(), 1u + kM);  // score, proj[0..3]
  for (const auto& e : r.outputs) {
    EXPECT_GT(e.range, 0);
    EXPECT_GT(e.max_abs, 0) << e.name << ": an int8 model cannot be exact";
    EXPECT_LT(e.max_abs, 0.03 * e.range) << e.name;
    EXPECT_LT(e.mean_abs, 0.005 * e.range) << e.name;
  }
  EXPECT_GT(r.float_alarms, 20u);
  EXPECT_GT(r.alarm_agreement, 0.98);
  std::string text = FormatReport(r);
  EXPECT_NE(text.find("1 MatMul(s) quantized"), std::string::npos) << text;

  auto m = model::OnnxModel::FromBytes(
      {reinterpret_cast<const uint8_t*>(q->bytes.data()), q->bytes.size()});
  ASSERT_TRUE(m.ok()) << m.status().message();
  int matmul = 0, matmul_int = 0;
  for (const auto& n : m->graph().node()) {
    matmul += n.op_type() == "MatMul";
    matmul_int += n.op_type() == "MatMulInteger";
  }
  EXPECT_EQ(matmul, 0);
  EXPECT_EQ(matmul_int, 1);
  for (const auto& init : m->graph().initializer()) EXPECT_NE(init.name(), "w");
  auto meta = model::ReadMetadata(m->proto());
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->params["int8"]["matmuls_quantized"], 1);
  EXPECT_DOUBLE_EQ(meta->threshold, 12.0);

  // Held-out rows may leave the calibrated range and saturate; on average it still holds.
  auto held_out = QuantizeLinearParts(fm, RandomRows(500, 3), RandomRows(2000, 4));
  ASSERT_TRUE(held_out.ok()) << held_out.status().message();
  for (const auto& e : held_out->report.outputs) EXPECT_LT(e.mean_abs, 0.01 * e.range) << e.name;
  EXPECT_GT(held_out->report.alarm_agreement, 0.97);
}

TEST(QuantizeTest, RefusesWhatItCannotQuantize) {
  OnnxBuilder b("no_matmul");
  b.AddInput("features", model::DType::kFloat, {-1, kF});
  b.AddOutput("score", model::DType::kFloat, {-1, kF});
  b.AddNode("Relu", {"features"}, {"score"});
  auto bytes = b.Finish({});
  ASSERT_TRUE(bytes.ok());
  auto q = QuantizeLinearParts(*bytes, RandomRows(10, 1), RandomRows(10, 2));
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("no MatMul"), std::string::npos);

  EXPECT_FALSE(QuantizeLinearParts("garbage", RandomRows(10, 1), RandomRows(10, 2)).ok());
  EXPECT_FALSE(QuantizeLinearParts(FloatModel(1), Dataset{}, RandomRows(10, 2)).ok());
}

}  // namespace
}  // namespace edgeloop::train
