#include "train/tree_ensemble.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <random>

#include "model/interpreter.h"
#include "model/onnx_model.h"

namespace edgeloop::train {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

TreeNode Split(int32_t feature, float threshold, int32_t t, int32_t f, bool missing_true = false,
               TreeSplit split = TreeSplit::kLess) {
  TreeNode n;
  n.feature = feature;
  n.threshold = threshold;
  n.split = split;
  n.missing_true = missing_true;
  n.true_child = t;
  n.false_child = f;
  return n;
}

TreeNode Leaf(std::vector<LeafWeight> w) {
  TreeNode n;
  n.leaf = std::move(w);
  return n;
}

// Tree 0: x0 < 1 (NaN → true) ? 10 : (x1 <= 2 ? 20 : 30), all on target 0.
// Tree 1: x1 < 0.5 (NaN → false) ? {t0: 1, t1: -1} : {t1: 4}.
TreeEnsemble TwoTrees() {
  TreeEnsemble e;
  e.num_features = 2;
  e.num_targets = 2;
  Tree t0;
  t0.nodes = {Split(0, 1.0f, 1, 2, true), Leaf({{0, 10.0f}}),
              Split(1, 2.0f, 3, 4, false, TreeSplit::kLessOrEqual), Leaf({{0, 20.0f}}),
              Leaf({{0, 30.0f}})};
  Tree t1;
  t1.nodes = {Split(1, 0.5f, 1, 2), Leaf({{0, 1.0f}, {1, -1.0f}}), Leaf({{1, 4.0f}})};
  e.trees = {t0, t1};
  return e;
}

// A 2-class margin model in the layout runtimes agree on: tree 0 a bias leaf, every leaf giving
// class 0 minus what it gives class 1; logistic post transform.
TreeEnsemble Antisymmetric() {
  TreeEnsemble e;
  e.num_features = 2;
  e.num_targets = 2;
  e.post_transform = TreePostTransform::kLogistic;
  Tree bias;
  bias.nodes = {Leaf({{0, 0.5f}, {1, -0.5f}})};
  Tree t;
  t.nodes = {Split(0, 1.0f, 1, 2, true), Leaf({{0, 2.0f}, {1, -2.0f}}),
             Split(1, 2.0f, 3, 4, false, TreeSplit::kLessOrEqual), Leaf({{0, -1.0f}, {1, 1.0f}}),
             Leaf({{1, 0.25f}, {0, -0.25f}})};
  e.trees = {bias, t};
  return e;
}

std::vector<double> Eval(const TreeEnsemble& e, std::vector<float> row) {
  std::vector<double> out(static_cast<size_t>(e.num_targets));
  e.Evaluate(row, out);
  return out;
}

TEST(TreeEnsemble, EvaluatesSplitsTiesAndMissingValues) {
  TreeEnsemble e = TwoTrees();
  ASSERT_TRUE(e.Validate().ok());
  EXPECT_EQ(Eval(e, {0.0f, 0.0f}), (std::vector<double>{11, -1}));
  // x0 == 1 is not < 1: false branch; x1 == 2 is <= 2 (LEQ) but not < 0.5.
  EXPECT_EQ(Eval(e, {1.0f, 2.0f}), (std::vector<double>{20, 4}));
  EXPECT_EQ(Eval(e, {1.0f, std::nextafter(2.0f, 3.0f)}), (std::vector<double>{30, 4}));
  // NaN in x0 follows tree 0's missing_true; NaN in x1 goes false in both trees.
  EXPECT_EQ(Eval(e, {kNaN, 0.0f}), (std::vector<double>{11, -1}));
  EXPECT_EQ(Eval(e, {5.0f, kNaN}), (std::vector<double>{30, 4}));
  EXPECT_EQ(e.LeafIndex(0, std::vector<float>{5.0f, 1.5f}), 3);
  EXPECT_EQ(e.num_nodes(), 8u);
}

TEST(TreeEnsemble, AggregatesAddsBaseValuesAndTransforms) {
  TreeEnsemble e = TwoTrees();
  e.aggregate = TreeAggregate::kAverage;
  e.base_values = {0.5f, -0.5f};
  EXPECT_EQ(Eval(e, {0.0f, 0.0f}), (std::vector<double>{6.0, -1.0}));  // {11/2 + .5, -1/2 - .5}

  e.post_transform = TreePostTransform::kLogistic;
  auto p = Eval(e, {0.0f, 0.0f});
  EXPECT_NEAR(p[0], 1.0 / (1.0 + std::exp(-6.0)), 1e-15);
  EXPECT_NEAR(p[1], 1.0 / (1.0 + std::exp(1.0)), 1e-15);

  e.post_transform = TreePostTransform::kSoftmax;
  p = Eval(e, {0.0f, 0.0f});
  EXPECT_NEAR(p[0], std::exp(6.0) / (std::exp(6.0) + std::exp(-1.0)), 1e-15);
  EXPECT_NEAR(p[0] + p[1], 1.0, 1e-15);
}

TEST(TreeEnsemble, ValidateRejectsBrokenTrees) {
  auto expect_error = [](const TreeEnsemble& e, const std::string& part) {
    Status s = e.Validate();
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find(part), std::string::npos) << s.message();
  };
  TreeEnsemble e = TwoTrees();
  e.trees[0].nodes[0].true_child = 7;
  expect_error(e, "child 7 outside");
  e = TwoTrees();
  e.trees[0].nodes[2].true_child = 0;  // back to the root: a cycle
  expect_error(e, "reached twice");
  e = TwoTrees();
  e.trees[1].nodes.push_back(Leaf({{0, 1.0f}}));
  expect_error(e, "not reachable");
  e = TwoTrees();
  e.trees[0].nodes[0].feature = 2;
  expect_error(e, "feature 2 outside");
  e = TwoTrees();
  e.trees[0].nodes[2].threshold = kNaN;
  expect_error(e, "NaN");
  e = TwoTrees();
  e.trees[1].nodes[2].leaf[0].target = 2;
  expect_error(e, "leaf target 2");
  e = TwoTrees();
  e.base_values = {1.0f};
  expect_error(e, "base values");
  e = TwoTrees();
  e.trees[1].nodes.clear();
  expect_error(e, "no nodes");
  e = TwoTrees();
  e.trees.clear();
  expect_error(e, "no trees");
}

const onnx::AttributeProto* FindAttr(const onnx::NodeProto& n, const std::string& name) {
  for (const auto& a : n.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

TEST(TreeEnsemble, EmitsOnnxMlAttributes) {
  TreeEnsemble e = TwoTrees();
  e.num_targets = 3;
  e.base_values = {0.25f, 0.75f, 0.0f};
  e.post_transform = TreePostTransform::kSoftmax;
  OnnxBuilder b("t");
  const int64_t labels[] = {7, 9, 11};
  ASSERT_TRUE(
      AddTreeEnsembleNode(b, e, TreeEnsembleOp::kClassifier, "x", {"label", "probs"}, labels).ok());
  const onnx::NodeProto& n = b.proto().graph().node(0);
  EXPECT_EQ(n.op_type(), "TreeEnsembleClassifier");
  EXPECT_EQ(n.domain(), kMlDomain);
  const auto* modes = FindAttr(n, "nodes_modes");
  ASSERT_NE(modes, nullptr);
  std::vector<std::string> got(modes->strings().begin(), modes->strings().end());
  EXPECT_EQ(got, (std::vector<std::string>{"BRANCH_LT", "LEAF", "BRANCH_LEQ", "LEAF", "LEAF",
                                           "BRANCH_LT", "LEAF", "LEAF"}));
  const auto* tree_ids = FindAttr(n, "nodes_treeids");
  const auto* node_ids = FindAttr(n, "nodes_nodeids");
  const auto* missing = FindAttr(n, "nodes_missing_value_tracks_true");
  const auto* values = FindAttr(n, "nodes_values");
  ASSERT_TRUE(tree_ids && node_ids && missing && values);
  EXPECT_EQ(tree_ids->ints(5), 1);
  EXPECT_EQ(node_ids->ints(5), 0);
  EXPECT_EQ(missing->ints(0), 1);
  EXPECT_EQ(missing->ints(2), 0);
  EXPECT_EQ(values->floats(2), 2.0f);
  const auto* class_ids = FindAttr(n, "class_ids");
  const auto* class_weights = FindAttr(n, "class_weights");
  ASSERT_TRUE(class_ids && class_weights);
  ASSERT_EQ(class_ids->ints_size(), 6);  // 4 single-target leaves + one leaf with 2 weights
  EXPECT_EQ(class_weights->floats(3), 1.0f);
  EXPECT_EQ(class_ids->ints(4), 1);
  EXPECT_EQ(class_weights->floats(4), -1.0f);
  EXPECT_EQ(FindAttr(n, "classlabels_int64s")->ints(1), 9);
  EXPECT_EQ(FindAttr(n, "post_transform")->s(), "SOFTMAX");
  EXPECT_EQ(FindAttr(n, "base_values")->floats(1), 0.75f);
  EXPECT_EQ(FindAttr(n, "aggregate_function"), nullptr);
}

TEST(TreeEnsemble, ExportRejectsInconsistentRequests) {
  TreeEnsemble e = TwoTrees();
  OnnxBuilder b("t");
  const int64_t one_label[] = {1};
  EXPECT_FALSE(
      AddTreeEnsembleNode(b, e, TreeEnsembleOp::kClassifier, "x", {"l", "p"}, one_label).ok());
  EXPECT_FALSE(AddTreeEnsembleNode(b, e, TreeEnsembleOp::kRegressor, "x", {"l", "p"}).ok());
  const int64_t labels[] = {0, 1};
  // Two classes: only the antisymmetric layout without base values (see TreeEnsembleOp).
  Status s = AddTreeEnsembleNode(b, e, TreeEnsembleOp::kClassifier, "x", {"l", "p"}, labels);
  EXPECT_NE(s.message().find("exactly minus"), std::string::npos) << s.message();
  TreeEnsemble binary = Antisymmetric();
  EXPECT_TRUE(
      AddTreeEnsembleNode(b, binary, TreeEnsembleOp::kClassifier, "x", {"l", "p"}, labels).ok());
  binary.base_values = {0.0f, 0.0f};
  s = AddTreeEnsembleNode(b, binary, TreeEnsembleOp::kClassifier, "x", {"l", "p"}, labels);
  EXPECT_NE(s.message().find("base_values"), std::string::npos) << s.message();
  e.num_targets = 3;
  const int64_t three[] = {0, 1, 2};
  e.aggregate = TreeAggregate::kAverage;
  EXPECT_FALSE(AddTreeEnsembleNode(b, e, TreeEnsembleOp::kClassifier, "x", {"l", "p"}, three).ok());
  e.trees[0].nodes[0].true_child = 9;
  EXPECT_FALSE(AddTreeEnsembleNode(b, e, TreeEnsembleOp::kRegressor, "x", {"y"}).ok());
}

// Runs `bytes` on float rows through the edge interpreter; returns every output as floats.
std::vector<std::vector<double>> RunOnnx(const std::string& bytes, const std::vector<float>& x,
                                         int64_t cols) {
  auto m = model::OnnxModel::FromBytes(
      {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, "<test>");
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  if (!m.ok()) return {};
  const int64_t rows = static_cast<int64_t>(x.size()) / cols;
  auto s = model::InferenceSession::Create(*m, static_cast<size_t>(rows));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  if (!s.ok()) return {};
  const int64_t shape[] = {rows, cols};
  model::TensorRef in{model::DType::kFloat, shape, x.data()};
  std::vector<model::TensorRef> out(s->num_outputs());
  Status st = s->Run({&in, 1}, out);
  EXPECT_TRUE(st.ok()) << st.ToString();
  std::vector<std::vector<double>> result;
  for (const auto& o : out) {
    int64_t count = 1;
    for (int64_t d : o.shape) count *= d;
    std::vector<double> v(static_cast<size_t>(count));
    for (size_t i = 0; i < v.size(); ++i) {
      v[i] = o.dtype == model::DType::kInt64
                 ? static_cast<double>(static_cast<const int64_t*>(o.data)[i])
                 : static_cast<const float*>(o.data)[i];
    }
    result.push_back(std::move(v));
  }
  return result;
}

// Rows that sit exactly on, just below and just above every threshold, plus NaNs: where an
// exporter or kernel with the wrong comparison or missing-value rule would disagree.
std::vector<float> EdgeRows() {
  std::vector<float> x;
  for (float a : {1.0f, std::nextafter(1.0f, 0.0f), std::nextafter(1.0f, 2.0f), kNaN, -3.0f}) {
    for (float b : {0.5f, 2.0f, std::nextafter(2.0f, 3.0f), std::nextafter(0.5f, 0.0f), kNaN}) {
      x.push_back(a);
      x.push_back(b);
    }
  }
  return x;
}

// Exports `e` as `op` (classifier labels 3, 5, 6, ...) and checks the interpreter against
// Evaluate on EdgeRows(); for classifiers also the label.
void CheckInterpreter(const TreeEnsemble& e, TreeEnsembleOp op) {
  OnnxBuilder b("t");
  b.AddInput("x", model::DType::kFloat, {-1, 2});
  const int64_t labels[] = {3, 5, 6};
  const auto c = static_cast<size_t>(e.num_targets);
  if (op == TreeEnsembleOp::kRegressor) {
    b.AddOutput("y", model::DType::kFloat, {-1, e.num_targets});
    ASSERT_TRUE(AddTreeEnsembleNode(b, e, op, "x", {"y"}).ok());
  } else {
    b.AddOutput("label", model::DType::kInt64, {-1});
    b.AddOutput("probs", model::DType::kFloat, {-1, e.num_targets});
    Status s = AddTreeEnsembleNode(b, e, op, "x", {"label", "probs"}, {labels, c});
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  auto bytes = b.Finish({});
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  const std::vector<float> x = EdgeRows();
  auto out = RunOnnx(*bytes, x, 2);
  ASSERT_FALSE(out.empty());
  const std::vector<double>& scores = out.back();
  for (size_t r = 0; r < x.size() / 2; ++r) {
    auto want = Eval(e, {x[2 * r], x[2 * r + 1]});
    for (size_t k = 0; k < c; ++k) {
      EXPECT_NEAR(scores[c * r + k], want[k], 1e-6) << "row " << r << " target " << k;
    }
    if (op == TreeEnsembleOp::kClassifier) {
      const auto best = std::max_element(want.begin(), want.end()) - want.begin();
      EXPECT_EQ(out[0][r], labels[best]) << "row " << r;
    }
  }
}

TEST(TreeEnsemble, InterpreterAgreesOnTiesAndMissingValues) {
  TreeEnsemble e = TwoTrees();
  e.base_values = {0.25f, -2.0f};
  e.aggregate = TreeAggregate::kAverage;
  CheckInterpreter(e, TreeEnsembleOp::kRegressor);

  // Three classes, one of which no leaf scores: it must still compete for the label.
  e = TwoTrees();
  e.num_targets = 3;
  e.post_transform = TreePostTransform::kSoftmax;
  CheckInterpreter(e, TreeEnsembleOp::kClassifier);
  e.base_values = {0.5f, -30.0f, 25.0f};
  CheckInterpreter(e, TreeEnsembleOp::kClassifier);

  CheckInterpreter(Antisymmetric(), TreeEnsembleOp::kClassifier);
}

}  // namespace
}  // namespace edgeloop::train
