// Shape and data-movement operators: Identity, Cast, Reshape, Flatten, Squeeze, Unsqueeze,
// Transpose, Concat and Split.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "model/ops.h"

namespace edgeloop::model {
namespace {

size_t Bytes(const Tensor& t) { return static_cast<size_t>(t.shape.Count()) * DTypeSize(t.dtype); }

Status RunCopy(const NodeArgs& a) {
  if (Bytes(*a.in[0]) > 0) std::memcpy(a.out[0]->data, a.in[0]->data, Bytes(*a.in[0]));
  return Status::Ok();
}

Status InferIdentity(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {}));
  a.out[0]->dtype = a.in[0]->dtype;
  a.out[0]->shape = a.in[0]->shape;
  return Status::Ok();
}

Status InferCast(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {"to"}));
  auto to = static_cast<int32_t>(AttrInt(a, "to", 0));
  if (!IsSupportedDType(to)) return NodeError(a, "cast to " + DTypeName(to) + " not supported");
  a.out[0]->dtype = static_cast<DType>(to);
  a.out[0]->shape = a.in[0]->shape;
  return Status::Ok();
}

// Calls f(T{}) with the C++ type of `t`.
template <typename F>
void VisitDType(DType t, F&& f) {
  switch (t) {
    case DType::kFloat:
      return f(float{});
    case DType::kUint8:
      return f(uint8_t{});
    case DType::kInt8:
      return f(int8_t{});
    case DType::kInt32:
      return f(int32_t{});
    case DType::kInt64:
      return f(int64_t{});
    case DType::kBool:
      return f(bool{});
  }
}

// ONNX Cast: float to integer truncates toward zero; integers narrow by wrapping (two's
// complement, like numpy's astype); anything to bool is "!= 0".
template <typename From, typename To>
To CastValue(From v) {
  if constexpr (std::is_same_v<To, bool>) {
    return v != From{0};
  } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    // NaN and out-of-range values are undefined in ONNX; clamp instead of invoking UB.
    constexpr double kLo = static_cast<double>(std::numeric_limits<To>::min());
    constexpr double kHi = static_cast<double>(std::numeric_limits<To>::max());
    const double d = v;
    if (std::isnan(d)) return To{0};
    if (d <= kLo) return std::numeric_limits<To>::min();
    if (d >= kHi) return std::numeric_limits<To>::max();
    return static_cast<To>(d);
  } else {
    return static_cast<To>(v);
  }
}

Status RunCast(const NodeArgs& a) {
  const int64_t n = a.in[0]->shape.Count();
  VisitDType(a.in[0]->dtype, [&](auto from) {
    using From = decltype(from);
    VisitDType(a.out[0]->dtype, [&](auto to) {
      using To = decltype(to);
      const From* x = a.in[0]->As<From>();
      To* o = a.out[0]->As<To>();
      for (int64_t i = 0; i < n; ++i) o[i] = CastValue<From, To>(x[i]);
    });
  });
  return Status::Ok();
}

Status InferReshape(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {"allowzero"}));
  const Tensor& shape = *a.in[1];
  if (shape.dtype != DType::kInt64 || shape.shape.rank != 1) {
    return NodeError(a, "shape must be a 1-D int64 tensor");
  }
  if (shape.shape[0] > kMaxRank) return NodeError(a, "target rank above 8 not supported");
  if (!shape.data) return Status(kNeedsValue, "shape not known before run");
  const Shape& in = a.in[0]->shape;
  bool allowzero = AttrInt(a, "allowzero", 0) != 0;
  Shape& out = a.out[0]->shape;
  out.rank = static_cast<int>(shape.shape[0]);
  int infer_at = -1;
  int64_t known = 1;
  for (int i = 0; i < out.rank; ++i) {
    int64_t d = shape.As<int64_t>()[i];
    if (d == 0 && !allowzero) {
      if (i >= in.rank) return NodeError(a, "0 in shape beyond the input's rank");
      d = in[i];
    }
    if (d == -1) {
      if (infer_at >= 0) return NodeError(a, "more than one -1 in shape");
      infer_at = i;
      d = 1;
    } else if (d < 0 || d > kMaxTensorElements) {
      return NodeError(a, "invalid dim " + std::to_string(d) + " in shape");
    }
    out[i] = d;
    known *= d;
    if (known > kMaxTensorElements) return NodeError(a, "shape too large");
  }
  int64_t total = in.Count();
  if (infer_at >= 0) {
    if (known == 0 || total % known != 0) {
      return NodeError(a, "cannot reshape " + ShapeString(in) + " with a -1 dim");
    }
    out[infer_at] = total / known;
  } else if (known != total) {
    return NodeError(a, "cannot reshape " + ShapeString(in) + " to " + ShapeString(out));
  }
  a.out[0]->dtype = a.in[0]->dtype;
  return Status::Ok();
}

Status InferFlatten(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {"axis"}));
  const Shape& in = a.in[0]->shape;
  int64_t axis = AttrInt(a, "axis", 1);
  if (axis < -in.rank || axis > in.rank) return NodeError(a, "axis out of range");
  if (axis < 0) axis += in.rank;
  Shape& out = a.out[0]->shape;
  out.rank = 2;
  out[0] = 1;
  out[1] = 1;
  for (int i = 0; i < in.rank; ++i) out[i < axis ? 0 : 1] *= in[i];
  a.out[0]->dtype = a.in[0]->dtype;
  return Status::Ok();
}

// Squeeze/Unsqueeze: axes from the attribute before opset 13, from input 1 since.
template <bool kUnsqueeze>
Status InferSqueeze(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(a.opset < 13 ? CheckAttrs(a, {"axes"}) : CheckAttrs(a, {}));
  const Shape& in = a.in[0]->shape;
  std::array<int64_t, kMaxRank> axes{};
  int n = 0;
  if (a.opset < 13) {
    const auto* attr = FindAttr(a, "axes");
    if (attr) {
      if (attr->ints_size() > kMaxRank) return NodeError(a, "too many axes");
      for (int64_t v : attr->ints()) axes[static_cast<size_t>(n++)] = v;
    }
  } else if (a.in.size() > 1 && a.in[1]) {
    const Tensor& t = *a.in[1];
    if (t.dtype != DType::kInt64 || t.shape.rank != 1 || t.shape[0] > kMaxRank) {
      return NodeError(a, "axes must be a 1-D int64 tensor");
    }
    if (!t.data) return Status(kNeedsValue, "axes not known before run");
    for (int64_t i = 0; i < t.shape[0]; ++i) axes[static_cast<size_t>(n++)] = t.As<int64_t>()[i];
  }
  const int out_rank = kUnsqueeze ? in.rank + n : in.rank;
  if (out_rank > kMaxRank) return NodeError(a, "rank above 8 not supported");
  if (kUnsqueeze && n == 0) return NodeError(a, "Unsqueeze needs axes");
  std::array<bool, kMaxRank> mask{};
  for (int i = 0; i < n; ++i) {
    int ax = 0;
    EL_RETURN_IF_ERROR(NormalizeAxis(a, axes[static_cast<size_t>(i)], out_rank, &ax));
    if (mask[static_cast<size_t>(ax)]) return NodeError(a, "repeated axis");
    mask[static_cast<size_t>(ax)] = true;
  }
  Shape& out = a.out[0]->shape;
  out.rank = 0;
  int j = 0;
  for (int i = 0; i < out_rank; ++i) {
    bool m = mask[static_cast<size_t>(i)];
    if (kUnsqueeze) {
      out[out.rank++] = m ? 1 : in[j++];
    } else if ((n == 0 && in[i] == 1) || (m && in[i] == 1)) {
      continue;
    } else if (m) {
      return NodeError(a, "cannot squeeze a dim that is not 1");
    } else {
      out[out.rank++] = in[i];
    }
  }
  a.out[0]->dtype = a.in[0]->dtype;
  return Status::Ok();
}

Status GetPerm(const NodeArgs& a, std::array<int, kMaxRank>* perm) {
  const int rank = a.in[0]->shape.rank;
  const auto* attr = FindAttr(a, "perm");
  std::array<bool, kMaxRank> seen{};
  for (int i = 0; i < rank; ++i) {
    int64_t p = attr ? (i < attr->ints_size() ? attr->ints(i) : -1) : rank - 1 - i;
    if (!attr || attr->ints_size() == rank) {
      if (p >= 0 && p < rank && !seen[static_cast<size_t>(p)]) {
        seen[static_cast<size_t>(p)] = true;
        (*perm)[static_cast<size_t>(i)] = static_cast<int>(p);
        continue;
      }
    }
    return NodeError(a, "perm is not a permutation of the input's dims");
  }
  return Status::Ok();
}

Status InferTranspose(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {"perm"}));
  std::array<int, kMaxRank> perm{};
  EL_RETURN_IF_ERROR(GetPerm(a, &perm));
  const Shape& in = a.in[0]->shape;
  Shape& out = a.out[0]->shape;
  out.rank = in.rank;
  for (int i = 0; i < in.rank; ++i) out[i] = in[perm[static_cast<size_t>(i)]];
  a.out[0]->dtype = a.in[0]->dtype;
  return Status::Ok();
}

Status RunTranspose(const NodeArgs& a) {
  std::array<int, kMaxRank> perm{};
  EL_RETURN_IF_ERROR(GetPerm(a, &perm));
  const Shape& in = a.in[0]->shape;
  const Shape& out = a.out[0]->shape;
  std::array<int64_t, kMaxRank> in_stride{}, stride{};  // input stride per output dim
  int64_t s = 1;
  for (int i = in.rank - 1; i >= 0; --i) {
    in_stride[static_cast<size_t>(i)] = s;
    s *= in[i];
  }
  for (int i = 0; i < out.rank; ++i) {
    stride[static_cast<size_t>(i)] = in_stride[static_cast<size_t>(perm[static_cast<size_t>(i)])];
  }
  const size_t es = DTypeSize(a.in[0]->dtype);
  const auto* x = static_cast<const unsigned char*>(a.in[0]->data);
  auto* o = static_cast<unsigned char*>(a.out[0]->data);
  const int64_t n = out.Count();
  std::array<int64_t, kMaxRank> pos{};
  int64_t src = 0;
  for (int64_t i = 0; i < n; ++i) {
    std::memcpy(o + static_cast<size_t>(i) * es, x + static_cast<size_t>(src) * es, es);
    for (int d = out.rank - 1; d >= 0; --d) {
      auto du = static_cast<size_t>(d);
      ++pos[du];
      src += stride[du];
      if (pos[du] < out[d]) break;
      src -= stride[du] * pos[du];
      pos[du] = 0;
    }
  }
  return Status::Ok();
}

Status InferConcat(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {"axis"}));
  const Tensor& first = *a.in[0];
  int axis = 0;
  EL_RETURN_IF_ERROR(NormalizeAxis(a, AttrInt(a, "axis", 0), first.shape.rank, &axis));
  Shape out = first.shape;
  for (size_t k = 1; k < a.in.size(); ++k) {
    if (!a.in[k]) return NodeError(a, "empty input names not allowed");
    const Tensor& t = *a.in[k];
    bool ok = t.dtype == first.dtype && t.shape.rank == first.shape.rank;
    for (int i = 0; ok && i < out.rank; ++i) ok = i == axis || t.shape[i] == out[i];
    if (!ok) {
      return NodeError(a, "shapes " + ShapeString(first.shape) + " and " + ShapeString(t.shape) +
                              " do not match");
    }
    out[axis] += t.shape[axis];
  }
  a.out[0]->shape = out;
  a.out[0]->dtype = first.dtype;
  return Status::Ok();
}

Status RunConcat(const NodeArgs& a) {
  int axis = 0;
  EL_RETURN_IF_ERROR(NormalizeAxis(a, AttrInt(a, "axis", 0), a.in[0]->shape.rank, &axis));
  const Shape& out = a.out[0]->shape;
  const size_t es = DTypeSize(a.out[0]->dtype);
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= out[i];
  for (int i = axis + 1; i < out.rank; ++i) inner *= out[i];
  auto* o = static_cast<unsigned char*>(a.out[0]->data);
  const size_t out_row = static_cast<size_t>(out[axis] * inner) * es;
  size_t offset = 0;
  for (Tensor* t : a.in) {
    const size_t row = static_cast<size_t>(t->shape[axis] * inner) * es;
    const auto* x = static_cast<const unsigned char*>(t->data);
    for (int64_t b = 0; b < outer && row > 0; ++b) {
      std::memcpy(o + static_cast<size_t>(b) * out_row + offset, x + static_cast<size_t>(b) * row,
                  row);
    }
    offset += row;
  }
  return Status::Ok();
}

// Split along `axis` into the node's outputs: sizes from the `split` input (opset 13) or
// attribute (before), else equal parts.
Status SplitSizes(const NodeArgs& a, int* axis, std::span<int64_t> sizes) {
  const Shape& in = a.in[0]->shape;
  EL_RETURN_IF_ERROR(NormalizeAxis(a, AttrInt(a, "axis", 0), in.rank, axis));
  const auto n = static_cast<int64_t>(sizes.size());
  int64_t total = 0;
  if (a.opset < 13 && FindAttr(a, "split")) {
    const auto* attr = FindAttr(a, "split");
    if (attr->ints_size() != n) return NodeError(a, "split has the wrong length");
    for (int64_t i = 0; i < n; ++i) sizes[static_cast<size_t>(i)] = attr->ints(static_cast<int>(i));
  } else if (a.opset >= 13 && a.in.size() > 1 && a.in[1]) {
    const Tensor& t = *a.in[1];
    if (t.dtype != DType::kInt64 || t.shape.rank != 1 || t.shape[0] != n) {
      return NodeError(a, "split must be a 1-D int64 tensor with one size per output");
    }
    if (!t.data) return Status(kNeedsValue, "split not known before run");
    for (int64_t i = 0; i < n; ++i) sizes[static_cast<size_t>(i)] = t.As<int64_t>()[i];
  } else {
    if (in[*axis] % n != 0) return NodeError(a, "dim not divisible by the number of outputs");
    for (auto& v : sizes) v = in[*axis] / n;
  }
  for (int64_t v : sizes) {
    if (v < 0) return NodeError(a, "negative split size");
    total += v;
  }
  if (total != in[*axis]) return NodeError(a, "split sizes do not add up to the dim");
  return Status::Ok();
}

constexpr size_t kMaxSplit = 64;

Status InferSplit(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(a.opset < 13 ? CheckAttrs(a, {"axis", "split"}) : CheckAttrs(a, {"axis"}));
  if (a.out.size() > kMaxSplit) return NodeError(a, "more than 64 outputs");
  std::array<int64_t, kMaxSplit> sizes{};
  int axis = 0;
  EL_RETURN_IF_ERROR(SplitSizes(a, &axis, std::span<int64_t>(sizes.data(), a.out.size())));
  for (size_t o = 0; o < a.out.size(); ++o) {
    a.out[o]->dtype = a.in[0]->dtype;
    a.out[o]->shape = a.in[0]->shape;
    a.out[o]->shape[axis] = sizes[o];
  }
  return Status::Ok();
}

Status RunSplit(const NodeArgs& a) {
  std::array<int64_t, kMaxSplit> sizes{};
  int axis = 0;
  EL_RETURN_IF_ERROR(SplitSizes(a, &axis, std::span<int64_t>(sizes.data(), a.out.size())));
  const Shape& in = a.in[0]->shape;
  const size_t es = DTypeSize(a.in[0]->dtype);
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= in[i];
  for (int i = axis + 1; i < in.rank; ++i) inner *= in[i];
  const auto* x = static_cast<const unsigned char*>(a.in[0]->data);
  const size_t in_row = static_cast<size_t>(in[axis] * inner) * es;
  size_t offset = 0;
  for (size_t o = 0; o < a.out.size(); ++o) {
    const size_t row = static_cast<size_t>(sizes[o] * inner) * es;
    auto* out = static_cast<unsigned char*>(a.out[o]->data);
    for (int64_t b = 0; b < outer && row > 0; ++b) {
      std::memcpy(out + static_cast<size_t>(b) * row, x + static_cast<size_t>(b) * in_row + offset,
                  row);
    }
    offset += row;
  }
  return Status::Ok();
}

}  // namespace

void RegisterShapeOps(RegisterFn reg) {
  constexpr int kMany = 1 << 16;
  // All of these move bytes by element size, so they take the quantized types too.
  reg("Identity", {&InferIdentity, &RunCopy, 1, 1, 1, true});
  reg("Cast", {&InferCast, &RunCast, 1, 1, 1, true});
  reg("Reshape", {&InferReshape, &RunCopy, 2, 2, 1, true});
  reg("Flatten", {&InferFlatten, &RunCopy, 1, 1, 1, true});
  reg("Squeeze", {&InferSqueeze<false>, &RunCopy, 1, 2, 1, true});
  reg("Unsqueeze", {&InferSqueeze<true>, &RunCopy, 1, 2, 1, true});
  reg("Transpose", {&InferTranspose, &RunTranspose, 1, 1, 1, true});
  reg("Concat", {&InferConcat, &RunConcat, 1, kMany, 1, true});
  reg("Split", {&InferSplit, &RunSplit, 1, 2, static_cast<int>(kMaxSplit), true});
}

}  // namespace edgeloop::model
