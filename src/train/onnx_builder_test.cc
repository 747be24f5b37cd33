// OnnxBuilder and model metadata: a built graph validates, runs in the interpreter and carries
// its metadata back; broken metadata and broken graphs give clear errors.
#include "train/onnx_builder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/interpreter.h"
#include "train/dataset.h"

namespace edgeloop::train {
namespace {

model::ModelMetadata SampleMetadata() {
  model::ModelMetadata m;
  m.trainer = "test";
  m.task = "anomaly";
  m.features = {{"rms", "g"}, {"temp", "degC"}};
  m.score_output = "score";
  m.threshold = 2.5;
  m.params = {{"k", 3}};
  m.metrics = {{"f1", 0.75}};
  m.training = {"train.csv", 400, "2020-03-09T10:14:33Z", "2020-03-09T10:21:12Z"};
  m.reference_histograms = {model::MakeHistogram({1, 2, 2, 3}, 2), model::MakeHistogram({5, 5}, 4)};
  m.reference_spectrum = {0.1, 0.2};
  m.reference_spectrum_bin_hz = 12.5;
  m.created_at = UtcNowIso8601();
  m.producer_version = ProducerVersion();
  return m;
}

// score = sum((x - mean) * w) over the features.
OnnxBuilder WeightedSum() {
  OnnxBuilder b("weighted_sum");
  b.AddInput("features", model::DType::kFloat, {-1, 2});
  b.AddOutput("score", model::DType::kFloat, {-1, 1});
  const float mean[] = {1.0f, 2.0f};
  const float w[] = {0.5f, -2.0f};
  b.AddNode("Sub", {"features", b.AddFloats("mean", {2}, mean)}, {"centered"});
  b.AddNode("MatMul", {"centered", b.AddFloats("w", {2, 1}, w)}, {"score"});
  return b;
}

TEST(OnnxBuilderTest, BuiltModelRunsAndKeepsMetadata) {
  auto bytes = WeightedSum().Finish(SampleMetadata());
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  auto m =
      model::OnnxModel::FromBytes({reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()});
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->proto().producer_name(), "edgeloop");
  auto session = model::InferenceSession::Create(*m, 4);
  ASSERT_TRUE(session.ok()) << session.status().message();
  const float x[] = {3, 1, 1, 2, 0, 0};
  const int64_t shape[] = {3, 2};
  model::TensorRef in{model::DType::kFloat, shape, x};
  model::TensorRef out[1];
  ASSERT_TRUE(session->Run({&in, 1}, out).ok());
  const float* y = static_cast<const float*>(out[0].data);
  EXPECT_FLOAT_EQ(y[0], 0.5f * 2 + -2.0f * -1);
  EXPECT_FLOAT_EQ(y[1], 0.0f);
  EXPECT_FLOAT_EQ(y[2], 0.5f * -1 + -2.0f * -2);

  auto meta = model::ReadMetadata(m->proto());
  ASSERT_TRUE(meta.ok()) << meta.status().message();
  const auto want = SampleMetadata();
  EXPECT_EQ(meta->trainer, "test");
  ASSERT_EQ(meta->features.size(), 2u);
  EXPECT_EQ(meta->features[1].name, "temp");
  EXPECT_EQ(meta->features[1].unit, "degC");
  EXPECT_DOUBLE_EQ(meta->threshold, 2.5);
  EXPECT_EQ(meta->params["k"], 3);
  EXPECT_EQ(meta->training.rows, 400);
  EXPECT_EQ(meta->training.first, want.training.first);
  ASSERT_EQ(meta->reference_histograms.size(), 2u);
  EXPECT_EQ(meta->reference_histograms[0].counts, (std::vector<double>{1, 3}));
  EXPECT_EQ(meta->reference_histograms[1].counts, (std::vector<double>{2}));
  EXPECT_EQ(meta->reference_spectrum, want.reference_spectrum);
}

TEST(OnnxBuilderTest, NanThresholdRoundTripsAsAbsent) {
  auto m = SampleMetadata();
  m.threshold = NAN;
  auto back = model::MetadataFromJson(model::MetadataToJson(m));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(std::isnan(back->threshold));
}

TEST(OnnxBuilderTest, InvalidGraphIsRefusedAtFinish) {
  OnnxBuilder b("broken");
  b.AddInput("features", model::DType::kFloat, {-1, 2});
  b.AddOutput("score", model::DType::kFloat, {-1, 1});
  const float w[] = {1, 2, 3};
  b.AddNode("MatMul", {"features", b.AddFloats("w", {3, 1}, w)}, {"score"});
  auto bytes = b.Finish(SampleMetadata());
  ASSERT_FALSE(bytes.ok());
  EXPECT_NE(bytes.status().message().find("does not validate"), std::string::npos);
  EXPECT_NE(bytes.status().message().find("MatMul"), std::string::npos);
}

TEST(ModelMetadataTest, BadMetadataGivesClearErrors) {
  onnx::ModelProto proto;
  EXPECT_EQ(model::ReadMetadata(proto).status().code(), StatusCode::kNotFound);
  auto* p = proto.add_metadata_props();
  p->set_key(model::kMetadataKey);
  p->set_value("{not json");
  EXPECT_NE(model::ReadMetadata(proto).status().message().find("not valid JSON"),
            std::string::npos);

  auto j = model::MetadataToJson(SampleMetadata());
  j["version"] = 99;
  EXPECT_NE(model::MetadataFromJson(j).status().message().find("newer"), std::string::npos);
  j = model::MetadataToJson(SampleMetadata());
  j["reference_histograms"][0]["counts"] = {1};
  EXPECT_NE(model::MetadataFromJson(j).status().message().find("one more edge"), std::string::npos);
  j = model::MetadataToJson(SampleMetadata());
  j["reference_histograms"].erase(1);
  EXPECT_NE(model::MetadataFromJson(j).status().message().find("one reference histogram"),
            std::string::npos);
  j = model::MetadataToJson(SampleMetadata());
  j["features"][0] = 7;
  EXPECT_FALSE(model::MetadataFromJson(j).ok());
  j = model::MetadataToJson(SampleMetadata());
  j["threshold"] = "high";
  EXPECT_FALSE(model::MetadataFromJson(j).ok());
}

TEST(ModelMetadataTest, WriteReplacesOnlyOurEntry) {
  onnx::ModelProto proto;
  auto* other = proto.add_metadata_props();
  other->set_key("author");
  other->set_value("someone");
  model::WriteMetadata(SampleMetadata(), &proto);
  model::WriteMetadata(SampleMetadata(), &proto);
  ASSERT_EQ(proto.metadata_props_size(), 2);
  EXPECT_EQ(proto.metadata_props(0).key(), "author");
}

TEST(ModelMetadataTest, HistogramBinsAllFiniteValues) {
  auto h = model::MakeHistogram({0, 1, 2, 3, 4, NAN, INFINITY}, 4);
  ASSERT_EQ(h.edges.size(), 5u);
  EXPECT_DOUBLE_EQ(h.edges.front(), 0);
  EXPECT_DOUBLE_EQ(h.edges.back(), 4);
  EXPECT_EQ(h.counts, (std::vector<double>{1, 1, 1, 2}));  // the max falls in the last bin
  EXPECT_TRUE(model::MakeHistogram({NAN}, 4).counts.empty());
}

TEST(WriteFileAtomicTest, WritesAndReportsUnwritablePaths) {
  auto dir = std::filesystem::temp_directory_path() / "edgeloop_atomic_test";
  std::filesystem::create_directories(dir);
  auto path = (dir / "m.onnx").string();
  ASSERT_TRUE(WriteFileAtomic(path, "abc").ok());
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_EQ(ss.str(), "abc");
  auto bad = WriteFileAtomic((dir / "missing" / "m.onnx").string(), "abc");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("cannot write"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(DatasetTest, ChoosesFeaturesLabelsAndDropsNonFiniteRows) {
  auto table = ingest::ParseCsv(
      "datetime;a;b;anomaly;changepoint\n"
      "2020-03-09 10:00:00;1;2;0;0\n"
      "2020-03-09 10:00:01;3;nan;0;0\n"
      "2020-03-09 10:00:02;5;6;1;1\n",
      "t.csv");
  ASSERT_TRUE(table.ok()) << table.status().message();
  auto d = DatasetFromTable(*table, {.label = "anomaly", .exclude = {"changepoint"}});
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->features, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d->rows(), 2u);
  EXPECT_EQ(d->dropped_rows, 1);
  EXPECT_EQ(d->labels, (std::vector<double>{0, 1}));
  EXPECT_DOUBLE_EQ(d->at(1, 1), 6);
  EXPECT_EQ(d->Window().rows, 2);
  EXPECT_EQ(d->Window().first.substr(0, 19), "2020-03-09T10:00:00");
  EXPECT_EQ(d->Slice(1, 5).rows(), 1u);

  auto missing = DatasetFromTable(*table, {.label = "label"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("columns: a, b, anomaly, changepoint"),
            std::string::npos);
  auto chosen = DatasetFromTable(*table, {.features = {"b"}});
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(chosen->features, (std::vector<std::string>{"b"}));

  auto other = DatasetFromTable(*table, {.features = {"b", "a"}});
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(Concat({*d, *other}).ok());
  auto both = Concat({*d, *d});
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->rows(), 4u);
  EXPECT_EQ(both->labels.size(), 4u);
}

}  // namespace
}  // namespace edgeloop::train
