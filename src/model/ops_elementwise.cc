// Elementwise operators with numpy broadcasting: arithmetic, comparisons, Where, unary math,
// activations and Clip.
#include <algorithm>
#include <cmath>
#include <limits>

#include "model/broadcast.h"
#include "model/ops.h"

namespace edgeloop::model {
namespace {

enum class Bin {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kLess,
  kGreater,
  kLessEq,
  kGreaterEq,
  kEqual,
  kAnd,
  kOr,
  kXor
};

constexpr bool IsCompare(Bin op) {
  return op == Bin::kLess || op == Bin::kGreater || op == Bin::kLessEq || op == Bin::kGreaterEq ||
         op == Bin::kEqual;
}
constexpr bool IsLogical(Bin op) { return op == Bin::kAnd || op == Bin::kOr || op == Bin::kXor; }

template <Bin op>
Status InferBinary(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {}));
  const Tensor& x = *a.in[0];
  const Tensor& y = *a.in[1];
  if (x.dtype != y.dtype) return NodeError(a, "inputs have different element types");
  if (IsLogical(op) != (x.dtype == DType::kBool) && !(op == Bin::kEqual)) {
    return NodeError(a,
                     "input type " + DTypeName(static_cast<int32_t>(x.dtype)) + " not supported");
  }
  std::array<const Shape*, 2> shapes{&x.shape, &y.shape};
  EL_RETURN_IF_ERROR(BroadcastShapes(a, shapes, &a.out[0]->shape));
  a.out[0]->dtype = IsCompare(op) || IsLogical(op) ? DType::kBool : x.dtype;
  return Status::Ok();
}

template <Bin op, typename T>
Status RunBinaryT(const NodeArgs& a) {
  const T* x = a.in[0]->As<T>();
  const T* y = a.in[1]->As<T>();
  std::array<const Shape*, 2> shapes{&a.in[0]->shape, &a.in[1]->shape};
  bool div_error = false;
  if constexpr (IsCompare(op) || IsLogical(op)) {
    bool* o = a.out[0]->As<bool>();
    ForEachBroadcast(a.out[0]->shape, shapes, [&](int64_t i, const auto& k) {
      if constexpr (op == Bin::kLess) o[i] = x[k[0]] < y[k[1]];
      if constexpr (op == Bin::kGreater) o[i] = x[k[0]] > y[k[1]];
      if constexpr (op == Bin::kLessEq) o[i] = x[k[0]] <= y[k[1]];
      if constexpr (op == Bin::kGreaterEq) o[i] = x[k[0]] >= y[k[1]];
      if constexpr (op == Bin::kEqual) o[i] = x[k[0]] == y[k[1]];
      if constexpr (op == Bin::kAnd) o[i] = x[k[0]] && y[k[1]];
      if constexpr (op == Bin::kOr) o[i] = x[k[0]] || y[k[1]];
      if constexpr (op == Bin::kXor) o[i] = x[k[0]] != y[k[1]];
    });
  } else {
    T* o = a.out[0]->As<T>();
    ForEachBroadcast(a.out[0]->shape, shapes, [&](int64_t i, const auto& k) {
      T p = x[k[0]];
      T q = y[k[1]];
      if constexpr (std::is_integral_v<T>) {
        // Wrap around like two's complement hardware instead of signed-overflow UB.
        using U = std::make_unsigned_t<T>;
        if constexpr (op == Bin::kAdd) o[i] = static_cast<T>(static_cast<U>(p) + static_cast<U>(q));
        if constexpr (op == Bin::kSub) o[i] = static_cast<T>(static_cast<U>(p) - static_cast<U>(q));
        if constexpr (op == Bin::kMul) o[i] = static_cast<T>(static_cast<U>(p) * static_cast<U>(q));
        if constexpr (op == Bin::kDiv) {
          bool overflow = false;  // min / -1; unsigned types cannot overflow
          if constexpr (std::is_signed_v<T>) {
            overflow = q == -1 && p == std::numeric_limits<T>::min();
          }
          if (q == 0 || overflow) {
            div_error = true;
            o[i] = 0;
          } else {
            o[i] = p / q;
          }
        }
      } else {
        if constexpr (op == Bin::kAdd) o[i] = p + q;
        if constexpr (op == Bin::kSub) o[i] = p - q;
        if constexpr (op == Bin::kMul) o[i] = p * q;
        if constexpr (op == Bin::kDiv) o[i] = p / q;
      }
    });
  }
  if (div_error) return NodeError(a, "integer division by zero or overflow");
  return Status::Ok();
}

template <Bin op>
Status RunBinary(const NodeArgs& a) {
  switch (a.in[0]->dtype) {
    case DType::kFloat:
      if constexpr (!IsLogical(op)) return RunBinaryT<op, float>(a);
      break;
    case DType::kInt64:
      if constexpr (!IsLogical(op)) return RunBinaryT<op, int64_t>(a);
      break;
    case DType::kBool:
      if constexpr (op == Bin::kEqual || IsLogical(op)) return RunBinaryT<op, bool>(a);
      break;
    // Arithmetic and comparisons on the narrow integers wrap like int64's (numpy semantics).
    case DType::kUint8:
      if constexpr (!IsLogical(op)) return RunBinaryT<op, uint8_t>(a);
      break;
    case DType::kInt8:
      if constexpr (!IsLogical(op)) return RunBinaryT<op, int8_t>(a);
      break;
    case DType::kInt32:
      if constexpr (!IsLogical(op)) return RunBinaryT<op, int32_t>(a);
      break;
  }
  return NodeError(a, "unsupported element type");
}

// Pow: the output has X's type; X and Y may be float or int64 independently.
Status InferPow(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {}));
  if (a.in[0]->dtype == DType::kBool || a.in[1]->dtype == DType::kBool) {
    return NodeError(a, "bool inputs not supported");
  }
  std::array<const Shape*, 2> shapes{&a.in[0]->shape, &a.in[1]->shape};
  EL_RETURN_IF_ERROR(BroadcastShapes(a, shapes, &a.out[0]->shape));
  a.out[0]->dtype = a.in[0]->dtype;
  return Status::Ok();
}

template <typename X, typename Y>
void RunPowT(const NodeArgs& a) {
  const X* x = a.in[0]->As<X>();
  const Y* y = a.in[1]->As<Y>();
  X* o = a.out[0]->As<X>();
  std::array<const Shape*, 2> shapes{&a.in[0]->shape, &a.in[1]->shape};
  ForEachBroadcast(a.out[0]->shape, shapes, [&](int64_t i, const auto& k) {
    double v = std::pow(static_cast<double>(x[k[0]]), static_cast<double>(y[k[1]]));
    if constexpr (std::is_integral_v<X>) {
      o[i] = std::isfinite(v) && std::fabs(v) < 9.2e18 ? static_cast<X>(v) : 0;
    } else {
      o[i] = static_cast<X>(v);
    }
  });
}

Status RunPow(const NodeArgs& a) {
  bool xf = a.in[0]->dtype == DType::kFloat;
  bool yf = a.in[1]->dtype == DType::kFloat;
  if (xf && yf) RunPowT<float, float>(a);
  if (xf && !yf) RunPowT<float, int64_t>(a);
  if (!xf && yf) RunPowT<int64_t, float>(a);
  if (!xf && !yf) RunPowT<int64_t, int64_t>(a);
  return Status::Ok();
}

enum class Un { kAbs, kNeg, kSqrt, kExp, kLog, kRelu, kSigmoid, kTanh, kFloor, kCeil, kRecip };

template <Un op>
Status InferUnary(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {}));
  const Tensor& x = *a.in[0];
  bool int_ok = op == Un::kAbs || op == Un::kNeg || op == Un::kRelu;
  if (x.dtype == DType::kBool || (x.dtype == DType::kInt64 && !int_ok)) {
    return NodeError(a, "input type not supported");
  }
  a.out[0]->dtype = x.dtype;
  a.out[0]->shape = x.shape;
  return Status::Ok();
}

template <Un op, typename T>
void RunUnaryT(const T* x, T* o, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    T v = x[i];
    if constexpr (op == Un::kAbs) o[i] = v < 0 ? static_cast<T>(-v) : v;
    if constexpr (op == Un::kNeg) o[i] = static_cast<T>(-v);
    if constexpr (op == Un::kRelu) o[i] = v > 0 ? v : T{0};
    if constexpr (op == Un::kSqrt) o[i] = std::sqrt(v);
    if constexpr (op == Un::kExp) o[i] = std::exp(v);
    if constexpr (op == Un::kLog) o[i] = std::log(v);
    if constexpr (op == Un::kSigmoid) o[i] = 1.0f / (1.0f + std::exp(-v));
    if constexpr (op == Un::kTanh) o[i] = std::tanh(v);
    if constexpr (op == Un::kFloor) o[i] = std::floor(v);
    if constexpr (op == Un::kCeil) o[i] = std::ceil(v);
    if constexpr (op == Un::kRecip) o[i] = 1.0f / v;
  }
}

template <Un op>
Status RunUnary(const NodeArgs& a) {
  int64_t n = a.out[0]->shape.Count();
  if (a.in[0]->dtype == DType::kFloat) {
    RunUnaryT<op>(a.in[0]->As<float>(), a.out[0]->As<float>(), n);
  } else if constexpr (op == Un::kAbs || op == Un::kNeg || op == Un::kRelu) {
    RunUnaryT<op>(a.in[0]->As<int64_t>(), a.out[0]->As<int64_t>(), n);
  }
  return Status::Ok();
}

Status InferWhere(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {}));
  if (a.in[0]->dtype != DType::kBool) return NodeError(a, "condition must be bool");
  if (a.in[1]->dtype != a.in[2]->dtype) return NodeError(a, "X and Y types differ");
  std::array<const Shape*, 3> shapes{&a.in[0]->shape, &a.in[1]->shape, &a.in[2]->shape};
  EL_RETURN_IF_ERROR(BroadcastShapes(a, shapes, &a.out[0]->shape));
  a.out[0]->dtype = a.in[1]->dtype;
  return Status::Ok();
}

template <typename T>
void RunWhereT(const NodeArgs& a) {
  const bool* c = a.in[0]->As<bool>();
  const T* x = a.in[1]->As<T>();
  const T* y = a.in[2]->As<T>();
  T* o = a.out[0]->As<T>();
  std::array<const Shape*, 3> shapes{&a.in[0]->shape, &a.in[1]->shape, &a.in[2]->shape};
  ForEachBroadcast(a.out[0]->shape, shapes,
                   [&](int64_t i, const auto& k) { o[i] = c[k[0]] ? x[k[1]] : y[k[2]]; });
}

Status RunWhere(const NodeArgs& a) {
  switch (a.in[1]->dtype) {
    case DType::kFloat:
      RunWhereT<float>(a);
      break;
    case DType::kInt64:
      RunWhereT<int64_t>(a);
      break;
    case DType::kBool:
      RunWhereT<bool>(a);
      break;
    case DType::kUint8:
      RunWhereT<uint8_t>(a);
      break;
    case DType::kInt8:
      RunWhereT<int8_t>(a);
      break;
    case DType::kInt32:
      RunWhereT<int32_t>(a);
      break;
  }
  return Status::Ok();
}

Status InferClip(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, a.opset < 11
                                       ? std::initializer_list<std::string_view>{"min", "max"}
                                       : std::initializer_list<std::string_view>{}));
  if (a.in[0]->dtype != DType::kFloat) return NodeError(a, "only float input supported");
  for (size_t i = 1; i < a.in.size(); ++i) {
    if (a.in[i] && (a.in[i]->dtype != DType::kFloat || a.in[i]->shape.rank != 0)) {
      return NodeError(a, "min and max must be float scalars");
    }
  }
  a.out[0]->dtype = DType::kFloat;
  a.out[0]->shape = a.in[0]->shape;
  return Status::Ok();
}

Status RunClip(const NodeArgs& a) {
  float lo = -std::numeric_limits<float>::infinity();
  float hi = std::numeric_limits<float>::infinity();
  if (a.opset < 11) {
    lo = AttrFloat(a, "min", lo);
    hi = AttrFloat(a, "max", hi);
  } else {
    if (a.in.size() > 1 && a.in[1]) lo = *a.in[1]->As<float>();
    if (a.in.size() > 2 && a.in[2]) hi = *a.in[2]->As<float>();
  }
  const float* x = a.in[0]->As<float>();
  float* o = a.out[0]->As<float>();
  int64_t n = a.out[0]->shape.Count();
  for (int64_t i = 0; i < n; ++i) o[i] = std::isnan(x[i]) ? x[i] : std::min(std::max(x[i], lo), hi);
  return Status::Ok();
}

}  // namespace

void RegisterElementwiseOps(RegisterFn reg) {
  reg("Add", {&InferBinary<Bin::kAdd>, &RunBinary<Bin::kAdd>, 2, 2, 1, true});
  reg("Sub", {&InferBinary<Bin::kSub>, &RunBinary<Bin::kSub>, 2, 2, 1, true});
  reg("Mul", {&InferBinary<Bin::kMul>, &RunBinary<Bin::kMul>, 2, 2, 1, true});
  reg("Div", {&InferBinary<Bin::kDiv>, &RunBinary<Bin::kDiv>, 2, 2, 1, true});
  reg("Pow", {&InferPow, &RunPow, 2, 2, 1});
  reg("LessOrEqual", {&InferBinary<Bin::kLessEq>, &RunBinary<Bin::kLessEq>, 2, 2, 1, true});
  reg("GreaterOrEqual",
      {&InferBinary<Bin::kGreaterEq>, &RunBinary<Bin::kGreaterEq>, 2, 2, 1, true});
  reg("And", {&InferBinary<Bin::kAnd>, &RunBinary<Bin::kAnd>, 2, 2, 1, true});
  reg("Or", {&InferBinary<Bin::kOr>, &RunBinary<Bin::kOr>, 2, 2, 1, true});
  reg("Xor", {&InferBinary<Bin::kXor>, &RunBinary<Bin::kXor>, 2, 2, 1, true});
  reg("Less", {&InferBinary<Bin::kLess>, &RunBinary<Bin::kLess>, 2, 2, 1, true});
  reg("Greater", {&InferBinary<Bin::kGreater>, &RunBinary<Bin::kGreater>, 2, 2, 1, true});
  reg("Equal", {&InferBinary<Bin::kEqual>, &RunBinary<Bin::kEqual>, 2, 2, 1, true});
  reg("Where", {&InferWhere, &RunWhere, 3, 3, 1, true});  // selects, any element type
  reg("Abs", {&InferUnary<Un::kAbs>, &RunUnary<Un::kAbs>, 1, 1, 1});
  reg("Neg", {&InferUnary<Un::kNeg>, &RunUnary<Un::kNeg>, 1, 1, 1});
  reg("Sqrt", {&InferUnary<Un::kSqrt>, &RunUnary<Un::kSqrt>, 1, 1, 1});
  reg("Exp", {&InferUnary<Un::kExp>, &RunUnary<Un::kExp>, 1, 1, 1});
  reg("Log", {&InferUnary<Un::kLog>, &RunUnary<Un::kLog>, 1, 1, 1});
  reg("Relu", {&InferUnary<Un::kRelu>, &RunUnary<Un::kRelu>, 1, 1, 1});
  reg("Sigmoid", {&InferUnary<Un::kSigmoid>, &RunUnary<Un::kSigmoid>, 1, 1, 1});
  reg("Tanh", {&InferUnary<Un::kTanh>, &RunUnary<Un::kTanh>, 1, 1, 1});
  reg("Floor", {&InferUnary<Un::kFloor>, &RunUnary<Un::kFloor>, 1, 1, 1});
  reg("Ceil", {&InferUnary<Un::kCeil>, &RunUnary<Un::kCeil>, 1, 1, 1});
  reg("Reciprocal", {&InferUnary<Un::kRecip>, &RunUnary<Un::kRecip>, 1, 1, 1});
  reg("Clip", {&InferClip, &RunClip, 1, 3, 1});
}

}  // namespace edgeloop::model
