// Inference-mode normalization and friends: BatchNormalization, LayerNormalization, Dropout
// (identity), plus Tile and Range.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "model/ops.h"

namespace edgeloop::model {
namespace {

Status InferBatchNorm(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {"epsilon", "momentum", "training_mode", "spatial"}));
  if (AttrInt(a, "training_mode", 0) != 0) return NodeError(a, "training mode not supported");
  if (AttrInt(a, "spatial", 1) != 1) return NodeError(a, "spatial=0 not supported");
  const Shape& x = a.in[0]->shape;
  if (x.rank < 2) return NodeError(a, "X must have rank >= 2");
  for (size_t i = 0; i < a.in.size(); ++i) {
    const Tensor* t = a.in[i];
    if (t->dtype != DType::kFloat) return NodeError(a, "only float inputs supported");
    if (i > 0 && (t->shape.rank != 1 || t->shape[0] != x[1])) {
      return NodeError(a, "scale, B, mean and var must have shape [" + std::to_string(x[1]) + "]");
    }
  }
  a.out[0]->dtype = DType::kFloat;
  a.out[0]->shape = x;
  return Status::Ok();
}

Status RunBatchNorm(const NodeArgs& a) {
  const Shape& x = a.in[0]->shape;
  const float eps = AttrFloat(a, "epsilon", 1e-5f);
  int64_t c_n = x[1], inner = 1, outer = x[0];
  for (int i = 2; i < x.rank; ++i) inner *= x[i];
  const float *in = a.in[0]->As<float>(), *scale = a.in[1]->As<float>();
  const float *bias = a.in[2]->As<float>(), *mean = a.in[3]->As<float>();
  const float* var = a.in[4]->As<float>();
  float* o = a.out[0]->As<float>();
  for (int64_t b = 0; b < outer; ++b) {
    for (int64_t c = 0; c < c_n; ++c) {
      const float k = scale[c] / std::sqrt(var[c] + eps);
      const int64_t base = (b * c_n + c) * inner;
      for (int64_t i = 0; i < inner; ++i) o[base + i] = (in[base + i] - mean[c]) * k + bias[c];
    }
  }
  return Status::Ok();
}

// LayerNormalization-17: normalizes over dims [axis, rank); optional outputs Mean, InvStdDev.
Status InferLayerNorm(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {"axis", "epsilon", "stash_type"}));
  if (AttrInt(a, "stash_type", 1) != 1) return NodeError(a, "stash_type must be 1 (float)");
  const Shape& x = a.in[0]->shape;
  int axis = 0;
  EL_RETURN_IF_ERROR(NormalizeAxis(a, AttrInt(a, "axis", -1), x.rank, &axis));
  int64_t norm = 1;
  for (int i = axis; i < x.rank; ++i) norm *= x[i];
  for (Tensor* t : a.in) {
    if (!t) continue;
    if (t->dtype != DType::kFloat) return NodeError(a, "only float inputs supported");
    if (t != a.in[0] && t->shape.Count() != norm && t->shape.Count() != 1) {
      return NodeError(a, "scale and B must have the normalized shape");
    }
  }
  a.out[0]->dtype = DType::kFloat;
  a.out[0]->shape = x;
  for (size_t o = 1; o < a.out.size(); ++o) {
    a.out[o]->dtype = DType::kFloat;
    a.out[o]->shape = x;
    for (int i = axis; i < x.rank; ++i) a.out[o]->shape[i] = 1;
  }
  return Status::Ok();
}

Status RunLayerNorm(const NodeArgs& a) {
  const Shape& x = a.in[0]->shape;
  int axis = 0;
  EL_RETURN_IF_ERROR(NormalizeAxis(a, AttrInt(a, "axis", -1), x.rank, &axis));
  const float eps = AttrFloat(a, "epsilon", 1e-5f);
  int64_t outer = 1, n = 1;
  for (int i = 0; i < axis; ++i) outer *= x[i];
  for (int i = axis; i < x.rank; ++i) n *= x[i];
  const float* in = a.in[0]->As<float>();
  const Tensor* scale = a.in[1];
  const Tensor* bias = a.in.size() > 2 ? a.in[2] : nullptr;
  float* o = a.out[0]->As<float>();
  for (int64_t b = 0; b < outer; ++b) {
    const float* row = in + b * n;
    double mean = 0, var = 0;
    for (int64_t i = 0; i < n; ++i) mean += row[i];
    mean = n > 0 ? mean / static_cast<double>(n) : 0;
    for (int64_t i = 0; i < n; ++i) var += (row[i] - mean) * (row[i] - mean);
    var = n > 0 ? var / static_cast<double>(n) : 0;
    const auto inv = static_cast<float>(1.0 / std::sqrt(var + eps));
    for (int64_t i = 0; i < n; ++i) {
      float s = scale->As<float>()[scale->shape.Count() == 1 ? 0 : i];
      float c = bias ? bias->As<float>()[bias->shape.Count() == 1 ? 0 : i] : 0.0f;
      o[b * n + i] = (row[i] - static_cast<float>(mean)) * inv * s + c;
    }
    if (a.out.size() > 1) a.out[1]->As<float>()[b] = static_cast<float>(mean);
    if (a.out.size() > 2) a.out[2]->As<float>()[b] = inv;
  }
  return Status::Ok();
}

bool TrainingMode(const NodeArgs& a) {
  return a.in.size() > 2 && a.in[2] && a.in[2]->data && *a.in[2]->As<bool>();
}

Status InferDropout(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {"ratio", "seed", "is_test"}));
  if (a.in.size() > 2 && a.in[2] && (a.in[2]->dtype != DType::kBool || a.in[2]->shape.rank != 0)) {
    return NodeError(a, "training_mode must be a bool scalar");
  }
  // An edge runtime only does inference: a training_mode switch must be a constant false.
  if (a.in.size() > 2 && a.in[2] && !a.in[2]->data) {
    return NodeError(a, "training_mode must be a constant; training mode not supported");
  }
  if (TrainingMode(a)) return NodeError(a, "training mode not supported");
  a.out[0]->dtype = a.in[0]->dtype;
  a.out[0]->shape = a.in[0]->shape;
  if (a.out.size() > 1) {
    a.out[1]->dtype = DType::kBool;
    a.out[1]->shape = a.in[0]->shape;
  }
  return Status::Ok();
}

Status RunDropout(const NodeArgs& a) {
  if (TrainingMode(a)) return NodeError(a, "training mode not supported");
  const int64_t n = a.in[0]->shape.Count();
  if (n > 0) {
    std::memcpy(a.out[0]->data, a.in[0]->data, static_cast<size_t>(n) * DTypeSize(a.in[0]->dtype));
  }
  if (a.out.size() > 1) std::fill_n(a.out[1]->As<bool>(), n, true);
  return Status::Ok();
}

Status InferTile(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {}));
  const Shape& x = a.in[0]->shape;
  const Tensor& r = *a.in[1];
  if (r.dtype != DType::kInt64 || r.shape.rank != 1 || r.shape[0] != x.rank) {
    return NodeError(a, "repeats must be a 1-D int64 tensor with one value per dim");
  }
  if (!r.data) return Status(kNeedsValue, "repeats not known before run");
  Shape& out = a.out[0]->shape;
  out.rank = x.rank;
  for (int i = 0; i < x.rank; ++i) {
    int64_t k = r.As<int64_t>()[i];
    if (k < 0 || k > kMaxTensorElements || (x[i] > 0 && k > kMaxTensorElements / x[i])) {
      return NodeError(a, "invalid repeat " + std::to_string(k));
    }
    out[i] = x[i] * k;
  }
  a.out[0]->dtype = a.in[0]->dtype;
  return Status::Ok();
}

Status RunTile(const NodeArgs& a) {
  const Shape& x = a.in[0]->shape;
  const Shape& out = a.out[0]->shape;
  const size_t es = DTypeSize(a.in[0]->dtype);
  std::array<int64_t, kMaxRank> stride{};
  int64_t s = 1;
  for (int d = x.rank - 1; d >= 0; --d) {
    stride[static_cast<size_t>(d)] = s;
    s *= x[d];
  }
  const auto* in = static_cast<const unsigned char*>(a.in[0]->data);
  auto* o = static_cast<unsigned char*>(a.out[0]->data);
  std::array<int64_t, kMaxRank> pos{};
  for (int64_t i = 0; i < out.Count(); ++i) {
    int64_t src = 0;
    for (int d = 0; d < x.rank; ++d) {
      src += (pos[static_cast<size_t>(d)] % x[d]) * stride[static_cast<size_t>(d)];
    }
    std::memcpy(o + static_cast<size_t>(i) * es, in + static_cast<size_t>(src) * es, es);
    for (int d = x.rank - 1; d >= 0; --d) {
      if (++pos[static_cast<size_t>(d)] < out[d]) break;
      pos[static_cast<size_t>(d)] = 0;
    }
  }
  return Status::Ok();
}

template <typename T>
int64_t RangeCount(const NodeArgs& a) {
  double start = static_cast<double>(*a.in[0]->As<T>());
  double limit = static_cast<double>(*a.in[1]->As<T>());
  double delta = static_cast<double>(*a.in[2]->As<T>());
  if (delta == 0 || !std::isfinite(start) || !std::isfinite(limit)) return -1;
  double n = std::ceil((limit - start) / delta);
  return n <= 0 ? 0 : n > static_cast<double>(kMaxTensorElements) ? -1 : static_cast<int64_t>(n);
}

Status InferRange(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {}));
  for (Tensor* t : a.in) {
    if (t->dtype != a.in[0]->dtype || t->dtype == DType::kBool || t->shape.rank != 0) {
      return NodeError(a, "start, limit and delta must be float or int64 scalars of one type");
    }
    if (!t->data) return Status(kNeedsValue, "range bounds not known before run");
  }
  int64_t n = a.in[0]->dtype == DType::kFloat ? RangeCount<float>(a) : RangeCount<int64_t>(a);
  if (n < 0) return NodeError(a, "invalid range (delta 0, non-finite or too long)");
  a.out[0]->dtype = a.in[0]->dtype;
  a.out[0]->shape.rank = 1;
  a.out[0]->shape[0] = n;
  return Status::Ok();
}

template <typename T>
void RunRangeT(const NodeArgs& a) {
  const T start = *a.in[0]->As<T>(), delta = *a.in[2]->As<T>();
  for (int64_t i = 0; i < a.out[0]->shape[0]; ++i) {
    a.out[0]->As<T>()[i] = static_cast<T>(start + static_cast<T>(i) * delta);
  }
}

Status RunRange(const NodeArgs& a) {
  if (a.in[0]->dtype == DType::kFloat) {
    RunRangeT<float>(a);
  } else {
    RunRangeT<int64_t>(a);
  }
  return Status::Ok();
}

}  // namespace

void RegisterNormOps(RegisterFn reg) {
  reg("BatchNormalization", {&InferBatchNorm, &RunBatchNorm, 5, 5, 1});
  reg("LayerNormalization", {&InferLayerNorm, &RunLayerNorm, 2, 3, 3});
  reg("Dropout", {&InferDropout, &RunDropout, 1, 3, 2});
  reg("Tile", {&InferTile, &RunTile, 2, 2, 1, true});  // copies by element size
  reg("Range", {&InferRange, &RunRange, 3, 3, 1});
}

}  // namespace edgeloop::model
