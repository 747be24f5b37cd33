// QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, Cast and data movement with the
// uint8/int8/int32 element types on hand-built models, with hand-computed expectations: rounding
// half to even, saturation, per-axis scales, zero points, clear errors for bad inputs, and a
// quantized pipeline whose second Run allocates nothing. The matrix products are tested in
// quant_matmul_test.cc.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#define EDGELOOP_ALLOC_COUNTER_COUNTERS_ONLY  // onnx_model_test.cc defines operator new
#include "model/alloc_counter_test_util.h"
#include "model/quant_test_util.h"

namespace edgeloop::model {
namespace {

using alloc_counter::g_allocs;
using alloc_counter::g_count_allocs;
using quant_test::Data;
using quant_test::Dims;
using quant_test::QModel;
using quant_test::RunOnce;
using quant_test::SetInt;
using quant_test::Values;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// QuantizeLinear of a float [n] input with a scalar scale and an optional zero point of `zt`.
Values Quantize(const Values& x, double scale, DType zt, double zp, bool with_zp = true,
                DType* out_type = nullptr) {
  QModel m;
  const Dims dims{static_cast<int64_t>(x.size())};
  m.Input("x", DType::kFloat, dims).Output("y").Init("s", DType::kFloat, {}, {scale});
  if (with_zp) m.Init("z", zt, {}, {zp});
  m.Node("QuantizeLinear",
         with_zp ? std::vector<std::string>{"x", "s", "z"} : std::vector<std::string>{"x", "s"},
         {"y"});
  auto out = RunOnce(m, {{DType::kFloat, dims, x}});
  if (out.empty()) return {};
  if (out_type) *out_type = out[0].type;
  return out[0].values;
}

TEST(QuantOps, QuantizeRoundsHalfToEven) {
  EXPECT_EQ(Quantize({2.5, 3.5, -2.5, 0.5, 1.5, -0.5, 2.4, -2.6}, 1, DType::kInt8, 0),
            (Values{2, 4, -2, 0, 2, 0, 2, -3}));
  // x / 0.5 = 2.5, 3.5, -2.5, then + 10.
  EXPECT_EQ(Quantize({1.25, 1.75, -1.25}, 0.5, DType::kUint8, 10), (Values{12, 14, 8}));
}

TEST(QuantOps, QuantizeSaturatesToTheOutputType) {
  EXPECT_EQ(Quantize({-1000, 1000, 255.4, 255.6, -0.4, kNaN, kInf, -kInf}, 1, DType::kUint8, 0),
            (Values{0, 255, 255, 255, 0, 0, 255, 0}));
  EXPECT_EQ(Quantize({-1000, 1000, 127.4, -128.4, -128.6, kNaN}, 1, DType::kInt8, 0),
            (Values{-128, 127, 127, -128, -128, 0}));
  EXPECT_EQ(Quantize({27, 28, -228, -229, kNaN}, 1, DType::kInt8, 100),
            (Values{127, 127, -128, -128, 100}));
  // Without a zero point the output is uint8 with zero point 0.
  DType t = DType::kFloat;
  EXPECT_EQ(Quantize({-3, 3.5, 300}, 1, DType::kUint8, 0, false, &t), (Values{0, 4, 255}));
  EXPECT_EQ(t, DType::kUint8);
}

TEST(QuantOps, QuantizesInt32Input) {
  QModel m;
  m.Input("x", DType::kInt32, {5}).Output("y");
  m.Init("s", DType::kFloat, {}, {2}).Init("z", DType::kInt8, {}, {-1});
  m.Node("QuantizeLinear", {"x", "s", "z"}, {"y"});
  auto out = RunOnce(m, {{DType::kInt32, {5}, {5, -5, 7, 1000000, -1000000}}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].values, (Values{1, -3, 3, 127, -128}));  // 2.5 -> 2, -2.5 -> -2, 3.5 -> 4
}

TEST(QuantOps, PerAxisQuantizeAndDequantize) {
  const Values x{1, 2, 3, 4, 5, 6};  // [2,3]
  for (int64_t axis : {int64_t{1}, int64_t{-1}}) {
    QModel m;
    m.Input("x", DType::kFloat, {2, 3}).Output("y");
    m.Init("s", DType::kFloat, {3}, {1, 2, 4}).Init("z", DType::kUint8, {3}, {0, 10, 20});
    SetInt(m.Node("QuantizeLinear", {"x", "s", "z"}, {"y"}), "axis", axis);
    auto out = RunOnce(m, {{DType::kFloat, {2, 3}, x}});
    ASSERT_EQ(out.size(), 1u);
    // Column c: x / s[c] + z[c]; 0.75 -> 1, 2.5 -> 2, 1.5 -> 2.
    EXPECT_EQ(out[0].values, (Values{1, 11, 21, 4, 12, 22})) << "axis " << axis;
  }
  QModel rows;  // axis 0: one scale per row
  rows.Input("x", DType::kFloat, {2, 3}).Output("y");
  rows.Init("s", DType::kFloat, {2}, {1, 0.5}).Init("z", DType::kInt8, {2}, {0, 100});
  SetInt(rows.Node("QuantizeLinear", {"x", "s", "z"}, {"y"}), "axis", 0);
  auto out = RunOnce(rows, {{DType::kFloat, {2, 3}, x}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].values, (Values{1, 2, 3, 108, 110, 112}));

  QModel dq;  // the default axis 1
  dq.Input("x", DType::kUint8, {2, 3}).Output("y");
  dq.Init("s", DType::kFloat, {3}, {1, 2, 4}).Init("z", DType::kUint8, {3}, {0, 10, 20});
  dq.Node("DequantizeLinear", {"x", "s", "z"}, {"y"});
  out = RunOnce(dq, {{DType::kUint8, {2, 3}, {1, 11, 21, 4, 12, 22}}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, DType::kFloat);
  EXPECT_EQ(out[0].values, (Values{1, 2, 4, 4, 4, 8}));
}

TEST(QuantOps, DequantizesEveryInputType) {
  struct Case {
    DType type;
    Values x;
    double scale;
    bool with_zp;
    double zp;
    Values want;
  };
  const Case cases[] = {
      {DType::kUint8, {0, 128, 255}, 0.5, true, 128, {-64, 0, 63.5}},
      {DType::kInt8, {-128, 0, 127}, 0.25, true, -1, {-31.75, 0.25, 32}},
      {DType::kInt32, {-100000, 7, 2147483647}, 0.5, false, 0, {-50000, 3.5, 1073741824}},
      {DType::kInt32, {-4, 6}, 2, true, 0, {-8, 12}},
  };
  for (const Case& c : cases) {
    QModel m(10);
    const Dims dims{static_cast<int64_t>(c.x.size())};
    m.Input("x", c.type, dims).Output("y").Init("s", DType::kFloat, {}, {c.scale});
    if (c.with_zp) m.Init("z", c.type, {}, {c.zp});
    m.Node("DequantizeLinear",
           c.with_zp ? std::vector<std::string>{"x", "s", "z"} : std::vector<std::string>{"x", "s"},
           {"y"});
    auto out = RunOnce(m, {{c.type, dims, c.x}});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].values, c.want) << DTypeName(static_cast<int32_t>(c.type));
  }
}

TEST(QuantOps, DynamicQuantizeLinear) {
  struct Case {
    Values x;
    double scale;
    double zp;
    Values y;
  };
  const Case cases[] = {
      // Range [-51, 204]: scale 1, zero point 51; 0.5 -> 0, 1.5 -> 2, -2.5 -> -2.
      {{-51, 204, 0.5, 1.5, -2.5, 10}, 1, 51, {0, 255, 51, 53, 49, 61}},
      // All negative: the range is widened to include 0, zero point 255; -127.5 -> -128.
      {{-255, -1, -127.5}, 1, 255, {0, 254, 127}},
      // All positive: zero point 0; 25.5 / 0.1 -> 255, 5.04 / 0.1 -> 50.
      {{0, 25.5, 5.04}, 0.1, 0, {0, 255, 50}},
      // All zero: the reference's scale 1/255 instead of a division by zero.
      {{0, 0}, static_cast<double>(1.0f / 255.0f), 0, {0, 0}},
  };
  for (const Case& c : cases) {
    QModel m(11);
    const Dims dims{static_cast<int64_t>(c.x.size())};
    m.Input("x", DType::kFloat, dims).Output("y").Output("s").Output("z");
    m.Node("DynamicQuantizeLinear", {"x"}, {"y", "s", "z"});
    auto out = RunOnce(m, {{DType::kFloat, dims, c.x}});
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[0].type, DType::kUint8);
    EXPECT_EQ(out[0].values, c.y) << c.x[0];
    EXPECT_FLOAT_EQ(static_cast<float>(out[1].values[0]), static_cast<float>(c.scale));
    EXPECT_EQ(out[1].dims.size(), 0u);
    EXPECT_EQ(out[2].type, DType::kUint8);
    EXPECT_EQ(out[2].values, (Values{c.zp}));
  }
}

TEST(QuantOps, CastsToAndFromTheNewTypes) {
  struct Case {
    DType from, to;
    Values x, want;
  };
  constexpr double kI32Max = 2147483647, kI32Min = -2147483648.0;
  const Case cases[] = {
      // Float to integer truncates toward zero; NaN and out-of-range values are clamped.
      {DType::kFloat, DType::kInt8, {-1.7, 2.9, 300, -300, kNaN}, {-1, 2, 127, -128, 0}},
      {DType::kFloat, DType::kUint8, {-1.7, 255.9, 3.99, 1e10}, {0, 255, 3, 255}},
      {DType::kFloat, DType::kInt32, {-2.5, 3e9, -3e9}, {-2, kI32Max, kI32Min}},
      // Integers narrow by wrapping, as ONNX (numpy astype) does.
      {DType::kInt64, DType::kInt8, {300, -129, 127}, {44, 127, 127}},
      {DType::kInt64, DType::kUint8, {256, -1}, {0, 255}},
      {DType::kInt32, DType::kInt64, {-2147483648.0}, {-2147483648.0}},
      {DType::kUint8, DType::kFloat, {0, 255}, {0, 255}},
      {DType::kInt8, DType::kInt32, {-128, 127}, {-128, 127}},
      {DType::kInt32, DType::kBool, {0, -7}, {0, 1}},
      {DType::kBool, DType::kInt8, {1, 0}, {1, 0}},
  };
  for (const Case& c : cases) {
    QModel m;
    const Dims dims{static_cast<int64_t>(c.x.size())};
    m.Input("x", c.from, dims).Output("y");
    SetInt(m.Node("Cast", {"x"}, {"y"}), "to", static_cast<int64_t>(c.to));
    auto out = RunOnce(m, {{c.from, dims, c.x}});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].type, c.to);
    EXPECT_EQ(out[0].values, c.want) << DTypeName(static_cast<int32_t>(c.from)) << " to "
                                     << DTypeName(static_cast<int32_t>(c.to));
  }
}

TEST(QuantOps, DataMovementOpsTakeTheNewTypes) {
  QModel m;
  m.Input("x", DType::kInt8, {2, 3}).Output("g").Output("w").Output("sl").Output("c");
  m.Init("shape", DType::kInt64, {2}, {3, 2}).Init("idx", DType::kInt64, {2}, {3, 0});
  m.Init("one", DType::kInt64, {}, {1}).Init("cshape", DType::kInt64, {1}, {2});
  m.Init("cond", DType::kBool, {3}, {1, 0, 1}).Init("other", DType::kInt8, {3}, {-9, -9, -9});
  m.Init("starts", DType::kInt64, {1}, {0}).Init("ends", DType::kInt64, {1}, {1});
  m.Init("axes", DType::kInt64, {1}, {1});
  m.Node("Transpose", {"x"}, {"t"});
  m.Node("Reshape", {"t", "shape"}, {"r"});
  SetInt(m.Node("Concat", {"r", "r"}, {"cat"}), "axis", 0);
  SetInt(m.Node("Gather", {"cat", "idx"}, {"g"}), "axis", 0);
  m.Node("Gather", {"x", "one"}, {"row"});
  m.Node("Where", {"cond", "row", "other"}, {"w"});
  m.Node("Slice", {"x", "starts", "ends", "axes"}, {"sl"});
  auto* v = m.Node("ConstantOfShape", {"cshape"}, {"c"})->add_attribute();
  v->set_name("value");
  v->set_type(onnx::AttributeProto::TENSOR);
  v->mutable_t()->set_data_type(static_cast<int32_t>(DType::kInt32));
  v->mutable_t()->add_dims(1);
  v->mutable_t()->add_int32_data(-70000);
  auto out = RunOnce(m, {{DType::kInt8, {2, 3}, {1, -2, 3, -4, 5, -6}}});
  ASSERT_EQ(out.size(), 4u);
  // Transpose: [[1,-4],[-2,5],[3,-6]]; Reshape keeps it; Concat doubles it; rows 3 and 0.
  EXPECT_EQ(out[0].type, DType::kInt8);
  EXPECT_EQ(out[0].values, (Values{1, -4, 1, -4}));
  EXPECT_EQ(out[1].values, (Values{-4, -9, -6}));  // Where(cond, x[1], -9)
  EXPECT_EQ(out[2].values, (Values{1, -4}));       // x[:, 0:1]
  EXPECT_EQ(out[3].type, DType::kInt32);
  EXPECT_EQ(out[3].values, (Values{-70000, -70000}));
}

TEST(QuantOps, RejectsBadInputsWithClearErrors) {
  auto quantize = [](int64_t opset, Dims scale_dims, Values scale, DType zt, Dims zdims) {
    QModel m(opset);
    m.Input("x", DType::kFloat, {2, 3}).Output("y").Init("s", DType::kFloat, scale_dims, scale);
    m.Init("z", zt, zdims, Values(static_cast<size_t>(zdims.empty() ? 1 : zdims[0]), 0));
    m.Node("QuantizeLinear", {"x", "s", "z"}, {"y"});
    return m.LoadError();
  };
  std::string e = quantize(10, {3}, {1, 1, 1}, DType::kUint8, {3});
  EXPECT_NE(e.find("y_scale of shape [3] must be a scalar before opset 13"), std::string::npos)
      << e;
  e = quantize(13, {4}, {1, 1, 1, 1}, DType::kUint8, {4});
  EXPECT_NE(e.find("must be a scalar or 1-D of x's axis 1 dim 3"), std::string::npos) << e;
  e = quantize(13, {3}, {1, 1, 1}, DType::kUint8, {2});
  EXPECT_NE(e.find("y_zero_point of shape [2] does not match y_scale of shape [3]"),
            std::string::npos)
      << e;
  e = quantize(13, {}, {1}, DType::kInt32, {});
  EXPECT_NE(e.find("y_zero_point must be uint8 or int8"), std::string::npos) << e;
  EXPECT_TRUE(quantize(13, {}, {1}, DType::kInt8, {}).empty());

  QModel dq;
  dq.Input("x", DType::kUint8, {2}).Output("y");
  dq.Init("s", DType::kFloat, {}, {1}).Init("z", DType::kInt8, {}, {0});
  dq.Node("DequantizeLinear", {"x", "s", "z"}, {"y"});
  EXPECT_NE(dq.LoadError().find("x_zero_point is int8; it must be uint8"), std::string::npos)
      << dq.LoadError();

  QModel i32;
  i32.Input("x", DType::kInt32, {2}).Output("y");
  i32.Init("s", DType::kFloat, {}, {1}).Init("z", DType::kInt32, {}, {3});
  i32.Node("DequantizeLinear", {"x", "s", "z"}, {"y"});
  EXPECT_NE(i32.LoadError().find("an int32 x must have zero point 0"), std::string::npos)
      << i32.LoadError();

  QModel mm;  // float kernels do not take the new types: a clear error, not a misread buffer
  mm.Input("x", DType::kInt8, {2, 2}).Output("y");
  mm.Node("MatMul", {"x", "x"}, {"y"});
  EXPECT_NE(mm.LoadError().find("element type int8 not supported by MatMul"), std::string::npos)
      << mm.LoadError();

  QModel range;  // 8-bit values are stored widened in int32_data
  range.Input("x", DType::kInt8, {1}).Output("y");
  auto* init = range.graph()->add_initializer();
  init->set_name("w");
  init->set_data_type(static_cast<int32_t>(DType::kInt8));
  init->add_dims(1);
  init->add_int32_data(200);
  range.Node("Concat", {"x", "w"}, {"y"});
  EXPECT_NE(range.LoadError().find("tensor 'w' holds 200, outside int8"), std::string::npos)
      << range.LoadError();

  QModel raw;
  raw.Input("x", DType::kUint8, {4}).Output("y");
  raw.Init("w", DType::kUint8, {4}, {1, 2, 3});
  raw.Node("Concat", {"x", "w"}, {"y"});
  EXPECT_NE(raw.LoadError().find("has 3 values but its dims [4] need 4"), std::string::npos)
      << raw.LoadError();
}

// float [N,4] -> QuantizeLinear -> QLinearMatMul (int8 weights [4,3]) -> DequantizeLinear, and
// a DynamicQuantizeLinear -> MatMulInteger branch: a second Run allocates nothing.
TEST(QuantOps, QuantizedPipelineRunsWithoutAllocating) {
  QModel m;
  m.Input("x", DType::kFloat, {4, 4}).Output("y").Output("acc");
  auto* dim = m.graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
  dim->mutable_dim(0)->set_dim_param("N");
  m.Init("xs", DType::kFloat, {}, {0.05}).Init("xz", DType::kUint8, {}, {128});
  m.Init("w", DType::kInt8, {4, 3}, {10, -20, 30, -40, 50, -60, 70, -80, 90, -100, 110, -120});
  m.Init("ws", DType::kFloat, {}, {0.01}).Init("wz", DType::kInt8, {}, {0});
  m.Init("ys", DType::kFloat, {}, {0.02}).Init("yz", DType::kUint8, {}, {100});
  m.Node("QuantizeLinear", {"x", "xs", "xz"}, {"q"});
  m.Node("QLinearMatMul", {"q", "xs", "xz", "w", "ws", "wz", "ys", "yz"}, {"qy"});
  m.Node("DequantizeLinear", {"qy", "ys", "yz"}, {"y"});
  m.Node("DynamicQuantizeLinear", {"x"}, {"dq", "ds", "dz"});
  m.Node("MatMulInteger", {"dq", "w", "dz", "wz"}, {"acc"});
  auto model = m.Load();
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto session = InferenceSession::Create(*model, 4);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  std::vector<float> x(16);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) * 0.25f - 2.0f;
  int64_t shape2[] = {2, 4};
  TensorRef in{DType::kFloat, shape2, x.data()};
  std::vector<TensorRef> out(2);
  ASSERT_TRUE(session->Run({&in, 1}, out).ok());
  const void* first = out[0].data;
  // Row 0 of x: -2, -1.75, -1.5, -1.25 -> q - 128 = -40, -35, -30, -25; column 0 of w:
  // -40*10 - 35*-40 - 30*70 - 25*-100 = 1400; 1400 * 0.05 * 0.01 / 0.02 = 35 -> q 135 -> 0.7.
  EXPECT_FLOAT_EQ(static_cast<const float*>(out[0].data)[0], 35 * 0.02f);
  // The dynamic branch: x is all negative, so scale 2/255 and zero point 255; dq - 255 =
  // round(x * 127.5) = -255, -223, -191, -159 (ties are not hit) -> 8900 against column 0.
  EXPECT_EQ(static_cast<const int32_t*>(out[1].data)[0], 8900);
  int64_t shape3[] = {3, 4};
  in.shape = shape3;
  g_allocs = 0;
  g_count_allocs = true;
  Status s = session->Run({&in, 1}, out);
  g_count_allocs = false;
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(g_allocs.load(), 0);
  EXPECT_EQ(out[0].data, first);
  ASSERT_EQ(out[1].shape.size(), 2u);
  EXPECT_EQ(out[1].shape[0], 3);
  EXPECT_EQ(out[1].dtype, DType::kInt32);
}

}  // namespace
}  // namespace edgeloop::model
