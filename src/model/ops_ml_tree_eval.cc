// Evaluation-side parts of the tree ensembles: the fast layouts built after validation, input
// checks, block loading and the post transforms; see ops_ml_tree.h.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "model/ops_ml_tree.h"

namespace edgeloop::model {
namespace {

// Complete layouts are used for trees at most this deep whose complete form has at most
// 2 * nodes + 32 slots, and while all of them together stay within 4 * nodes + 4096 slots.
constexpr int kCompleteMaxDepth = 10;

float NeutralValue(Aggregate agg) {
  switch (agg) {
    case Aggregate::kMin:
      return std::numeric_limits<float>::infinity();
    case Aggregate::kMax:
      return -std::numeric_limits<float>::infinity();
    default:
      return 0.0f;
  }
}

// Lays tree t out complete (see the header).
void BuildComplete(TreeEnsemble* e, TreeInfo* tree) {
  const int d = tree->depth;
  const int64_t internal = (int64_t{1} << d) - 1;
  tree->complete = static_cast<int32_t>(e->complete_nodes.size());
  tree->leaves = static_cast<int32_t>(e->complete_leaves.size());
  e->complete_nodes.resize(e->complete_nodes.size() + static_cast<size_t>(internal));
  e->complete_leaves.resize(e->complete_leaves.size() + static_cast<size_t>(internal + 1));
  struct Slot {
    int64_t slot;
    int32_t flat;
    int level;
  };
  std::vector<Slot> stack = {{0, tree->root, 0}};
  while (!stack.empty()) {
    const Slot s = stack.back();
    stack.pop_back();
    if (s.level == d) {
      e->complete_leaves[static_cast<size_t>(tree->leaves + s.slot - internal)] = s.flat;
      continue;
    }
    const FlatNode& node = e->nodes[static_cast<size_t>(s.flat)];
    const auto at = static_cast<size_t>(tree->complete + s.slot);
    const bool leaf = node.child[0] == s.flat;
    // Below a leaf that is above the bottom level both children repeat it, so the test is moot.
    e->complete_nodes[at] =
        leaf ? CompleteNode{0, 0.0f} : CompleteNode{node.offset, node.threshold};
    stack.push_back({2 * s.slot + 1, leaf ? s.flat : node.child[0], s.level + 1});
    stack.push_back({2 * s.slot + 2, leaf ? s.flat : node.child[1], s.level + 1});
  }
}

}  // namespace

void BuildFastLayouts(TreeEnsemble* e, Aggregate agg) {
  const size_t n = e->nodes.size();
  const auto k = static_cast<size_t>(e->num_outputs);
  if (!e->single_value && k >= 2 && k <= 4) {
    e->dense_outputs = static_cast<int>(k);
    e->dense_values.assign(n * k, NeutralValue(agg));
    for (size_t f = 0; f < n; ++f) {
      for (uint32_t w = e->weight_begin[f]; w < e->weight_begin[f + 1]; ++w) {
        e->dense_values[f * k + static_cast<size_t>(e->weight_output[w])] = e->weight_value[w];
      }
    }
  }
  if (!e->cmp.empty()) return;  // EQ/NEQ nodes: FlatNodes only
  const size_t budget = 4 * n + 4096;
  for (size_t t = 0; t < e->trees.size(); ++t) {
    TreeInfo& tree = e->trees[t];
    const size_t end = t + 1 < e->trees.size() ? static_cast<size_t>(e->trees[t + 1].root) : n;
    const size_t count = end - static_cast<size_t>(tree.root);
    if (tree.depth > kCompleteMaxDepth) continue;
    const size_t slots = (size_t{2} << tree.depth) - 1;
    if (slots > 2 * count + 32) continue;
    if (e->complete_nodes.size() + e->complete_leaves.size() + slots > budget) break;
    BuildComplete(e, &tree);
  }
  if (!e->any_nan_yes) return;
  e->complete_nan_nodes = e->complete_nodes;
  for (const TreeInfo& tree : e->trees) {
    if (tree.complete < 0) continue;
    // Walk the tree's slots again to find the FlatNode behind each branch slot.
    std::vector<std::pair<int64_t, int32_t>> stack = {{0, tree.root}};
    const int64_t internal = (int64_t{1} << tree.depth) - 1;
    while (!stack.empty()) {
      const auto [slot, flat] = stack.back();
      stack.pop_back();
      if (slot >= internal) continue;
      const FlatNode& node = e->nodes[static_cast<size_t>(flat)];
      const bool leaf = node.child[0] == flat;
      if (!leaf && e->nan_yes[static_cast<size_t>(flat)] != 0) {
        e->complete_nan_nodes[static_cast<size_t>(tree.complete + slot)].offset |= kCompleteNanBit;
      }
      stack.emplace_back(2 * slot + 1, leaf ? flat : node.child[0]);
      stack.emplace_back(2 * slot + 2, leaf ? flat : node.child[1]);
    }
  }
}

Result<PostTransform> ParsePostTransform(const NodeArgs& a) {
  const auto* attr = FindAttr(a, "post_transform");
  const std::string s = attr ? attr->s() : "NONE";
  if (s == "NONE") return PostTransform::kNone;
  if (s == "LOGISTIC") return PostTransform::kLogistic;
  if (s == "SOFTMAX") return PostTransform::kSoftmax;
  if (s == "SOFTMAX_ZERO") return PostTransform::kSoftmaxZero;
  if (s == "PROBIT") return PostTransform::kProbit;
  return NodeError(a, "unknown post_transform '" + s.substr(0, 64) + "'");
}

float Logistic(float v) {
  const float e = 1.0f / (1.0f + std::exp(-std::abs(v)));
  return v < 0 ? 1.0f - e : e;
}

float Probit(float v) {
  // sqrt(2) * erfinv(2v - 1), erfinv by Winitzki's approximation (a = 0.147), as onnxruntime.
  float x = 2.0f * v - 1.0f;
  const float sign = x < 0 ? -1.0f : 1.0f;
  x = (1.0f - x) * (1.0f + x);
  const float ln = std::log(x);
  const float t1 = 2.0f / (3.14159265f * 0.147f) + 0.5f * ln;
  const float t2 = ln / 0.147f;
  return 1.41421356f * sign * std::sqrt(-t1 + std::sqrt(t1 * t1 - t2));
}

void ApplyPostTransform(PostTransform t, float* row, int64_t n) {
  switch (t) {
    case PostTransform::kNone:
      return;
    case PostTransform::kLogistic:
      for (int64_t i = 0; i < n; ++i) row[i] = Logistic(row[i]);
      return;
    case PostTransform::kProbit:
      for (int64_t i = 0; i < n; ++i) row[i] = Probit(row[i]);
      return;
    case PostTransform::kSoftmax:
    case PostTransform::kSoftmaxZero: {
      // SOFTMAX_ZERO leaves (near-)zero scores at zero instead of exp(0 - max).
      const bool zero = t == PostTransform::kSoftmaxZero;
      float max = -std::numeric_limits<float>::max();
      for (int64_t i = 0; i < n; ++i) max = std::max(max, row[i]);
      float sum = 0;
      for (int64_t i = 0; i < n; ++i) {
        if (zero && row[i] <= 1e-7f && row[i] >= -1e-7f) {
          row[i] *= std::exp(-max);
        } else {
          row[i] = std::exp(row[i] - max);
          sum += row[i];
        }
      }
      for (int64_t i = 0; i < n; ++i) row[i] /= sum;
      return;
    }
  }
}

Status CheckTreeInput(const NodeArgs& a, const TreeEnsemble& e, int64_t* rows) {
  const Tensor& x = *a.in[0];
  if (x.dtype != DType::kFloat) return NodeError(a, "input X must be float");
  if (x.shape.rank != 1 && x.shape.rank != 2) {
    return NodeError(a, "input X must be [N, F] or [F], not " + ShapeString(x.shape));
  }
  const int64_t f = x.shape[x.shape.rank - 1];
  if (e.max_feature >= f) {
    return NodeError(a, "a tree reads feature " + std::to_string(e.max_feature) + " but X has " +
                            std::to_string(f) + " features");
  }
  *rows = x.shape.rank == 2 ? x.shape[0] : 1;
  Shape per_row;
  per_row.rank = 1;
  per_row[0] = *rows;
  return CheckWork(a, per_row, e.steps_per_row);
}

bool LoadTreeBlock(TreeEnsemble& e, const float* x, int64_t stride, int rows) {
  bool nan = false;
  const auto block = static_cast<size_t>(e.block);
  for (size_t u = 0; u < e.used_features.size(); ++u) {
    const float* src = x + e.used_features[u];
    float* dst = e.xt.data() + u * block;
    for (int r = 0; r < rows; ++r) {
      const float v = src[static_cast<int64_t>(r) * stride];
      dst[r] = v;
      nan |= v != v;
    }
  }
  return nan;
}

}  // namespace edgeloop::model
