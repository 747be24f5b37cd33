#include "train/isolation_forest.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "model/onnx_model.h"
#include "train/batch_runner.h"
#include "train/calibration.h"

namespace edgeloop::train {
namespace {

constexpr size_t kCols = 4;

// Correlated Gaussian blob (x1 follows x0), a different scale per feature.
Dataset Blob(size_t rows, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0.0, 1.0);
  Dataset d;
  d.source = "blob";
  d.features = {"a", "b", "c", "d"};
  for (size_t i = 0; i < rows; ++i) {
    const double a = z(rng);
    d.x.insert(d.x.end(), {10.0 + a, 0.8 * a + 0.6 * z(rng), 100.0 * z(rng), 0.01 * z(rng)});
  }
  return d;
}

// Held-out normal rows followed by `anomalies` rows 6 to 8 standard deviations out in random
// directions; labels 1 mark the anomalies.
Dataset WithAnomalies(size_t normal, size_t anomalies, uint64_t seed) {
  Dataset d = Blob(normal, seed);
  std::mt19937_64 rng(seed + 1);
  std::normal_distribution<double> z(0.0, 1.0);
  std::uniform_real_distribution<double> radius(6.0, 8.0);
  d.labels.assign(normal, 0.0);
  const double scale[] = {1.0, 1.0, 100.0, 0.01};
  const double center[] = {10.0, 0.0, 0.0, 0.0};
  for (size_t i = 0; i < anomalies; ++i) {
    double dir[kCols], norm = 0;
    for (double& v : dir) {
      v = z(rng);
      norm += v * v;
    }
    const double r = radius(rng) / std::sqrt(norm);
    for (size_t j = 0; j < kCols; ++j) d.x.push_back(center[j] + scale[j] * r * dir[j]);
    d.labels.push_back(1.0);
  }
  return d;
}

TEST(IsolationForest, AveragePathLengthMatchesKnownValues) {
  EXPECT_EQ(AveragePathLength(0), 0.0);
  EXPECT_EQ(AveragePathLength(1), 0.0);
  EXPECT_DOUBLE_EQ(AveragePathLength(2), 1.0);            // 2 H(1) - 1
  EXPECT_DOUBLE_EQ(AveragePathLength(3), 3.0 - 4.0 / 3);  // 2 H(2) - 4/3
  // Large n: 2 (ln(n-1) + γ) - 2 within the asymptotic expansion's accuracy.
  const double n = 1e6;
  EXPECT_NEAR(AveragePathLength(n), 2.0 * (std::log(n - 1) + 0.5772156649015329) - 2.0, 1e-5);
}

TEST(IsolationForest, SeparatesAnomaliesFromTheBlob) {
  auto forest = TrainIsolationForest(Blob(3000, 7), {});
  ASSERT_TRUE(forest.ok()) << forest.status().ToString();
  EXPECT_EQ(forest->subsample, 256);
  EXPECT_EQ(forest->height_limit, 8);
  EXPECT_EQ(forest->ensemble.trees.size(), 100u);
  Dataset test = WithAnomalies(1000, 40, 99);
  std::vector<double> scores = forest->Score(test);
  auto auc = RocAuc(scores, test.labels);
  ASSERT_TRUE(auc.ok());
  EXPECT_GT(*auc, 0.95);
  // The centre of the blob is as normal as it gets; a far point clearly anomalous.
  EXPECT_LT(forest->Score(std::vector<double>{10.0, 0.0, 0.0, 0.0}), 0.5);
  EXPECT_GT(forest->Score(std::vector<double>{30.0, -20.0, 2000.0, 0.5}), 0.7);
}

TEST(IsolationForest, ThresholdAlarmsOnTheContaminationShare) {
  IsolationForestOptions o;
  o.contamination = 0.02;
  auto forest = TrainIsolationForest(Blob(2000, 3), o);
  ASSERT_TRUE(forest.ok());
  std::vector<double> train = forest->Score(Blob(2000, 3));
  size_t alarms = 0;
  for (double s : train) alarms += s >= forest->threshold ? 1 : 0;
  EXPECT_GE(alarms, 30u);
  EXPECT_LE(alarms, 50u);
  EXPECT_DOUBLE_EQ(forest->metadata.metrics["train_alarm_rate"].get<double>(), alarms / 2000.0);
  // Unseen normal data alarms at a similar rate.
  std::vector<double> fresh = forest->Score(Blob(4000, 11));
  size_t fresh_alarms = 0;
  for (double s : fresh) fresh_alarms += s >= forest->threshold ? 1 : 0;
  EXPECT_LT(fresh_alarms, 4000u * 5 / 100);
}

TEST(IsolationForest, SameSeedSameForestOtherSeedOtherForest) {
  Dataset d = Blob(1000, 5);
  IsolationForestOptions o;
  o.trees = 20;
  o.seed = 42;
  auto a = TrainIsolationForest(d, o);
  auto b = TrainIsolationForest(d, o);
  o.seed = 43;
  auto c = TrainIsolationForest(d, o);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  auto same = [](const TreeEnsemble& x, const TreeEnsemble& y) {
    if (x.trees.size() != y.trees.size()) return false;
    for (size_t t = 0; t < x.trees.size(); ++t) {
      const auto& nx = x.trees[t].nodes;
      const auto& ny = y.trees[t].nodes;
      if (nx.size() != ny.size()) return false;
      for (size_t i = 0; i < nx.size(); ++i) {
        if (nx[i].feature != ny[i].feature || nx[i].threshold != ny[i].threshold ||
            nx[i].true_child != ny[i].true_child ||
            (nx[i].is_leaf() && nx[i].leaf[0].weight != ny[i].leaf[0].weight)) {
          return false;
        }
      }
    }
    return true;
  };
  EXPECT_TRUE(same(a->ensemble, b->ensemble));
  EXPECT_EQ(a->threshold, b->threshold);
  EXPECT_FALSE(same(a->ensemble, c->ensemble));
}

// Depth of every leaf and the leaf value depth + c(size) >= depth.
void CheckLeaves(const Tree& tree, int32_t node, int depth, int limit, int* max_depth) {
  const TreeNode& n = tree.nodes[static_cast<size_t>(node)];
  if (n.is_leaf()) {
    *max_depth = std::max(*max_depth, depth);
    ASSERT_EQ(n.leaf.size(), 1u);
    EXPECT_GE(n.leaf[0].weight, static_cast<float>(depth));
    if (depth < limit) {
      // Above the limit a leaf holds one row (the blob's rows never repeat): c(1) = 0.
      EXPECT_EQ(n.leaf[0].weight, static_cast<float>(depth));
    }
    return;
  }
  CheckLeaves(tree, n.true_child, depth + 1, limit, max_depth);
  CheckLeaves(tree, n.false_child, depth + 1, limit, max_depth);
}

TEST(IsolationForest, HonoursHeightLimitAndSmallData) {
  IsolationForestOptions o;
  o.trees = 10;
  auto forest = TrainIsolationForest(Blob(50, 1), o);  // ψ capped at 50 rows
  ASSERT_TRUE(forest.ok());
  EXPECT_EQ(forest->subsample, 50);
  EXPECT_EQ(forest->height_limit, 6);
  EXPECT_DOUBLE_EQ(forest->c_subsample, AveragePathLength(50));
  for (const Tree& t : forest->ensemble.trees) {
    int max_depth = 0;
    CheckLeaves(t, 0, 0, forest->height_limit, &max_depth);
    EXPECT_LE(max_depth, 6);
  }
}

TEST(IsolationForest, ConstantFeaturesAndDuplicateRowsStillTrain) {
  Dataset d;
  d.features = {"const", "x"};
  for (int i = 0; i < 300; ++i) d.x.insert(d.x.end(), {5.0, static_cast<double>(i % 3)});
  auto forest = TrainIsolationForest(d, {});
  ASSERT_TRUE(forest.ok()) << forest.status().ToString();
  for (const Tree& t : forest->ensemble.trees) {
    for (const TreeNode& n : t.nodes) {
      if (!n.is_leaf()) {
        EXPECT_EQ(n.feature, 1);  // never splits the constant column
      }
    }
  }
  // A value never seen scores above the common ones.
  EXPECT_GT(forest->Score(std::vector<double>{5.0, 40.0}),
            forest->Score(std::vector<double>{5.0, 1.0}));
}

TEST(IsolationForest, RejectsBadInput) {
  Dataset one = Blob(1, 1);
  EXPECT_FALSE(TrainIsolationForest(one, {}).ok());
  Dataset nan = Blob(100, 1);
  nan.x[17] = std::nan("");
  auto r = TrainIsolationForest(nan, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("feature 'b'"), std::string::npos) << r.status().message();
  Dataset huge = Blob(100, 1);
  huge.x[3] = 1e300;
  EXPECT_FALSE(TrainIsolationForest(huge, {}).ok());
  Dataset good = Blob(100, 1);
  for (auto bad : {IsolationForestOptions{.trees = 0}, IsolationForestOptions{.subsample = 1},
                   IsolationForestOptions{.contamination = -0.1},
                   IsolationForestOptions{.contamination = 0.7}}) {
    EXPECT_EQ(TrainIsolationForest(good, bad).status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(IsolationForest, ExportedModelMatchesOwnScoresAndCarriesMetadata) {
  Dataset train = Blob(2000, 21);
  train.source = "blob.csv";
  auto forest = TrainIsolationForest(train, {});
  ASSERT_TRUE(forest.ok());
  auto bytes = ExportIsolationForest(*forest);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto m = model::OnnxModel::FromBytes(
      {reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()}, "iforest.onnx");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->outputs().size(), 1u);
  EXPECT_EQ(m->outputs()[0].name, "score");

  Dataset test = WithAnomalies(700, 30, 1234);  // held out; batches of 64 leave a partial one
  auto cols = RunModelOnDataset(*m, test, 64);
  ASSERT_TRUE(cols.ok()) << cols.status().ToString();
  ASSERT_EQ(cols->size(), 1u);
  const std::vector<double> want = forest->Score(test);
  for (size_t i = 0; i < test.rows(); ++i) {
    EXPECT_NEAR((*cols)[0].values[i], want[i], 1e-5 * std::max(1.0, std::fabs(want[i])))
        << "row " << i;
  }

  auto meta = model::ReadMetadata(m->proto());
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_EQ(meta->trainer, "iforest");
  EXPECT_EQ(meta->task, "anomaly");
  EXPECT_EQ(meta->score_output, "score");
  EXPECT_DOUBLE_EQ(meta->threshold, forest->threshold);
  ASSERT_EQ(meta->features.size(), kCols);
  EXPECT_EQ(meta->features[2].name, "c");
  ASSERT_EQ(meta->reference_histograms.size(), kCols);
  EXPECT_EQ(meta->reference_histograms[0].counts.size(), 20u);
  EXPECT_EQ(meta->training.rows, 2000);
  EXPECT_EQ(meta->training.source, "blob.csv");
  EXPECT_EQ(meta->params["trees"], 100);
  EXPECT_EQ(meta->params["subsample"], 256);
  EXPECT_FALSE(meta->created_at.empty());
}

}  // namespace
}  // namespace edgeloop::train
