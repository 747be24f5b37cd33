// Indexing and shape-computing operators: Shape, Size, Gather, Slice, Expand, Pad,
// ConstantOfShape.
// Operators whose output shape depends on an input's values report kNeedsValue while
// planning when that input is not a constant.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "model/broadcast.h"
#include "model/ops.h"
#include "model/tensor_proto.h"

namespace edgeloop::model {
namespace {

// Reads a 1-D int64 input of at most `max_len` values; kNeedsValue when not known yet.
Status IntVector(const NodeArgs& a, size_t i, const char* what, int64_t max_len,
                 std::span<const int64_t>* out) {
  if (i >= a.in.size() || !a.in[i]) return NodeError(a, std::string(what) + " is missing");
  const Tensor* t = a.in[i];
  if (t->dtype != DType::kInt64 || t->shape.rank != 1 || t->shape[0] > max_len) {
    return NodeError(a, std::string(what) + " must be a 1-D int64 tensor of at most " +
                            std::to_string(max_len) + " values");
  }
  if (!t->data) return Status(kNeedsValue, std::string(what) + " not known before run");
  *out = std::span<const int64_t>(t->As<int64_t>(), static_cast<size_t>(t->shape[0]));
  return Status::Ok();
}

Status InferShapeOp(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {"start", "end"}));
  const int r = a.in[0]->shape.rank;
  int64_t start = std::clamp<int64_t>(AttrInt(a, "start", 0), -r, r);
  int64_t end = std::clamp<int64_t>(AttrInt(a, "end", r), -r, r);
  if (start < 0) start += r;
  if (end < 0) end += r;
  a.out[0]->dtype = DType::kInt64;
  a.out[0]->shape.rank = 1;
  a.out[0]->shape[0] = std::max<int64_t>(0, end - start);
  return Status::Ok();
}

Status RunShapeOp(const NodeArgs& a) {
  const int r = a.in[0]->shape.rank;
  int64_t start = std::clamp<int64_t>(AttrInt(a, "start", 0), -r, r);
  if (start < 0) start += r;
  for (int64_t i = 0; i < a.out[0]->shape[0]; ++i) {
    a.out[0]->As<int64_t>()[i] = a.in[0]->shape[static_cast<int>(start + i)];
  }
  return Status::Ok();
}

Status InferSize(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {}));
  a.out[0]->dtype = DType::kInt64;
  a.out[0]->shape.rank = 0;
  return Status::Ok();
}

Status RunSize(const NodeArgs& a) {
  *a.out[0]->As<int64_t>() = a.in[0]->shape.Count();
  return Status::Ok();
}

Status InferGather(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {"axis"}));
  const Shape& data = a.in[0]->shape;
  const Shape& idx = a.in[1]->shape;
  if (a.in[1]->dtype != DType::kInt64) return NodeError(a, "indices must be int64");
  int axis = 0;
  EL_RETURN_IF_ERROR(NormalizeAxis(a, AttrInt(a, "axis", 0), data.rank, &axis));
  if (data.rank - 1 + idx.rank > kMaxRank) return NodeError(a, "output rank above 8");
  Shape& out = a.out[0]->shape;
  out.rank = 0;
  for (int i = 0; i < axis; ++i) out[out.rank++] = data[i];
  for (int i = 0; i < idx.rank; ++i) out[out.rank++] = idx[i];
  for (int i = axis + 1; i < data.rank; ++i) out[out.rank++] = data[i];
  a.out[0]->dtype = a.in[0]->dtype;
  return Status::Ok();
}

Status RunGather(const NodeArgs& a) {
  const Shape& data = a.in[0]->shape;
  int axis = 0;
  EL_RETURN_IF_ERROR(NormalizeAxis(a, AttrInt(a, "axis", 0), data.rank, &axis));
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= data[i];
  for (int i = axis + 1; i < data.rank; ++i) inner *= data[i];
  const int64_t n = data[axis];
  const int64_t m = a.in[1]->shape.Count();
  const int64_t* idx = a.in[1]->As<int64_t>();
  const size_t row = static_cast<size_t>(inner) * DTypeSize(a.in[0]->dtype);
  const auto* x = static_cast<const unsigned char*>(a.in[0]->data);
  auto* o = static_cast<unsigned char*>(a.out[0]->data);
  for (int64_t j = 0; j < m; ++j) {
    if (idx[j] < -n || idx[j] >= n) return NodeError(a, "index out of range");
  }
  for (int64_t b = 0; b < outer; ++b) {
    for (int64_t j = 0; j < m; ++j) {
      int64_t k = idx[j] < 0 ? idx[j] + n : idx[j];
      if (row > 0) {
        std::memcpy(o + static_cast<size_t>(b * m + j) * row,
                    x + static_cast<size_t>(b * n + k) * row, row);
      }
    }
  }
  return Status::Ok();
}

// Per-dim start and step of a Slice (step 0 marks "not sliced").
struct SliceSpec {
  std::array<int64_t, kMaxRank> start{}, step{};
};

Status ComputeSlice(const NodeArgs& a, SliceSpec* spec, Shape* out) {
  const Shape& in = a.in[0]->shape;
  *out = in;
  for (int d = 0; d < in.rank; ++d) {
    spec->start[static_cast<size_t>(d)] = 0;
    spec->step[static_cast<size_t>(d)] = 1;
  }
  std::span<const int64_t> starts, ends, axes, steps;
  if (a.opset < 10) {
    const auto* s = FindAttr(a, "starts");
    const auto* e = FindAttr(a, "ends");
    const auto* x = FindAttr(a, "axes");
    if (!s || !e) return NodeError(a, "starts and ends are required");
    starts = {s->ints().data(), static_cast<size_t>(s->ints_size())};
    ends = {e->ints().data(), static_cast<size_t>(e->ints_size())};
    if (x) axes = {x->ints().data(), static_cast<size_t>(x->ints_size())};
  } else {
    EL_RETURN_IF_ERROR(IntVector(a, 1, "starts", kMaxRank, &starts));
    EL_RETURN_IF_ERROR(IntVector(a, 2, "ends", kMaxRank, &ends));
    if (a.in.size() > 3 && a.in[3]) EL_RETURN_IF_ERROR(IntVector(a, 3, "axes", kMaxRank, &axes));
    if (a.in.size() > 4 && a.in[4]) EL_RETURN_IF_ERROR(IntVector(a, 4, "steps", kMaxRank, &steps));
  }
  if (starts.size() != ends.size() || (!axes.empty() && axes.size() != starts.size()) ||
      (!steps.empty() && steps.size() != starts.size())) {
    return NodeError(a, "starts, ends, axes and steps differ in length");
  }
  for (size_t i = 0; i < starts.size(); ++i) {
    int d = static_cast<int>(i);
    if (!axes.empty()) EL_RETURN_IF_ERROR(NormalizeAxis(a, axes[i], in.rank, &d));
    if (d >= in.rank) return NodeError(a, "more slices than dims");
    const int64_t n = in[d];
    const int64_t step = steps.empty() ? 1 : steps[i];
    if (step == 0) return NodeError(a, "step 0");
    auto clampi = [&](int64_t v, int64_t lo, int64_t hi) {
      if (v < 0) v = v < -n ? -1 : v + n;  // careful with INT64_MIN
      return std::clamp(v, lo, hi);
    };
    int64_t s = starts[i], e = ends[i];
    if (step > 0) {
      s = clampi(s, 0, n);
      e = clampi(e, 0, n);
    } else {
      s = clampi(s, -1, n - 1);
      e = clampi(e, -1, n - 1);
    }
    int64_t len = step > 0 ? (e > s ? (e - s + step - 1) / step : 0)
                           : (s > e ? (s - e + (-step) - 1) / (-step) : 0);
    spec->start[static_cast<size_t>(d)] = s;
    spec->step[static_cast<size_t>(d)] = step;
    (*out)[d] = len;
  }
  return Status::Ok();
}

Status InferSlice(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(a.opset < 10 ? CheckAttrs(a, {"starts", "ends", "axes"}) : CheckAttrs(a, {}));
  SliceSpec spec;
  EL_RETURN_IF_ERROR(ComputeSlice(a, &spec, &a.out[0]->shape));
  a.out[0]->dtype = a.in[0]->dtype;
  return Status::Ok();
}

Status RunSlice(const NodeArgs& a) {
  SliceSpec spec;
  Shape out;
  EL_RETURN_IF_ERROR(ComputeSlice(a, &spec, &out));
  const Shape& in = a.in[0]->shape;
  std::array<int64_t, kMaxRank> stride{};
  int64_t s = 1;
  for (int d = in.rank - 1; d >= 0; --d) {
    stride[static_cast<size_t>(d)] = s;
    s *= in[d];
  }
  const size_t es = DTypeSize(a.in[0]->dtype);
  const auto* x = static_cast<const unsigned char*>(a.in[0]->data);
  auto* o = static_cast<unsigned char*>(a.out[0]->data);
  const int64_t n = out.Count();
  std::array<int64_t, kMaxRank> pos{};
  for (int64_t i = 0; i < n; ++i) {
    int64_t src = 0;
    for (int d = 0; d < in.rank; ++d) {
      auto du = static_cast<size_t>(d);
      src += (spec.start[du] + pos[du] * spec.step[du]) * stride[du];
    }
    std::memcpy(o + static_cast<size_t>(i) * es, x + static_cast<size_t>(src) * es, es);
    for (int d = in.rank - 1; d >= 0; --d) {
      if (++pos[static_cast<size_t>(d)] < out[d]) break;
      pos[static_cast<size_t>(d)] = 0;
    }
  }
  return Status::Ok();
}

Status InferExpand(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {}));
  std::span<const int64_t> dims;
  EL_RETURN_IF_ERROR(IntVector(a, 1, "shape", kMaxRank, &dims));
  Shape target{static_cast<int>(dims.size()), {}};
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] < 0 || dims[i] > kMaxTensorElements) return NodeError(a, "invalid shape");
    target[static_cast<int>(i)] = dims[i];
  }
  std::array<const Shape*, 2> both{&a.in[0]->shape, &target};
  EL_RETURN_IF_ERROR(BroadcastShapes(a, both, &a.out[0]->shape));
  a.out[0]->dtype = a.in[0]->dtype;
  return Status::Ok();
}

Status RunExpand(const NodeArgs& a) {
  const size_t es = DTypeSize(a.in[0]->dtype);
  const auto* x = static_cast<const unsigned char*>(a.in[0]->data);
  auto* o = static_cast<unsigned char*>(a.out[0]->data);
  ForEachBroadcast(
      a.out[0]->shape, std::array<const Shape*, 1>{&a.in[0]->shape}, [&](int64_t i, const auto& k) {
        std::memcpy(o + static_cast<size_t>(i) * es, x + static_cast<size_t>(k[0]) * es, es);
      });
  return Status::Ok();
}

Status InferConstantOfShape(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {"value"}));
  std::span<const int64_t> dims;
  EL_RETURN_IF_ERROR(IntVector(a, 0, "shape", kMaxRank, &dims));
  Shape& out = a.out[0]->shape;
  out.rank = static_cast<int>(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] < 0 || dims[i] > kMaxTensorElements) return NodeError(a, "invalid shape");
    out[static_cast<int>(i)] = dims[i];
  }
  const auto* v = FindAttr(a, "value");
  int32_t type = v ? v->t().data_type() : 1;
  if (!IsSupportedDType(type)) return NodeError(a, "value of type " + DTypeName(type));
  a.out[0]->dtype = static_cast<DType>(type);
  return Status::Ok();
}

Status RunConstantOfShape(const NodeArgs& a) {
  const auto* v = FindAttr(a, "value");
  uint64_t bits = 0;
  if (v) {
    const auto& t = v->t();
    bool ok = t.has_raw_data()                   ? t.raw_data().size() == DTypeSize(a.out[0]->dtype)
              : a.out[0]->dtype == DType::kFloat ? t.float_data_size() == 1
              : a.out[0]->dtype == DType::kInt64 ? t.int64_data_size() == 1
                                                 : t.int32_data_size() == 1;
    if (!ok) return NodeError(a, "value must hold one element");
    if (t.has_raw_data()) {
      std::memcpy(&bits, t.raw_data().data(), t.raw_data().size());
    } else if (a.out[0]->dtype == DType::kFloat) {
      std::memcpy(&bits, t.float_data().data(), 4);
    } else if (a.out[0]->dtype == DType::kInt64) {
      std::memcpy(&bits, t.int64_data().data(), 8);
    } else if (a.out[0]->dtype == DType::kBool) {
      bits = t.int32_data(0) != 0 ? 1 : 0;
    } else {  // int32, int8, uint8: stored widened; the low bytes are the value (little endian)
      const int32_t v = t.int32_data(0);
      std::memcpy(&bits, &v, sizeof v);
    }
    if (a.out[0]->dtype == DType::kBool) bits = (bits & 0xff) != 0 ? 1 : 0;
  }
  const size_t es = DTypeSize(a.out[0]->dtype);
  auto* o = static_cast<unsigned char*>(a.out[0]->data);
  for (int64_t i = 0; i < a.out[0]->shape.Count(); ++i) {
    std::memcpy(o + static_cast<size_t>(i) * es, &bits, es);
  }
  return Status::Ok();
}

// Pad: pads from input 1 (opset 11) or the attribute (before), modes constant, reflect, edge.
Status PadAmounts(const NodeArgs& a, std::array<int64_t, 2 * kMaxRank>* pads) {
  const int r = a.in[0]->shape.rank;
  std::span<const int64_t> p;
  if (a.opset < 11) {
    const auto* attr = FindAttr(a, "pads");
    if (!attr) return NodeError(a, "pads is required");
    p = {attr->ints().data(), static_cast<size_t>(attr->ints_size())};
  } else {
    EL_RETURN_IF_ERROR(IntVector(a, 1, "pads", 2 * kMaxRank, &p));
  }
  if (p.size() != static_cast<size_t>(2 * r)) return NodeError(a, "pads needs 2 values per dim");
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] < -kMaxTensorElements || p[i] > kMaxTensorElements) return NodeError(a, "bad pad");
    (*pads)[i] = p[i];
  }
  return Status::Ok();
}

Status InferPad(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(a.opset < 11 ? CheckAttrs(a, {"mode", "pads", "value"})
                                  : CheckAttrs(a, {"mode"}));
  const auto* m = FindAttr(a, "mode");
  const std::string_view mode = m ? std::string_view(m->s()) : "constant";
  if (mode != "constant" && mode != "reflect" && mode != "edge") {
    return NodeError(a, "mode '" + std::string(mode) + "' not supported");
  }
  // Before opset 11 the pad value is a float attribute and Pad is defined for floats only.
  if (a.opset < 11 && a.in[0]->dtype != DType::kFloat) {
    return NodeError(a, "before opset 11 Pad takes float input only");
  }
  if (a.in.size() > 2 && a.in[2] &&
      (a.in[2]->dtype != a.in[0]->dtype || a.in[2]->shape.Count() != 1)) {
    return NodeError(a, "constant_value must be a scalar of the input's type");
  }
  std::array<int64_t, 2 * kMaxRank> pads{};
  EL_RETURN_IF_ERROR(PadAmounts(a, &pads));
  const Shape& in = a.in[0]->shape;
  Shape& out = a.out[0]->shape;
  out = in;
  for (int i = 0; i < in.rank; ++i) {
    out[i] = in[i] + pads[static_cast<size_t>(i)] + pads[static_cast<size_t>(i + in.rank)];
    if (out[i] < 0) return NodeError(a, "negative output dim");
    if (mode != "constant" && out[i] > 0 && in[i] == 0) return NodeError(a, "cannot pad empty dim");
    const int64_t pb = pads[static_cast<size_t>(i)], pe = pads[static_cast<size_t>(i + in.rank)];
    if (mode == "reflect" && (pb > 0 || pe > 0) && (pb >= in[i] || pe >= in[i])) {
      return NodeError(a, "reflect pads must be smaller than the dim");
    }
  }
  a.out[0]->dtype = a.in[0]->dtype;
  return Status::Ok();
}

Status RunPad(const NodeArgs& a) {
  std::array<int64_t, 2 * kMaxRank> pads{};
  EL_RETURN_IF_ERROR(PadAmounts(a, &pads));
  const auto* m = FindAttr(a, "mode");
  const std::string_view mode = m ? std::string_view(m->s()) : "constant";
  const Shape& in = a.in[0]->shape;
  const Shape& out = a.out[0]->shape;
  const size_t es = DTypeSize(a.in[0]->dtype);
  unsigned char fill[8] = {};
  if (a.opset < 11) {
    float v = AttrFloat(a, "value", 0.0f);
    std::memcpy(fill, &v, sizeof v);
  } else if (a.in.size() > 2 && a.in[2]) {
    std::memcpy(fill, a.in[2]->data, es);
  }
  std::array<int64_t, kMaxRank> stride{};
  int64_t st = 1;
  for (int d = in.rank - 1; d >= 0; --d) {
    stride[static_cast<size_t>(d)] = st;
    st *= in[d];
  }
  const auto* x = static_cast<const unsigned char*>(a.in[0]->data);
  auto* o = static_cast<unsigned char*>(a.out[0]->data);
  std::array<int64_t, kMaxRank> pos{};
  for (int64_t i = 0; i < out.Count(); ++i) {
    int64_t src = 0;
    bool inside = true;
    for (int d = 0; d < in.rank; ++d) {
      int64_t p = pos[static_cast<size_t>(d)] - pads[static_cast<size_t>(d)];
      const int64_t n = in[d];
      if (p < 0 || p >= n) {
        if (mode == "edge") {
          p = p < 0 ? 0 : n - 1;
        } else if (mode == "reflect") {
          p = p < 0 ? -p : 2 * (n - 1) - p;
        } else {
          inside = false;
        }
      }
      src += p * stride[static_cast<size_t>(d)];
    }
    std::memcpy(o + static_cast<size_t>(i) * es, inside ? x + static_cast<size_t>(src) * es : fill,
                es);
    for (int d = in.rank - 1; d >= 0; --d) {
      if (++pos[static_cast<size_t>(d)] < out[d]) break;
      pos[static_cast<size_t>(d)] = 0;
    }
  }
  return Status::Ok();
}

}  // namespace

void RegisterIndexOps(RegisterFn reg) {
  // Shape and data movement by element size: the quantized types are welcome.
  reg("Shape", {&InferShapeOp, &RunShapeOp, 1, 1, 1, true});
  reg("Size", {&InferSize, &RunSize, 1, 1, 1, true});
  reg("Gather", {&InferGather, &RunGather, 2, 2, 1, true});
  reg("Slice", {&InferSlice, &RunSlice, 1, 5, 1, true});
  reg("Expand", {&InferExpand, &RunExpand, 2, 2, 1, true});
  reg("Pad", {&InferPad, &RunPad, 1, 3, 1, true});
  reg("ConstantOfShape", {&InferConstantOfShape, &RunConstantOfShape, 1, 1, 1, true});
}

}  // namespace edgeloop::model
