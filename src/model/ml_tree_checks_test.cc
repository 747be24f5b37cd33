// Tree ensembles against a naive recursive evaluator on random forests (random modes, missing
// routing, NaN inputs, infinite thresholds, deep chains), and hostile tree attributes that must
// fail at load with a clear error.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "model/ml_test_util.h"
#include "model/ops_ml_tree.h"

namespace edgeloop::model {
namespace {

using namespace ml_test;  // NOLINT(build/namespaces): test helpers

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

struct Forest {
  std::vector<TreeNode> nodes;
  std::vector<LeafWeight> weights;
  std::vector<std::pair<int64_t, int64_t>> roots;  // (tree id, root node id)
};

struct ForestShape {
  int trees = 10;
  int max_depth = 6;
  int features = 5;
  int targets = 1;
  bool generic_modes = false;  // also EQ and NEQ
  bool deep_chains = false;    // some trees are long one-sided chains
};

float Grid(std::mt19937& rng) { return static_cast<float>(static_cast<int>(rng() % 9) - 4) / 2; }

Forest RandomForest(std::mt19937& rng, const ForestShape& shape) {
  static const char* kFast[] = {"LEQ", "LT", "GTE", "GT"};
  static const char* kAll[] = {"LEQ", "LT", "GTE", "GT", "EQ", "NEQ"};
  Forest f;
  for (int t = 0; t < shape.trees; ++t) {
    const int64_t tree = 3 * t + 7;
    const bool chain = shape.deep_chains && t % 2 == 0;
    const int depth_limit = chain ? 20 + static_cast<int>(rng() % 20) : shape.max_depth;
    // Build with local indices, then give the nodes shuffled ids starting at a random offset.
    std::vector<TreeNode> local;
    std::function<int(int)> grow = [&](int depth) -> int {
      const int me = static_cast<int>(local.size());
      local.push_back(TreeNode{tree});
      const bool leaf = depth >= depth_limit || (!chain && depth > 0 && rng() % 5 == 0);
      if (leaf) return me;
      TreeNode n{tree};
      n.mode = std::string("BRANCH_") + (shape.generic_modes ? kAll[rng() % 6] : kFast[rng() % 4]);
      n.feature = static_cast<int64_t>(rng() % static_cast<unsigned>(shape.features));
      const unsigned r = rng() % 40;
      n.value = r == 0 ? kInf : (r == 1 ? -kInf : (r == 2 ? kNaN : Grid(rng)));
      n.missing_true = rng() % 2;
      int yes, no;
      if (chain) {
        // Most rows (x <= 2, NaN) continue down the chain, so rows leave it at many depths.
        const bool continue_yes = rng() % 2 == 0;
        n.mode = continue_yes ? "BRANCH_LEQ" : "BRANCH_GT";
        n.value = 2.0f;
        n.missing_true = continue_yes ? 1 : 0;
        yes = continue_yes ? grow(depth + 1) : grow(depth_limit);  // depth_limit: a leaf
        no = continue_yes ? grow(depth_limit) : grow(depth + 1);
      } else {
        yes = grow(depth + 1);
        no = grow(depth + 1);
      }
      n.yes = yes;
      n.no = no;
      local[static_cast<size_t>(me)] = n;
      return me;
    };
    grow(0);
    std::vector<int64_t> ids(local.size());
    const int64_t offset = rng() % 50;
    for (size_t i = 0; i < ids.size(); ++i) ids[i] = offset + static_cast<int64_t>(i);
    std::shuffle(ids.begin(), ids.end(), rng);
    for (auto& n : local) {
      const bool leaf = n.mode == "LEAF";
      if (!leaf) {
        n.yes = ids[static_cast<size_t>(n.yes)];
        n.no = ids[static_cast<size_t>(n.no)];
      }
    }
    for (size_t i = 0; i < local.size(); ++i) {
      local[i].id = ids[i];
      f.nodes.push_back(local[i]);
      if (local[i].mode != "LEAF") continue;
      const unsigned count = rng() % 3;  // some leaves have no weight, some several
      for (unsigned k = 0; k < count; ++k) {
        const int64_t out = static_cast<int64_t>(rng() % static_cast<unsigned>(shape.targets));
        f.weights.push_back({tree, ids[i], out, static_cast<float>(rng() % 2001) / 1000 - 1});
      }
    }
    f.roots.emplace_back(tree, ids[0]);
  }
  std::shuffle(f.nodes.begin(), f.nodes.end(), rng);
  std::shuffle(f.weights.begin(), f.weights.end(), rng);
  return f;
}

bool Holds(const std::string& mode, float x, float t) {
  if (mode == "BRANCH_LEQ") return x <= t;
  if (mode == "BRANCH_LT") return x < t;
  if (mode == "BRANCH_GTE") return x >= t;
  if (mode == "BRANCH_GT") return x > t;
  if (mode == "BRANCH_EQ") return x == t;
  return x != t;  // BRANCH_NEQ
}

// The spec read literally: walk each tree from its root, aggregate the reached leaves' weights.
std::vector<float> Reference(const Forest& f, const std::string& agg, int targets,
                             const std::vector<float>& base, const float* x) {
  std::map<std::pair<int64_t, int64_t>, const TreeNode*> by_id;
  for (const auto& n : f.nodes) by_id[{n.tree, n.id}] = &n;
  std::vector<float> acc(static_cast<size_t>(targets), 0);
  std::vector<bool> has(static_cast<size_t>(targets), false);
  std::function<const TreeNode*(const TreeNode*)> walk = [&](const TreeNode* n) {
    if (n->mode == "LEAF") return n;
    const float v = x[n->feature];
    const bool go = Holds(n->mode, v, n->value) || (std::isnan(v) && n->missing_true != 0);
    return walk(by_id.at({n->tree, go ? n->yes : n->no}));
  };
  for (const auto& [tree, root] : f.roots) {  // ascending tree ids
    const TreeNode* leaf = walk(by_id.at({tree, root}));
    std::vector<float> part(static_cast<size_t>(targets), 0);
    std::vector<bool> part_has(static_cast<size_t>(targets), false);
    for (const auto& w : f.weights) {  // per leaf and target, in attribute order
      if (w.tree != leaf->tree || w.node != leaf->id) continue;
      auto& p = part[static_cast<size_t>(w.output)];
      if (!part_has[static_cast<size_t>(w.output)]) {
        p = w.weight;
      } else if (agg == "MIN") {
        p = std::min(p, w.weight);
      } else if (agg == "MAX") {
        p = std::max(p, w.weight);
      } else {
        p += w.weight;
      }
      part_has[static_cast<size_t>(w.output)] = true;
    }
    for (size_t k = 0; k < part.size(); ++k) {
      if (!part_has[k]) continue;
      if (!has[k]) {
        acc[k] = agg == "MIN" || agg == "MAX" ? part[k] : acc[k] + part[k];
      } else if (agg == "MIN") {
        acc[k] = std::min(acc[k], part[k]);
      } else if (agg == "MAX") {
        acc[k] = std::max(acc[k], part[k]);
      } else {
        acc[k] += part[k];
      }
      has[k] = true;
    }
  }
  for (size_t k = 0; k < acc.size(); ++k) {
    if (agg == "AVERAGE") acc[k] /= static_cast<float>(f.roots.size());
    if (!base.empty()) acc[k] += base[k];
  }
  return acc;
}

TEST(MlTrees, RandomForestsMatchNaiveEvaluator) {
  const char* kAggs[] = {"SUM", "AVERAGE", "MIN", "MAX"};
  for (unsigned seed = 0; seed < 16; ++seed) {
    std::mt19937 rng(seed);
    ForestShape shape;
    shape.trees = 1 + static_cast<int>(rng() % 30);
    shape.max_depth = 1 + static_cast<int>(rng() % 8);
    shape.features = 1 + static_cast<int>(rng() % 12);
    shape.targets = seed % 3 == 0 ? 3 : 1;
    shape.generic_modes = seed % 4 == 1;
    shape.deep_chains = seed % 5 == 2;
    const std::string agg = kAggs[seed % 4];
    const Forest f = RandomForest(rng, shape);
    std::vector<float> base;
    if (seed % 2 == 1) {
      for (int k = 0; k < shape.targets; ++k) base.push_back(Grid(rng));
    }
    MlModel m("TreeEnsembleRegressor", shape.features);
    SetTrees(m.node(), f.nodes, f.weights, "target");
    SetInt(m.node(), "n_targets", shape.targets);
    SetString(m.node(), "aggregate_function", agg);
    if (!base.empty()) SetFloats(m.node(), "base_values", base);
    const int64_t rows = 197;  // three blocks of 64 and a partial group of lanes
    std::vector<float> x(static_cast<size_t>(rows * shape.features));
    for (auto& v : x) v = rng() % 10 == 0 ? kNaN : (rng() % 3 == 0 ? Grid(rng) + 0.25f : Grid(rng));
    if (seed % 8 == 0) {  // no NaN at all: the compare-only path
      for (auto& v : x) v = std::isnan(v) ? 0.0f : v;
    }
    SCOPED_TRACE("seed " + std::to_string(seed) + " agg " + agg);
    auto out = LoadAndRun(m, x, shape.features);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    for (int64_t r = 0; r < rows; ++r) {
      const auto want = Reference(f, agg, shape.targets, base, x.data() + r * shape.features);
      for (int k = 0; k < shape.targets; ++k) {
        const float got = out->floats[0][static_cast<size_t>(r * shape.targets + k)];
        const float w = want[static_cast<size_t>(k)];
        ASSERT_NEAR(got, w, 1e-6f * std::max(1.0f, std::abs(w))) << "row " << r << " target " << k;
      }
    }
  }
}

// The random forests above go through both layouts: shallow full trees are stored complete,
// long chains as FlatNodes; two outputs get dense leaf values.
TEST(MlTrees, LayoutsFollowTreeShape) {
  std::vector<TreeNode> nodes = {Branch(0, 0, "LEQ", 0, 0, 1, 2),
                                 Branch(0, 1, "LT", 1, 0, 3, 4),
                                 Branch(0, 2, "GT", 1, 1, 5, 6),
                                 Leaf(0, 3),
                                 Leaf(0, 4),
                                 Leaf(0, 5),
                                 Leaf(0, 6)};
  for (int i = 0; i < 14; ++i) nodes.push_back(Branch(1, i, "LEQ", 0, 1, i + 1, 100 + i));
  for (int i = 0; i < 14; ++i) nodes.push_back(Leaf(1, 100 + i));
  nodes.push_back(Leaf(1, 14));
  MlModel m("TreeEnsembleRegressor", 2);
  SetTrees(m.node(), nodes, {{0, 3, 0, 1.0f}, {0, 6, 1, 2.0f}, {1, 14, 0, 3.0f}}, "target");
  const NodeArgs a{m.node(), 13, {}, {}, 3};
  auto e = BuildTreeEnsemble(a, "target", 2, Aggregate::kSum);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  ASSERT_EQ((*e)->trees.size(), 2u);
  EXPECT_EQ((*e)->trees[0].depth, 2);
  EXPECT_GE((*e)->trees[0].complete, 0);
  EXPECT_EQ((*e)->trees[1].depth, 14);
  EXPECT_EQ((*e)->trees[1].complete, -1);
  EXPECT_EQ((*e)->dense_outputs, 2);
  EXPECT_FALSE((*e)->single_value);
  EXPECT_EQ((*e)->max_feature, 1);
}

// A valid two-leaf regressor whose attributes the hostile cases below break one at a time.
struct Hostile {
  std::vector<TreeNode> nodes = {Branch(0, 0, "LEQ", 1, 0.5f, 1, 2), Leaf(0, 1), Leaf(0, 2)};
  std::vector<LeafWeight> weights = {{0, 1, 0, 1.0f}, {0, 2, 0, 2.0f}};
  std::function<void(onnx::NodeProto*)> extra = [](onnx::NodeProto*) {};
  int64_t targets = 1;

  std::string Error() const {
    MlModel m("TreeEnsembleRegressor", 2);
    SetTrees(m.node(), nodes, weights, "target");
    SetInt(m.node(), "n_targets", targets);
    extra(m.node());
    return m.LoadError();
  }
};

void ExpectError(const Hostile& h, const std::string& want) {
  const std::string got = h.Error();
  EXPECT_NE(got.find(want), std::string::npos) << "got: '" << got << "' want: '" << want << "'";
}

TEST(MlTrees, HostileTreesFailAtLoad) {
  EXPECT_EQ(Hostile{}.Error(), "");
  Hostile h;
  h.nodes[0].no = 7;
  ExpectError(h, "node 0 of tree 0: its false child node 7 of tree 0 does not exist");
  h = Hostile{};
  h.nodes[0].yes = 2;  // both branches lead to node 2
  ExpectError(h, "node 2 of tree 0 is reached from two branches");
  h = Hostile{};  // 0 -> 1 -> 0: no node without a parent
  h.nodes[1] = Branch(0, 1, "LEQ", 0, 0, 0, 3);
  h.nodes.push_back(Leaf(0, 3));
  ExpectError(h, "tree 0 has no root: its nodes form a cycle");
  h = Hostile{};
  h.nodes[0].yes = 0;  // a node that is its own child: leaf 1 is left as the only root
  ExpectError(h, "tree 0: 2 of its 3 nodes cannot be reached from its root");
  h = Hostile{};  // a leaf root and a separate cycle 1 <-> 2 in the same tree
  h.nodes = {Leaf(0, 0), Branch(0, 1, "LEQ", 0, 0, 2, 3), Branch(0, 2, "LEQ", 0, 0, 1, 4),
             Leaf(0, 3), Leaf(0, 4)};
  h.weights = {};
  ExpectError(h, "tree 0: 4 of its 5 nodes cannot be reached from its root");
  h = Hostile{};
  h.nodes.push_back(Leaf(0, 5));
  ExpectError(h, "tree 0 has two roots");
  h = Hostile{};
  h.nodes.push_back(Leaf(0, 2));
  ExpectError(h, "node 2 of tree 0 appears twice");
  h = Hostile{};
  h.nodes[0].feature = 2;
  ExpectError(h, "a tree reads feature 2 but X has 2 features");
  h = Hostile{};
  h.nodes[0].feature = -1;
  ExpectError(h, "node 0 of tree 0 has invalid feature id -1");
  h = Hostile{};
  h.nodes[0].mode = "BRANCH_FOO";
  ExpectError(h, "unknown node mode 'BRANCH_FOO'");
  h = Hostile{};
  h.weights[1].output = 3;
  ExpectError(h, "target_ids[1] is 3; expected 0..0");
  h = Hostile{};
  h.weights[0].node = 9;
  ExpectError(h, "target_nodeids[0]: node 9 of tree 0 does not exist");
  h = Hostile{};
  h.targets = 0;
  ExpectError(h, "n_targets must be in 1..16384");
  h.targets = int64_t{1} << 40;
  ExpectError(h, "n_targets must be in 1..16384");
  h = Hostile{};
  h.nodes = {};
  for (int i = 0; i < 300; ++i) h.nodes.push_back(Branch(0, i, "LT", 0, 1, i + 1, 1000 + i));
  for (int i = 0; i < 300; ++i) h.nodes.push_back(Leaf(0, 1000 + i));
  h.nodes.push_back(Leaf(0, 300));
  ExpectError(h, "tree 0 is deeper than 256 levels");
  h = Hostile{};
  h.extra = [](onnx::NodeProto* n) {
    for (auto& a : *n->mutable_attribute()) {
      if (a.name() == "nodes_values") a.mutable_floats()->RemoveLast();
    }
  };
  ExpectError(h, "nodes_values has 2 values but nodes_nodeids has 3");
  h.extra = [](onnx::NodeProto* n) {
    for (auto& a : *n->mutable_attribute()) {
      if (a.name() == "target_weights") a.mutable_floats()->RemoveLast();
    }
  };
  ExpectError(h, "target_ids, target_nodeids, target_treeids and target_weights must have");
  h.extra = [](onnx::NodeProto* n) { SetFloats(n, "base_values", {1, 2, 3}); };
  ExpectError(h, "base_values has 3 values; expected 1 (or none)");
  h.extra = [](onnx::NodeProto* n) { SetString(n, "aggregate_function", "MEDIAN"); };
  ExpectError(h, "unknown aggregate_function 'MEDIAN'");
  h.extra = [](onnx::NodeProto* n) { SetString(n, "post_transform", "TANH"); };
  ExpectError(h, "unknown post_transform 'TANH'");
  h.extra = [](onnx::NodeProto* n) { SetInt(n, "foo", 1); };
  ExpectError(h, "attribute 'foo' of TreeEnsembleRegressor not supported");
  h.extra = [](onnx::NodeProto* n) {
    auto* a = n->add_attribute();
    a->set_name("nodes_values_as_tensor");
    a->set_type(onnx::AttributeProto::TENSOR);
  };
  ExpectError(h, "attribute 'nodes_values_as_tensor' (double precision) not supported");
}

TEST(MlTrees, HostileClassifiersFailAtLoad) {
  auto error = [](const std::function<void(onnx::NodeProto*)>& set) {
    MlModel m("TreeEnsembleClassifier", 2, 2);
    SetTrees(m.node(), {Branch(0, 0, "LEQ", 1, 0.5f, 1, 2), Leaf(0, 1), Leaf(0, 2)},
             {{0, 1, 0, 1.0f}, {0, 2, 1, 2.0f}}, "class");
    set(m.node());
    return m.LoadError();
  };
  EXPECT_EQ(error([](onnx::NodeProto* n) { SetInts(n, "classlabels_int64s", {0, 1}); }), "");
  EXPECT_NE(error([](onnx::NodeProto* n) {
              SetStrings(n, "classlabels_strings", {"a", "b"});
            }).find("string labels not supported"),
            std::string::npos);
  EXPECT_NE(error([](onnx::NodeProto* n) {
              SetInts(n, "classlabels_int64s", {4});
            }).find("classlabels_int64s must hold 2..16384 labels, not 1"),
            std::string::npos);
  EXPECT_NE(error([](onnx::NodeProto* n) {
              SetInts(n, "classlabels_int64s", {0, 1, 2});
              SetFloats(n, "base_values", {1, 2});
            }).find("base_values has 2 values; expected 3"),
            std::string::npos);
  EXPECT_NE(error([](onnx::NodeProto* n) {
              SetInts(n, "classlabels_int64s", {0, 1});
              for (auto& a : *n->mutable_attribute()) {
                if (a.name() == "class_ids") a.set_ints(1, 2);
              }
            }).find("class_ids[1] is 2; expected 0..1"),
            std::string::npos);
}

TEST(MlTrees, AbsurdSizesFailAtLoad) {
  MlModel m("TreeEnsembleRegressor", 2);
  SetInt(m.node(), "n_targets", 1);
  auto* ids = m.node()->add_attribute();
  ids->set_name("nodes_nodeids");
  ids->set_type(onnx::AttributeProto::INTS);
  ids->mutable_ints()->Resize(10'000'001, 0);
  EXPECT_NE(m.LoadError().find("10000001 tree nodes; the limit is 10000000"), std::string::npos)
      << m.LoadError();
}

TEST(MlTrees, TruncatedTreeModelsFailCleanly) {
  MlModel m("TreeEnsembleClassifier", 2, 2);
  SetTrees(m.node(), {Branch(0, 0, "LT", 1, 0.5f, 1, 2), Leaf(0, 1), Leaf(0, 2)},
           {{0, 1, 0, 1.0f}, {0, 2, 0, -2.0f}}, "class");
  SetInts(m.node(), "classlabels_int64s", {0, 1});
  const std::string full = m.Bytes();
  for (size_t len = 0; len < full.size(); ++len) {
    auto r = OnnxModel::FromBytes({reinterpret_cast<const uint8_t*>(full.data()), len});
    if (!r.ok()) {
      EXPECT_FALSE(r.status().message().empty());
    }
  }
  EXPECT_TRUE(
      OnnxModel::FromBytes({reinterpret_cast<const uint8_t*>(full.data()), full.size()}).ok());
}

}  // namespace
}  // namespace edgeloop::model
