#include "registry/model_inspect.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <string>

#include "common/sha256.h"
#include "registry/test_models.h"

namespace edgeloop::registry {
namespace {

using testing::AsBytes;
using testing::TrainedPcaBytes;
using testing::WithoutMetadata;

constexpr size_t kLimit = 8 << 20;

TEST(ModelInspectTest, TrainedPcaModelReportsItsMetadataAndSchema) {
  const std::string bytes = TrainedPcaBytes(1);
  auto m = InspectModel(AsBytes(bytes), kLimit);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->sha256, Sha256Hex(AsBytes(bytes)));
  EXPECT_EQ(m->sha256.size(), 64u);
  EXPECT_EQ(m->size, static_cast<int64_t>(bytes.size()));
  EXPECT_TRUE(m->has_metadata);
  EXPECT_EQ(m->trainer, "pca");
  EXPECT_EQ(m->task, "anomaly");
  EXPECT_EQ(m->feature_names, (std::vector<std::string>{"flow", "load", "pressure", "current"}));
  ASSERT_TRUE(m->threshold.has_value());
  EXPECT_DOUBLE_EQ(*m->threshold, 1.0);  // PCA's default: the control limits
  EXPECT_EQ(m->metadata["training"]["source"], "synthetic-1");
  EXPECT_EQ(m->metadata["training"]["rows"], 200);
  ASSERT_EQ(m->inputs.size(), 1u);
  EXPECT_EQ(m->inputs[0].name, "features");
  EXPECT_EQ(m->inputs[0].dtype, "float");
  EXPECT_EQ(m->inputs[0].shape, (std::vector<int64_t>{-1, 4}));
  std::vector<std::string> outputs;
  for (const auto& o : m->outputs) outputs.push_back(o.name);
  EXPECT_EQ(outputs, (std::vector<std::string>{"score", "t2", "q"}));

  const store::ModelVersion v = ToModelVersion(*m, 7, "pump-pca");
  EXPECT_EQ(v.tenant, 7);
  EXPECT_EQ(v.name, "pump-pca");
  EXPECT_EQ(v.sha256, m->sha256);
  EXPECT_EQ(v.size, m->size);
  EXPECT_EQ(v.trainer, "pca");
  EXPECT_EQ(nlohmann::json::parse(v.metadata_json), m->metadata);

  const nlohmann::json summary = MetadataSummary(v.metadata_json);
  EXPECT_EQ(summary["trainer"], "pca");
  EXPECT_EQ(summary["features"].size(), 4u);
  EXPECT_EQ(summary["threshold"], 1.0);
  const nlohmann::json j = InspectedToJson(*m);
  EXPECT_EQ(j["inputs"][0]["shape"], nlohmann::json({-1, 4}));
  EXPECT_EQ(j["sha256"], m->sha256);
}

TEST(ModelInspectTest, ModelWithoutMetadataIsAcceptedWithEmptyMetadata) {
  const std::string bytes = WithoutMetadata(TrainedPcaBytes(2));
  auto m = InspectModel(AsBytes(bytes), kLimit);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_FALSE(m->has_metadata);
  EXPECT_EQ(m->metadata, nlohmann::json::object());
  EXPECT_EQ(m->trainer, "");
  EXPECT_TRUE(m->feature_names.empty());
  EXPECT_FALSE(m->threshold.has_value());
  EXPECT_EQ(m->inputs.size(), 1u);
  EXPECT_EQ(ToModelVersion(*m, 1, "foreign").metadata_json, "{}");
  EXPECT_EQ(MetadataSummary("{}")["threshold"], nullptr);
  EXPECT_EQ(MetadataSummary("not json")["trainer"], "");
}

TEST(ModelInspectTest, GarbageBytesAreRefusedWithTheLoaderMessage) {
  const std::string garbage = "this is not an ONNX model at all \x01\x02\xff";
  auto m = InspectModel(AsBytes(garbage), kLimit);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("not a model the edge runtime can load"), std::string::npos)
      << m.status().message();

  auto empty = InspectModel({}, kLimit);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
}

TEST(ModelInspectTest, TruncatedModelIsRefused) {
  const std::string bytes = TrainedPcaBytes(3);
  // Cut at several points: every prefix must be refused (or, rarely, parse as a smaller valid
  // proto the loader then refuses for a missing graph part), never crash.
  for (size_t cut : {bytes.size() / 4, bytes.size() / 2, bytes.size() - 7}) {
    auto m = InspectModel(AsBytes(bytes.substr(0, cut)), kLimit);
    ASSERT_FALSE(m.ok()) << "cut at " << cut;
    EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument) << m.status().ToString();
  }
}

TEST(ModelInspectTest, OversizedUploadIsRefusedBeforeParsing) {
  const std::string bytes = TrainedPcaBytes(4);
  auto m = InspectModel(AsBytes(bytes), bytes.size() - 1);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(m.status().message().find("exceeds the limit"), std::string::npos);
  EXPECT_TRUE(InspectModel(AsBytes(bytes), bytes.size()).ok());  // exactly at the limit
}

TEST(ModelInspectTest, InvalidMetadataAndMissingScoreOutputAreRefused) {
  onnx::ModelProto proto;
  ASSERT_TRUE(proto.ParseFromString(TrainedPcaBytes(5)));
  for (auto& p : *proto.mutable_metadata_props()) {
    if (p.key() == "edgeloop") p.set_value("{not json");
  }
  auto bad = InspectModel(AsBytes(proto.SerializeAsString()), kLimit);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("metadata"), std::string::npos);

  ASSERT_TRUE(proto.ParseFromString(TrainedPcaBytes(5)));
  for (auto& p : *proto.mutable_metadata_props()) {
    if (p.key() != "edgeloop") continue;
    auto j = nlohmann::json::parse(p.value());
    j["score_output"] = "no_such_output";
    p.set_value(j.dump());
  }
  auto missing = InspectModel(AsBytes(proto.SerializeAsString()), kLimit);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("no_such_output"), std::string::npos);
}

}  // namespace
}  // namespace edgeloop::registry
