// Decoding, validation and flattening of tree ensembles; see ops_ml_tree.h.
#include "model/ops_ml_tree.h"

#include <google/protobuf/repeated_field.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

namespace edgeloop::model {
namespace {

template <typename T>
using Rep = google::protobuf::RepeatedField<T>;
using Strs = google::protobuf::RepeatedPtrField<std::string>;

const Rep<int64_t>& Ints(const NodeArgs& a, std::string_view name) {
  static const Rep<int64_t> kEmpty;
  const auto* attr = FindAttr(a, name);
  return attr ? attr->ints() : kEmpty;
}
const Rep<float>& Floats(const NodeArgs& a, std::string_view name) {
  static const Rep<float> kEmpty;
  const auto* attr = FindAttr(a, name);
  return attr ? attr->floats() : kEmpty;
}
const Strs& Strings(const NodeArgs& a, std::string_view name) {
  static const Strs kEmpty;
  const auto* attr = FindAttr(a, name);
  return attr ? attr->strings() : kEmpty;
}

// Node modes as written in nodes_modes.
enum Mode : uint8_t { kLeq, kLt, kGte, kGt, kEq, kNeq, kLeaf };

Result<Mode> ParseMode(const NodeArgs& a, const std::string& s) {
  static constexpr std::pair<std::string_view, Mode> kModes[] = {
      {"BRANCH_LEQ", kLeq}, {"BRANCH_LT", kLt},   {"BRANCH_GTE", kGte}, {"BRANCH_GT", kGt},
      {"BRANCH_EQ", kEq},   {"BRANCH_NEQ", kNeq}, {"LEAF", kLeaf}};
  for (const auto& [name, mode] : kModes) {
    if (s == name) return mode;
  }
  return NodeError(a, "unknown node mode '" + s.substr(0, 64) + "'");
}

// The largest float below t, with -inf mapped to NaN: "x < t" becomes "x <= Below(t)" for every
// float x (no x is below -inf, and "x <= NaN" is always false).
float Below(float t) {
  if (t == -std::numeric_limits<float>::infinity()) return std::numeric_limits<float>::quiet_NaN();
  return std::nextafter(t, -std::numeric_limits<float>::infinity());
}

std::string TreeNode(int64_t tree, int64_t node) {
  return "node " + std::to_string(node) + " of tree " + std::to_string(tree);
}

float Neutral(Aggregate agg) {
  switch (agg) {
    case Aggregate::kMin:
      return std::numeric_limits<float>::infinity();
    case Aggregate::kMax:
      return -std::numeric_limits<float>::infinity();
    default:
      return 0.0f;
  }
}

float Combine(Aggregate agg, float acc, float v) {
  switch (agg) {
    case Aggregate::kMin:
      return v < acc ? v : acc;
    case Aggregate::kMax:
      return v > acc ? v : acc;
    default:
      return acc + v;
  }
}

// Per-node input of the flattening, in attribute order.
struct RawNodes {
  const Rep<int64_t>* tree;
  const Rep<int64_t>* id;
  std::vector<Mode> mode;
  std::vector<int32_t> child[2];  // attribute positions of the false / true child
};

// Lays out one tree (attribute positions order[b, e), all with the same tree id) depth-first
// into e->nodes' slots, recording each position's flat index in flat_of.
Status FlattenTree(const NodeArgs& a, const RawNodes& raw, const std::vector<uint8_t>& parents,
                   std::span<const int32_t> positions, TreeEnsemble* e,
                   std::vector<int32_t>* flat_of, std::vector<int32_t>* flat_order) {
  const int64_t tree = (*raw.tree)[positions[0]];
  int32_t root = -1;
  for (int32_t i : positions) {
    if (parents[static_cast<size_t>(i)] != 0) continue;
    if (root >= 0) {
      return NodeError(a, "tree " + std::to_string(tree) + " has two roots (nodes " +
                              std::to_string((*raw.id)[root]) + " and " +
                              std::to_string((*raw.id)[i]) + " have no parent)");
    }
    root = i;
  }
  if (root < 0) {
    return NodeError(a, "tree " + std::to_string(tree) + " has no root: its nodes form a cycle");
  }
  // Every node has at most one parent and the root none, so this walk meets each node once.
  std::vector<std::pair<int32_t, int>> stack = {{root, 0}};
  int depth = 0;
  size_t visited = 0;
  while (!stack.empty()) {
    auto [i, d] = stack.back();
    stack.pop_back();
    if (d > kMaxTreeDepth) {
      return NodeError(a, "tree " + std::to_string(tree) + " is deeper than " +
                              std::to_string(kMaxTreeDepth) + " levels");
    }
    depth = std::max(depth, d);
    (*flat_of)[static_cast<size_t>(i)] = static_cast<int32_t>(flat_order->size());
    flat_order->push_back(i);
    ++visited;
    if (raw.mode[static_cast<size_t>(i)] != kLeaf) {
      stack.emplace_back(raw.child[0][static_cast<size_t>(i)], d + 1);
      stack.emplace_back(raw.child[1][static_cast<size_t>(i)], d + 1);
    }
  }
  if (visited != positions.size()) {
    return NodeError(a, "tree " + std::to_string(tree) + ": " +
                            std::to_string(positions.size() - visited) + " of its " +
                            std::to_string(positions.size()) +
                            " nodes cannot be reached from its root (a cycle?)");
  }
  e->trees.push_back(TreeInfo{(*flat_of)[static_cast<size_t>(root)], depth});
  e->steps_per_row += depth + 1;
  return Status::Ok();
}

struct Weight {
  int32_t flat;
  int32_t output;
  int32_t index;  // attribute position, for a deterministic order
  float value;
};

}  // namespace

Result<std::unique_ptr<TreeEnsemble>> BuildTreeEnsemble(const NodeArgs& a, std::string_view prefix,
                                                        int64_t num_outputs, Aggregate agg) {
  const std::string p(prefix);
  for (const std::string& name : {std::string("nodes_values_as_tensor"),
                                  std::string("base_values_as_tensor"), p + "_weights_as_tensor"}) {
    if (FindAttr(a, name)) {
      return NodeError(a, "attribute '" + name + "' (double precision) not supported");
    }
  }
  RawNodes raw;
  raw.tree = &Ints(a, "nodes_treeids");
  raw.id = &Ints(a, "nodes_nodeids");
  const auto& features = Ints(a, "nodes_featureids");
  const auto& modes = Strings(a, "nodes_modes");
  const auto& true_ids = Ints(a, "nodes_truenodeids");
  const auto& false_ids = Ints(a, "nodes_falsenodeids");
  const auto& values = Floats(a, "nodes_values");
  const auto& missing = Ints(a, "nodes_missing_value_tracks_true");
  const int64_t n = raw.id->size();
  if (n > kMaxTreeNodes) {
    return NodeError(
        a, std::to_string(n) + " tree nodes; the limit is " + std::to_string(kMaxTreeNodes));
  }
  const std::pair<const char*, int64_t> lengths[] = {{"nodes_treeids", raw.tree->size()},
                                                     {"nodes_featureids", features.size()},
                                                     {"nodes_modes", modes.size()},
                                                     {"nodes_truenodeids", true_ids.size()},
                                                     {"nodes_falsenodeids", false_ids.size()},
                                                     {"nodes_values", values.size()}};
  for (const auto& [name, len] : lengths) {
    if (len != n) {
      return NodeError(a, std::string(name) + " has " + std::to_string(len) +
                              " values but nodes_nodeids has " + std::to_string(n));
    }
  }
  if (!missing.empty() && missing.size() != n) {
    return NodeError(a, "nodes_missing_value_tracks_true has " + std::to_string(missing.size()) +
                            " values but nodes_nodeids has " + std::to_string(n));
  }
  const auto un = static_cast<size_t>(n);
  raw.mode.resize(un);
  for (size_t i = 0; i < un; ++i) {
    EL_ASSIGN_OR_RETURN(raw.mode[i], ParseMode(a, modes[static_cast<int>(i)]));
  }
  // (tree id, node id) -> attribute position, by binary search over the sorted positions.
  std::vector<int32_t> order(un);
  std::iota(order.begin(), order.end(), 0);
  auto key = [&](int32_t i) { return std::pair((*raw.tree)[i], (*raw.id)[i]); };
  std::sort(order.begin(), order.end(), [&](int32_t x, int32_t y) { return key(x) < key(y); });
  for (size_t k = 1; k < un; ++k) {
    if (key(order[k]) == key(order[k - 1])) {
      return NodeError(a, TreeNode(key(order[k]).first, key(order[k]).second) + " appears twice");
    }
  }
  auto find = [&](int64_t tree, int64_t node) -> int32_t {
    auto it = std::lower_bound(
        order.begin(), order.end(), std::pair(tree, node),
        [&](int32_t i, const std::pair<int64_t, int64_t>& k) { return key(i) < k; });
    return it != order.end() && key(*it) == std::pair(tree, node) ? *it : -1;
  };
  raw.child[0].assign(un, -1);
  raw.child[1].assign(un, -1);
  std::vector<uint8_t> parents(un, 0);
  for (size_t i = 0; i < un; ++i) {
    if (raw.mode[i] == kLeaf) continue;
    const int c = static_cast<int>(i);
    const int64_t tree = (*raw.tree)[c];
    if (features[c] < 0 || features[c] > std::numeric_limits<int32_t>::max()) {
      return NodeError(a, TreeNode(tree, (*raw.id)[c]) + " has invalid feature id " +
                              std::to_string(features[c]));
    }
    const int64_t ids[2] = {false_ids[c], true_ids[c]};
    for (int side = 0; side < 2; ++side) {
      const int32_t child = find(tree, ids[side]);
      if (child < 0) {
        return NodeError(a, TreeNode(tree, (*raw.id)[c]) + ": its " + (side ? "true" : "false") +
                                " child " + TreeNode(tree, ids[side]) + " does not exist");
      }
      if (++parents[static_cast<size_t>(child)] > 1) {
        return NodeError(a, TreeNode(tree, ids[side]) +
                                " is reached from two branches (a shared subtree or a cycle)");
      }
      raw.child[side][i] = child;
    }
  }
  auto e = std::make_unique<TreeEnsemble>();
  e->num_outputs = num_outputs;
  std::vector<int32_t> flat_of(un, -1), flat_order;
  flat_order.reserve(un);
  for (size_t b = 0; b < un;) {
    size_t end = b + 1;
    while (end < un && (*raw.tree)[order[end]] == (*raw.tree)[order[b]]) ++end;
    EL_RETURN_IF_ERROR(FlattenTree(a, raw, parents, std::span(order).subspan(b, end - b), e.get(),
                                   &flat_of, &flat_order));
    b = end;
  }
  // Branches, rewritten as "x <= t" where possible (see the header).
  std::vector<int32_t> used;
  for (size_t i = 0; i < un; ++i) {
    if (raw.mode[i] != kLeaf) used.push_back(static_cast<int32_t>(features[static_cast<int>(i)]));
  }
  std::sort(used.begin(), used.end());
  used.erase(std::unique(used.begin(), used.end()), used.end());
  if (static_cast<int64_t>(used.size()) > kMaxTreeFeatures) {
    return NodeError(a, "trees use " + std::to_string(used.size()) +
                            " distinct features; the limit is " + std::to_string(kMaxTreeFeatures));
  }
  while (e->block > kTreeLanes &&
         static_cast<int64_t>(used.size()) * e->block > (int64_t{1} << 22)) {
    e->block /= 2;
  }
  e->max_feature = used.empty() ? -1 : used.back();
  e->nodes.resize(un);
  e->nan_yes.assign(un, 0);
  std::vector<TreeCmp> cmp(un, TreeCmp::kLeq);
  bool generic = false;
  constexpr float kInf = std::numeric_limits<float>::infinity();
  for (size_t f = 0; f < un; ++f) {
    const auto i = static_cast<size_t>(flat_order[f]);
    const int c = static_cast<int>(i);
    FlatNode& node = e->nodes[f];
    const auto self = static_cast<int32_t>(f);
    if (raw.mode[i] == kLeaf) {
      node = FlatNode{0, Neutral(agg), {self, self}};
      continue;
    }
    const int32_t yes = flat_of[static_cast<size_t>(raw.child[1][i])];
    const int32_t no = flat_of[static_cast<size_t>(raw.child[0][i])];
    const float t = values[c];
    bool nan_yes = !missing.empty() && missing[c] != 0;
    const auto u = static_cast<uint32_t>(
        std::lower_bound(used.begin(), used.end(), static_cast<int32_t>(features[c])) -
        used.begin());
    node.offset = u * static_cast<uint32_t>(e->block);
    node.child[0] = no;
    node.child[1] = yes;
    switch (raw.mode[i]) {
      case kLeq:
        node.threshold = t;
        break;
      case kLt:
        node.threshold = Below(t);
        break;
      case kGt:  // x > t  <=>  !(x <= t); a NaN threshold never holds, so x <= +inf fails
        node.threshold = std::isnan(t) ? kInf : t;
        std::swap(node.child[0], node.child[1]);
        nan_yes = !nan_yes;
        break;
      case kGte:  // x >= t  <=>  !(x < t)
        node.threshold = std::isnan(t) ? kInf : Below(t);
        std::swap(node.child[0], node.child[1]);
        nan_yes = !nan_yes;
        break;
      default:  // kEq, kNeq
        node.threshold = t;
        cmp[f] = raw.mode[i] == kEq ? TreeCmp::kEq : TreeCmp::kNeq;
        generic = true;
        break;
    }
    e->nan_yes[f] = nan_yes ? 1 : 0;
    e->any_nan_yes = e->any_nan_yes || nan_yes;
  }
  if (generic) e->cmp = std::move(cmp);
  e->used_features = std::move(used);
  // Never empty: walkers form row pointers into it even when no tree has a branch.
  e->xt.assign(std::max<size_t>(e->used_features.size(), 1) * static_cast<size_t>(e->block), 0.0f);

  // Leaf weights.
  const auto& w_ids = Ints(a, p + "_ids");
  const auto& w_nodes = Ints(a, p + "_nodeids");
  const auto& w_trees = Ints(a, p + "_treeids");
  const auto& w_values = Floats(a, p + "_weights");
  const int64_t m = w_ids.size();
  if (m > kMaxTreeWeights) {
    return NodeError(
        a, std::to_string(m) + " leaf weights; the limit is " + std::to_string(kMaxTreeWeights));
  }
  if (w_nodes.size() != m || w_trees.size() != m || w_values.size() != m) {
    return NodeError(a, p + "_ids, " + p + "_nodeids, " + p + "_treeids and " + p +
                            "_weights must have the same length");
  }
  std::vector<Weight> weights;
  weights.reserve(static_cast<size_t>(m));
  for (int j = 0; j < m; ++j) {
    const int32_t pos = find(w_trees[j], w_nodes[j]);
    if (pos < 0) {
      return NodeError(a, p + "_nodeids[" + std::to_string(j) +
                              "]: " + TreeNode(w_trees[j], w_nodes[j]) + " does not exist");
    }
    if (raw.mode[static_cast<size_t>(pos)] != kLeaf) continue;
    if (w_ids[j] < 0 || w_ids[j] >= num_outputs) {
      return NodeError(a, p + "_ids[" + std::to_string(j) + "] is " + std::to_string(w_ids[j]) +
                              "; expected 0.." + std::to_string(num_outputs - 1));
    }
    weights.push_back(
        Weight{flat_of[static_cast<size_t>(pos)], static_cast<int32_t>(w_ids[j]), j, w_values[j]});
  }
  std::sort(weights.begin(), weights.end(), [](const Weight& x, const Weight& y) {
    return std::tie(x.flat, x.output, x.index) < std::tie(y.flat, y.output, y.index);
  });
  e->weight_begin.assign(un + 1, 0);
  e->single_value = true;
  for (size_t k = 0; k < weights.size(); ++k) {
    const Weight& w = weights[k];
    if (k > 0 && weights[k - 1].flat == w.flat && weights[k - 1].output == w.output) {
      e->weight_value.back() = Combine(agg, e->weight_value.back(), w.value);
    } else {
      e->weight_output.push_back(w.output);
      e->weight_value.push_back(w.value);
      ++e->weight_begin[static_cast<size_t>(w.flat) + 1];
      e->single_value = e->single_value && w.output == 0;
    }
  }
  for (size_t f = 0; f < un; ++f) e->weight_begin[f + 1] += e->weight_begin[f];
  if (e->single_value) {
    for (size_t f = 0; f < un; ++f) {
      if (e->weight_begin[f + 1] > e->weight_begin[f]) {
        e->nodes[f].threshold = e->weight_value[e->weight_begin[f]];
      }
    }
  }
  // Which outputs every row gets a weight for, which none does (for the classifier's labels).
  const auto outs = static_cast<size_t>(num_outputs);
  e->always_scored.assign(outs, 0);
  e->never_scored.assign(outs, 1);
  std::vector<int64_t> count(outs, 0);
  std::vector<int32_t> touched;
  for (size_t t = 0; t < e->trees.size(); ++t) {
    const auto lo = static_cast<size_t>(e->trees[t].root);
    const size_t hi = t + 1 < e->trees.size() ? static_cast<size_t>(e->trees[t + 1].root) : un;
    int64_t leaves = 0;
    for (size_t f = lo; f < hi; ++f) {
      if (e->nodes[f].child[0] != static_cast<int32_t>(f)) continue;
      ++leaves;
      for (uint32_t w = e->weight_begin[f]; w < e->weight_begin[f + 1]; ++w) {
        const auto o = static_cast<size_t>(e->weight_output[w]);
        if (count[o]++ == 0) touched.push_back(static_cast<int32_t>(o));
        e->never_scored[o] = 0;
      }
    }
    for (int32_t o : touched) {
      if (count[static_cast<size_t>(o)] == leaves) e->always_scored[static_cast<size_t>(o)] = 1;
      count[static_cast<size_t>(o)] = 0;
    }
    touched.clear();
  }
  BuildFastLayouts(e.get(), agg);
  return e;
}

}  // namespace edgeloop::model
