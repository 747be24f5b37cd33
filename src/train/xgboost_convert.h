// Converts a saved XGBoost classifier into a TreeEnsemble that computes the same probabilities.
//
// Input is what XGBoosterSaveModelToBuffer writes (format "ubj" preferred: its floats are the
// exact bits XGBoost compares with; "json" works too). XGBoost routes `x < split_condition` to
// the left child and a missing value to `default_left`, so each split becomes a kLess node whose
// true child is the left child and whose `missing_true` is default_left.
//
// - binary:logistic: two targets. XGBoost's single margin m goes to class 1 as +m and to class 0
//   as -m, post transform kLogistic: class 1 = sigmoid(m) = p, class 0 = sigmoid(-m) = 1 - p.
//   The bias logit(base_score) (XGBoost stores base_score as a probability) is a first,
//   single-leaf tree rather than base values: that antisymmetric layout is the one 2-class
//   classifier runtimes evaluate alike (see TreeEnsembleOp::kClassifier).
// - multi:softprob / multi:softmax: one target per class (tree i belongs to class tree_info[i]),
//   base values = base_score for every class, post transform kSoftmax.
//
// A model from an untrusted source gives an error, never a crash: every array is bounds- and
// type-checked and JSON exceptions are caught.
#pragma once

#include <string_view>

#include "common/status.h"
#include "train/tree_ensemble.h"

namespace edgeloop::train {

Result<TreeEnsemble> TreeEnsembleFromXgboost(std::string_view saved_model);

}  // namespace edgeloop::train
