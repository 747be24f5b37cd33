#include "train/gbdt.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "train/classification_metrics.h"
#include "train/feature_metadata.h"
#include "train/xgboost_booster.h"
#include "train/xgboost_convert.h"

namespace edgeloop::train {
namespace {

constexpr size_t kMaxClasses = 1000;
// Labels are class codes; beyond 2^53 a double no longer holds every integer exactly.
constexpr double kMaxLabel = 9007199254740992.0;

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

Status CheckOptions(const GbdtOptions& o) {
  auto bad = [](const std::string& what) { return InvalidArgument("gbdt: " + what); };
  if (o.rounds < 1 || o.rounds > 10000) return bad("rounds must be in [1, 10000]");
  if (o.max_depth < 1 || o.max_depth > 20) return bad("max_depth must be in [1, 20]");
  if (!(o.eta > 0 && o.eta <= 1)) return bad("eta must be in (0, 1]");
  if (o.nthread < 1) return bad("nthread must be >= 1");
  if (!(o.subsample > 0 && o.subsample <= 1)) return bad("subsample must be in (0, 1]");
  if (!(o.validation_fraction >= 0 && o.validation_fraction <= 0.9)) {
    return bad("validation_fraction must be in [0, 0.9]");
  }
  if (o.tree_method != "hist" && o.tree_method != "approx" && o.tree_method != "exact") {
    return bad("tree_method must be hist, approx or exact, got '" + o.tree_method + "'");
  }
  return Status::Ok();
}

// The distinct label values, ascending; their positions are the class ids.
Result<std::vector<int64_t>> LabelValues(const Dataset& data) {
  if (data.labels.empty()) return InvalidArgument("gbdt: the dataset has no label column");
  if (data.labels.size() != data.rows()) {
    return InvalidArgument("gbdt: " + std::to_string(data.labels.size()) + " labels for " +
                           std::to_string(data.rows()) + " rows");
  }
  std::vector<int64_t> values;
  for (size_t i = 0; i < data.labels.size(); ++i) {
    const double v = data.labels[i];
    if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > kMaxLabel) {
      return InvalidArgument("gbdt: label " + Num(v) + " of row " + std::to_string(i) +
                             " is not an integral class code");
    }
    values.push_back(static_cast<int64_t>(v));
  }
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  if (values.size() < 2) {
    return InvalidArgument("gbdt: needs at least 2 distinct labels, got " +
                           std::to_string(values.size()));
  }
  if (values.size() > kMaxClasses) {
    return InvalidArgument("gbdt: " + std::to_string(values.size()) + " distinct labels (at most " +
                           std::to_string(kMaxClasses) + ")");
  }
  return values;
}

// Rows as floats (what XGBoost and the exported model compare); NaN stays a missing value.
Result<std::vector<float>> ToFloats(const Dataset& data) {
  std::vector<float> x(data.x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = static_cast<float>(data.x[i]);
    if (std::isinf(x[i])) {
      return InvalidArgument("gbdt: row " + std::to_string(i / data.cols()) + ", feature '" +
                             data.features[i % data.cols()] + "' is " +
                             (std::isinf(data.x[i]) ? "infinite" : "outside the float range") +
                             " (use NaN for a missing value)");
    }
  }
  return x;
}

int32_t ArgMax(std::span<const double> p) {
  return static_cast<int32_t>(std::max_element(p.begin(), p.end()) - p.begin());
}

Result<XgbBooster> Fit(std::span<const float> x, std::span<const float> y, size_t cols,
                       size_t classes, const GbdtOptions& o) {
  EL_ASSIGN_OR_RETURN(XgbMatrix train, XgbMatrix::FromDense(x, cols));
  EL_RETURN_IF_ERROR(train.SetLabels(y));
  EL_ASSIGN_OR_RETURN(XgbBooster booster, XgbBooster::Create(train));
  if (classes == 2) {
    EL_RETURN_IF_ERROR(booster.SetParam("objective", "binary:logistic"));
  } else {
    EL_RETURN_IF_ERROR(booster.SetParam("objective", "multi:softprob"));
    EL_RETURN_IF_ERROR(booster.SetParam("num_class", std::to_string(classes)));
  }
  EL_RETURN_IF_ERROR(booster.SetParam("max_depth", std::to_string(o.max_depth)));
  EL_RETURN_IF_ERROR(booster.SetParam("eta", Num(o.eta)));
  EL_RETURN_IF_ERROR(booster.SetParam("nthread", std::to_string(o.nthread)));
  EL_RETURN_IF_ERROR(booster.SetParam("seed", std::to_string(o.seed)));
  EL_RETURN_IF_ERROR(booster.SetParam("subsample", Num(o.subsample)));
  EL_RETURN_IF_ERROR(booster.SetParam("tree_method", o.tree_method));
  for (int r = 0; r < o.rounds; ++r) EL_RETURN_IF_ERROR(booster.UpdateOneIter(r, train));
  return booster;
}

}  // namespace

std::vector<double> TrainedGbdt::PredictProba(std::span<const double> row) const {
  std::vector<float> f(row.begin(), row.end());
  std::vector<double> p(static_cast<size_t>(ensemble.num_targets));
  ensemble.Evaluate(f, p);
  return p;
}

int64_t TrainedGbdt::Predict(std::span<const double> row) const {
  return class_labels[static_cast<size_t>(ArgMax(PredictProba(row)))];
}

Result<TrainedGbdt> TrainGbdt(const Dataset& data, const GbdtOptions& options) {
  EL_RETURN_IF_ERROR(CheckOptions(options));
  if (data.cols() == 0) return InvalidArgument("gbdt: the dataset has no features");
  EL_ASSIGN_OR_RETURN(std::vector<int64_t> labels, LabelValues(data));
  const size_t n = data.rows(), cols = data.cols(), classes = labels.size();
  const auto n_val = static_cast<size_t>(std::floor(options.validation_fraction * n));
  const size_t n_train = n - n_val;
  if (n_train < 2) {
    return InvalidArgument("gbdt: " + std::to_string(n_train) + " training rows (need >= 2)");
  }
  EL_ASSIGN_OR_RETURN(std::vector<float> x, ToFloats(data));
  std::vector<int32_t> ids(n);
  std::vector<float> y(n);
  for (size_t i = 0; i < n; ++i) {
    const auto v = static_cast<int64_t>(data.labels[i]);
    ids[i] =
        static_cast<int32_t>(std::lower_bound(labels.begin(), labels.end(), v) - labels.begin());
    y[i] = static_cast<float>(ids[i]);
  }

  EL_ASSIGN_OR_RETURN(XgbBooster booster,
                      Fit(std::span<const float>(x).first(n_train * cols),
                          std::span<const float>(y).first(n_train), cols, classes, options));
  TrainedGbdt g;
  g.options = options;
  g.class_labels = labels;
  EL_ASSIGN_OR_RETURN(g.booster, booster.Save("ubj"));
  EL_ASSIGN_OR_RETURN(g.ensemble, TreeEnsembleFromXgboost(g.booster));
  if (g.ensemble.num_targets != static_cast<int32_t>(classes) ||
      g.ensemble.num_features != static_cast<int32_t>(cols)) {
    return Internal("gbdt: the converted booster has " + std::to_string(g.ensemble.num_targets) +
                    " classes and " + std::to_string(g.ensemble.num_features) +
                    " features, expected " + std::to_string(classes) + " and " +
                    std::to_string(cols));
  }

  // Metrics with the converted ensemble: what the exported model will compute.
  std::vector<int32_t> predicted(n);
  double log_loss = 0.0;
  std::vector<double> p(classes);
  for (size_t i = 0; i < n; ++i) {
    g.ensemble.Evaluate(std::span<const float>(x).subspan(i * cols, cols), p);
    predicted[i] = ArgMax(p);
    if (i >= n_train) log_loss -= std::log(std::max(p[static_cast<size_t>(ids[i])], 1e-15));
  }
  auto first = [&](const std::vector<int32_t>& v) {
    return std::span<const int32_t>(v).first(n_train);
  };
  auto last = [&](const std::vector<int32_t>& v) {
    return std::span<const int32_t>(v).subspan(n_train);
  };
  EL_ASSIGN_OR_RETURN(auto train_metrics,
                      EvaluateClassification(first(ids), first(predicted), labels));
  nlohmann::json metrics = nlohmann::json::object();
  if (n_val > 0) {
    EL_ASSIGN_OR_RETURN(auto val, EvaluateClassification(last(ids), last(predicted), labels));
    metrics = ClassificationMetricsToJson(val);
    metrics.erase("rows");
    metrics["log_loss"] = log_loss / static_cast<double>(n_val);
  }
  metrics["validation_rows"] = n_val;
  metrics["validation_split"] = "last rows, in file order";
  metrics["train_rows"] = n_train;
  metrics["train_accuracy"] = train_metrics.accuracy;

  model::ModelMetadata& m = g.metadata;
  m.trainer = "gbdt";
  m.task = "classification";
  m.features = FeatureSpecs(data);
  m.score_output = "probabilities";
  m.class_labels = labels;
  m.params = {{"rounds", options.rounds},
              {"max_depth", options.max_depth},
              {"eta", options.eta},
              {"nthread", options.nthread},
              {"seed", options.seed},
              {"subsample", options.subsample},
              {"tree_method", options.tree_method},
              {"validation_fraction", options.validation_fraction},
              {"objective", classes == 2 ? "binary:logistic" : "multi:softprob"},
              {"num_class", classes},
              {"trees", g.ensemble.trees.size()},
              {"xgboost_version", XgboostVersion()}};
  m.metrics = std::move(metrics);
  m.training = data.Slice(0, n_train).Window();
  m.reference_histograms = ReferenceHistograms(data.Slice(0, n_train));
  return g;
}

Result<std::string> ExportGbdt(const TrainedGbdt& gbdt) {
  const int64_t cols = gbdt.ensemble.num_features;
  const int64_t classes = gbdt.ensemble.num_targets;
  OnnxBuilder b("edgeloop_gbdt");
  b.AddInput("features", model::DType::kFloat, {-1, cols});
  b.AddOutput("label", model::DType::kInt64, {-1});
  b.AddOutput("probabilities", model::DType::kFloat, {-1, classes});
  EL_RETURN_IF_ERROR(AddTreeEnsembleNode(b, gbdt.ensemble, TreeEnsembleOp::kClassifier, "features",
                                         {"label", "probabilities"}, gbdt.class_labels));
  model::ModelMetadata meta = gbdt.metadata;
  meta.created_at = UtcNowIso8601();
  meta.producer_version = ProducerVersion();
  return b.Finish(meta);
}

}  // namespace edgeloop::train
