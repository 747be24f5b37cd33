// TreeEnsemble: a neutral representation of decision-tree ensembles (isolation forests, gradient
// boosted trees) with a C++ evaluator and an exporter to the ONNX-ML tree operators.
//
// The evaluator follows the ONNX-ML semantics of TreeEnsembleRegressor/TreeEnsembleClassifier
// exactly (float features and thresholds, NaN routed by `missing_true`, leaf weights summed per
// target, then the aggregate, the base values and the post transform), so a trainer's own
// predictions and the interpreter's on the exported graph agree to float rounding. Thresholds
// and leaf weights are floats because that is what the ONNX attributes (and XGBoost) store:
// evaluating with anything wider would disagree with the exported model near a split.
//
// Plain value types: copyable, no internal synchronisation; concurrent const use is safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "train/onnx_builder.h"

namespace edgeloop::train {

// Comparison of an interior node: the "true" child is taken when x < threshold (kLess, ONNX
// BRANCH_LT, XGBoost's rule) or x <= threshold (kLessOrEqual, BRANCH_LEQ).
enum class TreeSplit { kLess, kLessOrEqual };
// How the leaf weights of all trees combine per target. kAverage divides by the number of trees
// (as ONNX runtimes do), not by the number of trees that voted for that target.
enum class TreeAggregate { kSum, kAverage };
// Applied to the aggregated scores (plus base values) of one row.
enum class TreePostTransform { kNone, kLogistic, kSoftmax };

struct LeafWeight {
  int32_t target = 0;  // output column (regression target or class index)
  float weight = 0.0f;
};

struct TreeNode {
  int32_t feature = -1;  // input column; < 0 marks a leaf
  float threshold = 0.0f;
  TreeSplit split = TreeSplit::kLess;
  bool missing_true = false;  // NaN follows the true child (XGBoost's default_left)
  int32_t true_child = -1;    // index into Tree::nodes
  int32_t false_child = -1;
  std::vector<LeafWeight> leaf;  // leaves only: what this leaf adds to each target

  bool is_leaf() const { return feature < 0; }
};

// nodes[0] is the root. Every node is reachable from the root exactly once (checked by
// TreeEnsemble::Validate), so node indices are the ONNX node ids 0..n-1.
struct Tree {
  std::vector<TreeNode> nodes;
};

struct TreeEnsemble {
  int32_t num_features = 0;
  int32_t num_targets = 1;
  std::vector<Tree> trees;
  std::vector<float> base_values;  // per target, added after aggregation; empty means zeros
  TreeAggregate aggregate = TreeAggregate::kSum;
  TreePostTransform post_transform = TreePostTransform::kNone;

  // Checks sizes, feature and target indices, child links (in range, each node reached once
  // from the root, no cycles) and thresholds (not NaN). Evaluate and the exporter rely on it.
  Status Validate() const;

  // Scores of one row of num_features floats (NaN = missing) into out[num_targets], after
  // aggregation, base values and post transform. Requires a validated ensemble.
  void Evaluate(std::span<const float> row, std::span<double> out) const;
  // Index of the leaf `row` reaches in trees[t].
  int32_t LeafIndex(size_t t, std::span<const float> row) const;

  size_t num_nodes() const;
};

// Which ONNX-ML operator AddTreeEnsembleNode emits.
enum class TreeEnsembleOp {
  // TreeEnsembleRegressor: outputs {scores float [N, num_targets]}.
  kRegressor,
  // TreeEnsembleClassifier: outputs {label int64 [N], scores float [N, num_targets]}; the label
  // is class_labels[argmax(scores)]. Needs aggregate kSum (the operator has no other).
  //
  // Two classes: onnxruntime (and our interpreter, which follows it) special-cases them: with
  // base_values it replaces class 1's score by base_values[1] + class 0's sum, with weights for
  // one class only it outputs [1 - s, s] untransformed when no weight is negative, and the label
  // is "class 1's raw score > 0". The one layout whose result equals Evaluate() everywhere is
  // antisymmetric: every leaf gives class 0 exactly minus what it gives class 1, and there are
  // no base values (put a bias into a single-leaf tree). The exporter rejects other 2-class
  // ensembles rather than write a model that runtimes read differently.
  // More classes: base_values are always written (zeros when empty), because without them a
  // class no reached leaf scores is left out of onnxruntime's label choice.
  kClassifier,
};

// Appends one ai.onnx.ml tree-ensemble node reading `input` (float [N, num_features]) to the
// graph being built. Validates the ensemble first; `class_labels` (classifier only) must have
// num_targets entries.
Status AddTreeEnsembleNode(OnnxBuilder& builder, const TreeEnsemble& ensemble, TreeEnsembleOp op,
                           const std::string& input, const std::vector<std::string>& outputs,
                           std::span<const int64_t> class_labels = {});

}  // namespace edgeloop::train
