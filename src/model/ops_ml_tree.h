// Flattened tree ensembles for TreeEnsembleRegressor and TreeEnsembleClassifier (ai.onnx.ml).
//
// BuildTreeEnsemble decodes the nodes_* and target_*/class_* attributes once per session and
// rejects anything that is not a forest of proper trees (every node reached exactly once from
// its tree's root, depth <= kMaxTreeDepth, at most kMaxTreeNodes nodes) with an error naming
// the tree and node. The result is evaluated without allocating:
//
// - Every comparison mode except EQ/NEQ is rewritten as "x <= t" (LT uses the next float below
//   the threshold, GT/GTE swap the children), so the common ensembles need a single compare.
// - Rows are processed in blocks of `block` rows: the block's used features are first copied
//   feature-major into `xt` (so a node's feature offset plus the row is the address), then
//   every tree walks the whole block while it is hot in cache.
// - A group of kTreeLanes rows walks a tree in lockstep for exactly the tree's depth with no
//   per-row branch, so the rows' memory loads overlap instead of waiting for each other. Rows
//   short of a whole group (a batch of 1 on the edge) walk kTreeLanes trees in lockstep instead,
//   so no lane is padding (3-9x faster at batch 1 than with 15 padding rows).
// - Shallow, mostly full trees (the usual gradient boosting output) are stored complete: node i
//   has its children at 2i+1 and 2i+2 (leaves above the bottom level are repeated down to it),
//   so a step is a compare and an add, with no child pointer to load. Other trees use 16-byte
//   FlatNodes in depth-first order whose leaves point to themselves.
// - NaN inputs follow nodes_missing_value_tracks_true; a block with no NaN in a used feature
//   takes the compare-only path.
// - Leaf weights are collapsed per (leaf, output); with one output the value sits in the leaf's
//   FlatNode, with 2..4 outputs in a dense array, otherwise in CSR arrays.
//
// A TreeEnsemble belongs to one session (kernels' prepare builds it); `xt` is scratch that
// LoadTreeBlock overwrites, so one thread at a time, as for the session.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/ops.h"

namespace edgeloop::model {

inline constexpr int64_t kMaxTreeNodes = 10'000'000;
inline constexpr int64_t kMaxTreeWeights = 10'000'000;
inline constexpr int kMaxTreeDepth = 256;
inline constexpr int64_t kMaxTreeOutputs = 16384;              // targets or classes
inline constexpr int64_t kMaxTreeFeatures = int64_t{1} << 18;  // distinct features used
inline constexpr int kTreeLanes = 16;                          // rows walking a tree in lockstep

enum class Aggregate : uint8_t { kSum, kAverage, kMin, kMax };
enum class PostTransform : uint8_t { kNone, kLogistic, kSoftmax, kSoftmaxZero, kProbit };

struct FlatNode {
  uint32_t offset;   // used-feature index * block: where the feature sits in TreeEnsemble::xt
  float threshold;   // branch: go to child[1] when x <= threshold; leaf: its value (single_value)
  int32_t child[2];  // [0] when the test fails, [1] when it holds; a leaf: both itself
};

// A node of a complete tree: children at 2i+1 (test fails) and 2i+2 (test holds).
struct CompleteNode {
  uint32_t offset;
  float threshold;
};

// In TreeEnsemble::complete_nan_nodes: set in offset when a NaN input goes to child 2i+2.
inline constexpr uint32_t kCompleteNanBit = uint32_t{1} << 31;

// Comparisons that cannot be rewritten as "x <= t"; only stored when an ensemble has them.
enum class TreeCmp : uint8_t { kLeq, kEq, kNeq };

struct TreeInfo {
  int32_t root = 0;       // FlatNode index
  int32_t depth = 0;      // edges on the longest root-to-leaf path
  int32_t complete = -1;  // first CompleteNode of its complete layout, or -1 (FlatNodes)
  int32_t leaves = 0;     // complete layout: first of its 2^depth entries in complete_leaves
};

struct TreeEnsemble {
  std::vector<FlatNode> nodes;
  std::vector<uint8_t> nan_yes;  // per node: a NaN input goes to child[1]
  std::vector<TreeCmp> cmp;      // per node, empty when every branch is kLeq
  std::vector<TreeInfo> trees;   // in ascending tree id order
  std::vector<CompleteNode> complete_nodes;
  // The same nodes for the NaN walk, with kCompleteNanBit (one load per step instead of two).
  std::vector<CompleteNode> complete_nan_nodes;
  std::vector<int32_t> complete_leaves;  // the FlatNode index of the leaf each bottom slot holds
  std::vector<int32_t> used_features;    // compact feature index -> input column
  int block = 64;  // rows per pass: a power of two and a multiple of kTreeLanes
  bool any_nan_yes = false;
  int64_t max_feature = -1;  // largest input column a branch reads
  int64_t num_outputs = 1;
  double steps_per_row = 0;  // node visits per row (for the work limit)
  // Leaf weights, collapsed per (leaf, output) with the aggregate function; CSR by node index.
  std::vector<uint32_t> weight_begin;  // nodes.size() + 1 entries
  std::vector<int32_t> weight_output;
  std::vector<float> weight_value;
  // Every weight is for output 0: a leaf's value (or the aggregate's neutral element when it
  // has none) is in FlatNode::threshold and the CSR arrays need not be read.
  bool single_value = false;
  // 2..4 outputs: each leaf's values (neutral elements where it has no weight) at
  // dense_values[node * dense_outputs]; 0 otherwise.
  int dense_outputs = 0;
  std::vector<float> dense_values;
  // Per output: some tree has a weight for it on every leaf / no leaf has a weight for it.
  std::vector<uint8_t> always_scored, never_scored;
  std::vector<float> xt;  // scratch, max(1, used_features.size()) * block (see the file comment)
};

// `prefix` is "target" (regressor) or "class" (classifier): the weight attributes are
// <prefix>_ids, <prefix>_nodeids, <prefix>_treeids and <prefix>_weights. Weights on branch
// nodes are ignored (old converters wrote them; onnxruntime ignores them too).
Result<std::unique_ptr<TreeEnsemble>> BuildTreeEnsemble(const NodeArgs& a, std::string_view prefix,
                                                        int64_t num_outputs, Aggregate agg);

Result<PostTransform> ParsePostTransform(const NodeArgs& a);
// Applies `t` to one row of n scores (SOFTMAX over the row, the others elementwise), with the
// formulas onnxruntime uses (PROBIT via Winitzki's erfinv approximation).
void ApplyPostTransform(PostTransform t, float* row, int64_t n);
float Logistic(float v);
float Probit(float v);

// Input checks shared by both kernels: X float [N, F] or [F]; every feature a branch reads < F.
// Sets *rows to N.
Status CheckTreeInput(const NodeArgs& a, const TreeEnsemble& e, int64_t* rows);

// Copies `rows` rows (row-major, `stride` floats apart) of the used features into e.xt;
// returns whether one of them is NaN.
bool LoadTreeBlock(TreeEnsemble& e, const float* x, int64_t stride, int rows);

// Adds the complete layouts and dense leaf values to an ensemble BuildTreeEnsemble has
// flattened (called by it).
void BuildFastLayouts(TreeEnsemble* e, Aggregate agg);

namespace tree_detail {

enum class Walk { kLeq, kLeqNan, kGeneric };

template <Walk kWalk>
inline bool Test(float v, float t, uint8_t nan_yes, TreeCmp c) {
  if constexpr (kWalk == Walk::kGeneric) {
    const bool go = c == TreeCmp::kLeq ? v <= t : (c == TreeCmp::kEq ? v == t : v != t);
    return go || (std::isnan(v) && nan_yes != 0);
  } else if constexpr (kWalk == Walk::kLeqNan) {
    return (v <= t) | (std::isnan(v) & (nan_yes != 0));
  } else {
    return v <= t;
  }
}

// One group of kTreeLanes rows (xg: the group's first row in xt) through a FlatNode tree; the
// reached leaves' FlatNode indices go to leaf[].
template <Walk kWalk>
inline void WalkFlat(const TreeEnsemble& e, const TreeInfo& tree, const float* xg, int32_t* leaf) {
  constexpr int kStraight = 12;  // deeper trees check after each level whether all lanes are done
  const FlatNode* nodes = e.nodes.data();
  int32_t n[kTreeLanes];
  for (int l = 0; l < kTreeLanes; ++l) n[l] = tree.root;
  for (int s = 0; s < tree.depth; ++s) {
    for (int l = 0; l < kTreeLanes; ++l) {
      const FlatNode& nd = nodes[n[l]];
      const float v = xg[nd.offset + static_cast<uint32_t>(l)];
      const bool go = Test<kWalk>(v, nd.threshold, kWalk == Walk::kLeq ? 0 : e.nan_yes[n[l]],
                                  kWalk == Walk::kGeneric ? e.cmp[n[l]] : TreeCmp::kLeq);
      n[l] = nd.child[go];
    }
    if (s >= kStraight) {
      bool done = true;
      for (int l = 0; l < kTreeLanes; ++l) done = done && nodes[n[l]].child[0] == n[l];
      if (done) break;
    }
  }
  for (int l = 0; l < kTreeLanes; ++l) leaf[l] = n[l];
}

// The same through a complete tree: no child pointers, every row takes exactly depth steps.
template <Walk kWalk>
inline void WalkComplete(const TreeEnsemble& e, const TreeInfo& tree, const float* xg,
                         int32_t* leaf) {
  const CompleteNode* nodes =
      (kWalk == Walk::kLeq ? e.complete_nodes : e.complete_nan_nodes).data() + tree.complete;
  uint32_t n[kTreeLanes] = {};
  for (int s = 0; s < tree.depth; ++s) {
    for (int l = 0; l < kTreeLanes; ++l) {
      const CompleteNode& nd = nodes[n[l]];
      bool go;
      if constexpr (kWalk == Walk::kLeq) {
        go = xg[nd.offset + static_cast<uint32_t>(l)] <= nd.threshold;
      } else {
        const float v = xg[(nd.offset & ~kCompleteNanBit) + static_cast<uint32_t>(l)];
        go = (v <= nd.threshold) | ((v != v) & (nd.offset >> 31 != 0));
      }
      n[l] = 2 * n[l] + 1 + static_cast<uint32_t>(go);
    }
  }
  const int32_t* leaves = e.complete_leaves.data() + tree.leaves - ((1 << tree.depth) - 1);
  for (int l = 0; l < kTreeLanes; ++l) leaf[l] = leaves[n[l]];
}

// One row (xr: its column in xt) through up to kTreeLanes consecutive trees from trees[t] in
// lockstep: lanes are trees instead of rows. Complete trees of equal depth go together, other
// trees as FlatNodes (walked to the deepest one's depth: leaves point to themselves); lanes past
// the group repeat its last tree. Writes the leaves to leaf[] and returns how many trees it took.
template <Walk kWalk>
inline int WalkTreeLanes(const TreeEnsemble& e, size_t t, const float* xr, int32_t* leaf) {
  const TreeInfo* trees = e.trees.data() + t;
  const size_t left = e.trees.size() - t;
  const int depth0 = trees[0].depth;
  int lanes = 1;
  if (kWalk != Walk::kGeneric && trees[0].complete >= 0) {
    while (lanes < kTreeLanes && static_cast<size_t>(lanes) < left && trees[lanes].complete >= 0 &&
           trees[lanes].depth == depth0) {
      ++lanes;
    }
    const CompleteNode* base =
        (kWalk == Walk::kLeq ? e.complete_nodes : e.complete_nan_nodes).data();
    const CompleteNode* nodes[kTreeLanes];
    for (int l = 0; l < kTreeLanes; ++l) nodes[l] = base + trees[std::min(l, lanes - 1)].complete;
    uint32_t n[kTreeLanes] = {};
    for (int s = 0; s < depth0; ++s) {
      for (int l = 0; l < kTreeLanes; ++l) {
        const CompleteNode& nd = nodes[l][n[l]];
        bool go;
        if constexpr (kWalk == Walk::kLeq) {
          go = xr[nd.offset] <= nd.threshold;
        } else {
          const float v = xr[nd.offset & ~kCompleteNanBit];
          go = (v <= nd.threshold) | ((v != v) & (nd.offset >> 31 != 0));
        }
        n[l] = 2 * n[l] + 1 + static_cast<uint32_t>(go);
      }
    }
    const int32_t bottom = (1 << depth0) - 1;  // slot of the first bottom-level node
    for (int l = 0; l < lanes; ++l) {
      leaf[l] = e.complete_leaves[static_cast<size_t>(trees[l].leaves + static_cast<int32_t>(n[l]) -
                                                      bottom)];
    }
    return lanes;
  }
  while (lanes < kTreeLanes && static_cast<size_t>(lanes) < left &&
         (kWalk == Walk::kGeneric || trees[lanes].complete < 0)) {
    ++lanes;
  }
  const FlatNode* nodes = e.nodes.data();
  int32_t n[kTreeLanes];
  int depth = 0;
  for (int l = 0; l < kTreeLanes; ++l) {
    const TreeInfo& tree = trees[std::min(l, lanes - 1)];
    n[l] = tree.root;
    depth = std::max(depth, tree.depth);
  }
  for (int s = 0; s < depth; ++s) {
    for (int l = 0; l < kTreeLanes; ++l) {
      const FlatNode& nd = nodes[n[l]];
      const bool go =
          Test<kWalk>(xr[nd.offset], nd.threshold, kWalk == Walk::kLeq ? 0 : e.nan_yes[n[l]],
                      kWalk == Walk::kGeneric ? e.cmp[n[l]] : TreeCmp::kLeq);
      n[l] = nd.child[go];
    }
  }
  for (int l = 0; l < lanes; ++l) leaf[l] = n[l];
  return lanes;
}

// Walks every tree over the block loaded by LoadTreeBlock and calls on_leaf(row, leaf node) for
// each of the first `rows` rows, for each row in tree order.
template <Walk kWalk, typename OnLeaf>
void WalkTrees(const TreeEnsemble& e, int rows, OnLeaf& on_leaf) {
  int32_t leaf[kTreeLanes];
  const int grouped = rows / kTreeLanes * kTreeLanes;
  if (grouped > 0) {
    for (const TreeInfo& tree : e.trees) {
      for (int g = 0; g < grouped; g += kTreeLanes) {
        const float* xg = e.xt.data() + g;
        if (kWalk != Walk::kGeneric && tree.complete >= 0) {
          WalkComplete<kWalk>(e, tree, xg, leaf);
        } else {
          WalkFlat<kWalk>(e, tree, xg, leaf);
        }
        for (int l = 0; l < kTreeLanes; ++l) on_leaf(g + l, leaf[l]);
      }
    }
  }
  // Rows short of a whole group (all of them for a batch below kTreeLanes, e.g. the edge's one
  // window at a time) would leave most row lanes as padding: they walk with tree lanes instead.
  for (int r = grouped; r < rows; ++r) {
    const float* xr = e.xt.data() + r;
    for (size_t t = 0; t < e.trees.size();) {
      const int taken = WalkTreeLanes<kWalk>(e, t, xr, leaf);
      for (int l = 0; l < taken; ++l) on_leaf(r, leaf[l]);
      t += static_cast<size_t>(taken);
    }
  }
}

}  // namespace tree_detail

// Evaluates the block loaded by LoadTreeBlock (which returned `has_nan`).
template <typename OnLeaf>
void EvaluateTreeBlock(const TreeEnsemble& e, int rows, bool has_nan, OnLeaf&& on_leaf) {
  using tree_detail::Walk;
  if (!e.cmp.empty()) {
    tree_detail::WalkTrees<Walk::kGeneric>(e, rows, on_leaf);
  } else if (has_nan && e.any_nan_yes) {
    tree_detail::WalkTrees<Walk::kLeqNan>(e, rows, on_leaf);
  } else {
    tree_detail::WalkTrees<Walk::kLeq>(e, rows, on_leaf);
  }
}

void RegisterTreeEnsembleOps(RegisterFn reg);

}  // namespace edgeloop::model
