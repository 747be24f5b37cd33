// MatMul, Gemm, Softmax/LogSoftmax and the reductions ReduceSum, ReduceMean, ReduceMax.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "model/ops.h"

namespace edgeloop::model {
namespace {

Status RequireFloat(const NodeArgs& a) {
  for (Tensor* t : a.in) {
    if (t && t->dtype != DType::kFloat) return NodeError(a, "only float inputs supported");
  }
  for (Tensor* t : a.out) t->dtype = DType::kFloat;
  return Status::Ok();
}

// Four floats as one SIMD register (SSE on x86-64, NEON on aarch64) through the GCC/Clang
// vector extension; arithmetic with a scalar operand broadcasts it.
using V4 = float __attribute__((vector_size(16)));
inline V4 LoadV4(const float* p) {
  V4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void StoreV4(float* p, V4 v) { std::memcpy(p, &v, sizeof v); }

// An R-row, 4·W-column tile of O = A · B (row-major; A rows `lda` apart, B and O rows `n`
// apart). The tile's sums stay in registers for the whole k loop, so each loaded B vector is
// used R times and O is written once. The plain i-p-j loop this replaced re-read and re-wrote O
// for every p and was 1.4-5x slower on the PCA shapes of bench/dense_bench.cc (26x for n = 1).
// A single row (batch 1) gives only W chains of dependent adds, each k adds long, so its sums
// are split over kSplit interleaved slices of k and added at the end: for k = 128 the chain
// latency, not the arithmetic, had made batch-1 MatMul 2-4x slower. (A row's last bits may
// therefore differ between a batch of 1 and a larger one.)
template <int R, int W>
inline void MatMulTile(const float* a, int64_t lda, const float* b, int64_t n, float* o,
                       int64_t k) {
  constexpr int kSplit = R > 1 ? 1 : W >= 4 ? 2 : 4;
  V4 acc[kSplit][R][W] = {};
  int64_t p = 0;
  for (; p + kSplit <= k; p += kSplit) {
    for (int s = 0; s < kSplit; ++s) {
      V4 bv[W];
      for (int w = 0; w < W; ++w) bv[w] = LoadV4(b + (p + s) * n + 4 * w);
      for (int r = 0; r < R; ++r) {
        const float av = a[r * lda + p + s];
        for (int w = 0; w < W; ++w) acc[s][r][w] += av * bv[w];
      }
    }
  }
  for (; p < k; ++p) {
    for (int r = 0; r < R; ++r) {
      const float av = a[r * lda + p];
      for (int w = 0; w < W; ++w) acc[0][r][w] += av * LoadV4(b + p * n + 4 * w);
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int w = 0; w < W; ++w) {
      V4 sum = acc[0][r][w];
      if constexpr (kSplit == 2) sum += acc[1][r][w];
      if constexpr (kSplit == 4) sum = (sum + acc[1][r][w]) + (acc[2][r][w] + acc[3][r][w]);
      StoreV4(o + r * n + 4 * w, sum);
    }
  }
}

// R rows of O: column tiles of 16 (for R <= 2, so the 4·R sums and 4 B vectors fit in 16 SSE
// registers), 8 and 4, then single columns.
template <int R>
void MatMulRows(const float* a, int64_t k, const float* b, int64_t n, float* o) {
  int64_t j = 0;
  if constexpr (R <= 2) {
    for (; j + 16 <= n; j += 16) MatMulTile<R, 4>(a, k, b + j, n, o + j, k);
  }
  for (; j + 8 <= n; j += 8) MatMulTile<R, 2>(a, k, b + j, n, o + j, k);
  for (; j + 4 <= n; j += 4) MatMulTile<R, 1>(a, k, b + j, n, o + j, k);
  for (; j < n; ++j) {
    for (int r = 0; r < R; ++r) {
      float s = 0;
      for (int64_t p = 0; p < k; ++p) s += a[r * k + p] * b[p * n + j];
      o[r * n + j] = s;
    }
  }
}

// O[m, n] = A[m, k] · B[k, n], all row-major and not overlapping. Allocation-free.
void MatMulKernel(const float* A, const float* B, float* O, int64_t m, int64_t k, int64_t n) {
  if (n == 1) {
    // Matrix-vector: one dot product per row, in two vector partial sums.
    for (int64_t i = 0; i < m; ++i) {
      const float* a = A + i * k;
      V4 acc0 = {}, acc1 = {};
      int64_t p = 0;
      for (; p + 8 <= k; p += 8) {
        acc0 += LoadV4(a + p) * LoadV4(B + p);
        acc1 += LoadV4(a + p + 4) * LoadV4(B + p + 4);
      }
      const V4 acc = acc0 + acc1;
      float s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
      for (; p < k; ++p) s += a[p] * B[p];
      O[i] = s;
    }
    return;
  }
  // 2 x 16 tiles measured ~10 % faster than 4 x 8 for n >= 16; 4 x 8 is faster below.
  int64_t i = 0;
  if (n >= 16) {
    for (; i + 2 <= m; i += 2) MatMulRows<2>(A + i * k, k, B, n, O + i * n);
  } else {
    for (; i + 4 <= m; i += 4) MatMulRows<4>(A + i * k, k, B, n, O + i * n);
  }
  for (; i < m; ++i) MatMulRows<1>(A + i * k, k, B, n, O + i * n);
}

Status InferMatMul(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {}));
  EL_RETURN_IF_ERROR(RequireFloat(a));
  Shape x = a.in[0]->shape;
  Shape y = a.in[1]->shape;
  if (x.rank < 1 || y.rank < 1) return NodeError(a, "inputs must have rank >= 1");
  int64_t k1 = x[x.rank - 1];
  int64_t k2 = y.rank == 1 ? y[0] : y[y.rank - 2];
  if (k1 != k2) {
    return NodeError(a, "shapes " + ShapeString(x) + " and " + ShapeString(y) + " do not match");
  }
  Shape xb{std::max(0, x.rank - 2), {}};
  Shape yb{std::max(0, y.rank - 2), {}};
  for (int i = 0; i < xb.rank; ++i) xb[i] = x[i];
  for (int i = 0; i < yb.rank; ++i) yb[i] = y[i];
  std::array<const Shape*, 2> batch{&xb, &yb};
  Shape& out = a.out[0]->shape;
  EL_RETURN_IF_ERROR(BroadcastShapes(a, batch, &out));
  if (x.rank >= 2) out[out.rank++] = x[x.rank - 2];
  if (y.rank >= 2) out[out.rank++] = y[y.rank - 1];
  return CheckWork(a, out, static_cast<double>(k1));
}

Status RunMatMul(const NodeArgs& a) {
  const Shape& x = a.in[0]->shape;
  const Shape& y = a.in[1]->shape;
  const int64_t m = x.rank >= 2 ? x[x.rank - 2] : 1;
  const int64_t k = x[x.rank - 1];
  const int64_t n = y.rank >= 2 ? y[y.rank - 1] : 1;
  const int xbr = std::max(0, x.rank - 2);
  const int ybr = std::max(0, y.rank - 2);
  const int br = std::max(xbr, ybr);
  if (br == 0) {  // plain matrices, the common case: none of the batch bookkeeping below
    MatMulKernel(a.in[0]->As<float>(), a.in[1]->As<float>(), a.out[0]->As<float>(), m, k, n);
    return Status::Ok();
  }
  Shape batch{br, {}};
  int64_t batches = 1;
  for (int i = 0; i < br; ++i) {
    int xi = i - (br - xbr);
    int yi = i - (br - ybr);
    const int64_t xd = xi >= 0 ? x[xi] : 1;
    batch[i] = xd == 1 ? (yi >= 0 ? y[yi] : 1) : xd;  // shapes were checked to broadcast
    batches *= batch[i];
  }
  const float* pa = a.in[0]->As<float>();
  const float* pb = a.in[1]->As<float>();
  float* po = a.out[0]->As<float>();
  for (int64_t b = 0; b < batches; ++b) {
    int64_t rem = b;
    int64_t xo = 0, yo = 0, xs = 1, ys = 1;
    for (int i = br - 1; i >= 0; --i) {
      int64_t c = rem % batch[i];
      rem /= batch[i];
      int xi = i - (br - xbr);
      int yi = i - (br - ybr);
      if (xi >= 0) {
        xo += (x[xi] == 1 ? 0 : c) * xs;
        xs *= x[xi];
      }
      if (yi >= 0) {
        yo += (y[yi] == 1 ? 0 : c) * ys;
        ys *= y[yi];
      }
    }
    const float* A = pa + xo * m * k;
    const float* B = pb + yo * k * n;
    float* O = po + b * m * n;
    MatMulKernel(A, B, O, m, k, n);
  }
  return Status::Ok();
}

Status InferGemm(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {"alpha", "beta", "transA", "transB"}));
  EL_RETURN_IF_ERROR(RequireFloat(a));
  const Shape& x = a.in[0]->shape;
  const Shape& y = a.in[1]->shape;
  if (x.rank != 2 || y.rank != 2) return NodeError(a, "A and B must be 2-D");
  bool ta = AttrInt(a, "transA", 0) != 0;
  bool tb = AttrInt(a, "transB", 0) != 0;
  int64_t m = ta ? x[1] : x[0], k = ta ? x[0] : x[1];
  int64_t k2 = tb ? y[1] : y[0], n = tb ? y[0] : y[1];
  if (k != k2) {
    return NodeError(a, "shapes " + ShapeString(x) + " and " + ShapeString(y) + " do not match");
  }
  Shape& out = a.out[0]->shape;
  out.rank = 2;
  out[0] = m;
  out[1] = n;
  EL_RETURN_IF_ERROR(CheckWork(a, out, static_cast<double>(k)));
  if (a.in.size() > 2 && a.in[2]) {
    const Shape& c = a.in[2]->shape;
    Shape merged;
    std::array<const Shape*, 2> both{&out, &c};
    if (c.rank > 2 || !BroadcastShapes(a, both, &merged).ok() || !(merged == out)) {
      return NodeError(
          a, "C of shape " + ShapeString(c) + " does not broadcast to " + ShapeString(out));
    }
  }
  return Status::Ok();
}

Status RunGemm(const NodeArgs& a) {
  const Shape& x = a.in[0]->shape;
  bool ta = AttrInt(a, "transA", 0) != 0;
  bool tb = AttrInt(a, "transB", 0) != 0;
  float alpha = AttrFloat(a, "alpha", 1.0f);
  float beta = AttrFloat(a, "beta", 1.0f);
  int64_t m = a.out[0]->shape[0], n = a.out[0]->shape[1], k = ta ? x[0] : x[1];
  const float* A = a.in[0]->As<float>();
  const float* B = a.in[1]->As<float>();
  const Tensor* C = a.in.size() > 2 ? a.in[2] : nullptr;
  float* O = a.out[0]->As<float>();
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      float s = 0;
      for (int64_t p = 0; p < k; ++p) {
        s += (ta ? A[p * m + i] : A[i * k + p]) * (tb ? B[j * k + p] : B[p * n + j]);
      }
      float c = 0;
      if (C) {
        const Shape& cs = C->shape;
        int64_t ci = cs.rank == 0   ? 0
                     : cs.rank == 1 ? (cs[0] == 1 ? 0 : j)
                                    : (cs[0] == 1 ? 0 : i) * cs[1] + (cs[1] == 1 ? 0 : j);
        c = C->As<float>()[ci];
      }
      O[i * n + j] = alpha * s + beta * c;
    }
  }
  return Status::Ok();
}

template <bool kLog>
Status InferSoftmax(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {"axis"}));
  EL_RETURN_IF_ERROR(RequireFloat(a));
  EL_RETURN_IF_ERROR(SoftmaxAxisSplit(a).status());  // validates the axis
  a.out[0]->shape = a.in[0]->shape;
  return Status::Ok();
}

template <bool kLog>
Status RunSoftmax(const NodeArgs& a) {
  EL_ASSIGN_OR_RETURN(const AxisSplit split, SoftmaxAxisSplit(a));
  const auto [outer, n, inner] = split;
  const float* x = a.in[0]->As<float>();
  float* o = a.out[0]->As<float>();
  for (int64_t b = 0; b < outer; ++b) {
    for (int64_t c = 0; c < inner; ++c) {
      const int64_t base = b * n * inner + c;
      float mx = -std::numeric_limits<float>::infinity();
      for (int64_t i = 0; i < n; ++i) mx = std::max(mx, x[base + i * inner]);
      float sum = 0;
      for (int64_t i = 0; i < n; ++i) sum += std::exp(x[base + i * inner] - mx);
      for (int64_t i = 0; i < n; ++i) {
        float v = x[base + i * inner] - mx;
        o[base + i * inner] = kLog ? v - std::log(sum) : std::exp(v) / sum;
      }
    }
  }
  return Status::Ok();
}

enum class Red { kSum, kMean, kMax, kMin, kProd, kSumSquare, kL1, kL2, kLogSum, kLogSumExp };

// The `axes` attribute decoded once per session, with the reduced dims it gives for the input
// rank seen while planning: looking the attribute up by name and normalizing the axes on every
// Run was a fifth of a batch-1 PCA model's time.
struct ReduceAxes {
  std::vector<int64_t> axes;
  int rank = -1;  // the rank `mask` is for; -1: none (recomputed every time)
  std::array<bool, kMaxRank> mask{};
};

template <Red op>
Status ReducedDims(const NodeArgs& a, std::array<bool, kMaxRank>* mask);

template <Red op>
Result<std::shared_ptr<const void>> PrepareReduce(const NodeArgs& a) {
  auto state = std::make_shared<ReduceAxes>();
  if (const auto* attr = FindAttr(a, "axes")) {
    state->axes.assign(attr->ints().begin(), attr->ints().end());
  }
  // ReduceSum-13 takes its axes from input 1, which may change between runs. Invalid axes are
  // left for infer to report.
  std::array<bool, kMaxRank> mask{};
  NodeArgs with_axes = a;
  with_axes.state = state.get();
  if (!(op == Red::kSum && a.opset >= 13) && ReducedDims<op>(with_axes, &mask).ok()) {
    state->rank = a.in[0]->shape.rank;
    state->mask = mask;
  }
  return std::shared_ptr<const void>(std::move(state));
}

// Which dims are reduced; axes come from the attribute, or from input 1 for ReduceSum-13.
template <Red op>
Status ReducedDims(const NodeArgs& a, std::array<bool, kMaxRank>* mask) {
  const int rank = a.in[0]->shape.rank;
  const auto* prepared = static_cast<const ReduceAxes*>(a.state);
  if (prepared != nullptr && prepared->rank == rank) {
    *mask = prepared->mask;
    return Status::Ok();
  }
  bool axes_input = op == Red::kSum && a.opset >= 13;
  mask->fill(false);
  int n = 0;
  auto add = [&](int64_t ax) -> Status {
    int norm = 0;
    EL_RETURN_IF_ERROR(NormalizeAxis(a, ax, rank, &norm));
    (*mask)[static_cast<size_t>(norm)] = true;
    ++n;
    return Status::Ok();
  };
  if (axes_input) {
    if (a.in.size() > 1 && a.in[1]) {
      if (a.in[1]->dtype != DType::kInt64 || a.in[1]->shape.rank != 1) {
        return NodeError(a, "axes must be a 1-D int64 tensor");
      }
      if (!a.in[1]->data) return Status(kNeedsValue, "axes not known before run");
      for (int64_t i = 0; i < a.in[1]->shape[0]; ++i)
        EL_RETURN_IF_ERROR(add(a.in[1]->As<int64_t>()[i]));
    }
  } else if (prepared != nullptr) {
    for (int64_t ax : prepared->axes) EL_RETURN_IF_ERROR(add(ax));
  } else if (const auto* attr = FindAttr(a, "axes")) {
    for (int64_t ax : attr->ints()) EL_RETURN_IF_ERROR(add(ax));
  }
  if (n == 0 && !(axes_input && AttrInt(a, "noop_with_empty_axes", 0) != 0)) mask->fill(true);
  return Status::Ok();
}

template <Red op>
Status InferReduce(const NodeArgs& a) {
  if (op == Red::kSum && a.opset >= 13) {
    EL_RETURN_IF_ERROR(CheckAttrs(a, {"keepdims", "noop_with_empty_axes"}));
  } else {
    EL_RETURN_IF_ERROR(CheckAttrs(a, {"axes", "keepdims"}));
  }
  if (a.in[0]->dtype != DType::kFloat) return NodeError(a, "only float input supported");
  a.out[0]->dtype = DType::kFloat;
  std::array<bool, kMaxRank> mask{};
  EL_RETURN_IF_ERROR(ReducedDims<op>(a, &mask));
  bool keep = AttrInt(a, "keepdims", 1) != 0;
  const Shape& s = a.in[0]->shape;
  Shape& out = a.out[0]->shape;
  out.rank = 0;
  for (int i = 0; i < s.rank; ++i) {
    if (!mask[static_cast<size_t>(i)]) {
      out[out.rank++] = s[i];
    } else if (keep) {
      out[out.rank++] = 1;
    }
  }
  return Status::Ok();
}

template <Red op>
Status RunReduce(const NodeArgs& a) {
  std::array<bool, kMaxRank> mask{};
  EL_RETURN_IF_ERROR(ReducedDims<op>(a, &mask));
  const Shape& s = a.in[0]->shape;
  float* o = a.out[0]->As<float>();
  const float* x = a.in[0]->As<float>();
  // Fast path for sums over the innermost dims (e.g. axis 1 of [N, F]): each output is a sum
  // over one contiguous run, with 8 partial sums so it vectorizes. Checked before any other
  // bookkeeping, which at batch 1 costs more than the sum.
  if constexpr (op == Red::kSum || op == Red::kMean || op == Red::kSumSquare || op == Red::kL2) {
    int first = s.rank;
    while (first > 0 && mask[static_cast<size_t>(first - 1)]) --first;
    bool suffix = first < s.rank;
    int64_t rows = 1, per = 1;
    for (int d = 0; d < first; ++d) {
      suffix = suffix && !mask[static_cast<size_t>(d)];
      rows *= s[d];
    }
    for (int d = first; d < s.rank; ++d) per *= s[d];
    if (suffix && rows > 0 && per > 0) {
      constexpr bool kSquares = op == Red::kSumSquare || op == Red::kL2;
      for (int64_t r = 0; r < rows; ++r) {
        const float* row = x + r * per;
        V4 acc0 = {}, acc1 = {};
        int64_t i = 0;
        for (; i + 8 <= per; i += 8) {
          const V4 v0 = LoadV4(row + i), v1 = LoadV4(row + i + 4);
          acc0 += kSquares ? v0 * v0 : v0;
          acc1 += kSquares ? v1 * v1 : v1;
        }
        const V4 acc = acc0 + acc1;
        float sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
        for (; i < per; ++i) sum += kSquares ? row[i] * row[i] : row[i];
        if (op == Red::kMean) sum /= static_cast<float>(per);
        if (op == Red::kL2) sum = std::sqrt(sum);
        o[r] = sum;
      }
      return Status::Ok();
    }
  }
  std::array<int64_t, kMaxRank> ostride{};
  int64_t stride = 1;
  for (int i = s.rank - 1; i >= 0; --i) {
    auto iu = static_cast<size_t>(i);
    ostride[iu] = mask[iu] ? 0 : stride;
    if (!mask[iu]) stride *= s[i];
  }
  const int64_t in_n = s.Count();
  const int64_t out_n = a.out[0]->shape.Count();
  const int64_t per = out_n > 0 ? in_n / out_n : 0;
  constexpr float kInf = std::numeric_limits<float>::infinity();
  float init = op == Red::kMax ? -kInf : op == Red::kMin ? kInf : op == Red::kProd ? 1.0f : 0.0f;
  for (int64_t i = 0; i < out_n; ++i) o[i] = init;
  std::array<int64_t, kMaxRank> pos{};
  int64_t oi = 0;
  for (int64_t i = 0; i < in_n; ++i) {
    const float v = x[i];
    float& acc = o[oi];
    if constexpr (op == Red::kMax) acc = std::max(acc, v);
    if constexpr (op == Red::kMin) acc = std::min(acc, v);
    if constexpr (op == Red::kProd) acc *= v;
    if constexpr (op == Red::kSum || op == Red::kMean || op == Red::kLogSum) acc += v;
    if constexpr (op == Red::kSumSquare || op == Red::kL2) acc += v * v;
    if constexpr (op == Red::kL1) acc += std::fabs(v);
    if constexpr (op == Red::kLogSumExp) acc += std::exp(v);
    for (int d = s.rank - 1; d >= 0; --d) {
      auto du = static_cast<size_t>(d);
      ++pos[du];
      oi += ostride[du];
      if (pos[du] < s[d]) break;
      oi -= ostride[du] * pos[du];
      pos[du] = 0;
    }
  }
  for (int64_t i = 0; i < out_n; ++i) {
    if (op == Red::kMean && per > 0) o[i] /= static_cast<float>(per);
    if (op == Red::kL2) o[i] = std::sqrt(o[i]);
    if (op == Red::kLogSum || op == Red::kLogSumExp) o[i] = std::log(o[i]);
  }
  return Status::Ok();
}

template <Red op>
OpKernel Reduction(int max_inputs = 1) {
  OpKernel k{&InferReduce<op>, &RunReduce<op>, 1, max_inputs, 1};
  k.prepare = &PrepareReduce<op>;
  return k;
}

}  // namespace

void RegisterLinalgOps(RegisterFn reg) {
  reg("MatMul", {&InferMatMul, &RunMatMul, 2, 2, 1});
  reg("Gemm", {&InferGemm, &RunGemm, 2, 3, 1});
  reg("Softmax", {&InferSoftmax<false>, &RunSoftmax<false>, 1, 1, 1});
  reg("LogSoftmax", {&InferSoftmax<true>, &RunSoftmax<true>, 1, 1, 1});
  reg("ReduceSum", Reduction<Red::kSum>(2));
  reg("ReduceMean", Reduction<Red::kMean>());
  reg("ReduceMax", Reduction<Red::kMax>());
  reg("ReduceMin", Reduction<Red::kMin>());
  reg("ReduceProd", Reduction<Red::kProd>());
  reg("ReduceSumSquare", Reduction<Red::kSumSquare>());
  reg("ReduceL1", Reduction<Red::kL1>());
  reg("ReduceL2", Reduction<Red::kL2>());
  reg("ReduceLogSum", Reduction<Red::kLogSum>());
  reg("ReduceLogSumExp", Reduction<Red::kLogSumExp>());
}

}  // namespace edgeloop::model
