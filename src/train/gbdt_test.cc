#include "train/gbdt.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>

#include "model/onnx_model.h"
#include "train/batch_runner.h"
#include "train/classification_metrics.h"
#include "train/xgboost_booster.h"
#include "train/xgboost_convert.h"

namespace edgeloop::train {
namespace {

constexpr size_t kCols = 8;

// `rows` rows of kCols standard normal features; the class is the argmax over k < classes of
// x_k + 0.7 x_{k+3} x_{k+4} + noise (non-linear, overlapping: trees grow deep), mapped to
// `label_values`. A `nan_share` of the feature values is then replaced by NaN.
Dataset Synthetic(size_t rows, const std::vector<double>& label_values, uint64_t seed,
                  double nan_share = 0.0) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0.0, 1.0);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Dataset d;
  d.source = "synthetic";
  for (size_t j = 0; j < kCols; ++j) d.features.push_back("f" + std::to_string(j));
  for (size_t i = 0; i < rows; ++i) {
    double x[kCols];
    for (double& v : x) v = z(rng);
    size_t best = 0;
    double best_v = -INFINITY;
    for (size_t k = 0; k < label_values.size(); ++k) {
      const double v = x[k] + 0.7 * x[k + 3] * x[k + 4] + 0.4 * z(rng);
      if (v > best_v) {
        best_v = v;
        best = k;
      }
    }
    d.labels.push_back(label_values[best]);
    for (double v : x) d.x.push_back(u(rng) < nan_share ? std::nan("") : v);
  }
  return d;
}

std::vector<float> Floats(const Dataset& d) { return {d.x.begin(), d.x.end()}; }

Result<model::OnnxModel> Load(const std::string& bytes) {
  return model::OnnxModel::FromBytes({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()},
                                     "gbdt.onnx");
}

// Trains on `train`, exports, and checks on the held-out `test` rows that the interpreter's
// probabilities equal XGBoost's own XGBoosterPredict and the trainer's PredictProba within 1e-5,
// and that the label output is the class of the highest probability.
void CheckRoundTrip(const Dataset& train, const Dataset& test, size_t classes) {
  auto g = TrainGbdt(train, {});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ASSERT_EQ(g->class_labels.size(), classes);
  EXPECT_EQ(g->ensemble.trees.size(), classes == 2 ? 100u : 100u * classes);
  auto bytes = ExportGbdt(*g);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto m = Load(*bytes);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto cols = RunModelOnDataset(*m, test, 64);
  ASSERT_TRUE(cols.ok()) << cols.status().ToString();
  ASSERT_EQ(cols->size(), 1 + classes);  // label, probabilities[0..C-1]
  EXPECT_EQ((*cols)[0].name, "label");

  auto booster = XgbBooster::Load(g->booster);
  ASSERT_TRUE(booster.ok()) << booster.status().ToString();
  auto dm = XgbMatrix::FromDense(Floats(test), kCols);
  ASSERT_TRUE(dm.ok());
  auto xgb = booster->Predict(*dm);
  ASSERT_TRUE(xgb.ok()) << xgb.status().ToString();
  const size_t n = test.rows();
  ASSERT_EQ(xgb->size(), classes == 2 ? n : n * classes);

  size_t label_checks = 0;
  for (size_t i = 0; i < n; ++i) {
    const std::vector<double> own = g->PredictProba(test.row(i));
    std::vector<double> onnx(classes);
    for (size_t k = 0; k < classes; ++k) onnx[k] = (*cols)[1 + k].values[i];
    for (size_t k = 0; k < classes; ++k) {
      const double want =
          classes == 2 ? (k == 1 ? (*xgb)[i] : 1.0 - (*xgb)[i]) : (*xgb)[i * classes + k];
      EXPECT_NEAR(onnx[k], want, 1e-5) << "row " << i << " class " << k;
      EXPECT_NEAR(own[k], want, 1e-5) << "row " << i << " class " << k;
    }
    // Near-ties may legitimately flip between float and double arithmetic.
    std::vector<double> sorted = own;
    std::sort(sorted.rbegin(), sorted.rend());
    if (sorted[0] - sorted[1] > 1e-5) {
      ++label_checks;
      EXPECT_EQ((*cols)[0].values[i], static_cast<double>(g->Predict(test.row(i)))) << "row " << i;
    }
  }
  EXPECT_GT(label_checks, n * 9 / 10);
}

TEST(Gbdt, BinaryMatchesXgboostOnHeldOutRows) {
  CheckRoundTrip(Synthetic(2000, {0, 1}, 1), Synthetic(500, {0, 1}, 2), 2);
}

TEST(Gbdt, ThreeClassesMatchXgboostOnHeldOutRows) {
  CheckRoundTrip(Synthetic(2000, {10, 20, 30}, 3), Synthetic(500, {10, 20, 30}, 4), 3);
}

TEST(Gbdt, MissingValuesFollowXgboostDefaultDirections) {
  // NaN in training teaches default directions; NaN at prediction must take them.
  CheckRoundTrip(Synthetic(2000, {0, 1, 2}, 5, 0.15), Synthetic(500, {0, 1, 2}, 6, 0.3), 3);
}

TEST(Gbdt, SeparableToyIsLearnedPerfectlyAndMetricsAreReported) {
  std::mt19937_64 rng(8);
  std::uniform_real_distribution<double> u(0.5, 2.0);
  Dataset d;
  d.features = {"x", "noise"};
  for (int i = 0; i < 500; ++i) {
    const bool fault = i % 3 == 0;  // classes interleaved in time: both in the validation tail
    d.x.insert(d.x.end(), {fault ? u(rng) : -u(rng), u(rng)});
    d.labels.push_back(fault ? 4 : -1);
  }
  auto g = TrainGbdt(d, {});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->class_labels, (std::vector<int64_t>{-1, 4}));
  EXPECT_EQ(g->Predict(std::vector<double>{1.5, 1.0}), 4);
  EXPECT_EQ(g->Predict(std::vector<double>{-1.5, 1.0}), -1);
  const nlohmann::json& m = g->metadata.metrics;
  EXPECT_EQ(m["validation_rows"], 100);
  EXPECT_EQ(m["train_rows"], 400);
  EXPECT_DOUBLE_EQ(m["accuracy"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(m["train_accuracy"].get<double>(), 1.0);
  ASSERT_EQ(m["classes"].size(), 2u);
  EXPECT_EQ(m["classes"][1]["label"], 4);
  EXPECT_EQ(m["classes"][1]["support"], 33);  // i = 402, 405, ..., 498
  EXPECT_DOUBLE_EQ(m["classes"][1]["precision"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(m["classes"][0]["recall"].get<double>(), 1.0);
  EXPECT_LT(m["log_loss"].get<double>(), 0.1);

  EXPECT_EQ(g->metadata.trainer, "gbdt");
  EXPECT_EQ(g->metadata.task, "classification");
  EXPECT_EQ(g->metadata.class_labels, (std::vector<int64_t>{-1, 4}));
  EXPECT_EQ(g->metadata.training.rows, 400);
  EXPECT_EQ(g->metadata.params["objective"], "binary:logistic");
  auto bytes = ExportGbdt(*g);
  ASSERT_TRUE(bytes.ok());
  auto model = Load(*bytes);
  ASSERT_TRUE(model.ok());
  auto meta = model::ReadMetadata(model->proto());
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_EQ(meta->class_labels, (std::vector<int64_t>{-1, 4}));
  EXPECT_EQ(meta->reference_histograms.size(), 2u);
  EXPECT_DOUBLE_EQ(meta->metrics["accuracy"].get<double>(), 1.0);
}

TEST(Gbdt, ClassificationMetricsCountPerClass) {
  const int32_t truth[] = {0, 0, 1, 2, 2, 2};
  const int32_t pred[] = {0, 1, 1, 2, 2, 0};
  const int64_t labels[] = {5, 6, 7, 8};
  auto m = EvaluateClassification(truth, pred, labels);
  ASSERT_TRUE(m.ok());
  EXPECT_DOUBLE_EQ(m->accuracy, 4.0 / 6);
  EXPECT_DOUBLE_EQ(m->classes[0].precision, 0.5);
  EXPECT_DOUBLE_EQ(m->classes[0].recall, 0.5);
  EXPECT_DOUBLE_EQ(m->classes[1].precision, 0.5);
  EXPECT_DOUBLE_EQ(m->classes[1].recall, 1.0);
  EXPECT_DOUBLE_EQ(m->classes[2].precision, 1.0);
  EXPECT_DOUBLE_EQ(m->classes[2].recall, 2.0 / 3);
  EXPECT_TRUE(std::isnan(m->classes[3].precision));  // never predicted, never true
  EXPECT_EQ(m->confusion[2][0], 1);
  const nlohmann::json j = ClassificationMetricsToJson(*m);
  EXPECT_TRUE(j["classes"][3]["precision"].is_null());
  EXPECT_EQ(j["classes"][3]["label"], 8);
  const int32_t bad[] = {0, 0, 1, 2, 2, 9};
  EXPECT_FALSE(EvaluateClassification(truth, bad, labels).ok());
}

TEST(Gbdt, RejectsBadLabelsOptionsAndValues) {
  Dataset d = Synthetic(200, {0, 1}, 9);
  Dataset no_labels = d;
  no_labels.labels.clear();
  EXPECT_FALSE(TrainGbdt(no_labels, {}).ok());
  Dataset fractional = d;
  fractional.labels[3] = 0.5;
  auto r = TrainGbdt(fractional, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("row 3"), std::string::npos) << r.status().message();
  Dataset one_class = d;
  std::fill(one_class.labels.begin(), one_class.labels.end(), 2.0);
  EXPECT_FALSE(TrainGbdt(one_class, {}).ok());
  Dataset inf = d;
  inf.x[5] = INFINITY;
  EXPECT_FALSE(TrainGbdt(inf, {}).ok());
  for (auto bad : {GbdtOptions{.rounds = 0}, GbdtOptions{.max_depth = 0}, GbdtOptions{.eta = 0},
                   GbdtOptions{.subsample = 1.5}, GbdtOptions{.validation_fraction = 0.95},
                   GbdtOptions{.tree_method = "gpu_hist"}}) {
    EXPECT_EQ(TrainGbdt(d, bad).status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(Gbdt, XgboostErrorsBecomeStatuses) {
  auto load = XgbBooster::Load("definitely not a model");
  ASSERT_FALSE(load.ok());
  EXPECT_NE(load.status().message().find("XGBoost"), std::string::npos);

  Dataset d = Synthetic(100, {0, 1}, 10);
  auto dm = XgbMatrix::FromDense(Floats(d), kCols);
  ASSERT_TRUE(dm.ok());
  auto booster = XgbBooster::Create(*dm);
  ASSERT_TRUE(booster.ok());
  ASSERT_TRUE(booster->SetParam("tree_method", "no_such_method").ok());  // checked lazily
  Status s = booster->UpdateOneIter(0, *dm);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("XGBoosterUpdateOneIter"), std::string::npos) << s.message();
  EXPECT_FALSE(XgbMatrix::FromDense(Floats(d), 7).ok());  // 800 values are not rows of 7
}

// A small binary booster with a non-default base_score, saved as `format`.
std::string SmallBooster(const Dataset& d, const std::string& format) {
  auto dm = XgbMatrix::FromDense(Floats(d), kCols);
  std::vector<float> y(d.labels.begin(), d.labels.end());
  EXPECT_TRUE(dm.ok() && dm->SetLabels(y).ok());
  auto b = XgbBooster::Create(*dm);
  EXPECT_TRUE(b.ok());
  EXPECT_TRUE(b->SetParam("objective", "binary:logistic").ok());
  EXPECT_TRUE(b->SetParam("base_score", "0.3").ok());
  EXPECT_TRUE(b->SetParam("max_depth", "4").ok());
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(b->UpdateOneIter(i, *dm).ok());
  auto saved = b->Save(format);
  EXPECT_TRUE(saved.ok());
  return saved.value_or("");
}

TEST(XgboostConvert, BaseScoreIsAProbabilityAndJsonEqualsUbjson) {
  Dataset d = Synthetic(400, {0, 1}, 11, 0.1);
  const std::string ubj = SmallBooster(d, "ubj");
  const std::string text = SmallBooster(d, "json");
  auto a = TreeEnsembleFromXgboost(ubj);
  auto b = TreeEnsembleFromXgboost(text);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  // The bias logit(base_score) is tree 0, a single leaf; no base values (2-class layout).
  EXPECT_TRUE(a->base_values.empty());
  ASSERT_EQ(a->trees[0].nodes.size(), 1u);
  ASSERT_EQ(a->trees[0].nodes[0].leaf.size(), 2u);
  EXPECT_NEAR(a->trees[0].nodes[0].leaf[1].weight, std::log(0.3 / 0.7), 1e-6);
  EXPECT_EQ(a->trees.size(), 11u);
  ASSERT_EQ(a->trees.size(), b->trees.size());
  for (size_t t = 0; t < a->trees.size(); ++t) {
    ASSERT_EQ(a->trees[t].nodes.size(), b->trees[t].nodes.size());
    for (size_t i = 0; i < a->trees[t].nodes.size(); ++i) {
      EXPECT_EQ(a->trees[t].nodes[i].threshold, b->trees[t].nodes[i].threshold);
    }
  }
  auto booster = XgbBooster::Load(ubj);
  ASSERT_TRUE(booster.ok());
  auto dm = XgbMatrix::FromDense(Floats(d), kCols);
  ASSERT_TRUE(dm.ok());
  auto p = booster->Predict(*dm);
  ASSERT_TRUE(p.ok());
  std::vector<double> out(2);
  for (size_t i = 0; i < d.rows(); ++i) {
    std::vector<float> row(d.x.begin() + i * kCols, d.x.begin() + (i + 1) * kCols);
    a->Evaluate(row, out);
    EXPECT_NEAR(out[1], (*p)[i], 1e-6) << "row " << i;
  }
}

TEST(XgboostConvert, CorruptModelsGiveErrors) {
  Dataset d = Synthetic(200, {0, 1}, 12);
  const nlohmann::json good = nlohmann::json::parse(SmallBooster(d, "json"));
  auto expect_error = [&](const std::function<void(nlohmann::json&)>& mutate,
                          const std::string& part) {
    nlohmann::json j = good;
    mutate(j);
    auto r = TreeEnsembleFromXgboost(j.dump());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find(part), std::string::npos) << r.status().message();
  };
  auto tree0 = [](nlohmann::json& j) -> nlohmann::json& {
    return j["learner"]["gradient_booster"]["model"]["trees"][0];
  };
  expect_error([&](auto& j) { tree0(j)["left_children"][0] = 9999; }, "invalid child");
  expect_error([&](auto& j) { tree0(j)["right_children"][0] = 0; }, "invalid child");
  expect_error([&](auto& j) { tree0(j).erase("split_conditions"); }, "split_conditions");
  expect_error([&](auto& j) { tree0(j)["split_type"][0] = 1; }, "categorical");
  expect_error([&](auto& j) { tree0(j)["split_indices"][0] = 1000; }, "feature 1000");
  expect_error([&](auto& j) { tree0(j)["split_conditions"][0] = "x"; }, "not a number");
  expect_error([&](auto& j) { tree0(j)["default_left"].erase(0); }, "entries");
  expect_error([&](auto& j) { j["learner"]["objective"]["name"] = "reg:squarederror"; },
               "not supported");
  expect_error([&](auto& j) { j["learner"]["gradient_booster"]["model"]["tree_info"][0] = 5; },
               "output group 5");
  expect_error([&](auto& j) { j["learner"]["learner_model_param"]["base_score"] = "abc"; },
               "base_score");
  expect_error([&](auto& j) { j["learner"].erase("gradient_booster"); }, "gradient_booster");
  const std::string ubj = SmallBooster(d, "ubj");
  for (size_t len : {size_t{0}, size_t{1}, size_t{10}, ubj.size() / 2, ubj.size() - 1}) {
    EXPECT_FALSE(TreeEnsembleFromXgboost(std::string_view(ubj).substr(0, len)).ok()) << len;
  }
}

}  // namespace
}  // namespace edgeloop::train
