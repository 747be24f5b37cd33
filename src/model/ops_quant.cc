// Linear quantization operators: QuantizeLinear, DequantizeLinear (opset 10 per-tensor, opset 13
// per-axis) and DynamicQuantizeLinear (opset 11), following the ONNX operator spec:
//   QuantizeLinear    y = saturate(round_half_even(x / y_scale) + y_zero_point)
//   DequantizeLinear  y = (x - x_zero_point) * x_scale
// The matrix products are in ops_quant_matmul.cc.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>

#include "model/ops.h"
#include "model/quant_util.h"

namespace edgeloop::model {
namespace {

// How a scale (and its zero point) applies to x: `outer` blocks of `channels` x `inner`
// elements, channel c using scale[c]. Per-tensor is one channel.
struct AxisLayout {
  int64_t outer = 1;
  int64_t channels = 1;
  int64_t inner = 1;
};

// A one-element scale (rank 0, or [1]) is per-tensor; from opset 13 a 1-D scale of x's `axis`
// dim is per-axis. The zero point, when given, must have the scale's shape and type `zp_type`.
Status ScaleLayout(const NodeArgs& a, const char* scale_name, const char* zp_name, DType zp_type,
                   AxisLayout* layout) {
  const Shape& x = a.in[0]->shape;
  const Tensor& scale = *a.in[1];
  const Tensor* zp = a.in.size() > 2 ? a.in[2] : nullptr;
  const std::string sn = scale_name;
  if (scale.dtype != DType::kFloat) return NodeError(a, sn + " must be float");
  if (zp && zp->dtype != zp_type) {
    return NodeError(a, std::string(zp_name) + " is " + DTypeName(static_cast<int32_t>(zp->dtype)) +
                            "; it must be " + DTypeName(static_cast<int32_t>(zp_type)));
  }
  const bool per_tensor = scale.shape.rank <= 1 && scale.shape.Count() == 1;
  *layout = AxisLayout{};
  if (per_tensor) {
    layout->inner = x.Count();
  } else {
    if (a.opset < 13) {
      return NodeError(a, sn + " of shape " + ShapeString(scale.shape) +
                              " must be a scalar before opset 13 (per-axis needs opset 13)");
    }
    int axis = 0;
    EL_RETURN_IF_ERROR(NormalizeAxis(a, AttrInt(a, "axis", 1), x.rank, &axis));
    if (scale.shape.rank != 1 || scale.shape[0] != x[axis]) {
      return NodeError(a, sn + " of shape " + ShapeString(scale.shape) +
                              " must be a scalar or 1-D of x's axis " + std::to_string(axis) +
                              " dim " + std::to_string(x[axis]));
    }
    for (int i = 0; i < axis; ++i) layout->outer *= x[i];
    layout->channels = x[axis];
    for (int i = axis + 1; i < x.rank; ++i) layout->inner *= x[i];
  }
  if (zp && !(zp->shape == scale.shape) &&
      !(per_tensor && zp->shape.rank <= 1 && zp->shape.Count() == 1)) {
    return NodeError(a, std::string(zp_name) + " of shape " + ShapeString(zp->shape) +
                            " does not match " + sn + " of shape " + ShapeString(scale.shape));
  }
  return Status::Ok();
}

Status InferQuantize(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(a.opset < 13 ? CheckAttrs(a, {}) : CheckAttrs(a, {"axis"}));
  const DType xt = a.in[0]->dtype;
  if (xt != DType::kFloat && xt != DType::kInt32) return NodeError(a, "x must be float or int32");
  const Tensor* zp = a.in.size() > 2 ? a.in[2] : nullptr;
  if (zp && !IsQuant8(zp->dtype)) return NodeError(a, "y_zero_point must be uint8 or int8");
  a.out[0]->dtype = zp ? zp->dtype : DType::kUint8;  // the spec's default: uint8 zero point 0
  a.out[0]->shape = a.in[0]->shape;
  AxisLayout layout;
  return ScaleLayout(a, "y_scale", "y_zero_point", a.out[0]->dtype, &layout);
}

// X: float (divided in float, as the spec's float32 arithmetic) or int32 (divided in double, so
// large values stay exact, as numpy promotes int32 / float32 to float64). Q: the output type.
template <typename X, typename Q>
void QuantizeT(const NodeArgs& a, const AxisLayout& l) {
  using F = std::conditional_t<std::is_same_v<X, float>, float, double>;
  const X* x = a.in[0]->As<X>();
  const float* scale = a.in[1]->As<float>();
  const Q* zp = a.in.size() > 2 && a.in[2] ? a.in[2]->As<Q>() : nullptr;
  Q* y = a.out[0]->As<Q>();
  int64_t e = 0;
  for (int64_t o = 0; o < l.outer; ++o) {
    for (int64_t c = 0; c < l.channels; ++c) {
      const F s = static_cast<F>(scale[c]);
      const int32_t z = zp ? static_cast<int32_t>(zp[c]) : 0;
      for (int64_t i = 0; i < l.inner; ++i, ++e) {
        y[e] = SaturateRounded<Q>(static_cast<double>(RoundHalfEven(static_cast<F>(x[e]) / s)), z);
      }
    }
  }
}

Status RunQuantize(const NodeArgs& a) {
  AxisLayout layout;
  EL_RETURN_IF_ERROR(ScaleLayout(a, "y_scale", "y_zero_point", a.out[0]->dtype, &layout));
  VisitQuant8(a.out[0]->dtype, [&](auto q) {
    using Q = decltype(q);
    if (a.in[0]->dtype == DType::kFloat) {
      QuantizeT<float, Q>(a, layout);
    } else {
      QuantizeT<int32_t, Q>(a, layout);
    }
  });
  return Status::Ok();
}

Status InferDequantize(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(a.opset < 13 ? CheckAttrs(a, {}) : CheckAttrs(a, {"axis"}));
  const DType xt = a.in[0]->dtype;
  if (!IsQuant8(xt) && xt != DType::kInt32) return NodeError(a, "x must be uint8, int8 or int32");
  a.out[0]->dtype = DType::kFloat;
  a.out[0]->shape = a.in[0]->shape;
  AxisLayout layout;
  EL_RETURN_IF_ERROR(ScaleLayout(a, "x_scale", "x_zero_point", a.in[0]->dtype, &layout));
  // int32 (a bias quantized with scale a_scale * b_scale) has no zero point: any given must be 0.
  const Tensor* zp = a.in.size() > 2 ? a.in[2] : nullptr;
  if (xt == DType::kInt32 && zp && zp->data) {
    for (int64_t i = 0; i < zp->shape.Count(); ++i) {
      if (zp->As<int32_t>()[i] != 0) return NodeError(a, "an int32 x must have zero point 0");
    }
  }
  return Status::Ok();
}

template <typename X>
void DequantizeT(const NodeArgs& a, const AxisLayout& l) {
  const X* x = a.in[0]->As<X>();
  const float* scale = a.in[1]->As<float>();
  const X* zp = a.in.size() > 2 && a.in[2] ? a.in[2]->As<X>() : nullptr;
  float* y = a.out[0]->As<float>();
  int64_t e = 0;
  for (int64_t o = 0; o < l.outer; ++o) {
    for (int64_t c = 0; c < l.channels; ++c) {
      const float s = scale[c];
      // int64: x - zp of two int32 values cannot overflow.
      const int64_t z = zp ? static_cast<int64_t>(zp[c]) : 0;
      for (int64_t i = 0; i < l.inner; ++i, ++e) {
        y[e] = static_cast<float>(static_cast<int64_t>(x[e]) - z) * s;
      }
    }
  }
}

Status RunDequantize(const NodeArgs& a) {
  AxisLayout layout;
  EL_RETURN_IF_ERROR(ScaleLayout(a, "x_scale", "x_zero_point", a.in[0]->dtype, &layout));
  if (!VisitQuant8(a.in[0]->dtype, [&](auto q) { DequantizeT<decltype(q)>(a, layout); })) {
    DequantizeT<int32_t>(a, layout);
  }
  return Status::Ok();
}

Status InferDynamicQuantize(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {}));
  if (a.in[0]->dtype != DType::kFloat) return NodeError(a, "x must be float");
  a.out[0]->dtype = DType::kUint8;  // the only type the spec allows so far
  a.out[0]->shape = a.in[0]->shape;
  if (a.out.size() > 1) a.out[1]->dtype = DType::kFloat;
  if (a.out.size() > 2) a.out[2]->dtype = DType::kUint8;
  for (size_t o = 1; o < a.out.size(); ++o) a.out[o]->shape = Shape{};
  return Status::Ok();
}

// Scale and zero point from x's range widened to include 0, as the ONNX function body and
// reference implementation compute them (in float). An all-zero range uses scale 1/255, as the
// reference does, instead of dividing by zero. NaNs are ignored for the range.
Status RunDynamicQuantize(const NodeArgs& a) {
  const float* x = a.in[0]->As<float>();
  const int64_t n = a.in[0]->shape.Count();
  float lo = 0, hi = 0;
  for (int64_t i = 0; i < n; ++i) {
    lo = x[i] < lo ? x[i] : lo;
    hi = x[i] > hi ? x[i] : hi;
  }
  constexpr float kQmin = 0, kQmax = 255;
  const float scale = (hi == lo ? 1.0f : hi - lo) / (kQmax - kQmin);
  const float zp_fp = RoundHalfEven(std::clamp(kQmin - lo / scale, kQmin, kQmax));
  // NaN (an infinite range) fails every comparison of std::clamp: treat it as zero point 0.
  const auto zp = static_cast<uint8_t>(std::isnan(zp_fp) ? 0.0f : zp_fp);
  uint8_t* y = a.out[0]->As<uint8_t>();
  for (int64_t i = 0; i < n; ++i) {
    y[i] = SaturateRounded<uint8_t>(static_cast<double>(RoundHalfEven(x[i] / scale)), zp);
  }
  if (a.out.size() > 1) *a.out[1]->As<float>() = scale;
  if (a.out.size() > 2) *a.out[2]->As<uint8_t>() = zp;
  return Status::Ok();
}

}  // namespace

void RegisterQuantOps(RegisterFn reg) {
  reg("QuantizeLinear", {&InferQuantize, &RunQuantize, 2, 3, 1, true});
  reg("DequantizeLinear", {&InferDequantize, &RunDequantize, 2, 3, 1, true});
  reg("DynamicQuantizeLinear", {&InferDynamicQuantize, &RunDynamicQuantize, 1, 1, 3, true});
  RegisterQuantMatMulOps(reg);
}

}  // namespace edgeloop::model
