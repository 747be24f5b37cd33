// Integer matrix products: MatMulInteger and QLinearMatMul (opset 10), numpy-matmul shaped
// (batched and broadcast for ranks >= 2, 1-D operands promoted), uint8/int8 operands with
// per-tensor, per-row (A) or per-column (B) zero points and scales as the spec allows.
//
// The kernel accumulates (A - a_zero_point) * B in 32 bits (wrapping: the spec allows the
// accumulation, never the products, to overflow) in i-k-j order over column blocks of
// kBlockN, so a row of B is read sequentially and the accumulators stay in L1; B's zero point
// is folded in afterwards as bz[j] * sum_p (A[i,p] - az[i]).
#include <algorithm>
#include <cstdint>
#include <string>

#include "model/ops.h"
#include "model/quant_util.h"

namespace edgeloop::model {
namespace {

constexpr int64_t kBlockN = 256;

// Numpy matmul geometry: `batches` products of [m,k] x [k,n] over the broadcast batch dims.
struct MatMulDims {
  int64_t m = 1, k = 1, n = 1, batches = 1;
  int xbr = 0, ybr = 0;  // batch ranks of A and B
  Shape batch;           // broadcast batch dims
};

Status MatMulGeometry(const NodeArgs& a, const Shape& x, const Shape& y, MatMulDims* d,
                      Shape* out) {
  if (x.rank < 1 || y.rank < 1) return NodeError(a, "inputs must have rank >= 1");
  d->m = x.rank >= 2 ? x[x.rank - 2] : 1;
  d->k = x[x.rank - 1];
  d->n = y.rank >= 2 ? y[y.rank - 1] : 1;
  if (d->k != (y.rank == 1 ? y[0] : y[y.rank - 2])) {
    return NodeError(a, "shapes " + ShapeString(x) + " and " + ShapeString(y) + " do not match");
  }
  d->xbr = std::max(0, x.rank - 2);
  d->ybr = std::max(0, y.rank - 2);
  Shape xb{d->xbr, {}};
  Shape yb{d->ybr, {}};
  for (int i = 0; i < d->xbr; ++i) xb[i] = x[i];
  for (int i = 0; i < d->ybr; ++i) yb[i] = y[i];
  std::array<const Shape*, 2> both{&xb, &yb};
  EL_RETURN_IF_ERROR(BroadcastShapes(a, both, &d->batch));
  d->batches = d->batch.Count();
  *out = d->batch;
  if (x.rank >= 2) (*out)[out->rank++] = d->m;
  if (y.rank >= 2) (*out)[out->rank++] = d->n;
  return CheckWork(a, *out, static_cast<double>(d->k));
}

// Index of batch product `b`'s A and B matrices within their own (unbroadcast) batch dims.
void BatchOffsets(const MatMulDims& d, const Shape& x, const Shape& y, int64_t b, int64_t* xo,
                  int64_t* yo) {
  *xo = 0;
  *yo = 0;
  int64_t xs = 1, ys = 1;
  const int br = d.batch.rank;
  for (int i = br - 1; i >= 0; --i) {
    const int64_t c = b % d.batch[i];
    b /= d.batch[i];
    const int xi = i - (br - d.xbr);
    const int yi = i - (br - d.ybr);
    if (xi >= 0) {
      *xo += (x[xi] == 1 ? 0 : c) * xs;
      xs *= x[xi];
    }
    if (yi >= 0) {
      *yo += (y[yi] == 1 ? 0 : c) * ys;
      ys *= y[yi];
    }
  }
}

// Where the scale or zero point of row i (A side) or column j (B side) of matrix `mat` is:
// element mat * mat_stride + idx * idx_stride. Per-tensor is all zeros.
struct ParamLayout {
  int64_t mat_stride = 0;
  int64_t idx_stride = 0;
};

// A's parameters: one value, [M] (per row), or [..., M, 1] with A's batch dims. B's (`rows` false):
// one value, [N] (per column), or [..., 1, N].
Status ParamLayoutOf(const NodeArgs& a, const Tensor& p, const Shape& x, bool rows,
                     const std::string& name, ParamLayout* out) {
  const Shape& s = p.shape;
  *out = ParamLayout{};
  if (s.Count() == 1) return Status::Ok();
  const int64_t len = x.rank < 2 ? 1 : rows ? x[x.rank - 2] : x[x.rank - 1];
  if (x.rank >= 2 && s.rank == 1 && s[0] == len) {
    *out = ParamLayout{0, 1};
    return Status::Ok();
  }
  bool batched = x.rank >= 2 && s.rank == x.rank;
  for (int i = 0; batched && i < x.rank - 2; ++i) batched = s[i] == x[i];
  if (batched && s[s.rank - 2] == (rows ? len : 1) && s[s.rank - 1] == (rows ? 1 : len)) {
    *out = ParamLayout{len, 1};
    return Status::Ok();
  }
  return NodeError(a, name + " of shape " + ShapeString(s) + " does not fit " + (rows ? "A" : "B") +
                          " of shape " + ShapeString(x) +
                          (rows ? ": use one value, [M] or [..., M, 1]"
                                : ": use one value, [N] or [..., 1, N]"));
}

// For each row i of one [m,k] x [k,n] product and each block of columns, the wrapped int32
// sums acc[j] = sum_p (A[i,p] - az_i) * (B[p,j] - bz_j), handed to store(i, j0, width, acc).
template <typename TA, typename TB, typename Store>
void IntMatMul(const TA* A, const TB* B, const MatMulDims& d, const TA* az, int64_t az_stride,
               const TB* bz, int64_t bz_stride, Store&& store) {
  const int64_t m = d.m, k = d.k, n = d.n;
  for (int64_t j0 = 0; j0 < n; j0 += kBlockN) {
    const int64_t w = std::min(kBlockN, n - j0);
    for (int64_t i = 0; i < m; ++i) {
      uint32_t acc[kBlockN];
      std::fill_n(acc, w, 0u);
      const int32_t azi = az ? static_cast<int32_t>(az[i * az_stride]) : 0;
      uint32_t row_sum = 0;
      const TA* arow = A + i * k;
      for (int64_t p = 0; p < k; ++p) {
        const int32_t av = static_cast<int32_t>(arow[p]) - azi;
        row_sum += static_cast<uint32_t>(av);
        const TB* brow = B + p * n + j0;
        for (int64_t j = 0; j < w; ++j) {
          acc[j] += static_cast<uint32_t>(av * static_cast<int32_t>(brow[j]));
        }
      }
      if (bz) {
        for (int64_t j = 0; j < w; ++j) {
          acc[j] -= static_cast<uint32_t>(static_cast<int32_t>(bz[(j0 + j) * bz_stride])) * row_sum;
        }
      }
      store(i, j0, w, acc);
    }
  }
}

// Calls f(TA{}, TB{}) for the 8-bit types of A and B (checked by infer).
template <typename F>
void VisitAB(DType ta, DType tb, F&& f) {
  VisitQuant8(ta, [&](auto x) { VisitQuant8(tb, [&](auto y) { f(x, y); }); });
}

const Tensor* Optional(const NodeArgs& a, size_t i) { return a.in.size() > i ? a.in[i] : nullptr; }

Status CheckQuant8(const NodeArgs& a, const Tensor& t, const char* name) {
  if (IsQuant8(t.dtype)) return Status::Ok();
  return NodeError(a, std::string(name) + " is " + DTypeName(static_cast<int32_t>(t.dtype)) +
                          "; it must be uint8 or int8");
}

Status CheckZeroPoint(const NodeArgs& a, const Tensor* zp, DType want, const char* name) {
  if (!zp || zp->dtype == want) return Status::Ok();
  return NodeError(a, std::string(name) + " is " + DTypeName(static_cast<int32_t>(zp->dtype)) +
                          "; it must have its input's type " +
                          DTypeName(static_cast<int32_t>(want)));
}

// MatMulInteger: A(0), B(1), a_zero_point(2), b_zero_point(3) -> int32.
Status InferMatMulInteger(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {}));
  const Tensor& x = *a.in[0];
  const Tensor& y = *a.in[1];
  EL_RETURN_IF_ERROR(CheckQuant8(a, x, "A"));
  EL_RETURN_IF_ERROR(CheckQuant8(a, y, "B"));
  EL_RETURN_IF_ERROR(CheckZeroPoint(a, Optional(a, 2), x.dtype, "a_zero_point"));
  EL_RETURN_IF_ERROR(CheckZeroPoint(a, Optional(a, 3), y.dtype, "b_zero_point"));
  ParamLayout pl;
  if (const Tensor* zp = Optional(a, 2)) {
    EL_RETURN_IF_ERROR(ParamLayoutOf(a, *zp, x.shape, true, "a_zero_point", &pl));
  }
  if (const Tensor* zp = Optional(a, 3)) {
    EL_RETURN_IF_ERROR(ParamLayoutOf(a, *zp, y.shape, false, "b_zero_point", &pl));
  }
  MatMulDims d;
  a.out[0]->dtype = DType::kInt32;
  return MatMulGeometry(a, x.shape, y.shape, &d, &a.out[0]->shape);
}

Status RunMatMulInteger(const NodeArgs& a) {
  const Shape& xs = a.in[0]->shape;
  const Shape& ys = a.in[1]->shape;
  MatMulDims d;
  Shape out;
  EL_RETURN_IF_ERROR(MatMulGeometry(a, xs, ys, &d, &out));
  const Tensor* azt = Optional(a, 2);
  const Tensor* bzt = Optional(a, 3);
  ParamLayout al, bl;
  if (azt) EL_RETURN_IF_ERROR(ParamLayoutOf(a, *azt, xs, true, "a_zero_point", &al));
  if (bzt) EL_RETURN_IF_ERROR(ParamLayoutOf(a, *bzt, ys, false, "b_zero_point", &bl));
  auto* o = a.out[0]->As<int32_t>();
  VisitAB(a.in[0]->dtype, a.in[1]->dtype, [&](auto ta, auto tb) {
    using TA = decltype(ta);
    using TB = decltype(tb);
    for (int64_t b = 0; b < d.batches; ++b) {
      int64_t xo = 0, yo = 0;
      BatchOffsets(d, xs, ys, b, &xo, &yo);
      const TA* az = azt ? azt->As<TA>() + xo * al.mat_stride : nullptr;
      const TB* bz = bzt ? bzt->As<TB>() + yo * bl.mat_stride : nullptr;
      int32_t* ob = o + b * d.m * d.n;
      IntMatMul(a.in[0]->As<TA>() + xo * d.m * d.k, a.in[1]->As<TB>() + yo * d.k * d.n, d, az,
                al.idx_stride, bz, bl.idx_stride,
                [&](int64_t i, int64_t j0, int64_t w, const uint32_t* acc) {
                  // Two's complement reading of the wrapped sum (well defined since C++20).
                  for (int64_t j = 0; j < w; ++j) {
                    ob[i * d.n + j0 + j] = static_cast<int32_t>(acc[j]);
                  }
                });
    }
  });
  return Status::Ok();
}

// QLinearMatMul: a(0), a_scale(1), a_zero_point(2), b(3), b_scale(4), b_zero_point(5),
// y_scale(6), y_zero_point(7). Scales and zero points of a side have the same shape.
struct QLinearLayouts {
  ParamLayout a, b;
};

Status QLinearParams(const NodeArgs& a, QLinearLayouts* l) {
  const char* names[] = {"a_scale", "a_zero_point", "b_scale", "b_zero_point"};
  for (int side = 0; side < 2; ++side) {
    const Tensor& x = *a.in[static_cast<size_t>(3 * side)];
    const Tensor& s = *a.in[static_cast<size_t>(3 * side + 1)];
    const Tensor& z = *a.in[static_cast<size_t>(3 * side + 2)];
    const std::string sn = names[2 * side], zn = names[2 * side + 1];
    if (s.dtype != DType::kFloat) return NodeError(a, sn + " must be float");
    EL_RETURN_IF_ERROR(CheckZeroPoint(a, &z, x.dtype, zn.c_str()));
    if (!(s.shape == z.shape) && !(s.shape.Count() == 1 && z.shape.Count() == 1)) {
      return NodeError(a, sn + " of shape " + ShapeString(s.shape) + " and " + zn + " of shape " +
                              ShapeString(z.shape) + " differ");
    }
    EL_RETURN_IF_ERROR(ParamLayoutOf(a, s, x.shape, side == 0, sn, side == 0 ? &l->a : &l->b));
  }
  if (a.in[6]->dtype != DType::kFloat) return NodeError(a, "y_scale must be float");
  if (a.in[6]->shape.Count() != 1 || a.in[7]->shape.Count() != 1) {
    return NodeError(a, "y_scale and y_zero_point must be scalars (per-tensor)");
  }
  return Status::Ok();
}

Status InferQLinearMatMul(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {}));
  EL_RETURN_IF_ERROR(CheckQuant8(a, *a.in[0], "a"));
  EL_RETURN_IF_ERROR(CheckQuant8(a, *a.in[3], "b"));
  EL_RETURN_IF_ERROR(CheckQuant8(a, *a.in[7], "y_zero_point"));
  QLinearLayouts l;
  EL_RETURN_IF_ERROR(QLinearParams(a, &l));
  MatMulDims d;
  a.out[0]->dtype = a.in[7]->dtype;
  return MatMulGeometry(a, a.in[0]->shape, a.in[3]->shape, &d, &a.out[0]->shape);
}

template <typename TA, typename TB, typename Q>
void RunQLinearT(const NodeArgs& a, const MatMulDims& d, const QLinearLayouts& l) {
  const Shape& xs = a.in[0]->shape;
  const Shape& ys = a.in[3]->shape;
  const float* as = a.in[1]->As<float>();
  const float* bs = a.in[4]->As<float>();
  const float ysc = *a.in[6]->As<float>();
  const int32_t yz = *a.in[7]->As<Q>();
  Q* o = a.out[0]->As<Q>();
  for (int64_t b = 0; b < d.batches; ++b) {
    int64_t xo = 0, yo = 0;
    BatchOffsets(d, xs, ys, b, &xo, &yo);
    const float* asb = as + xo * l.a.mat_stride;
    const float* bsb = bs + yo * l.b.mat_stride;
    Q* ob = o + b * d.m * d.n;
    IntMatMul(a.in[0]->As<TA>() + xo * d.m * d.k, a.in[3]->As<TB>() + yo * d.k * d.n, d,
              a.in[2]->As<TA>() + xo * l.a.mat_stride, l.a.idx_stride,
              a.in[5]->As<TB>() + yo * l.b.mat_stride, l.b.idx_stride,
              [&](int64_t i, int64_t j0, int64_t w, const uint32_t* acc) {
                const float ai = asb[i * l.a.idx_stride];
                for (int64_t j = 0; j < w; ++j) {
                  // The multiplier in float, the product in double: what the ONNX reference
                  // computes with numpy (float32 scales, int32 sums promoted to float64).
                  const float mult = ai * bsb[(j0 + j) * l.b.idx_stride] / ysc;
                  const double v = static_cast<double>(static_cast<int32_t>(acc[j])) * mult;
                  ob[i * d.n + j0 + j] = SaturateRounded<Q>(RoundHalfEven(v), yz);
                }
              });
  }
}

Status RunQLinearMatMul(const NodeArgs& a) {
  QLinearLayouts l;
  EL_RETURN_IF_ERROR(QLinearParams(a, &l));
  MatMulDims d;
  Shape out;
  EL_RETURN_IF_ERROR(MatMulGeometry(a, a.in[0]->shape, a.in[3]->shape, &d, &out));
  VisitAB(a.in[0]->dtype, a.in[3]->dtype, [&](auto ta, auto tb) {
    VisitQuant8(a.in[7]->dtype,
                [&](auto q) { RunQLinearT<decltype(ta), decltype(tb), decltype(q)>(a, d, l); });
  });
  return Status::Ok();
}

}  // namespace

void RegisterQuantMatMulOps(RegisterFn reg) {
  reg("MatMulInteger", {&InferMatMulInteger, &RunMatMulInteger, 2, 4, 1, true});
  reg("QLinearMatMul", {&InferQLinearMatMul, &RunQLinearMatMul, 8, 8, 1, true});
}

}  // namespace edgeloop::model
