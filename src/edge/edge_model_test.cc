#include "edge/edge_model.h"

#include <gtest/gtest.h>

#include "common/sha256.h"
#include "edge/model_test_util.h"
#include "model/alloc_counter_test_util.h"
#include "model/model_metadata.h"
#include "model/onnx_model.h"

namespace edgeloop::edge {
namespace {

using testing::AsBytes;
using testing::TempDir;

class EdgeModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_bytes_ = new std::string(testing::TrainPcaModel(/*seed=*/11, /*seconds=*/40));
    features_ = new std::vector<std::string>(
        (*AssetPipeline::Create(testing::PumpSpec().asset, PipelineConfig{}, testing::kClock))
            ->feature_names());
  }
  static void TearDownTestSuite() {
    delete model_bytes_;
    delete features_;
  }
  // The model with its metadata rewritten by `edit`.
  static std::string WithMetadata(void (*edit)(model::ModelMetadata&)) {
    auto m = model::OnnxModel::FromBytes(AsBytes(*model_bytes_));
    onnx::ModelProto proto = m->proto();
    auto meta = model::ReadMetadata(proto);
    edit(*meta);
    model::WriteMetadata(*meta, &proto);
    return proto.SerializeAsString();
  }
  static std::string* model_bytes_;
  static std::vector<std::string>* features_;
};
std::string* EdgeModelTest::model_bytes_ = nullptr;
std::vector<std::string>* EdgeModelTest::features_ = nullptr;

TEST_F(EdgeModelTest, LoadsVerifiesAndScores) {
  TempDir dir;
  const std::string path = dir.Write("pca.onnx", *model_bytes_);
  std::string sha = Sha256Hex(AsBytes(*model_bytes_));
  for (char& c : sha) c = static_cast<char>(std::toupper(c));  // hex case does not matter
  auto model = EdgeModel::Load({path, sha}, *features_);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ((*model)->sha256(), Sha256Hex(AsBytes(*model_bytes_)));
  EXPECT_EQ((*model)->version(), "pca@" + (*model)->sha256().substr(0, 12));
  EXPECT_TRUE(std::isfinite((*model)->threshold()));

  auto scorer = EdgeModel::Scorer::Create(*model);
  ASSERT_TRUE(scorer.ok()) << scorer.status().ToString();
  // A healthy window scores below the threshold, the same window with every feature tripled
  // far above it.
  train::Dataset healthy = testing::HealthyFeatures(8, /*seed=*/5, *features_);
  ASSERT_GT(healthy.rows(), 2u);
  std::vector<double> row(healthy.row(healthy.rows() - 1).begin(),
                          healthy.row(healthy.rows() - 1).end());
  auto normal = scorer->Score(row);
  ASSERT_TRUE(normal.ok()) << normal.status().ToString();
  EXPECT_LT(scorer->Normalized(*normal), 1.0);
  for (double& v : row) v *= 3;
  auto anomalous = scorer->Score(row);
  ASSERT_TRUE(anomalous.ok());
  EXPECT_GT(scorer->Normalized(*anomalous), 10.0);

  row.pop_back();
  EXPECT_FALSE(scorer->Score(row).ok()) << "feature vector of the wrong length";
}

TEST_F(EdgeModelTest, ScoreDoesNotAllocate) {
  auto model = EdgeModel::FromBytes(AsBytes(*model_bytes_), "m", "", *features_);
  ASSERT_TRUE(model.ok());
  auto scorer = EdgeModel::Scorer::Create(*model);
  ASSERT_TRUE(scorer.ok());
  std::vector<double> row(features_->size(), 0.5);
  ASSERT_TRUE(scorer->Score(row).ok());  // warm
  model::alloc_counter::g_allocs = 0;
  model::alloc_counter::g_count_allocs = true;
  double sum = 0;
  for (int i = 0; i < 100; ++i) {
    row[0] = 0.5 + i * 1e-3;
    sum += scorer->Score(row).value();
  }
  model::alloc_counter::g_count_allocs = false;
  EXPECT_EQ(model::alloc_counter::g_allocs.load(), 0);
  EXPECT_TRUE(std::isfinite(sum));
}

TEST_F(EdgeModelTest, ShaMismatchIsRefusedNamingBothHashes) {
  TempDir dir;
  const std::string path = dir.Write("pca.onnx", *model_bytes_);
  const std::string wrong = Sha256Hex(AsBytes(std::string("another model")));
  auto model = EdgeModel::Load({path, wrong}, *features_);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find(wrong), std::string::npos) << model.status().message();
  EXPECT_NE(model.status().message().find(Sha256Hex(AsBytes(*model_bytes_))), std::string::npos);
}

TEST_F(EdgeModelTest, MissingFeatureIsRefusedWithItsName) {
  std::vector<std::string> fewer = *features_;
  const std::string dropped = fewer[2];
  fewer.erase(fewer.begin() + 2);
  auto model = EdgeModel::FromBytes(AsBytes(*model_bytes_), "pca.onnx", "", fewer);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("lacks: " + dropped), std::string::npos)
      << model.status().message();
}

TEST_F(EdgeModelTest, CorruptOrMissingFileIsRefused) {
  TempDir dir;
  std::string corrupt = model_bytes_->substr(0, model_bytes_->size() / 2);
  auto truncated = EdgeModel::Load({dir.Write("half.onnx", corrupt), ""}, *features_);
  EXPECT_FALSE(truncated.ok());
  auto garbage = EdgeModel::Load({dir.Write("junk.onnx", "\x08\xff\xff garbage"), ""}, *features_);
  EXPECT_FALSE(garbage.ok());
  auto missing = EdgeModel::Load({dir.Write("x", "") + ".absent", ""}, *features_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST_F(EdgeModelTest, MetadataMustDescribeAnAnomalyModelWithAThreshold) {
  auto no_threshold = EdgeModel::FromBytes(
      AsBytes(WithMetadata([](model::ModelMetadata& m) { m.threshold = std::nan(""); })), "m", "",
      *features_);
  ASSERT_FALSE(no_threshold.ok());
  EXPECT_NE(no_threshold.status().message().find("threshold"), std::string::npos);

  auto classifier = EdgeModel::FromBytes(
      AsBytes(WithMetadata([](model::ModelMetadata& m) { m.task = "classification"; })), "m", "",
      *features_);
  ASSERT_FALSE(classifier.ok());
  EXPECT_NE(classifier.status().message().find("anomaly"), std::string::npos);

  auto bad_output = EdgeModel::FromBytes(
      AsBytes(WithMetadata([](model::ModelMetadata& m) { m.score_output = "nope"; })), "m", "",
      *features_);
  ASSERT_FALSE(bad_output.ok());
  EXPECT_NE(bad_output.status().message().find("'nope'"), std::string::npos);

  auto named = EdgeModel::FromBytes(
      AsBytes(WithMetadata([](model::ModelMetadata& m) { m.params["name"] = "pump-pca"; })), "m",
      "", *features_);
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  EXPECT_EQ((*named)->version().rfind("pump-pca@", 0), 0u) << (*named)->version();

  auto m = model::OnnxModel::FromBytes(AsBytes(*model_bytes_));
  onnx::ModelProto proto = m->proto();
  proto.clear_metadata_props();
  auto foreign = EdgeModel::FromBytes(AsBytes(proto.SerializeAsString()), "m", "", *features_);
  ASSERT_FALSE(foreign.ok());
  EXPECT_NE(foreign.status().message().find("metadata"), std::string::npos);
}

TEST_F(EdgeModelTest, ModelIsBoundToTheFeatureListItWasLoadedFor) {
  auto model = EdgeModel::FromBytes(AsBytes(*model_bytes_), "m", "", *features_);
  ASSERT_TRUE(model.ok());
  EXPECT_TRUE((*model)->CheckFeatures(*features_).ok());
  std::vector<std::string> reordered = *features_;
  std::swap(reordered[0], reordered[1]);
  EXPECT_FALSE((*model)->CheckFeatures(reordered).ok());
}

}  // namespace
}  // namespace edgeloop::edge
