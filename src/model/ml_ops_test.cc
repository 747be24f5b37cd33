// ai.onnx.ml kernels on hand-built models with hand-computed outputs: every aggregate function,
// branch mode, missing-value routing, base_values, every post_transform, the classifier's binary
// special case (onnxruntime semantics), multiclass, Scaler, and allocation-free Runs.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#define EDGELOOP_ALLOC_COUNTER_COUNTERS_ONLY
#include "model/alloc_counter_test_util.h"
#include "model/ml_test_util.h"
#include "model/ops.h"

namespace edgeloop::model {
namespace {

using alloc_counter::g_allocs;
using alloc_counter::g_count_allocs;
using namespace ml_test;  // NOLINT(build/namespaces): test helpers

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

float Sigmoid(float v) { return 1.0f / (1.0f + std::exp(-v)); }

// Tree 0: x0 <= 0.5 ? leaf 1 : (x1 <= 1 ? leaf 3 : leaf 4).  Tree 1: x1 <= 0 ? leaf 1 : leaf 2.
std::vector<TreeNode> TwoTrees() {
  return {Branch(0, 0, "LEQ", 0, 0.5f, 1, 2),
          Leaf(0, 1),
          Branch(0, 2, "LEQ", 1, 1.0f, 3, 4),
          Leaf(0, 3),
          Leaf(0, 4),
          Branch(1, 0, "LEQ", 1, 0.0f, 1, 2),
          Leaf(1, 1),
          Leaf(1, 2)};
}
// Target 0: tree 0 leaves 1, 2, 3 -> 1, 2, 3; tree 1 leaves -> 0.5, -1.5.
// Target 1: tree 0 leaf 1 -> 10, tree 1 leaf 2 -> 5.
std::vector<LeafWeight> TwoTreeWeights() {
  return {{0, 1, 0, 1.0f},  {0, 3, 0, 2.0f},  {0, 4, 0, 3.0f}, {1, 1, 0, 0.5f},
          {1, 2, 0, -1.5f}, {0, 1, 1, 10.0f}, {1, 2, 1, 5.0f}};
}
std::vector<LeafWeight> TargetZeroWeights() {
  std::vector<LeafWeight> w = TwoTreeWeights();
  w.resize(5);
  return w;
}
// Rows reaching (tree 0 leaf, tree 1 leaf): (1,1), (4,2), (3,2), (3,1).
const std::vector<float> kRows = {0, 0, 1, 2, 1, 0.5f, 1, -1};

MlModel Regressor(const std::string& agg, int64_t targets = 2, const std::string& post = "NONE") {
  MlModel m("TreeEnsembleRegressor", 2);
  SetTrees(m.node(), TwoTrees(), TwoTreeWeights(), "target");
  SetInt(m.node(), "n_targets", targets);
  SetString(m.node(), "aggregate_function", agg);
  SetString(m.node(), "post_transform", post);
  return m;
}

void ExpectFloats(const std::vector<float>& got, const std::vector<float>& want,
                  float tol = 1e-6f) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], want[i], tol * std::max(1.0f, std::abs(want[i]))) << "at " << i;
  }
}

TEST(MlOps, RegressorAggregates) {
  struct Case {
    std::string agg;
    std::vector<float> want;  // [4 rows, 2 targets]
  };
  // Target 1 gets no weight in row 3: MIN and MAX report 0 there, like onnxruntime.
  const Case cases[] = {
      {"SUM", {1.5f, 10, 1.5f, 5, 0.5f, 5, 2.5f, 0}},
      {"AVERAGE", {0.75f, 5, 0.75f, 2.5f, 0.25f, 2.5f, 1.25f, 0}},
      {"MIN", {0.5f, 10, -1.5f, 5, -1.5f, 5, 0.5f, 0}},
      {"MAX", {1.0f, 10, 3.0f, 5, 2.0f, 5, 2.0f, 0}},
  };
  for (const auto& c : cases) {
    auto out = LoadAndRun(Regressor(c.agg), kRows, 2);
    ASSERT_TRUE(out.ok()) << c.agg << ": " << out.status().ToString();
    EXPECT_EQ(out->shapes[0], (std::vector<int64_t>{4, 2})) << c.agg;
    SCOPED_TRACE(c.agg);
    ExpectFloats(out->floats[0], c.want);
  }
  // One target (the single-value fast path) with base_values.
  for (const auto& c : cases) {
    MlModel m("TreeEnsembleRegressor", 2);
    onnx::NodeProto* n = m.node();
    SetTrees(n, TwoTrees(), TargetZeroWeights(), "target");
    SetInt(n, "n_targets", 1);
    SetString(n, "aggregate_function", c.agg);
    SetFloats(n, "base_values", {10});
    auto out = LoadAndRun(m, kRows, 2);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    SCOPED_TRACE(c.agg + " single target");
    ExpectFloats(out->floats[0], {c.want[0] + 10, c.want[2] + 10, c.want[4] + 10, c.want[6] + 10});
  }
}

TEST(MlOps, RegressorBaseValuesAndPostTransforms) {
  auto base = Regressor("SUM");
  SetFloats(base.node(), "base_values", {1, -2});
  auto out = LoadAndRun(base, kRows, 2);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectFloats(out->floats[0], {2.5f, 8, 2.5f, 3, 1.5f, 3, 3.5f, -2});

  out = LoadAndRun(Regressor("SUM", 2, "LOGISTIC"), kRows, 2);
  ASSERT_TRUE(out.ok());
  ExpectFloats(out->floats[0], {Sigmoid(1.5f), Sigmoid(10), Sigmoid(1.5f), Sigmoid(5),
                                Sigmoid(0.5f), Sigmoid(5), Sigmoid(2.5f), 0.5f});

  out = LoadAndRun(Regressor("SUM", 2, "SOFTMAX"), kRows, 2);
  ASSERT_TRUE(out.ok());
  auto soft = [](float a, float b) { return 1.0f / (1.0f + std::exp(b - a)); };
  // Row 3 is [2.5, 0]: SOFTMAX gives 0 a share, SOFTMAX_ZERO keeps it at 0.
  ExpectFloats(out->floats[0],
               {soft(1.5f, 10), soft(10, 1.5f), soft(1.5f, 5), soft(5, 1.5f), soft(0.5f, 5),
                soft(5, 0.5f), soft(2.5f, 0), soft(0, 2.5f)},
               1e-5f);
  out = LoadAndRun(Regressor("SUM", 2, "SOFTMAX_ZERO"), kRows, 2);
  ASSERT_TRUE(out.ok());
  EXPECT_NEAR(out->floats[0][0], soft(1.5f, 10), 1e-5f);
  EXPECT_FLOAT_EQ(out->floats[0][6], 1.0f);
  EXPECT_FLOAT_EQ(out->floats[0][7], 0.0f);

  // PROBIT of 0.5 is 0 and of Phi(1) = 0.841345 about 1 (erfinv is approximated).
  MlModel probit("TreeEnsembleRegressor", 1);
  SetTrees(probit.node(), {Branch(0, 0, "LEQ", 0, 0, 1, 2), Leaf(0, 1), Leaf(0, 2)},
           {{0, 1, 0, 0.5f}, {0, 2, 0, 0.841345f}}, "target");
  SetInt(probit.node(), "n_targets", 1);
  SetString(probit.node(), "post_transform", "PROBIT");
  out = LoadAndRun(probit, {-1, 1}, 1);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_NEAR(out->floats[0][0], 0.0f, 1e-6f);
  EXPECT_NEAR(out->floats[0][1], 1.0f, 5e-3f);
}

// A one-branch tree on x0 with threshold 1: leaf 1 (value 1) when the test holds, leaf 2
// (value 2) otherwise.
MlModel OneBranch(const std::string& mode, int64_t missing_true, float threshold = 1.0f) {
  MlModel m("TreeEnsembleRegressor", 1);
  SetTrees(m.node(), {Branch(0, 0, mode, 0, threshold, 1, 2, missing_true), Leaf(0, 1), Leaf(0, 2)},
           {{0, 1, 0, 1.0f}, {0, 2, 0, 2.0f}}, "target");
  SetInt(m.node(), "n_targets", 1);
  return m;
}

TEST(MlOps, BranchModesAndMissingValues) {
  const float kInf = std::numeric_limits<float>::infinity();
  const std::vector<float> x = {0.5f, 1.0f, 1.5f, -kInf, kInf, kNaN};
  struct Case {
    std::string mode;
    std::vector<float> want;  // for x; NaN goes to the false leaf (2) without missing_true
  };
  const Case cases[] = {
      {"LEQ", {1, 1, 2, 1, 2, 2}}, {"LT", {1, 2, 2, 1, 2, 2}}, {"GTE", {2, 1, 1, 2, 1, 2}},
      {"GT", {2, 2, 1, 2, 1, 2}},  {"EQ", {2, 1, 2, 2, 2, 2}}, {"NEQ", {1, 2, 1, 1, 1, 1}},
  };
  for (const auto& c : cases) {
    for (int64_t missing : {0, 1}) {
      SCOPED_TRACE(c.mode + " missing_true=" + std::to_string(missing));
      auto out = LoadAndRun(OneBranch(c.mode, missing), x, 1);
      ASSERT_TRUE(out.ok()) << out.status().ToString();
      std::vector<float> want = c.want;
      if (missing == 1) want.back() = 1;  // NaN takes the true branch
      ExpectFloats(out->floats[0], want);
    }
  }
  // Infinite and NaN thresholds keep the comparison's meaning.
  const std::vector<float> y = {-kInf, 0, kInf};
  auto run = [&](const std::string& mode, float t) {
    auto out = LoadAndRun(OneBranch(mode, 0, t), y, 1);
    EXPECT_TRUE(out.ok());
    return out.ok() ? out->floats[0] : std::vector<float>{};
  };
  EXPECT_EQ(run("LT", -kInf), (std::vector<float>{2, 2, 2}));
  EXPECT_EQ(run("GTE", -kInf), (std::vector<float>{1, 1, 1}));
  EXPECT_EQ(run("LT", kInf), (std::vector<float>{1, 1, 2}));
  EXPECT_EQ(run("GTE", kInf), (std::vector<float>{2, 2, 1}));
  EXPECT_EQ(run("GT", kNaN), (std::vector<float>{2, 2, 2}));
  EXPECT_EQ(run("GTE", kNaN), (std::vector<float>{2, 2, 2}));
  EXPECT_EQ(run("LEQ", kNaN), (std::vector<float>{2, 2, 2}));
  EXPECT_EQ(run("NEQ", kNaN), (std::vector<float>{1, 1, 1}));
}

// Binary classifiers as XGBoost (mixed-sign margins) and random forests (probabilities) are
// exported: two labels, weights only for class 0.
MlModel BinaryClassifier(std::vector<LeafWeight> weights, const std::string& post,
                         std::vector<int64_t> labels = {0, 1}) {
  MlModel m("TreeEnsembleClassifier", 2, 2);
  SetTrees(m.node(), TwoTrees(), weights, "class");
  SetInts(m.node(), "classlabels_int64s", labels);
  SetString(m.node(), "post_transform", post);
  return m;
}

TEST(MlOps, ClassifierBinarySpecialCase) {
  const std::vector<LeafWeight> margins = TargetZeroWeights();
  // Margins per row: tree 0 leaf + tree 1 leaf, with leaf 4 of tree 0 made negative.
  const std::vector<float> rows = {0, 0, 1, 2, 1, 0.5f, 1, -1, 1, 0.5f};
  std::vector<LeafWeight> w = margins;
  w[2].weight = -3.0f;  // tree 0 leaf 4: row 1 margin -4.5
  auto out = LoadAndRun(BinaryClassifier(w, "LOGISTIC"), rows, 2);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const std::vector<float> margin = {1.5f, -4.5f, 0.5f, 2.5f, 0.5f};
  EXPECT_EQ(out->ints[0], (std::vector<int64_t>{1, 0, 1, 1, 1}));
  ASSERT_EQ(out->shapes[1], (std::vector<int64_t>{5, 2}));
  for (size_t r = 0; r < margin.size(); ++r) {
    EXPECT_NEAR(out->floats[1][2 * r], Sigmoid(-margin[r]), 1e-6f);
    EXPECT_NEAR(out->floats[1][2 * r + 1], Sigmoid(margin[r]), 1e-6f);
  }
  // NONE: the scores are (-margin, margin); labels map through classlabels_int64s.
  out = LoadAndRun(BinaryClassifier(w, "NONE", {7, 9}), rows, 2);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->ints[0], (std::vector<int64_t>{9, 7, 9, 9, 9}));
  ExpectFloats(out->floats[1], {-1.5f, 1.5f, 4.5f, -4.5f, -0.5f, 0.5f, -2.5f, 2.5f, -0.5f, 0.5f});
  // One base value is added to the margin.
  auto based = BinaryClassifier(w, "NONE");
  SetFloats(based.node(), "base_values", {-1.0f});
  out = LoadAndRun(based, rows, 2);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->ints[0], (std::vector<int64_t>{1, 0, 0, 1, 0}));
  EXPECT_NEAR(out->floats[1][1], 0.5f, 1e-6f);
  EXPECT_NEAR(out->floats[1][5], -0.5f, 1e-6f);

  // All weights positive: a probability p of the positive class, scores (1 - p, p), label p > .5.
  const std::vector<LeafWeight> probs = {{0, 1, 0, 0.2f}, {0, 3, 0, 0.9f}, {0, 4, 0, 0.6f}};
  out = LoadAndRun(BinaryClassifier(probs, "NONE"), rows, 2);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->ints[0], (std::vector<int64_t>{0, 1, 1, 1, 1}));
  ExpectFloats(out->floats[1], {0.8f, 0.2f, 0.4f, 0.6f, 0.1f, 0.9f, 0.1f, 0.9f, 0.1f, 0.9f});
  // onnxruntime does not apply LOGISTIC to probabilities in this case.
  out = LoadAndRun(BinaryClassifier(probs, "LOGISTIC"), rows, 2);
  ASSERT_TRUE(out.ok());
  ExpectFloats(out->floats[1], {0.8f, 0.2f, 0.4f, 0.6f, 0.1f, 0.9f, 0.1f, 0.9f, 0.1f, 0.9f});

  // Both columns weighted: an ordinary two-class problem scored by class 1.
  std::vector<LeafWeight> both = probs;
  both.push_back({0, 1, 1, 0.8f});
  both.push_back({0, 3, 1, 0.1f});
  both.push_back({0, 4, 1, -0.4f});
  out = LoadAndRun(BinaryClassifier(both, "NONE", {3, 4}), rows, 2);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->ints[0], (std::vector<int64_t>{4, 3, 4, 4, 4}));
  ExpectFloats(out->floats[1], {0.2f, 0.8f, 0.6f, -0.4f, 0.9f, 0.1f, 0.9f, 0.1f, 0.9f, 0.1f});
}

TEST(MlOps, ClassifierMulticlass) {
  // One tree per class, as gradient boosting exports multiclass models.
  MlModel m("TreeEnsembleClassifier", 2, 2);
  std::vector<TreeNode> nodes = TwoTrees();
  nodes.push_back(Branch(2, 0, "LEQ", 0, 0.0f, 1, 2));
  nodes.push_back(Leaf(2, 1));
  nodes.push_back(Leaf(2, 2));
  SetTrees(m.node(), nodes,
           {{0, 1, 0, 1.0f},
            {0, 3, 0, 2.0f},
            {0, 4, 0, -1.0f},
            {1, 1, 1, 0.5f},
            {1, 2, 1, 1.5f},
            {2, 1, 2, 3.0f},
            {2, 2, 2, -2.0f}},
           "class");
  SetInts(m.node(), "classlabels_int64s", {10, 11, 12});
  SetFloats(m.node(), "base_values", {0.1f, 0.2f, 0.3f});
  SetString(m.node(), "post_transform", "SOFTMAX");
  auto out = LoadAndRun(m, kRows, 2);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  // Raw scores + base: row 0 (1.1, 0.7, 3.3), row 1 (-0.9, 1.7, -1.7), row 2 (2.1, 1.7, -1.7),
  // row 3 (2.1, 0.7, -1.7).
  const float raw[4][3] = {
      {1.1f, 0.7f, 3.3f}, {-0.9f, 1.7f, -1.7f}, {2.1f, 1.7f, -1.7f}, {2.1f, 0.7f, -1.7f}};
  EXPECT_EQ(out->ints[0], (std::vector<int64_t>{12, 11, 10, 10}));
  for (int r = 0; r < 4; ++r) {
    float sum = 0;
    for (float v : raw[r]) sum += std::exp(v);
    for (int k = 0; k < 3; ++k) {
      EXPECT_NEAR(out->floats[1][static_cast<size_t>(r * 3 + k)], std::exp(raw[r][k]) / sum, 1e-6f);
    }
  }

  // Without base_values only classes that received a weight compete for the label (as in
  // onnxruntime): class 2 scores 0 in row 1 but got no weight, so class 0 (-1) wins there.
  MlModel partial("TreeEnsembleClassifier", 2, 2);
  SetTrees(partial.node(), TwoTrees(),
           {{0, 1, 0, -1.0f},
            {0, 3, 0, -1.0f},
            {0, 4, 0, -1.0f},
            {0, 1, 2, 5.0f},
            {1, 1, 1, -2.0f},
            {1, 2, 1, -2.0f}},
           "class");
  SetInts(partial.node(), "classlabels_int64s", {0, 1, 2});
  out = LoadAndRun(partial, kRows, 2);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->ints[0], (std::vector<int64_t>{2, 0, 0, 0}));
  ExpectFloats(out->floats[1], {-1, -2, 5, -1, -2, 0, -1, -2, 0, -1, -2, 0});

  // Only the label output.
  MlModel labels_only("TreeEnsembleClassifier", 2, 1);
  labels_only.node()->mutable_attribute()->CopyFrom(m.node()->attribute());
  out = LoadAndRun(labels_only, kRows, 2);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->ints[0], (std::vector<int64_t>{12, 11, 10, 10}));
}

TEST(MlOps, Scaler) {
  MlModel m("Scaler", 3);
  SetFloats(m.node(), "offset", {1, 2, 3});
  SetFloats(m.node(), "scale", {2, 0.5f, -1});
  auto out = LoadAndRun(m, {1, 2, 3, 2, 4, 0}, 3);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectFloats(out->floats[0], {0, 0, 0, 2, 1, 3});
  MlModel one("Scaler", 3);
  SetFloats(one.node(), "offset", {1});
  SetFloats(one.node(), "scale", {3});
  out = LoadAndRun(one, {1, 2, 3, 2, 4, 0}, 3);
  ASSERT_TRUE(out.ok());
  ExpectFloats(out->floats[0], {0, 3, 6, 3, 9, -3});
  // int64 input, float output.
  one.proto()
      .mutable_graph()
      ->mutable_input(0)
      ->mutable_type()
      ->mutable_tensor_type()
      ->set_elem_type(7);
  auto model = one.Load();
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto session = InferenceSession::Create(*model, 2);
  ASSERT_TRUE(session.ok());
  const std::vector<int64_t> xi = {1, 2, 3, 2, 4, 0};
  const int64_t shape[] = {2, 3};
  TensorRef in{DType::kInt64, shape, xi.data()};
  TensorRef res[1];
  ASSERT_TRUE(session->Run({&in, 1}, res).ok());
  EXPECT_EQ(res[0].dtype, DType::kFloat);
  EXPECT_FLOAT_EQ(static_cast<const float*>(res[0].data)[4], 9.0f);
  MlModel bad("Scaler", 3);
  SetFloats(bad.node(), "scale", {1, 2});
  EXPECT_NE(bad.LoadError().find("scale has 2 values; expected 1 or the 3 features"),
            std::string::npos)
      << bad.LoadError();
}

TEST(MlOps, SecondRunAllocatesNothing) {
  MlModel classifier("TreeEnsembleClassifier", 2, 2);
  SetTrees(classifier.node(), TwoTrees(),
           {{0, 1, 0, -1.0f}, {0, 1, 2, 5.0f}, {1, 1, 1, -2.0f}, {1, 2, 1, -2.0f}}, "class");
  SetInts(classifier.node(), "classlabels_int64s", {0, 1, 2});
  std::vector<float> x;
  for (int i = 0; i < 300; ++i) x.push_back(static_cast<float>(i % 7) - 3.0f);
  for (MlModel m : {Regressor("SUM"), Regressor("MAX", 2, "SOFTMAX"), classifier}) {
    auto model = m.Load();
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    auto session = InferenceSession::Create(*model, 150);
    ASSERT_TRUE(session.ok());
    ASSERT_TRUE(RunRows(*session, x, 150, 2).ok());
    const int64_t shape[] = {150, 2};
    TensorRef in{DType::kFloat, shape, x.data()};
    TensorRef out[2];
    g_allocs = 0;
    g_count_allocs = true;
    Status s = session->Run({&in, 1}, {out, session->num_outputs()});
    g_count_allocs = false;
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(g_allocs.load(), 0);
  }
}

TEST(MlOps, DomainAndOpsetChecks) {
  EXPECT_NE(SupportedOps().find("ai.onnx.ml:TreeEnsembleClassifier"), std::string::npos);
  EXPECT_EQ(FindOp("", "TreeEnsembleRegressor"), nullptr);
  EXPECT_NE(FindOp("ai.onnx.ml", "TreeEnsembleRegressor"), nullptr);
  MlModel v4("Scaler", 1, 1, 4);
  EXPECT_NE(v4.LoadError().find("ai.onnx.ml opset 4 not supported (1..3)"), std::string::npos)
      << v4.LoadError();
  MlModel none("Scaler", 1, 1, 0);
  EXPECT_NE(none.LoadError().find("domain 'ai.onnx.ml' is used but the model does not import it"),
            std::string::npos)
      << none.LoadError();
  MlModel v1 = Regressor("SUM");
  v1.proto().mutable_opset_import(1)->set_version(1);
  EXPECT_TRUE(v1.Load().ok()) << v1.LoadError();
}

}  // namespace
}  // namespace edgeloop::model
