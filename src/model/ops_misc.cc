// Constant, ArgMax/ArgMin, TopK, Not, the variadic Min/Max/Sum/Mean, and unary activations with
// attributes (LeakyRelu, Elu, Selu, HardSigmoid, ...) and the trigonometric functions.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "model/broadcast.h"
#include "model/ops.h"
#include "model/tensor_proto.h"

namespace edgeloop::model {
namespace {

// Constant is always folded while planning (it has no inputs), so decoding may allocate.
Status ConstantValue(const NodeArgs& a, DecodedTensor* out) {
  EL_RETURN_IF_ERROR(
      CheckAttrs(a, {"value", "value_float", "value_floats", "value_int", "value_ints"}));
  if (a.node->attribute_size() != 1) return NodeError(a, "needs exactly one value attribute");
  const auto& attr = a.node->attribute(0);
  onnx::TensorProto t;
  if (attr.name() == "value") {
    t = attr.t();
  } else if (attr.name() == "value_float") {
    t.set_data_type(1);
    t.add_float_data(attr.f());
  } else if (attr.name() == "value_floats") {
    t.set_data_type(1);
    t.add_dims(attr.floats_size());
    for (float v : attr.floats()) t.add_float_data(v);
  } else if (attr.name() == "value_int") {
    t.set_data_type(7);
    t.add_int64_data(attr.i());
  } else {
    t.set_data_type(7);
    t.add_dims(attr.ints_size());
    for (int64_t v : attr.ints()) t.add_int64_data(v);
  }
  auto decoded = DecodeTensorProto(t);
  if (!decoded.ok()) return NodeError(a, decoded.status().message());
  *out = std::move(*decoded);
  return Status::Ok();
}

Status InferConstant(const NodeArgs& a) {
  DecodedTensor t;
  EL_RETURN_IF_ERROR(ConstantValue(a, &t));
  a.out[0]->dtype = t.dtype;
  a.out[0]->shape = t.shape;
  return Status::Ok();
}

Status RunConstant(const NodeArgs& a) {
  DecodedTensor t;
  EL_RETURN_IF_ERROR(ConstantValue(a, &t));
  size_t bytes = static_cast<size_t>(t.shape.Count()) * DTypeSize(t.dtype);
  if (bytes > 0) std::memcpy(a.out[0]->data, t.storage.data(), bytes);
  return Status::Ok();
}

template <bool kMax>
Status InferArg(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {"axis", "keepdims", "select_last_index"}));
  if (a.in[0]->dtype == DType::kBool) return NodeError(a, "bool input not supported");
  const Shape& in = a.in[0]->shape;
  int axis = 0;
  EL_RETURN_IF_ERROR(NormalizeAxis(a, AttrInt(a, "axis", 0), in.rank, &axis));
  if (in[axis] == 0) return NodeError(a, "cannot reduce an empty axis");
  Shape& out = a.out[0]->shape;
  out.rank = 0;
  for (int i = 0; i < in.rank; ++i) {
    if (i != axis) {
      out[out.rank++] = in[i];
    } else if (AttrInt(a, "keepdims", 1) != 0) {
      out[out.rank++] = 1;
    }
  }
  a.out[0]->dtype = DType::kInt64;
  return Status::Ok();
}

template <bool kMax, typename T>
void RunArgT(const NodeArgs& a, int axis) {
  const Shape& s = a.in[0]->shape;
  int64_t outer = 1, inner = 1, n = s[axis];
  for (int i = 0; i < axis; ++i) outer *= s[i];
  for (int i = axis + 1; i < s.rank; ++i) inner *= s[i];
  const bool last = AttrInt(a, "select_last_index", 0) != 0;
  const T* x = a.in[0]->As<T>();
  int64_t* o = a.out[0]->As<int64_t>();
  for (int64_t b = 0; b < outer; ++b) {
    for (int64_t c = 0; c < inner; ++c) {
      const T* p = x + b * n * inner + c;
      int64_t best = 0;
      for (int64_t i = 1; i < n; ++i) {
        T v = p[i * inner], w = p[best * inner];
        bool better = kMax ? (v > w || (last && v == w)) : (v < w || (last && v == w));
        if (better) best = i;
      }
      o[b * inner + c] = best;
    }
  }
}

template <bool kMax>
Status RunArg(const NodeArgs& a) {
  int axis = 0;
  EL_RETURN_IF_ERROR(NormalizeAxis(a, AttrInt(a, "axis", 0), a.in[0]->shape.rank, &axis));
  if (a.in[0]->dtype == DType::kFloat) {
    RunArgT<kMax, float>(a, axis);
  } else {
    RunArgT<kMax, int64_t>(a, axis);
  }
  return Status::Ok();
}

Status InferNot(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {}));
  if (a.in[0]->dtype != DType::kBool) return NodeError(a, "input must be bool");
  a.out[0]->dtype = DType::kBool;
  a.out[0]->shape = a.in[0]->shape;
  return Status::Ok();
}

Status RunNot(const NodeArgs& a) {
  const bool* x = a.in[0]->As<bool>();
  bool* o = a.out[0]->As<bool>();
  for (int64_t i = 0; i < a.out[0]->shape.Count(); ++i) o[i] = !x[i];
  return Status::Ok();
}

enum class Var { kMin, kMax, kSum, kMean };

template <Var op>
Status InferVariadic(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {}));
  Shape out = a.in[0]->shape;
  for (Tensor* t : a.in) {
    if (!t || t->dtype != DType::kFloat) return NodeError(a, "inputs must be float");
    std::array<const Shape*, 2> both{&out, &t->shape};
    Shape next;
    EL_RETURN_IF_ERROR(BroadcastShapes(a, both, &next));
    out = next;
  }
  a.out[0]->shape = out;
  a.out[0]->dtype = DType::kFloat;
  return Status::Ok();
}

template <Var op>
Status RunVariadic(const NodeArgs& a) {
  const Shape& out = a.out[0]->shape;
  float* o = a.out[0]->As<float>();
  const float* x0 = a.in[0]->As<float>();
  ForEachBroadcast(out, std::array<const Shape*, 1>{&a.in[0]->shape},
                   [&](int64_t i, const auto& k) { o[i] = x0[k[0]]; });
  for (size_t t = 1; t < a.in.size(); ++t) {
    const float* x = a.in[t]->As<float>();
    ForEachBroadcast(out, std::array<const Shape*, 1>{&a.in[t]->shape},
                     [&](int64_t i, const auto& k) {
                       float v = x[k[0]];
                       if constexpr (op == Var::kMin) o[i] = std::isnan(v) ? v : std::min(o[i], v);
                       if constexpr (op == Var::kMax) o[i] = std::isnan(v) ? v : std::max(o[i], v);
                       if constexpr (op == Var::kSum || op == Var::kMean) o[i] += v;
                     });
  }
  if constexpr (op == Var::kMean) {
    const auto n = static_cast<float>(a.in.size());
    for (int64_t i = 0; i < out.Count(); ++i) o[i] /= n;
  }
  return Status::Ok();
}

enum class Act {
  kLeakyRelu,
  kElu,
  kSelu,
  kHardSigmoid,
  kSoftplus,
  kSoftsign,
  kSin,
  kCos,
  kTan,
  kAsin,
  kAcos,
  kAtan,
  kSinh,
  kCosh,
  kAsinh,
  kAcosh,
  kAtanh,
  kErf,
  kSign,
  kThresholdedRelu,
  kCelu,
  kHardSwish
};

template <Act op>
Status InferAct(const NodeArgs& a) {
  switch (op) {
    case Act::kLeakyRelu:
    case Act::kElu:
    case Act::kThresholdedRelu:
    case Act::kCelu:
      EL_RETURN_IF_ERROR(CheckAttrs(a, {"alpha"}));
      break;
    case Act::kSelu:
      EL_RETURN_IF_ERROR(CheckAttrs(a, {"alpha", "gamma"}));
      break;
    case Act::kHardSigmoid:
      EL_RETURN_IF_ERROR(CheckAttrs(a, {"alpha", "beta"}));
      break;
    default:
      EL_RETURN_IF_ERROR(CheckAttrs(a, {}));
      break;
  }
  if (a.in[0]->dtype != DType::kFloat) return NodeError(a, "only float input supported");
  a.out[0]->dtype = DType::kFloat;
  a.out[0]->shape = a.in[0]->shape;
  return Status::Ok();
}

template <Act op>
Status RunAct(const NodeArgs& a) {
  const float* x = a.in[0]->As<float>();
  float* o = a.out[0]->As<float>();
  float alpha = 0, beta = 0, gamma = 0;
  if (op == Act::kLeakyRelu) alpha = AttrFloat(a, "alpha", 0.01f);
  if (op == Act::kElu || op == Act::kThresholdedRelu || op == Act::kCelu) {
    alpha = AttrFloat(a, "alpha", 1.0f);
  }
  if (op == Act::kSelu) {
    alpha = AttrFloat(a, "alpha", 1.67326319217681884765625f);
    gamma = AttrFloat(a, "gamma", 1.05070102214813232421875f);
  }
  if (op == Act::kHardSigmoid) {
    alpha = AttrFloat(a, "alpha", 0.2f);
    beta = AttrFloat(a, "beta", 0.5f);
  }
  const int64_t n = a.out[0]->shape.Count();
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    float r = 0;
    if constexpr (op == Act::kLeakyRelu) r = v < 0 ? alpha * v : v;
    if constexpr (op == Act::kElu) r = v < 0 ? alpha * (std::exp(v) - 1) : v;
    if constexpr (op == Act::kSelu) r = gamma * (v <= 0 ? alpha * (std::exp(v) - 1) : v);
    if constexpr (op == Act::kHardSigmoid) r = std::max(0.0f, std::min(1.0f, alpha * v + beta));
    if constexpr (op == Act::kSoftplus) r = std::log1p(std::exp(v));
    if constexpr (op == Act::kSoftsign) r = v / (1 + std::fabs(v));
    if constexpr (op == Act::kSin) r = std::sin(v);
    if constexpr (op == Act::kCos) r = std::cos(v);
    if constexpr (op == Act::kTan) r = std::tan(v);
    if constexpr (op == Act::kAsin) r = std::asin(v);
    if constexpr (op == Act::kAcos) r = std::acos(v);
    if constexpr (op == Act::kAtan) r = std::atan(v);
    if constexpr (op == Act::kSinh) r = std::sinh(v);
    if constexpr (op == Act::kCosh) r = std::cosh(v);
    if constexpr (op == Act::kAsinh) r = std::asinh(v);
    if constexpr (op == Act::kAcosh) r = std::acosh(v);
    if constexpr (op == Act::kAtanh) r = std::atanh(v);
    if constexpr (op == Act::kErf) r = std::erf(v);
    if constexpr (op == Act::kSign) r = v > 0 ? 1.0f : v < 0 ? -1.0f : v;
    if constexpr (op == Act::kThresholdedRelu) r = v > alpha ? v : 0.0f;
    if constexpr (op == Act::kCelu)
      r = std::max(0.0f, v) + std::min(0.0f, alpha * (std::exp(v / alpha) - 1));
    if constexpr (op == Act::kHardSwish) r = v * std::max(0.0f, std::min(1.0f, v / 6 + 0.5f));
    o[i] = r;
  }
  return Status::Ok();
}

// TopK: the k largest (or smallest) along `axis`, sorted, ties by lower index. Selection by
// repeated scans (k x n per slice) needs no scratch memory.
Status InferTopK(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {"axis", "largest", "sorted"}));
  if (a.in[0]->dtype != DType::kFloat) return NodeError(a, "only float input supported");
  const Tensor& kt = *a.in[1];
  if (kt.dtype != DType::kInt64 || kt.shape.Count() != 1 || kt.shape.rank != 1) {
    return NodeError(a, "K must be a 1-D int64 tensor of one value");
  }
  int axis = 0;
  EL_RETURN_IF_ERROR(NormalizeAxis(a, AttrInt(a, "axis", -1), a.in[0]->shape.rank, &axis));
  if (!kt.data) return Status(kNeedsValue, "K not known before run");
  const int64_t k = *kt.As<int64_t>();
  if (k < 0 || k > a.in[0]->shape[axis]) return NodeError(a, "K out of range");
  for (size_t o = 0; o < a.out.size(); ++o) {
    a.out[o]->shape = a.in[0]->shape;
    a.out[o]->shape[axis] = k;
    a.out[o]->dtype = o == 0 ? DType::kFloat : DType::kInt64;
  }
  return CheckWork(a, a.in[0]->shape, static_cast<double>(k));
}

Status RunTopK(const NodeArgs& a) {
  const Shape& s = a.in[0]->shape;
  int axis = 0;
  EL_RETURN_IF_ERROR(NormalizeAxis(a, AttrInt(a, "axis", -1), s.rank, &axis));
  const int64_t k = *a.in[1]->As<int64_t>();
  const bool largest = AttrInt(a, "largest", 1) != 0;
  int64_t outer = 1, inner = 1, n = s[axis];
  for (int i = 0; i < axis; ++i) outer *= s[i];
  for (int i = axis + 1; i < s.rank; ++i) inner *= s[i];
  const float* x = a.in[0]->As<float>();
  float* vals = a.out[0]->As<float>();
  int64_t* idx = a.out.size() > 1 ? a.out[1]->As<int64_t>() : nullptr;
  // True when element i comes before element j in the output order (NaN ranks as largest).
  auto before = [&](const float* p, int64_t i, int64_t j) {
    const float u = p[i * inner], v = p[j * inner];
    const bool un = std::isnan(u), vn = std::isnan(v);
    if (un != vn) return largest ? un : vn;
    if (!un && u != v) return largest ? u > v : u < v;
    return i < j;
  };
  for (int64_t b = 0; b < outer; ++b) {
    for (int64_t c = 0; c < inner; ++c) {
      const float* p = x + b * n * inner + c;
      int64_t prev = -1;
      for (int64_t r = 0; r < k; ++r) {
        int64_t best = -1;
        for (int64_t i = 0; i < n; ++i) {
          if (prev >= 0 && !before(p, prev, i)) continue;  // already taken
          if (best < 0 || before(p, i, best)) best = i;
        }
        const int64_t o = b * k * inner + r * inner + c;
        vals[o] = p[best * inner];
        if (idx) idx[o] = best;
        prev = best;
      }
    }
  }
  return Status::Ok();
}

}  // namespace

void RegisterMiscOps(RegisterFn reg) {
  constexpr int kMany = 1 << 16;
  reg("Constant", {&InferConstant, &RunConstant, 0, 0, 1, true});  // any decodable type
  reg("ArgMax", {&InferArg<true>, &RunArg<true>, 1, 1, 1});
  reg("ArgMin", {&InferArg<false>, &RunArg<false>, 1, 1, 1});
  reg("Not", {&InferNot, &RunNot, 1, 1, 1});
  reg("TopK", {&InferTopK, &RunTopK, 2, 2, 2});
  reg("Min", {&InferVariadic<Var::kMin>, &RunVariadic<Var::kMin>, 1, kMany, 1});
  reg("Max", {&InferVariadic<Var::kMax>, &RunVariadic<Var::kMax>, 1, kMany, 1});
  reg("Sum", {&InferVariadic<Var::kSum>, &RunVariadic<Var::kSum>, 1, kMany, 1});
  reg("Mean", {&InferVariadic<Var::kMean>, &RunVariadic<Var::kMean>, 1, kMany, 1});
#define EL_ACT(name) reg(#name, {&InferAct<Act::k##name>, &RunAct<Act::k##name>, 1, 1, 1})
  EL_ACT(LeakyRelu);
  EL_ACT(Elu);
  EL_ACT(Selu);
  EL_ACT(HardSigmoid);
  EL_ACT(Softplus);
  EL_ACT(Softsign);
  EL_ACT(Sin);
  EL_ACT(Cos);
  EL_ACT(Tan);
  EL_ACT(Asin);
  EL_ACT(Acos);
  EL_ACT(Atan);
  EL_ACT(Sinh);
  EL_ACT(Cosh);
  EL_ACT(Asinh);
  EL_ACT(Acosh);
  EL_ACT(Atanh);
  EL_ACT(Erf);
  EL_ACT(Sign);
  EL_ACT(ThresholdedRelu);
  EL_ACT(Celu);
  EL_ACT(HardSwish);
#undef EL_ACT
}

}  // namespace edgeloop::model
