// Less common elementwise and indexing operators: Round, IsNaN, IsInf, Mod, Hardmax, CumSum,
// Trilu, GatherElements.
#include <cmath>
#include <cstring>
#include <limits>

#include "model/broadcast.h"
#include "model/ops.h"

namespace edgeloop::model {
namespace {

Status RequireFloatSame(const NodeArgs& a, DType out) {
  if (a.in[0]->dtype != DType::kFloat) return NodeError(a, "only float input supported");
  a.out[0]->dtype = out;
  a.out[0]->shape = a.in[0]->shape;
  return Status::Ok();
}

Status InferRound(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {}));
  return RequireFloatSame(a, DType::kFloat);
}

Status RunRound(const NodeArgs& a) {
  for (int64_t i = 0; i < a.out[0]->shape.Count(); ++i) {
    a.out[0]->As<float>()[i] = std::nearbyint(a.in[0]->As<float>()[i]);  // half to even
  }
  return Status::Ok();
}

Status InferIsNaN(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {}));
  return RequireFloatSame(a, DType::kBool);
}

Status RunIsNaN(const NodeArgs& a) {
  for (int64_t i = 0; i < a.out[0]->shape.Count(); ++i) {
    a.out[0]->As<bool>()[i] = std::isnan(a.in[0]->As<float>()[i]);
  }
  return Status::Ok();
}

Status InferIsInf(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {"detect_negative", "detect_positive"}));
  return RequireFloatSame(a, DType::kBool);
}

Status RunIsInf(const NodeArgs& a) {
  const bool neg = AttrInt(a, "detect_negative", 1) != 0;
  const bool pos = AttrInt(a, "detect_positive", 1) != 0;
  for (int64_t i = 0; i < a.out[0]->shape.Count(); ++i) {
    float v = a.in[0]->As<float>()[i];
    a.out[0]->As<bool>()[i] = std::isinf(v) && ((v > 0 && pos) || (v < 0 && neg));
  }
  return Status::Ok();
}

Status InferMod(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {"fmod"}));
  const DType t = a.in[0]->dtype;
  if (t != a.in[1]->dtype || t == DType::kBool) return NodeError(a, "input types not supported");
  if (t == DType::kFloat && AttrInt(a, "fmod", 0) == 0)
    return NodeError(a, "float Mod needs fmod=1");
  std::array<const Shape*, 2> shapes{&a.in[0]->shape, &a.in[1]->shape};
  EL_RETURN_IF_ERROR(BroadcastShapes(a, shapes, &a.out[0]->shape));
  a.out[0]->dtype = t;
  return Status::Ok();
}

Status RunMod(const NodeArgs& a) {
  std::array<const Shape*, 2> shapes{&a.in[0]->shape, &a.in[1]->shape};
  bool zero = false;
  if (a.in[0]->dtype == DType::kFloat) {
    const float *x = a.in[0]->As<float>(), *y = a.in[1]->As<float>();
    float* o = a.out[0]->As<float>();
    ForEachBroadcast(a.out[0]->shape, shapes,
                     [&](int64_t i, const auto& k) { o[i] = std::fmod(x[k[0]], y[k[1]]); });
  } else {
    const bool c_style = AttrInt(a, "fmod", 0) != 0;
    const int64_t *x = a.in[0]->As<int64_t>(), *y = a.in[1]->As<int64_t>();
    int64_t* o = a.out[0]->As<int64_t>();
    ForEachBroadcast(a.out[0]->shape, shapes, [&](int64_t i, const auto& k) {
      const int64_t p = x[k[0]], q = y[k[1]];
      if (q == 0 || (q == -1 && p == std::numeric_limits<int64_t>::min())) {
        zero = zero || q == 0;
        o[i] = 0;
        return;
      }
      int64_t r = p % q;
      if (!c_style && r != 0 && ((r < 0) != (q < 0))) r += q;  // sign of the divisor
      o[i] = r;
    });
  }
  if (zero) return NodeError(a, "integer modulo by zero");
  return Status::Ok();
}

// Hardmax: 1 at the first maximum along `axis` (opset 13; before: coerced to 2-D at axis).
Status InferHardmax(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {"axis"}));
  EL_RETURN_IF_ERROR(SoftmaxAxisSplit(a).status());  // validates the axis
  return RequireFloatSame(a, DType::kFloat);
}

Status RunHardmax(const NodeArgs& a) {
  EL_ASSIGN_OR_RETURN(const AxisSplit split, SoftmaxAxisSplit(a));
  const auto [outer, n, inner] = split;
  const float* x = a.in[0]->As<float>();
  float* o = a.out[0]->As<float>();
  for (int64_t b = 0; b < outer; ++b) {
    for (int64_t c = 0; c < inner; ++c) {
      const int64_t base = b * n * inner + c;
      int64_t best = 0;
      for (int64_t i = 0; i < n; ++i) {
        if (x[base + i * inner] > x[base + best * inner]) best = i;
        o[base + i * inner] = 0;
      }
      if (n > 0) o[base + best * inner] = 1;
    }
  }
  return Status::Ok();
}

Status InferCumSum(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {"exclusive", "reverse"}));
  const Tensor& ax = *a.in[1];
  if (ax.dtype != DType::kInt64 || ax.shape.Count() != 1 || ax.shape.rank > 1) {
    return NodeError(a, "axis must be an int64 scalar");
  }
  if (a.in[0]->dtype == DType::kBool) return NodeError(a, "bool input not supported");
  if (ax.data) {
    int axis = 0;
    EL_RETURN_IF_ERROR(NormalizeAxis(a, *ax.As<int64_t>(), a.in[0]->shape.rank, &axis));
  }
  a.out[0]->dtype = a.in[0]->dtype;
  a.out[0]->shape = a.in[0]->shape;
  return Status::Ok();
}

template <typename T>
void CumSumT(const NodeArgs& a, int axis) {
  const Shape& s = a.in[0]->shape;
  int64_t outer = 1, inner = 1, n = s[axis];
  for (int i = 0; i < axis; ++i) outer *= s[i];
  for (int i = axis + 1; i < s.rank; ++i) inner *= s[i];
  const bool excl = AttrInt(a, "exclusive", 0) != 0, rev = AttrInt(a, "reverse", 0) != 0;
  const T* x = a.in[0]->As<T>();
  T* o = a.out[0]->As<T>();
  for (int64_t b = 0; b < outer; ++b) {
    for (int64_t c = 0; c < inner; ++c) {
      T acc = 0;
      for (int64_t j = 0; j < n; ++j) {
        const int64_t i = b * n * inner + (rev ? n - 1 - j : j) * inner + c;
        if (excl) o[i] = acc;
        acc = static_cast<T>(acc + x[i]);
        if (!excl) o[i] = acc;
      }
    }
  }
}

Status RunCumSum(const NodeArgs& a) {
  int axis = 0;
  EL_RETURN_IF_ERROR(NormalizeAxis(a, *a.in[1]->As<int64_t>(), a.in[0]->shape.rank, &axis));
  if (a.in[0]->dtype == DType::kFloat) {
    CumSumT<float>(a, axis);
  } else {
    CumSumT<int64_t>(a, axis);
  }
  return Status::Ok();
}

Status InferGatherElements(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {"axis"}));
  const Shape& d = a.in[0]->shape;
  const Shape& idx = a.in[1]->shape;
  if (a.in[1]->dtype != DType::kInt64) return NodeError(a, "indices must be int64");
  int axis = 0;
  EL_RETURN_IF_ERROR(NormalizeAxis(a, AttrInt(a, "axis", 0), d.rank, &axis));
  if (idx.rank != d.rank) return NodeError(a, "indices must have the rank of data");
  a.out[0]->dtype = a.in[0]->dtype;
  a.out[0]->shape = idx;
  return Status::Ok();
}

Status RunGatherElements(const NodeArgs& a) {
  const Shape& d = a.in[0]->shape;
  const Shape& idx = a.in[1]->shape;
  int axis = 0;
  EL_RETURN_IF_ERROR(NormalizeAxis(a, AttrInt(a, "axis", 0), d.rank, &axis));
  std::array<int64_t, kMaxRank> stride{};
  int64_t s = 1;
  for (int i = d.rank - 1; i >= 0; --i) {
    stride[static_cast<size_t>(i)] = s;
    s *= d[i];
  }
  const size_t es = DTypeSize(a.in[0]->dtype);
  const auto* x = static_cast<const unsigned char*>(a.in[0]->data);
  auto* o = static_cast<unsigned char*>(a.out[0]->data);
  const int64_t* ix = a.in[1]->As<int64_t>();
  std::array<int64_t, kMaxRank> pos{};
  for (int64_t i = 0; i < idx.Count(); ++i) {
    int64_t src = 0;
    for (int k = 0; k < d.rank; ++k) {
      int64_t p = pos[static_cast<size_t>(k)];
      if (k == axis) {
        p = ix[i] < 0 ? ix[i] + d[k] : ix[i];
        if (p < 0 || p >= d[k]) return NodeError(a, "index out of range");
      } else if (p >= d[k]) {
        return NodeError(a, "indices larger than data");
      }
      src += p * stride[static_cast<size_t>(k)];
    }
    std::memcpy(o + static_cast<size_t>(i) * es, x + static_cast<size_t>(src) * es, es);
    for (int k = d.rank - 1; k >= 0; --k) {
      if (++pos[static_cast<size_t>(k)] < idx[k]) break;
      pos[static_cast<size_t>(k)] = 0;
    }
  }
  return Status::Ok();
}

// Trilu: keeps the upper (j - i >= k) or lower (j - i <= k) triangle of the last two dims.
Status InferTrilu(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {"upper"}));
  if (a.in[0]->shape.rank < 2) return NodeError(a, "input must have rank >= 2");
  if (a.in.size() > 1 && a.in[1] &&
      (a.in[1]->dtype != DType::kInt64 || a.in[1]->shape.Count() != 1)) {
    return NodeError(a, "k must be an int64 scalar");
  }
  a.out[0]->dtype = a.in[0]->dtype;
  a.out[0]->shape = a.in[0]->shape;
  return Status::Ok();
}

Status RunTrilu(const NodeArgs& a) {
  const Shape& s = a.in[0]->shape;
  const int64_t k = a.in.size() > 1 && a.in[1] ? *a.in[1]->As<int64_t>() : 0;
  const bool upper = AttrInt(a, "upper", 1) != 0;
  const int64_t rows = s[s.rank - 2], cols = s[s.rank - 1];
  const size_t es = DTypeSize(a.in[0]->dtype);
  const auto* x = static_cast<const unsigned char*>(a.in[0]->data);
  auto* o = static_cast<unsigned char*>(a.out[0]->data);
  const int64_t n = s.Count();
  for (int64_t e = 0; e < n; ++e) {
    const int64_t i = (e / cols) % rows, j = e % cols;
    const bool keep = upper ? j - i >= k : j - i <= k;
    const size_t off = static_cast<size_t>(e) * es;
    if (keep) {
      std::memcpy(o + off, x + off, es);
    } else {
      std::memset(o + off, 0, es);
    }
  }
  return Status::Ok();
}

}  // namespace

void RegisterExtraOps(RegisterFn reg) {
  reg("Round", {&InferRound, &RunRound, 1, 1, 1});
  reg("IsNaN", {&InferIsNaN, &RunIsNaN, 1, 1, 1});
  reg("IsInf", {&InferIsInf, &RunIsInf, 1, 1, 1});
  reg("Mod", {&InferMod, &RunMod, 2, 2, 1});
  reg("Hardmax", {&InferHardmax, &RunHardmax, 1, 1, 1});
  reg("CumSum", {&InferCumSum, &RunCumSum, 2, 2, 1});
  reg("Trilu", {&InferTrilu, &RunTrilu, 1, 2, 1, true});  // copies by element size
  reg("GatherElements", {&InferGatherElements, &RunGatherElements, 2, 2, 1, true});
}

}  // namespace edgeloop::model
