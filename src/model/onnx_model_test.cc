// Loader, validation and session tests for the ONNX runtime on hand-built models, including
// hostile inputs (truncated, random, cyclic, unknown ops, bad shapes, huge dims) and a check
// that Run does not allocate.
#include "model/onnx_model.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "model/alloc_counter_test_util.h"
#include "model/interpreter.h"

using edgeloop::model::alloc_counter::g_allocs;
using edgeloop::model::alloc_counter::g_count_allocs;

namespace edgeloop::model {
namespace {

using Dims = std::vector<int64_t>;  // -1: symbolic batch dim "N"

class ModelBuilder {
 public:
  explicit ModelBuilder(int64_t opset = 13) {
    model_.set_ir_version(8);
    auto* imp = model_.add_opset_import();
    imp->set_domain("");
    imp->set_version(opset);
  }
  ModelBuilder& Input(const std::string& name, Dims dims, int32_t type = 1) {
    SetValue(model_.mutable_graph()->add_input(), name, dims, type);
    return *this;
  }
  ModelBuilder& Output(const std::string& name) {
    model_.mutable_graph()->add_output()->set_name(name);
    return *this;
  }
  ModelBuilder& DeclaredOutput(const std::string& name, Dims dims, int32_t type = 1) {
    SetValue(model_.mutable_graph()->add_output(), name, dims, type);
    return *this;
  }
  ModelBuilder& Init(const std::string& name, Dims dims, std::vector<float> values) {
    auto* t = model_.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(1);
    for (int64_t d : dims) t->add_dims(d);
    for (float v : values) t->add_float_data(v);
    return *this;
  }
  onnx::NodeProto* Node(const std::string& op, std::vector<std::string> in,
                        std::vector<std::string> out) {
    auto* n = model_.mutable_graph()->add_node();
    n->set_name(op + "_" + out[0]);
    n->set_op_type(op);
    for (auto& s : in) n->add_input(s);
    for (auto& s : out) n->add_output(s);
    return n;
  }
  std::string Bytes() const { return model_.SerializeAsString(); }
  Result<OnnxModel> Load() const {
    std::string b = Bytes();
    return OnnxModel::FromBytes({reinterpret_cast<const uint8_t*>(b.data()), b.size()});
  }

 private:
  static void SetValue(onnx::ValueInfoProto* vi, const std::string& name, const Dims& dims,
                       int32_t type) {
    vi->set_name(name);
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(type);
    auto* shape = tt->mutable_shape();
    for (int64_t d : dims) {
      if (d < 0) {
        shape->add_dim()->set_dim_param("N");
      } else {
        shape->add_dim()->set_dim_value(d);
      }
    }
  }
  onnx::ModelProto model_;
};

// y = Relu(x @ W + b), x: [N,3], W: [3,2], b: [2].
ModelBuilder Dense() {
  ModelBuilder m;
  m.Input("x", {-1, 3}).Output("y");
  m.Init("W", {3, 2}, {1, 0, 0, 1, 1, -1}).Init("b", {2}, {0.5f, -10});
  m.Node("MatMul", {"x", "W"}, {"xw"});
  m.Node("Add", {"xw", "b"}, {"z"});
  m.Node("Relu", {"z"}, {"y"});
  return m;
}

std::string LoadError(const ModelBuilder& m) {
  auto r = m.Load();
  return r.ok() ? "" : r.status().message();
}

TEST(OnnxModel, AllocationCounterWorks) {
  g_allocs = 0;
  g_count_allocs = true;
  auto probe = std::make_unique<std::vector<int>>(100);
  g_count_allocs = false;
  EXPECT_GE(g_allocs.load(), 2);
}

TEST(OnnxModel, RunsBatchesWithoutAllocating) {
  auto model = Dense().Load();
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto session = InferenceSession::Create(*model, 4);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  std::vector<float> x = {1, 2, 3, 4, 5, 6, 20, 0, 0, 0, 0, 0};
  std::vector<TensorRef> out(1);
  int64_t shape2[] = {2, 3};
  TensorRef in{DType::kFloat, shape2, x.data()};
  ASSERT_TRUE(session->Run({&in, 1}, out).ok());
  const void* first = out[0].data;
  ASSERT_EQ(out[0].shape.size(), 2u);
  EXPECT_EQ(out[0].shape[0], 2);
  const float* y = static_cast<const float*>(out[0].data);
  EXPECT_FLOAT_EQ(y[0], 4.5f);  // 1 + 3 + 0.5
  EXPECT_FLOAT_EQ(y[1], 0.0f);  // 2 - 3 - 10 -> relu
  EXPECT_FLOAT_EQ(y[2], 10.5f);
  int64_t shape4[] = {4, 3};
  in.shape = shape4;
  g_allocs = 0;
  g_count_allocs = true;
  Status s = session->Run({&in, 1}, out);
  g_count_allocs = false;
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(g_allocs.load(), 0);
  EXPECT_EQ(out[0].data, first);
  EXPECT_EQ(out[0].shape[0], 4);
  EXPECT_FLOAT_EQ(static_cast<const float*>(out[0].data)[4], 20.5f);
  EXPECT_FLOAT_EQ(static_cast<const float*>(out[0].data)[6], 0.5f);
  int64_t shape5[] = {5, 3};
  in.shape = shape5;
  EXPECT_FALSE(session->Run({&in, 1}, out).ok());  // batch above max_batch
  in.shape = shape4;
  in.data = nullptr;
  EXPECT_FALSE(session->Run({&in, 1}, out).ok());  // no data
  in.data = x.data();
  int64_t wrong[] = {2, 4};
  in.shape = wrong;
  EXPECT_FALSE(session->Run({&in, 1}, out).ok());

  // After failed Runs, and when the shapes repeat (inference is then skipped), results stay right.
  for (int repeat = 0; repeat < 2; ++repeat) {
    in.shape = shape2;
    ASSERT_TRUE(session->Run({&in, 1}, out).ok());
    EXPECT_EQ(out[0].shape[0], 2);
    EXPECT_FLOAT_EQ(static_cast<const float*>(out[0].data)[2], 10.5f);
    in.shape = shape4;
    ASSERT_TRUE(session->Run({&in, 1}, out).ok());
    EXPECT_EQ(out[0].shape[0], 4);
    EXPECT_FLOAT_EQ(static_cast<const float*>(out[0].data)[6], 0.5f);
  }
}

TEST(OnnxModel, ValueDependentShapesAreInferredEveryRun) {
  // y = Reshape(x, s) with s fed at Run: the same input shapes can give different output shapes.
  ModelBuilder b;
  b.Input("x", {6}).Input("s", {2}, 7).DeclaredOutput("y", {-1, -1});
  b.Node("Reshape", {"x", "s"}, {"y"});
  auto model = b.Load();
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto session = InferenceSession::Create(*model, 6);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  std::vector<float> x = {1, 2, 3, 4, 5, 6};
  int64_t xs[] = {6}, ss[] = {2};
  std::vector<TensorRef> out(1);
  for (auto dims : {std::array<int64_t, 2>{2, 3}, std::array<int64_t, 2>{3, 2}}) {
    TensorRef in[2] = {{DType::kFloat, xs, x.data()}, {DType::kInt64, ss, dims.data()}};
    ASSERT_TRUE(session->Run(in, out).ok());
    ASSERT_EQ(out[0].shape.size(), 2u);
    EXPECT_EQ(out[0].shape[0], dims[0]);
    EXPECT_EQ(out[0].shape[1], dims[1]);
  }
}

TEST(OnnxModel, TruncatedAndRandomBytesFailCleanly) {
  std::string full = Dense().Bytes();
  for (size_t len = 0; len < full.size(); ++len) {
    auto r = OnnxModel::FromBytes({reinterpret_cast<const uint8_t*>(full.data()), len}, "m.onnx");
    EXPECT_FALSE(r.ok()) << "length " << len;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("m.onnx"), std::string::npos);
    }
  }
  auto r = OnnxModel::FromBytes({reinterpret_cast<const uint8_t*>(full.data()), 20}, "m.onnx");
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  std::mt19937 rng(7);
  for (int i = 0; i < 300; ++i) {
    std::vector<uint8_t> bytes(rng() % 512);
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    EXPECT_FALSE(OnnxModel::FromBytes(bytes).ok());
  }
}

TEST(OnnxModel, RejectsBadGraphsWithClearErrors) {
  ModelBuilder cycle;
  cycle.Input("x", {2}).Output("b");
  cycle.Node("Add", {"x", "b"}, {"a"});
  cycle.Node("Relu", {"a"}, {"b"});
  EXPECT_NE(LoadError(cycle).find("cycle"), std::string::npos) << LoadError(cycle);

  ModelBuilder unknown;
  unknown.Input("x", {2}).Output("y");
  unknown.Node("FooBar", {"x"}, {"y"});
  EXPECT_NE(LoadError(unknown).find("operator 'FooBar' is not supported"), std::string::npos);

  ModelBuilder mismatch;
  mismatch.Input("a", {2, 3}).Input("b", {4, 5}).Output("y");
  mismatch.Node("MatMul", {"a", "b"}, {"y"})->set_name("mm");
  EXPECT_NE(LoadError(mismatch).find("node 'mm' (MatMul): shapes [2,3] and [4,5] do not match"),
            std::string::npos)
      << LoadError(mismatch);

  ModelBuilder undefined;
  undefined.Input("x", {2}).Output("y");
  undefined.Node("Add", {"x", "nope"}, {"y"});
  EXPECT_NE(LoadError(undefined).find("input 'nope' is not defined"), std::string::npos);

  ModelBuilder huge;
  huge.Input("x", {int64_t{1} << 40}).Output("y");
  huge.Node("Relu", {"x"}, {"y"});
  EXPECT_NE(LoadError(huge).find("invalid dim"), std::string::npos) << LoadError(huge);

  ModelBuilder big;
  big.Input("x", {100000, 100000}).Output("y");
  big.Node("Relu", {"x"}, {"y"});
  EXPECT_NE(LoadError(big).find("too large"), std::string::npos) << LoadError(big);

  ModelBuilder bad_init;
  bad_init.Input("x", {2, 2}).Output("y").Init("w", {2, 2}, {1, 2, 3});
  bad_init.Node("Add", {"x", "w"}, {"y"});
  EXPECT_NE(LoadError(bad_init).find("has 3 values but its dims [2,2] need 4"), std::string::npos)
      << LoadError(bad_init);

  ModelBuilder old(3);
  old.Input("x", {2}).Output("y");
  old.Node("Relu", {"x"}, {"y"});
  EXPECT_NE(LoadError(old).find("opset 3 not supported"), std::string::npos);

  ModelBuilder attr;
  attr.Input("x", {2}).Output("y");
  auto* a = attr.Node("Relu", {"x"}, {"y"})->add_attribute();
  a->set_name("alpha");
  EXPECT_NE(LoadError(attr).find("attribute 'alpha' of Relu not supported"), std::string::npos);

  ModelBuilder dtype;
  dtype.Input("x", {2}, 11).Output("y");
  dtype.Node("Relu", {"x"}, {"y"});
  EXPECT_NE(LoadError(dtype).find("type double"), std::string::npos);
}

TEST(OnnxModel, FoldsConstantsAndPlansRuntimeShapes) {
  // Reshape to a Constant shape: folded while planning, so the shape is known statically.
  ModelBuilder m;
  m.Input("x", {-1, 2, 3}).Output("y");
  auto* c = m.Node("Constant", {}, {"shape"})->add_attribute();
  c->set_name("value_ints");
  c->add_ints(-1);
  c->add_ints(6);
  m.Node("Reshape", {"x", "shape"}, {"y"});
  auto model = m.Load();
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto session = InferenceSession::Create(*model, 3);
  ASSERT_TRUE(session.ok());
  std::vector<float> x(18, 1.0f);
  int64_t shape[] = {3, 2, 3};
  TensorRef in{DType::kFloat, shape, x.data()};
  TensorRef out[1];
  ASSERT_TRUE(session->Run({&in, 1}, out).ok());
  ASSERT_EQ(out[0].shape.size(), 2u);
  EXPECT_EQ(out[0].shape[0], 3);
  EXPECT_EQ(out[0].shape[1], 6);
  EXPECT_FALSE(session->Run({}, out).ok());  // wrong number of inputs

  // A big Constant is folded too, so Run does not decode (allocate) it.
  ModelBuilder big;
  big.Input("x", {5000}).Output("y");
  auto* v = big.Node("Constant", {}, {"c"})->add_attribute();
  v->set_name("value_floats");
  for (int i = 0; i < 5000; ++i) v->add_floats(1.0f);
  big.Node("Add", {"x", "c"}, {"y"});
  auto big_model = big.Load();
  ASSERT_TRUE(big_model.ok()) << big_model.status().ToString();
  auto big_session = InferenceSession::Create(*big_model, 1);
  ASSERT_TRUE(big_session.ok());
  std::vector<float> xs(5000, 2.0f);
  int64_t big_shape[] = {5000};
  TensorRef big_in{DType::kFloat, big_shape, xs.data()};
  g_allocs = 0;
  g_count_allocs = true;
  Status s = big_session->Run({&big_in, 1}, out);
  g_count_allocs = false;
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(g_allocs.load(), 0);
  EXPECT_FLOAT_EQ(static_cast<const float*>(out[0].data)[4999], 3.0f);

  // A shape fed at run time with no declared output shape cannot be planned.
  ModelBuilder dyn;
  dyn.Input("x", {2, 3}).Input("s", {2}, 7).Output("y");
  dyn.Node("Reshape", {"x", "s"}, {"y"});
  EXPECT_NE(LoadError(dyn).find("no shape is declared for 'y'"), std::string::npos)
      << LoadError(dyn);
}

TEST(OnnxModel, MinusOneDimIsTheBatch) {
  ModelBuilder m;
  m.Input("x", {-1, 2}).Output("y");
  m.Node("Relu", {"x"}, {"y"});
  auto model = m.Load();
  ASSERT_TRUE(model.ok());
  onnx::ModelProto proto = model->proto();
  proto.mutable_graph()
      ->mutable_input(0)
      ->mutable_type()
      ->mutable_tensor_type()
      ->mutable_shape()
      ->mutable_dim(0)
      ->set_dim_value(-1);
  std::string bytes = proto.SerializeAsString();
  auto reloaded =
      OnnxModel::FromBytes({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  ASSERT_TRUE(reloaded.ok()) << reloaded.status().ToString();
  EXPECT_EQ(reloaded->inputs()[0].shape[0], -1);
  proto.mutable_graph()
      ->mutable_input(0)
      ->mutable_type()
      ->mutable_tensor_type()
      ->mutable_shape()
      ->mutable_dim(0)
      ->set_dim_value(-2);
  bytes = proto.SerializeAsString();
  EXPECT_FALSE(
      OnnxModel::FromBytes({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}).ok());
}

TEST(OnnxModel, MissingFileIsIoError) {
  EXPECT_EQ(OnnxModel::FromFile("/nonexistent/model.onnx").status().code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace edgeloop::model
