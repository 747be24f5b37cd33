#include "train/xgboost_convert.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace edgeloop::train {
namespace {

using nlohmann::json;

// Largest class count we convert; beyond it a "classifier" is more likely a corrupt model.
constexpr int64_t kMaxClasses = 10000;

Status Bad(const std::string& msg) { return InvalidArgument("XGBoost model: " + msg); }

// XGBoost stores scalar parameters as strings ("5E-1", "3").
Result<double> ParamNumber(const json& params, const char* key) {
  const auto it = params.find(key);
  if (it == params.end()) return Bad(std::string("missing learner parameter '") + key + "'");
  if (it->is_number()) return it->get<double>();
  if (!it->is_string()) return Bad(std::string("learner parameter '") + key + "' is not a number");
  const std::string s = it->get<std::string>();
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v)) {
    return Bad(std::string("learner parameter '") + key + "' = '" + s + "' is not a number");
  }
  return v;
}

// A numeric array field of a tree, checked to have `n` entries (n < 0: any length).
Result<const json*> Array(const json& tree, const char* key, int64_t n) {
  const auto it = tree.find(key);
  if (it == tree.end() || !it->is_array())
    return Bad(std::string("tree has no array '") + key + "'");
  if (n >= 0 && static_cast<int64_t>(it->size()) != n) {
    return Bad(std::string("tree array '") + key + "' has " + std::to_string(it->size()) +
               " entries for " + std::to_string(n) + " nodes");
  }
  return &*it;
}

Result<int64_t> Int(const json& v, const char* what) {
  if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
  if (!v.is_number_integer()) return Bad(std::string(what) + " is not an integer");
  return v.get<int64_t>();
}

Result<float> Float(const json& v, const char* what) {
  if (!v.is_number()) return Bad(std::string(what) + " is not a number");
  const double d = v.get<double>();
  // UBJSON floats arrive as doubles holding a float exactly; JSON text as the shortest decimal
  // that rounds back to the same float.
  const auto f = static_cast<float>(d);
  if (std::isnan(f) || (std::isinf(f) && !std::isinf(d))) {
    return Bad(std::string(what) + " is not a float");
  }
  return f;
}

// One XGBoost tree, renumbered in depth-first order from the root (XGBoost may keep deleted,
// unreachable nodes in its arrays).
Result<Tree> ConvertTree(const json& t, int32_t group, bool binary, int64_t num_features) {
  EL_ASSIGN_OR_RETURN(const json* left, Array(t, "left_children", -1));
  const auto n = static_cast<int64_t>(left->size());
  if (n == 0 || n > std::numeric_limits<int32_t>::max()) {
    return Bad("tree has " + std::to_string(n) + " nodes");
  }
  EL_ASSIGN_OR_RETURN(const json* right, Array(t, "right_children", n));
  EL_ASSIGN_OR_RETURN(const json* feature, Array(t, "split_indices", n));
  EL_ASSIGN_OR_RETURN(const json* cond, Array(t, "split_conditions", n));
  EL_ASSIGN_OR_RETURN(const json* default_left, Array(t, "default_left", n));
  const json* split_type = nullptr;
  if (t.contains("split_type")) {
    EL_ASSIGN_OR_RETURN(split_type, Array(t, "split_type", n));
  }

  Tree tree;
  std::vector<int32_t> new_index(static_cast<size_t>(n), -1);
  // (old node, slot in tree.nodes to fill)
  std::vector<std::pair<int64_t, int32_t>> stack = {{0, 0}};
  tree.nodes.emplace_back();
  new_index[0] = 0;
  while (!stack.empty()) {
    const auto [old, slot] = stack.back();
    stack.pop_back();
    const auto o = static_cast<size_t>(old);
    EL_ASSIGN_OR_RETURN(const int64_t l, Int((*left)[o], "left_children"));
    EL_ASSIGN_OR_RETURN(const float c, Float((*cond)[o], "split_conditions"));
    TreeNode node;
    if (l == -1) {
      if (binary) {
        node.leaf = {{0, -c}, {1, c}};
      } else {
        node.leaf = {{group, c}};
      }
      tree.nodes[static_cast<size_t>(slot)] = std::move(node);
      continue;
    }
    EL_ASSIGN_OR_RETURN(const int64_t r, Int((*right)[o], "right_children"));
    EL_ASSIGN_OR_RETURN(const int64_t f, Int((*feature)[o], "split_indices"));
    EL_ASSIGN_OR_RETURN(const int64_t dl, Int((*default_left)[o], "default_left"));
    if (split_type != nullptr) {
      EL_ASSIGN_OR_RETURN(const int64_t st, Int((*split_type)[o], "split_type"));
      if (st != 0) return Bad("categorical splits are not supported");
    }
    if (f < 0 || f >= num_features) {
      return Bad("split on feature " + std::to_string(f) + " of " + std::to_string(num_features));
    }
    node.feature = static_cast<int32_t>(f);
    node.threshold = c;
    node.split = TreeSplit::kLess;
    node.missing_true = dl != 0;
    for (const int64_t child : {l, r}) {
      if (child <= 0 || child >= n || new_index[static_cast<size_t>(child)] != -1) {
        return Bad("node " + std::to_string(old) + " has an invalid child " +
                   std::to_string(child));
      }
      const auto s = static_cast<int32_t>(tree.nodes.size());
      new_index[static_cast<size_t>(child)] = s;
      tree.nodes.emplace_back();
      stack.push_back({child, s});
    }
    node.true_child = new_index[static_cast<size_t>(l)];
    node.false_child = new_index[static_cast<size_t>(r)];
    tree.nodes[static_cast<size_t>(slot)] = std::move(node);
  }
  return tree;
}

Result<TreeEnsemble> Convert(const json& root) {
  if (!root.is_object() || !root.contains("learner")) return Bad("no 'learner' object");
  const json& learner = root.at("learner");
  const std::string objective = learner.at("objective").at("name").get<std::string>();
  const bool binary = objective == "binary:logistic";
  if (!binary && objective != "multi:softprob" && objective != "multi:softmax") {
    return Bad("objective '" + objective +
               "' is not supported (binary:logistic, multi:softprob, multi:softmax)");
  }
  const json& params = learner.at("learner_model_param");
  EL_ASSIGN_OR_RETURN(const double base_score, ParamNumber(params, "base_score"));
  EL_ASSIGN_OR_RETURN(const double num_class, ParamNumber(params, "num_class"));
  EL_ASSIGN_OR_RETURN(const double num_feature, ParamNumber(params, "num_feature"));
  if (num_feature < 1 || num_feature > std::numeric_limits<int32_t>::max()) {
    return Bad("num_feature " + std::to_string(num_feature));
  }
  const auto groups = binary ? int64_t{1} : static_cast<int64_t>(num_class);
  if (!binary && (groups < 2 || groups > kMaxClasses)) {
    return Bad("num_class " + std::to_string(num_class));
  }
  if (binary && !(base_score > 0 && base_score < 1)) {
    return Bad("base_score " + std::to_string(base_score) + " is not a probability");
  }

  const json& booster = learner.at("gradient_booster");
  if (booster.at("name").get<std::string>() != "gbtree") {
    return Bad("booster '" + booster.at("name").get<std::string>() + "' is not supported (gbtree)");
  }
  const json& model = booster.at("model");
  const json& trees = model.at("trees");
  const json& tree_info = model.at("tree_info");
  if (!trees.is_array() || !tree_info.is_array() || trees.size() != tree_info.size()) {
    return Bad("'trees' and 'tree_info' do not match");
  }

  TreeEnsemble e;
  e.num_features = static_cast<int32_t>(num_feature);
  e.num_targets = binary ? 2 : static_cast<int32_t>(groups);
  e.aggregate = TreeAggregate::kSum;
  if (binary) {
    // XGBoost turns the probability base_score into a margin with its float ProbToMargin.
    const float margin = -std::log(1.0f / static_cast<float>(base_score) - 1.0f);
    if (margin != 0.0f) {
      Tree bias;
      bias.nodes.emplace_back();
      bias.nodes[0].leaf = {{0, -margin}, {1, margin}};
      e.trees.push_back(std::move(bias));
    }
    e.post_transform = TreePostTransform::kLogistic;
  } else {
    e.base_values.assign(static_cast<size_t>(groups), static_cast<float>(base_score));
    e.post_transform = TreePostTransform::kSoftmax;
  }
  e.trees.reserve(trees.size() + 1);
  for (size_t i = 0; i < trees.size(); ++i) {
    EL_ASSIGN_OR_RETURN(const int64_t group, Int(tree_info[i], "tree_info"));
    if (group < 0 || group >= groups) {
      return Bad("tree " + std::to_string(i) + " belongs to output group " + std::to_string(group) +
                 " of " + std::to_string(groups));
    }
    auto tree = ConvertTree(trees[i], static_cast<int32_t>(group), binary, e.num_features);
    if (!tree.ok()) return tree.status().WithContext("tree " + std::to_string(i));
    e.trees.push_back(std::move(tree).value());
  }
  if (trees.empty()) return Bad("the booster has no trees (trained for 0 rounds?)");
  EL_RETURN_IF_ERROR(e.Validate());
  return e;
}

}  // namespace

Result<TreeEnsemble> TreeEnsembleFromXgboost(std::string_view saved_model) {
  json root;
  try {
    const bool text =
        saved_model.size() >= 2 && saved_model[0] == '{' &&
        (saved_model[1] == '"' || std::isspace(static_cast<unsigned char>(saved_model[1])));
    root = text ? json::parse(saved_model) : json::from_ubjson(saved_model);
  } catch (const json::exception& e) {
    return DataLoss(std::string("XGBoost model: not JSON/UBJSON: ") + e.what());
  }
  try {
    return Convert(root);
  } catch (const json::exception& e) {
    return Bad(e.what());
  }
}

}  // namespace edgeloop::train
