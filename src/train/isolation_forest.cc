#include "train/isolation_forest.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <random>

#include "train/calibration.h"
#include "train/feature_metadata.h"

namespace edgeloop::train {
namespace {

constexpr int kMaxTrees = 10000;
constexpr int kMaxSubsample = 1 << 20;

// Uniform integer in [0, n) by rejection, so the result does not depend on the standard
// library's (implementation-defined) distributions.
uint64_t UniformIndex(std::mt19937_64& rng, uint64_t n) {
  const uint64_t limit =
      std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % n;
  uint64_t r;
  do {
    r = rng();
  } while (r >= limit);
  return r % n;
}

// Uniform double in [0, 1) from the top 53 bits.
double Uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

double Harmonic(double n) {
  if (n < 1) return 0.0;
  if (n <= 4096) {
    double h = 0.0;
    for (int64_t i = static_cast<int64_t>(n); i >= 1; --i) h += 1.0 / static_cast<double>(i);
    return h;
  }
  return std::log(n) + std::numbers::egamma + 1.0 / (2.0 * n) - 1.0 / (12.0 * n * n);
}

// Builds one isolation tree over the rows `idx` of `x` (row-major floats, `cols` columns). The
// "true" child holds x < split, exactly as the exported BRANCH_LT node will route it.
class TreeBuilder {
 public:
  TreeBuilder(const std::vector<float>& x, size_t cols, int height_limit, std::mt19937_64& rng)
      : x_(x), cols_(cols), height_limit_(height_limit), rng_(rng), lo_(cols), hi_(cols) {}

  Tree Build(std::vector<uint32_t>& idx) {
    Tree tree;
    Grow(tree, idx.data(), idx.size(), 0);
    return tree;
  }

 private:
  float At(uint32_t row, size_t col) const { return x_[row * cols_ + col]; }

  int32_t Grow(Tree& tree, uint32_t* idx, size_t n, int depth) {
    const auto self = static_cast<int32_t>(tree.nodes.size());
    tree.nodes.emplace_back();
    if (depth >= height_limit_ || n <= 1) return MakeLeaf(tree, self, n, depth);
    // Features that still vary in this node: splitting on a constant one isolates nothing.
    candidates_.clear();
    for (size_t j = 0; j < cols_; ++j) {
      float lo = At(idx[0], j), hi = lo;
      for (size_t i = 1; i < n; ++i) {
        lo = std::min(lo, At(idx[i], j));
        hi = std::max(hi, At(idx[i], j));
      }
      lo_[j] = lo;
      hi_[j] = hi;
      if (lo < hi) candidates_.push_back(j);
    }
    if (candidates_.empty()) return MakeLeaf(tree, self, n, depth);
    const size_t f = candidates_[UniformIndex(rng_, candidates_.size())];
    const double lo = lo_[f], hi = hi_[f];
    auto split = static_cast<float>(lo + (hi - lo) * Uniform01(rng_));
    // Rounding to float may land on the minimum (or past the maximum); the next float above the
    // minimum still separates the minimum from the maximum, so neither side is empty.
    if (split <= lo_[f] || split > hi_[f]) {
      split = std::nextafter(lo_[f], std::numeric_limits<float>::infinity());
    }
    uint32_t* mid = std::partition(idx, idx + n, [&](uint32_t r) { return At(r, f) < split; });
    const auto left_n = static_cast<size_t>(mid - idx);
    const int32_t left = Grow(tree, idx, left_n, depth + 1);
    const int32_t right = Grow(tree, mid, n - left_n, depth + 1);
    TreeNode& node = tree.nodes[static_cast<size_t>(self)];
    node.feature = static_cast<int32_t>(f);
    node.threshold = split;
    node.split = TreeSplit::kLess;
    node.true_child = left;
    node.false_child = right;
    return self;
  }

  int32_t MakeLeaf(Tree& tree, int32_t self, size_t n, int depth) {
    const double h = depth + AveragePathLength(static_cast<double>(n));
    tree.nodes[static_cast<size_t>(self)].leaf = {{0, static_cast<float>(h)}};
    return self;
  }

  const std::vector<float>& x_;
  size_t cols_;
  int height_limit_;
  std::mt19937_64& rng_;
  std::vector<float> lo_, hi_;
  std::vector<size_t> candidates_;
};

Status CheckOptions(const IsolationForestOptions& o) {
  if (o.trees < 1 || o.trees > kMaxTrees) {
    return InvalidArgument("isolation forest: trees must be in [1, " + std::to_string(kMaxTrees) +
                           "], got " + std::to_string(o.trees));
  }
  if (o.subsample < 2 || o.subsample > kMaxSubsample) {
    return InvalidArgument("isolation forest: subsample must be in [2, " +
                           std::to_string(kMaxSubsample) + "], got " + std::to_string(o.subsample));
  }
  if (!(o.contamination >= 0.0 && o.contamination < 0.5)) {
    return InvalidArgument("isolation forest: contamination must be in [0, 0.5), got " +
                           std::to_string(o.contamination));
  }
  return Status::Ok();
}

// The rows as floats (what the exported model computes with), rejecting what would make a
// split meaningless.
Result<std::vector<float>> ToFloats(const Dataset& data) {
  std::vector<float> x(data.x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const double v = data.x[i];
    x[i] = static_cast<float>(v);
    if (!std::isfinite(x[i])) {
      return InvalidArgument("isolation forest: row " + std::to_string(i / data.cols()) +
                             ", feature '" + data.features[i % data.cols()] + "' is " +
                             (std::isfinite(v) ? "outside the float range" : "not finite"));
    }
  }
  return x;
}

}  // namespace

double AveragePathLength(double n) {
  if (n <= 1) return 0.0;
  return 2.0 * Harmonic(n - 1) - 2.0 * (n - 1) / n;
}

double TrainedIsolationForest::MeanPathLength(std::span<const double> row) const {
  std::vector<float> f(row.begin(), row.end());
  double out = 0;
  ensemble.Evaluate(f, {&out, 1});
  return out;
}

double TrainedIsolationForest::Score(std::span<const double> row) const {
  return std::exp(-std::numbers::ln2 * MeanPathLength(row) / c_subsample);
}

std::vector<double> TrainedIsolationForest::Score(const Dataset& data) const {
  std::vector<double> s(data.rows());
  for (size_t i = 0; i < data.rows(); ++i) s[i] = Score(data.row(i));
  return s;
}

Result<TrainedIsolationForest> TrainIsolationForest(const Dataset& data,
                                                    const IsolationForestOptions& options) {
  EL_RETURN_IF_ERROR(CheckOptions(options));
  const size_t n = data.rows();
  if (data.cols() == 0) return InvalidArgument("isolation forest: the dataset has no features");
  if (n < 2) {
    return InvalidArgument("isolation forest: needs at least 2 rows, got " + std::to_string(n));
  }
  if (n > std::numeric_limits<uint32_t>::max()) {
    return InvalidArgument("isolation forest: too many rows");
  }
  EL_ASSIGN_OR_RETURN(std::vector<float> x, ToFloats(data));

  TrainedIsolationForest f;
  f.options = options;
  f.subsample = static_cast<int>(std::min<size_t>(static_cast<size_t>(options.subsample), n));
  f.height_limit = static_cast<int>(std::ceil(std::log2(static_cast<double>(f.subsample))));
  f.c_subsample = AveragePathLength(f.subsample);
  f.ensemble.num_features = static_cast<int32_t>(data.cols());
  f.ensemble.num_targets = 1;
  f.ensemble.aggregate = TreeAggregate::kAverage;
  f.ensemble.trees.reserve(static_cast<size_t>(options.trees));

  std::mt19937_64 rng(options.seed);
  // A permutation of all rows; each tree's subsample is a partial Fisher-Yates shuffle of it
  // (ψ distinct rows without replacement, O(ψ) per tree).
  std::vector<uint32_t> perm(n);
  for (size_t i = 0; i < n; ++i) perm[i] = static_cast<uint32_t>(i);
  std::vector<uint32_t> sample(static_cast<size_t>(f.subsample));
  TreeBuilder builder(x, data.cols(), f.height_limit, rng);
  for (int t = 0; t < options.trees; ++t) {
    for (size_t i = 0; i < sample.size(); ++i) {
      std::swap(perm[i], perm[i + UniformIndex(rng, n - i)]);
      sample[i] = perm[i];
    }
    f.ensemble.trees.push_back(builder.Build(sample));
  }
  EL_RETURN_IF_ERROR(f.ensemble.Validate());

  // Threshold: the training score exceeded by a `contamination` share of the rows (the forest
  // is unsupervised, so the training rows stand in for normal data).
  std::vector<double> scores = f.Score(data);
  EL_ASSIGN_OR_RETURN(f.threshold, ThresholdForFalseAlarmRate(scores, options.contamination));
  std::vector<double> sorted = scores;
  std::sort(sorted.begin(), sorted.end());
  size_t alarms = 0;
  for (double s : scores) alarms += s >= f.threshold ? 1 : 0;
  auto quantile = [&](double q) {
    return sorted[std::min(n - 1, static_cast<size_t>(q * static_cast<double>(n - 1) + 0.5))];
  };

  model::ModelMetadata& m = f.metadata;
  m.trainer = "iforest";
  m.task = "anomaly";
  m.features = FeatureSpecs(data);
  m.score_output = "score";
  m.threshold = f.threshold;
  m.params = {{"trees", options.trees},        {"subsample", options.subsample},
              {"subsample_used", f.subsample}, {"height_limit", f.height_limit},
              {"seed", options.seed},          {"contamination", options.contamination},
              {"c_subsample", f.c_subsample}};
  m.metrics = {{"train_alarm_rate", static_cast<double>(alarms) / static_cast<double>(n)},
               {"train_score_p50", quantile(0.5)},
               {"train_score_p99", quantile(0.99)},
               {"train_score_max", sorted.back()}};
  m.training = data.Window();
  m.reference_histograms = ReferenceHistograms(data);
  return f;
}

Result<std::string> ExportIsolationForest(const TrainedIsolationForest& forest) {
  if (!(forest.c_subsample > 0)) {
    return InvalidArgument("isolation forest: not trained (c(psi) is not positive)");
  }
  const int64_t cols = forest.ensemble.num_features;
  OnnxBuilder b("edgeloop_iforest");
  b.AddInput("features", model::DType::kFloat, {-1, cols});
  b.AddOutput("score", model::DType::kFloat, {-1, 1});
  EL_RETURN_IF_ERROR(AddTreeEnsembleNode(b, forest.ensemble, TreeEnsembleOp::kRegressor, "features",
                                         {"mean_path_length"}));
  // s = 2^(-E[h]/c(ψ)) = exp(-ln2 / c(ψ) * E[h]).
  const auto scale = static_cast<float>(-std::numbers::ln2 / forest.c_subsample);
  b.AddNode("Mul", {"mean_path_length", b.AddScalar("neg_ln2_over_c", scale)}, {"log_score"});
  b.AddNode("Exp", {"log_score"}, {"score"});
  model::ModelMetadata meta = forest.metadata;
  meta.created_at = UtcNowIso8601();
  meta.producer_version = ProducerVersion();
  return b.Finish(meta);
}

}  // namespace edgeloop::train
