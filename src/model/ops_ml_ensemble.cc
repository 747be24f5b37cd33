// TreeEnsembleRegressor and TreeEnsembleClassifier kernels (ai.onnx.ml opsets 1 and 3, float
// attributes). Semantics follow the ONNX-ML spec and, where it is silent, onnxruntime:
// - regressor: leaf weights are aggregated per target (SUM, AVERAGE = sum / trees, MIN, MAX; a
//   target no reached leaf has a weight for is 0 for MIN/MAX), then base_values are added and
//   post_transform is applied to each row (SOFTMAX over the targets, the others elementwise);
// - classifier: weights are summed per class; labels and scores follow onnxruntime, including
//   its binary special case (2 labels, weights for one class only); see FinalizeClassRow.
#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "model/ops.h"
#include "model/ops_ml_tree.h"

namespace edgeloop::model {
namespace {

#define EL_TREE_NODE_ATTRS                                                                \
  "nodes_falsenodeids", "nodes_featureids", "nodes_hitrates", "nodes_hitrates_as_tensor", \
      "nodes_missing_value_tracks_true", "nodes_modes", "nodes_nodeids", "nodes_treeids", \
      "nodes_truenodeids", "nodes_values", "nodes_values_as_tensor", "post_transform",    \
      "base_values", "base_values_as_tensor"

Status BaseValues(const NodeArgs& a, int64_t n, bool allow_one, std::vector<float>* out) {
  const auto* attr = FindAttr(a, "base_values");
  if (!attr || attr->floats_size() == 0) return Status::Ok();
  if (attr->floats_size() != n && !(allow_one && attr->floats_size() == 1)) {
    return NodeError(a, "base_values has " + std::to_string(attr->floats_size()) +
                            " values; expected " + std::to_string(n) + " (or none)");
  }
  out->assign(attr->floats().begin(), attr->floats().end());
  return Status::Ok();
}

// X as `rows` rows of `stride` floats ([F] is one row).
struct XView {
  const float* data;
  int64_t rows;
  int64_t stride;
};

XView ViewX(const NodeArgs& a) {
  const Tensor& x = *a.in[0];
  const int64_t f = x.shape[x.shape.rank - 1];
  return XView{x.As<float>(), x.shape.rank == 2 ? x.shape[0] : 1, f};
}

// ---- TreeEnsembleRegressor ------------------------------------------------------------------

struct RegressorState {
  std::unique_ptr<TreeEnsemble> trees;  // owns the scratch Run writes (one session, one thread)
  Aggregate agg = Aggregate::kSum;
  PostTransform post = PostTransform::kNone;
  std::vector<float> base;
  int64_t targets = 1;
};

Result<std::shared_ptr<const void>> PrepareRegressor(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(
      a, {EL_TREE_NODE_ATTRS, "aggregate_function", "n_targets", "target_ids", "target_nodeids",
          "target_treeids", "target_weights", "target_weights_as_tensor"}));
  auto st = std::make_shared<RegressorState>();
  st->targets = AttrInt(a, "n_targets", 0);
  if (st->targets < 1 || st->targets > kMaxTreeOutputs) {
    return NodeError(a, "n_targets must be in 1.." + std::to_string(kMaxTreeOutputs));
  }
  const auto* agg = FindAttr(a, "aggregate_function");
  const std::string agg_name = agg ? agg->s() : "SUM";
  if (agg_name == "SUM") {
    st->agg = Aggregate::kSum;
  } else if (agg_name == "AVERAGE") {
    st->agg = Aggregate::kAverage;
  } else if (agg_name == "MIN") {
    st->agg = Aggregate::kMin;
  } else if (agg_name == "MAX") {
    st->agg = Aggregate::kMax;
  } else {
    return NodeError(a, "unknown aggregate_function '" + agg_name.substr(0, 64) + "'");
  }
  EL_ASSIGN_OR_RETURN(st->post, ParsePostTransform(a));
  EL_RETURN_IF_ERROR(BaseValues(a, st->targets, false, &st->base));
  EL_ASSIGN_OR_RETURN(st->trees, BuildTreeEnsemble(a, "target", st->targets, st->agg));
  return std::shared_ptr<const void>(std::move(st));
}

const RegressorState& Regressor(const NodeArgs& a) {
  return *static_cast<const RegressorState*>(a.state);
}

Status InferRegressor(const NodeArgs& a) {
  if (a.state == nullptr) return Internal("TreeEnsembleRegressor without prepared state");
  int64_t rows = 0;
  EL_RETURN_IF_ERROR(CheckTreeInput(a, *Regressor(a).trees, &rows));
  a.out[0]->dtype = DType::kFloat;
  a.out[0]->shape.rank = 2;
  a.out[0]->shape[0] = rows;
  a.out[0]->shape[1] = Regressor(a).targets;
  return Status::Ok();
}

template <Aggregate kAgg>
float Combine(float acc, float v) {
  if constexpr (kAgg == Aggregate::kMin) return v < acc ? v : acc;
  if constexpr (kAgg == Aggregate::kMax) return v > acc ? v : acc;
  return acc + v;
}

// Accumulates a leaf's dense values (K outputs) into its row of `acc`.
template <Aggregate kAgg, int K>
struct DenseLeaf {
  float* acc;
  const float* values;
  void operator()(int r, int32_t leaf) const {
    float* row = acc + r * K;
    const float* v = values + static_cast<int64_t>(leaf) * K;
    for (int k = 0; k < K; ++k) row[k] = Combine<kAgg>(row[k], v[k]);
  }
};

// Evaluates a block with dense leaf values; false when the ensemble has none.
template <Aggregate kAgg>
bool EvaluateDense(const TreeEnsemble& e, int rows, bool nan, float* acc) {
  const float* v = e.dense_values.data();
  switch (e.dense_outputs) {
    case 2:
      EvaluateTreeBlock(e, rows, nan, DenseLeaf<kAgg, 2>{acc, v});
      return true;
    case 3:
      EvaluateTreeBlock(e, rows, nan, DenseLeaf<kAgg, 3>{acc, v});
      return true;
    case 4:
      EvaluateTreeBlock(e, rows, nan, DenseLeaf<kAgg, 4>{acc, v});
      return true;
    default:
      return false;
  }
}

template <Aggregate kAgg>
void RunRegressorT(const RegressorState& st, const XView& x, float* y) {
  TreeEnsemble& e = *st.trees;
  const int64_t nt = st.targets;
  const float neutral = kAgg == Aggregate::kMin   ? std::numeric_limits<float>::infinity()
                        : kAgg == Aggregate::kMax ? -std::numeric_limits<float>::infinity()
                                                  : 0.0f;
  const float scale = kAgg == Aggregate::kAverage && !e.trees.empty()
                          ? 1.0f / static_cast<float>(e.trees.size())
                          : 1.0f;
  const FlatNode* nodes = e.nodes.data();
  for (int64_t r0 = 0; r0 < x.rows; r0 += e.block) {
    const int rows = static_cast<int>(std::min<int64_t>(e.block, x.rows - r0));
    float* yb = y + r0 * nt;
    std::fill(yb, yb + rows * nt, neutral);
    const bool nan = LoadTreeBlock(e, x.data + r0 * x.stride, x.stride, rows);
    if (e.single_value) {
      EvaluateTreeBlock(e, rows, nan, [&](int r, int32_t leaf) {
        yb[r * nt] = Combine<kAgg>(yb[r * nt], nodes[leaf].threshold);
      });
    } else if (!EvaluateDense<kAgg>(e, rows, nan, yb)) {
      const uint32_t* begin = e.weight_begin.data();
      const int32_t* out = e.weight_output.data();
      const float* val = e.weight_value.data();
      EvaluateTreeBlock(e, rows, nan, [&](int r, int32_t leaf) {
        float* row = yb + r * nt;
        for (uint32_t w = begin[leaf]; w < begin[leaf + 1]; ++w) {
          row[out[w]] = Combine<kAgg>(row[out[w]], val[w]);
        }
      });
    }
    for (int r = 0; r < rows; ++r) {
      float* row = yb + r * nt;
      for (int64_t t = 0; t < nt; ++t) {
        float v = row[t];
        if constexpr (kAgg == Aggregate::kMin || kAgg == Aggregate::kMax) {
          if (v == neutral) v = 0;  // no reached leaf had a weight for this target
        }
        v *= scale;
        if (!st.base.empty()) v += st.base[static_cast<size_t>(t)];
        row[t] = v;
      }
      ApplyPostTransform(st.post, row, nt);
    }
  }
}

Status RunRegressor(const NodeArgs& a) {
  const RegressorState& st = Regressor(a);
  const XView x = ViewX(a);
  float* y = a.out[0]->As<float>();
  switch (st.agg) {
    case Aggregate::kSum:
      RunRegressorT<Aggregate::kSum>(st, x, y);
      break;
    case Aggregate::kAverage:
      RunRegressorT<Aggregate::kAverage>(st, x, y);
      break;
    case Aggregate::kMin:
      RunRegressorT<Aggregate::kMin>(st, x, y);
      break;
    case Aggregate::kMax:
      RunRegressorT<Aggregate::kMax>(st, x, y);
      break;
  }
  return Status::Ok();
}

// ---- TreeEnsembleClassifier -----------------------------------------------------------------

struct ClassifierState {
  std::unique_ptr<TreeEnsemble> trees;
  PostTransform post = PostTransform::kNone;
  std::vector<float> base;
  std::vector<int64_t> labels;
  bool binary_case = false;         // 2 labels, every weight for the same class
  bool all_positive = true;         // no negative class weight
  bool dynamic_has = false;         // whether a class got a weight must be tracked per row
  std::vector<uint8_t> static_has;  // otherwise: per class, whether every row gets a weight
  // Scratch for one block of rows (one session, one thread): scores and has-a-weight flags.
  std::unique_ptr<float[]> scores;
  std::unique_ptr<uint8_t[]> has;
};

Result<std::shared_ptr<const void>> PrepareClassifier(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(
      a, {EL_TREE_NODE_ATTRS, "class_ids", "class_nodeids", "class_treeids", "class_weights",
          "class_weights_as_tensor", "classlabels_int64s", "classlabels_strings"}));
  if (const auto* s = FindAttr(a, "classlabels_strings"); s && s->strings_size() > 0) {
    return NodeError(a, "string labels not supported (classlabels_strings); use int64 labels");
  }
  auto st = std::make_shared<ClassifierState>();
  if (const auto* l = FindAttr(a, "classlabels_int64s")) {
    st->labels.assign(l->ints().begin(), l->ints().end());
  }
  const auto classes = static_cast<int64_t>(st->labels.size());
  if (classes < 2 || classes > kMaxTreeOutputs) {
    return NodeError(a, "classlabels_int64s must hold 2.." + std::to_string(kMaxTreeOutputs) +
                            " labels, not " + std::to_string(classes));
  }
  EL_ASSIGN_OR_RETURN(st->post, ParsePostTransform(a));
  EL_RETURN_IF_ERROR(BaseValues(a, classes, classes == 2, &st->base));
  EL_ASSIGN_OR_RETURN(st->trees, BuildTreeEnsemble(a, "class", classes, Aggregate::kSum));
  // Like onnxruntime, the binary case looks at every class_ids entry and weight.
  if (const auto* ids = FindAttr(a, "class_ids")) {
    std::unordered_set<int64_t> distinct(ids->ints().begin(), ids->ints().end());
    st->binary_case = classes == 2 && distinct.size() == 1;
  }
  if (const auto* w = FindAttr(a, "class_weights")) {
    for (float v : w->floats()) st->all_positive = st->all_positive && !(v < 0);
  }
  const TreeEnsemble& e = *st->trees;
  for (int64_t k = 0; k < classes; ++k) {
    const auto ku = static_cast<size_t>(k);
    st->dynamic_has = st->dynamic_has || (!e.always_scored[ku] && !e.never_scored[ku]);
  }
  st->static_has = e.always_scored;
  const auto scratch = static_cast<size_t>(e.block * classes);
  st->scores = std::make_unique<float[]>(scratch);
  if (st->dynamic_has) st->has = std::make_unique<uint8_t[]>(scratch);
  return std::shared_ptr<const void>(std::move(st));
}

const ClassifierState& Classifier(const NodeArgs& a) {
  return *static_cast<const ClassifierState*>(a.state);
}

Status InferClassifier(const NodeArgs& a) {
  if (a.state == nullptr) return Internal("TreeEnsembleClassifier without prepared state");
  const ClassifierState& st = Classifier(a);
  int64_t rows = 0;
  EL_RETURN_IF_ERROR(CheckTreeInput(a, *st.trees, &rows));
  a.out[0]->dtype = DType::kInt64;
  a.out[0]->shape.rank = 1;
  a.out[0]->shape[0] = rows;
  if (a.out.size() > 1 && a.out[1] != nullptr) {
    a.out[1]->dtype = DType::kFloat;
    a.out[1]->shape.rank = 2;
    a.out[1]->shape[0] = rows;
    a.out[1]->shape[1] = static_cast<int64_t>(st.labels.size());
  }
  return Status::Ok();
}

// Label and scores of one row from its summed class weights `s` (base_values not yet added) and
// whether each class got a weight (`has`), as onnxruntime's TreeEnsembleClassifier computes them.
void FinalizeClassRow(const ClassifierState& st, float* s, const uint8_t* has, int64_t* label,
                      float* z) {
  const auto classes = static_cast<int64_t>(st.labels.size());
  const auto& base = st.base;
  if (classes > 2) {
    // base_values count as a score for every class; otherwise only classes with a weight compete.
    int64_t best = -1;
    for (int64_t k = 0; k < classes; ++k) {
      if (!base.empty()) s[k] += base[static_cast<size_t>(k)];
      if ((!base.empty() || has[k]) && (best < 0 || s[k] > s[best])) best = k;
    }
    *label = st.labels[static_cast<size_t>(std::max<int64_t>(best, 0))];
    if (z) {
      std::memcpy(z, s, static_cast<size_t>(classes) * sizeof(float));
      ApplyPostTransform(st.post, z, classes);
    }
    return;
  }
  float s0 = s[0], s1 = s[1];
  const bool h0 = has[0] != 0, h1 = has[1] != 0;
  bool two_scores = true;  // false: only class 0's score is meaningful (one weighted column)
  int second = -1;         // how the second score is derived from the first (onnxruntime's modes)
  if (base.size() == 2) {
    if (h1) {
      // onnxruntime uses base_values[1] only, with class 0's sum, in this case.
      s1 = base[1] + s0;
      s0 = -s1;
    } else {
      s0 += base[0];
      s1 += base[1];
    }
  } else if (base.size() == 1) {
    s0 += base[0];
    two_scores = h1;
  } else {
    second = 3;
    two_scores = h1;
  }
  const float positive = two_scores && h1 ? s1 : (h0 ? s0 : 0.0f);
  if (st.binary_case) {
    const bool pos = st.all_positive ? positive > 0.5f : positive > 0.0f;
    second = st.all_positive ? (pos ? 0 : 1) : (pos ? 2 : 3);
    *label = st.labels[pos ? 1 : 0];
  } else {
    // onnxruntime returns the literal 1 or 0 here; the labels they stand for are meant.
    *label = st.labels[positive > 0 ? 1 : 0];
  }
  if (!z) return;
  if (two_scores) {
    z[0] = s0;
    z[1] = s1;
    ApplyPostTransform(st.post, z, 2);
  } else if (st.post == PostTransform::kProbit) {
    z[0] = Probit(s0);
    z[1] = 0;                               // onnxruntime leaves it unwritten
  } else if (second == 0 || second == 1) {  // all weights positive: a probability
    z[0] = 1.0f - s0;
    z[1] = s0;
  } else if (second == 2 || second == 3) {  // mixed signs: a margin
    const bool logistic = st.post == PostTransform::kLogistic;
    z[0] = logistic ? Logistic(-s0) : -s0;
    z[1] = logistic ? Logistic(s0) : s0;
  } else {
    z[0] = s0;
    z[1] = 0;  // onnxruntime leaves it unwritten
  }
}

Status RunClassifier(const NodeArgs& a) {
  const ClassifierState& st = Classifier(a);
  TreeEnsemble& e = *st.trees;
  const XView x = ViewX(a);
  const auto nc = static_cast<int64_t>(st.labels.size());
  int64_t* labels = a.out[0]->As<int64_t>();
  float* z = a.out.size() > 1 && a.out[1] != nullptr ? a.out[1]->As<float>() : nullptr;
  const FlatNode* nodes = e.nodes.data();
  const uint32_t* begin = e.weight_begin.data();
  const int32_t* out = e.weight_output.data();
  const float* val = e.weight_value.data();
  float* scores = st.scores.get();
  uint8_t* has = st.has.get();
  for (int64_t r0 = 0; r0 < x.rows; r0 += e.block) {
    const int rows = static_cast<int>(std::min<int64_t>(e.block, x.rows - r0));
    std::fill(scores, scores + rows * nc, 0.0f);
    const bool nan = LoadTreeBlock(e, x.data + r0 * x.stride, x.stride, rows);
    if (st.dynamic_has) {
      std::fill(has, has + rows * nc, 0);
      EvaluateTreeBlock(e, rows, nan, [&](int r, int32_t leaf) {
        for (uint32_t w = begin[leaf]; w < begin[leaf + 1]; ++w) {
          scores[r * nc + out[w]] += val[w];
          has[r * nc + out[w]] = 1;
        }
      });
    } else if (e.single_value) {
      EvaluateTreeBlock(e, rows, nan,
                        [&](int r, int32_t leaf) { scores[r * nc] += nodes[leaf].threshold; });
    } else if (!EvaluateDense<Aggregate::kSum>(e, rows, nan, scores)) {
      EvaluateTreeBlock(e, rows, nan, [&](int r, int32_t leaf) {
        for (uint32_t w = begin[leaf]; w < begin[leaf + 1]; ++w) {
          scores[r * nc + out[w]] += val[w];
        }
      });
    }
    for (int r = 0; r < rows; ++r) {
      const int64_t row = r0 + r;
      FinalizeClassRow(st, scores + r * nc, st.dynamic_has ? has + r * nc : st.static_has.data(),
                       labels + row, z ? z + row * nc : nullptr);
    }
  }
  return Status::Ok();
}

#undef EL_TREE_NODE_ATTRS

}  // namespace

void RegisterTreeEnsembleOps(RegisterFn reg) {
  OpKernel regressor{&InferRegressor, &RunRegressor, 1, 1, 1};
  regressor.prepare = &PrepareRegressor;
  reg("TreeEnsembleRegressor", regressor);
  OpKernel classifier{&InferClassifier, &RunClassifier, 1, 1, 2};
  classifier.prepare = &PrepareClassifier;
  reg("TreeEnsembleClassifier", classifier);
}

}  // namespace edgeloop::model
