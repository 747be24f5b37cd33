#include "train/tree_ensemble.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace edgeloop::train {
namespace {

// Largest ensemble we export: the ONNX attributes hold one entry per node, and a model this big
// is a training mistake rather than something an edge gateway should run.
constexpr size_t kMaxTotalNodes = size_t{1} << 24;

Status ValidateTree(const TreeEnsemble& e, size_t t) {
  const Tree& tree = e.trees[t];
  const std::string where = "tree " + std::to_string(t);
  if (tree.nodes.empty()) return InvalidArgument(where + " has no nodes");
  if (tree.nodes.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return InvalidArgument(where + " has too many nodes");
  }
  const auto n = static_cast<int32_t>(tree.nodes.size());
  std::vector<char> seen(tree.nodes.size(), 0);
  std::vector<int32_t> stack = {0};
  seen[0] = 1;
  size_t reached = 0;
  while (!stack.empty()) {
    const int32_t i = stack.back();
    stack.pop_back();
    ++reached;
    const TreeNode& node = tree.nodes[static_cast<size_t>(i)];
    const std::string at = where + " node " + std::to_string(i);
    if (node.is_leaf()) {
      for (const LeafWeight& w : node.leaf) {
        if (w.target < 0 || w.target >= e.num_targets) {
          return InvalidArgument(at + ": leaf target " + std::to_string(w.target) +
                                 " outside [0, " + std::to_string(e.num_targets) + ")");
        }
        if (!std::isfinite(w.weight)) return InvalidArgument(at + ": leaf weight is not finite");
      }
      continue;
    }
    if (node.feature >= e.num_features) {
      return InvalidArgument(at + ": feature " + std::to_string(node.feature) + " outside [0, " +
                             std::to_string(e.num_features) + ")");
    }
    if (std::isnan(node.threshold)) return InvalidArgument(at + ": threshold is NaN");
    if (!node.leaf.empty()) return InvalidArgument(at + ": interior node with leaf weights");
    for (int32_t c : {node.true_child, node.false_child}) {
      if (c < 0 || c >= n) {
        return InvalidArgument(at + ": child " + std::to_string(c) + " outside [0, " +
                               std::to_string(n) + ")");
      }
      if (seen[static_cast<size_t>(c)]) {
        return InvalidArgument(at + ": node " + std::to_string(c) +
                               " is reached twice (not a tree)");
      }
      seen[static_cast<size_t>(c)] = 1;
      stack.push_back(c);
    }
  }
  if (reached != tree.nodes.size()) {
    return InvalidArgument(where + ": " + std::to_string(tree.nodes.size() - reached) +
                           " nodes are not reachable from the root");
  }
  return Status::Ok();
}

const char* PostTransformName(TreePostTransform p) {
  switch (p) {
    case TreePostTransform::kNone:
      return "NONE";
    case TreePostTransform::kLogistic:
      return "LOGISTIC";
    case TreePostTransform::kSoftmax:
      return "SOFTMAX";
  }
  return "NONE";
}

// See TreeEnsembleOp::kClassifier: the only 2-class layout runtimes agree on.
Status CheckBinaryLayout(const TreeEnsemble& e) {
  if (!e.base_values.empty()) {
    return InvalidArgument(
        "a 2-class TreeEnsembleClassifier must not have base_values (runtimes special-case "
        "them); put the bias into a single-leaf tree");
  }
  for (size_t t = 0; t < e.trees.size(); ++t) {
    for (size_t i = 0; i < e.trees[t].nodes.size(); ++i) {
      const TreeNode& n = e.trees[t].nodes[i];
      if (!n.is_leaf()) continue;
      float w[2] = {0.0f, 0.0f};
      bool has[2] = {false, false};
      for (const LeafWeight& lw : n.leaf) {
        w[lw.target] += lw.weight;
        has[lw.target] = true;
      }
      if (!has[0] || !has[1] || w[0] != -w[1]) {
        return InvalidArgument("tree " + std::to_string(t) + " leaf " + std::to_string(i) +
                               ": a 2-class TreeEnsembleClassifier needs every leaf to give "
                               "class 0 exactly minus what it gives class 1");
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Status TreeEnsemble::Validate() const {
  if (num_features <= 0) return InvalidArgument("tree ensemble needs at least one feature");
  if (num_targets <= 0) return InvalidArgument("tree ensemble needs at least one target");
  if (trees.empty()) return InvalidArgument("tree ensemble has no trees");
  if (!base_values.empty() && base_values.size() != static_cast<size_t>(num_targets)) {
    return InvalidArgument("tree ensemble has " + std::to_string(base_values.size()) +
                           " base values for " + std::to_string(num_targets) + " targets");
  }
  size_t total = 0;
  for (size_t t = 0; t < trees.size(); ++t) {
    total += trees[t].nodes.size();
    if (total > kMaxTotalNodes) {
      return InvalidArgument("tree ensemble has more than " + std::to_string(kMaxTotalNodes) +
                             " nodes");
    }
    EL_RETURN_IF_ERROR(ValidateTree(*this, t));
  }
  return Status::Ok();
}

int32_t TreeEnsemble::LeafIndex(size_t t, std::span<const float> row) const {
  const std::vector<TreeNode>& nodes = trees[t].nodes;
  int32_t i = 0;
  while (!nodes[static_cast<size_t>(i)].is_leaf()) {
    const TreeNode& n = nodes[static_cast<size_t>(i)];
    const float x = row[static_cast<size_t>(n.feature)];
    bool go_true;
    if (std::isnan(x)) {
      go_true = n.missing_true;
    } else {
      go_true = n.split == TreeSplit::kLess ? x < n.threshold : x <= n.threshold;
    }
    i = go_true ? n.true_child : n.false_child;
  }
  return i;
}

void TreeEnsemble::Evaluate(std::span<const float> row, std::span<double> out) const {
  std::fill(out.begin(), out.begin() + num_targets, 0.0);
  for (size_t t = 0; t < trees.size(); ++t) {
    const TreeNode& leaf = trees[t].nodes[static_cast<size_t>(LeafIndex(t, row))];
    for (const LeafWeight& w : leaf.leaf) out[static_cast<size_t>(w.target)] += w.weight;
  }
  for (int32_t k = 0; k < num_targets; ++k) {
    double& v = out[static_cast<size_t>(k)];
    if (aggregate == TreeAggregate::kAverage) v /= static_cast<double>(trees.size());
    if (!base_values.empty()) v += base_values[static_cast<size_t>(k)];
  }
  if (post_transform == TreePostTransform::kLogistic) {
    for (int32_t k = 0; k < num_targets; ++k) {
      double& v = out[static_cast<size_t>(k)];
      v = 1.0 / (1.0 + std::exp(-v));
    }
  } else if (post_transform == TreePostTransform::kSoftmax) {
    const auto scores = out.first(static_cast<size_t>(num_targets));
    const double max = *std::max_element(scores.begin(), scores.end());
    double sum = 0.0;
    for (double& v : scores) {
      v = std::exp(v - max);
      sum += v;
    }
    for (double& v : scores) v /= sum;
  }
}

size_t TreeEnsemble::num_nodes() const {
  size_t n = 0;
  for (const Tree& t : trees) n += t.nodes.size();
  return n;
}

Status AddTreeEnsembleNode(OnnxBuilder& builder, const TreeEnsemble& ensemble, TreeEnsembleOp op,
                           const std::string& input, const std::vector<std::string>& outputs,
                           std::span<const int64_t> class_labels) {
  EL_RETURN_IF_ERROR(ensemble.Validate());
  const bool classifier = op == TreeEnsembleOp::kClassifier;
  if (outputs.size() != (classifier ? 2u : 1u)) {
    return InvalidArgument(
        std::string(classifier ? "TreeEnsembleClassifier" : "TreeEnsembleRegressor") + " needs " +
        (classifier ? "2 outputs" : "1 output"));
  }
  if (classifier) {
    if (class_labels.size() != static_cast<size_t>(ensemble.num_targets)) {
      return InvalidArgument("classifier has " + std::to_string(class_labels.size()) +
                             " class labels for " + std::to_string(ensemble.num_targets) +
                             " classes");
    }
    if (ensemble.aggregate != TreeAggregate::kSum) {
      return InvalidArgument("TreeEnsembleClassifier only sums its trees");
    }
    if (ensemble.num_targets == 2) EL_RETURN_IF_ERROR(CheckBinaryLayout(ensemble));
  }

  const size_t total = ensemble.num_nodes();
  std::vector<int64_t> tree_ids, node_ids, feature_ids, true_ids, false_ids, missing_true;
  std::vector<float> values;
  std::vector<std::string> modes;
  std::vector<int64_t> leaf_tree_ids, leaf_node_ids, leaf_targets;
  std::vector<float> leaf_weights;
  for (auto* v : {&tree_ids, &node_ids, &feature_ids, &true_ids, &false_ids, &missing_true}) {
    v->reserve(total);
  }
  values.reserve(total);
  modes.reserve(total);
  for (size_t t = 0; t < ensemble.trees.size(); ++t) {
    const std::vector<TreeNode>& nodes = ensemble.trees[t].nodes;
    for (size_t i = 0; i < nodes.size(); ++i) {
      const TreeNode& n = nodes[i];
      tree_ids.push_back(static_cast<int64_t>(t));
      node_ids.push_back(static_cast<int64_t>(i));
      if (n.is_leaf()) {
        feature_ids.push_back(0);
        values.push_back(0.0f);
        modes.emplace_back("LEAF");
        true_ids.push_back(0);
        false_ids.push_back(0);
        missing_true.push_back(0);
        for (const LeafWeight& w : n.leaf) {
          leaf_tree_ids.push_back(static_cast<int64_t>(t));
          leaf_node_ids.push_back(static_cast<int64_t>(i));
          leaf_targets.push_back(w.target);
          leaf_weights.push_back(w.weight);
        }
      } else {
        feature_ids.push_back(n.feature);
        values.push_back(n.threshold);
        modes.emplace_back(n.split == TreeSplit::kLess ? "BRANCH_LT" : "BRANCH_LEQ");
        true_ids.push_back(n.true_child);
        false_ids.push_back(n.false_child);
        missing_true.push_back(n.missing_true ? 1 : 0);
      }
    }
  }

  NodeRef node = classifier ? builder.AddNode("TreeEnsembleClassifier", {input}, outputs, kMlDomain)
                            : builder.AddNode("TreeEnsembleRegressor", {input}, outputs, kMlDomain);
  node.Attr("nodes_treeids", std::span<const int64_t>(tree_ids))
      .Attr("nodes_nodeids", std::span<const int64_t>(node_ids))
      .Attr("nodes_featureids", std::span<const int64_t>(feature_ids))
      .Attr("nodes_values", std::span<const float>(values))
      .Attr("nodes_modes", modes)
      .Attr("nodes_truenodeids", std::span<const int64_t>(true_ids))
      .Attr("nodes_falsenodeids", std::span<const int64_t>(false_ids))
      .Attr("nodes_missing_value_tracks_true", std::span<const int64_t>(missing_true))
      .Attr("post_transform", std::string(PostTransformName(ensemble.post_transform)));
  if (!ensemble.base_values.empty()) {
    node.Attr("base_values", std::span<const float>(ensemble.base_values));
  } else if (classifier && ensemble.num_targets > 2) {
    const std::vector<float> zeros(static_cast<size_t>(ensemble.num_targets), 0.0f);
    node.Attr("base_values", std::span<const float>(zeros));
  }
  const std::string prefix = classifier ? "class_" : "target_";
  node.Attr(prefix + "treeids", std::span<const int64_t>(leaf_tree_ids))
      .Attr(prefix + "nodeids", std::span<const int64_t>(leaf_node_ids))
      .Attr(prefix + "ids", std::span<const int64_t>(leaf_targets))
      .Attr(prefix + "weights", std::span<const float>(leaf_weights));
  if (classifier) {
    node.Attr("classlabels_int64s", class_labels);
  } else {
    node.Attr("n_targets", static_cast<int64_t>(ensemble.num_targets))
        .Attr("aggregate_function",
              std::string(ensemble.aggregate == TreeAggregate::kSum ? "SUM" : "AVERAGE"));
  }
  return Status::Ok();
}

}  // namespace edgeloop::train
