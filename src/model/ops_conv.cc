// Conv (any spatial rank, groups, dilations, padding incl. auto_pad), MaxPool, AveragePool,
// GlobalMaxPool and GlobalAveragePool.
// Direct loops: correct for every geometry, meant for the small models of the edge.
#include <algorithm>
#include <cmath>
#include <limits>

#include "model/ops.h"

namespace edgeloop::model {
namespace {

constexpr int kMaxSpatial = kMaxRank - 2;

struct Geom {
  int s = 0;  // spatial rank
  std::array<int64_t, kMaxSpatial> in{}, out{}, k{}, stride{}, dil{}, pad{}, pad_end{};
};

// Reads an ints attribute of exactly `n` values (or `fallback` for each when absent).
Status Ints(const NodeArgs& a, const char* name, int n, int64_t fallback, int64_t* out) {
  const auto* attr = FindAttr(a, name);
  if (!attr) {
    std::fill_n(out, n, fallback);
    return Status::Ok();
  }
  if (attr->ints_size() != n) return NodeError(a, std::string(name) + " has the wrong length");
  for (int i = 0; i < n; ++i) out[i] = attr->ints(i);
  return Status::Ok();
}

// Geometry from X's shape, the kernel's spatial dims and the attributes.
Status MakeGeom(const NodeArgs& a, const Shape& x, const int64_t* kernel, bool pool, Geom* g) {
  g->s = x.rank - 2;
  const int s = g->s;
  std::array<int64_t, 2 * kMaxSpatial> pads{};
  EL_RETURN_IF_ERROR(Ints(a, "strides", s, 1, g->stride.data()));
  EL_RETURN_IF_ERROR(Ints(a, "dilations", s, 1, g->dil.data()));
  EL_RETURN_IF_ERROR(Ints(a, "pads", 2 * s, 0, pads.data()));
  const auto* ap = FindAttr(a, "auto_pad");
  const std::string_view mode = ap ? std::string_view(ap->s()) : "NOTSET";
  if (mode != "NOTSET" && mode != "VALID" && mode != "SAME_UPPER" && mode != "SAME_LOWER") {
    return NodeError(a, "auto_pad '" + std::string(mode) + "' not supported");
  }
  const bool ceil_mode = pool && AttrInt(a, "ceil_mode", 0) != 0;
  for (int i = 0; i < s; ++i) {
    auto iu = static_cast<size_t>(i);
    g->in[iu] = x[i + 2];
    g->k[iu] = kernel[i];
    if (g->k[iu] < 1 || g->stride[iu] < 1 || g->dil[iu] < 1 || pads[iu] < 0 ||
        pads[iu + static_cast<size_t>(s)] < 0 || g->k[iu] > 4096 || g->stride[iu] > 4096 ||
        g->dil[iu] > 4096 || pads[iu] > 4096 || pads[iu + static_cast<size_t>(s)] > 4096) {
      return NodeError(a, "invalid kernel, stride, dilation or pad");
    }
    const int64_t span = g->dil[iu] * (g->k[iu] - 1) + 1;
    int64_t pb = pads[iu], pe = pads[iu + static_cast<size_t>(s)];
    if (mode == "VALID") pb = pe = 0;
    if (mode == "SAME_UPPER" || mode == "SAME_LOWER") {
      const int64_t out = (g->in[iu] + g->stride[iu] - 1) / g->stride[iu];
      const int64_t total = std::max<int64_t>(0, (out - 1) * g->stride[iu] + span - g->in[iu]);
      pb = mode == "SAME_UPPER" ? total / 2 : total - total / 2;
      pe = total - pb;
    }
    const int64_t room = g->in[iu] + pb + pe - span;
    if (room < 0) return NodeError(a, "kernel larger than the padded input");
    int64_t out = room / g->stride[iu] + 1;
    if (ceil_mode && room % g->stride[iu] != 0) {
      ++out;
      if ((out - 1) * g->stride[iu] >= g->in[iu] + pb) --out;  // window starting in the end pad
    }
    g->out[iu] = out;
    g->pad[iu] = pb;
    g->pad_end[iu] = pe;
  }
  return Status::Ok();
}

double Taps(const Geom& g) {
  double taps = 1;
  for (int i = 0; i < g.s; ++i) taps *= static_cast<double>(g.k[static_cast<size_t>(i)]);
  return taps;
}

Status InferConv(const NodeArgs& a) {
  constexpr bool pool = false;
  EL_RETURN_IF_ERROR(
      CheckAttrs(a, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"}));
  for (Tensor* t : a.in) {
    if (t && t->dtype != DType::kFloat) return NodeError(a, "only float inputs supported");
  }
  const Shape& x = a.in[0]->shape;
  const Shape& w = a.in[1]->shape;
  const int64_t group = AttrInt(a, "group", 1);
  if (x.rank < 3 || w.rank != x.rank) return NodeError(a, "X and W must have equal rank >= 3");
  if (group < 1 || x[1] % group != 0 || w[0] % group != 0 || w[1] * group != x[1]) {
    return NodeError(a, "shapes " + ShapeString(x) + " and " + ShapeString(w) +
                            " do not match for group " + std::to_string(group));
  }
  if (a.in.size() > 2 && a.in[2] && (a.in[2]->shape.rank != 1 || a.in[2]->shape[0] != w[0])) {
    return NodeError(a, "B must have shape [" + std::to_string(w[0]) + "]");
  }
  std::array<int64_t, kMaxSpatial> ks{};
  EL_RETURN_IF_ERROR(Ints(a, "kernel_shape", x.rank - 2, 0, ks.data()));
  for (int i = 0; i < x.rank - 2; ++i) {
    if (FindAttr(a, "kernel_shape") && ks[static_cast<size_t>(i)] != w[i + 2]) {
      return NodeError(a, "kernel_shape does not match W");
    }
    ks[static_cast<size_t>(i)] = w[i + 2];
  }
  Geom g;
  EL_RETURN_IF_ERROR(MakeGeom(a, x, ks.data(), false, &g));
  Shape& out = a.out[0]->shape;
  out.rank = x.rank;
  out[0] = x[0];
  out[1] = w[0];
  for (int i = 0; i < g.s; ++i) out[i + 2] = g.out[static_cast<size_t>(i)];
  a.out[0]->dtype = DType::kFloat;
  return CheckWork(a, out, Taps(g) * static_cast<double>(pool ? 1 : a.in[1]->shape[1]));
}

// Calls f(input offset, inside the input, tap index, inside the padded input) for each kernel tap
// of output position `opos`.
template <typename F>
void ForEachTap(const Geom& g, const std::array<int64_t, kMaxSpatial>& opos, F&& f) {
  std::array<int64_t, kMaxSpatial> kpos{};
  int64_t taps = 1;
  for (int i = 0; i < g.s; ++i) taps *= g.k[static_cast<size_t>(i)];
  for (int64_t t = 0; t < taps; ++t) {
    int64_t off = 0;
    bool valid = true, padded = true;
    for (int i = 0; i < g.s; ++i) {
      auto iu = static_cast<size_t>(i);
      int64_t p = opos[iu] * g.stride[iu] - g.pad[iu] + kpos[iu] * g.dil[iu];
      valid = valid && p >= 0 && p < g.in[iu];
      padded = padded && p >= -g.pad[iu] && p < g.in[iu] + g.pad_end[iu];
      off = off * g.in[iu] + p;
    }
    f(off, valid, t, padded);
    for (int i = g.s - 1; i >= 0; --i) {
      if (++kpos[static_cast<size_t>(i)] < g.k[static_cast<size_t>(i)]) break;
      kpos[static_cast<size_t>(i)] = 0;
    }
  }
}

// Calls f(output spatial index, position) over the output's spatial positions.
template <typename F>
void ForEachOut(const Geom& g, F&& f) {
  std::array<int64_t, kMaxSpatial> pos{};
  int64_t n = 1;
  for (int i = 0; i < g.s; ++i) n *= g.out[static_cast<size_t>(i)];
  for (int64_t o = 0; o < n; ++o) {
    f(o, pos);
    for (int i = g.s - 1; i >= 0; --i) {
      if (++pos[static_cast<size_t>(i)] < g.out[static_cast<size_t>(i)]) break;
      pos[static_cast<size_t>(i)] = 0;
    }
  }
}

Status RunConv(const NodeArgs& a) {
  const Shape& x = a.in[0]->shape;
  const Shape& w = a.in[1]->shape;
  std::array<int64_t, kMaxSpatial> ks{};
  for (int i = 0; i < x.rank - 2; ++i) ks[static_cast<size_t>(i)] = w[i + 2];
  Geom g;
  EL_RETURN_IF_ERROR(MakeGeom(a, x, ks.data(), false, &g));
  const int64_t group = AttrInt(a, "group", 1);
  const int64_t cin = w[1], cout = w[0], m_per_g = cout / group;
  int64_t in_sp = 1, out_sp = 1, taps = 1;
  for (int i = 0; i < g.s; ++i) {
    in_sp *= g.in[static_cast<size_t>(i)];
    out_sp *= g.out[static_cast<size_t>(i)];
    taps *= g.k[static_cast<size_t>(i)];
  }
  const float* X = a.in[0]->As<float>();
  const float* W = a.in[1]->As<float>();
  const float* B = a.in.size() > 2 && a.in[2] ? a.in[2]->As<float>() : nullptr;
  float* O = a.out[0]->As<float>();
  for (int64_t n = 0; n < x[0]; ++n) {
    for (int64_t m = 0; m < cout; ++m) {
      const int64_t c0 = (m / m_per_g) * cin;
      float* o = O + (n * cout + m) * out_sp;
      ForEachOut(g, [&](int64_t oi, const auto& opos) {
        float acc = B ? B[m] : 0.0f;
        for (int64_t c = 0; c < cin; ++c) {
          const float* xc = X + (n * x[1] + c0 + c) * in_sp;
          const float* wc = W + (m * cin + c) * taps;
          ForEachTap(g, opos, [&](int64_t off, bool valid, int64_t t, bool) {
            if (valid) acc += xc[off] * wc[t];
          });
        }
        o[oi] = acc;
      });
    }
  }
  return Status::Ok();
}

template <bool kMax>
Status PoolGeom(const NodeArgs& a, Geom* g) {
  const Shape& x = a.in[0]->shape;
  if (x.rank < 3) return NodeError(a, "X must have rank >= 3");
  std::array<int64_t, kMaxSpatial> ks{};
  if (!FindAttr(a, "kernel_shape")) return NodeError(a, "kernel_shape is required");
  EL_RETURN_IF_ERROR(Ints(a, "kernel_shape", x.rank - 2, 0, ks.data()));
  return MakeGeom(a, x, ks.data(), true, g);
}

template <bool kMax>
Status InferPool(const NodeArgs& a) {
  constexpr bool pool = true;
  if (kMax) {
    EL_RETURN_IF_ERROR(CheckAttrs(a, {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads",
                                      "storage_order", "strides"}));
  } else {
    EL_RETURN_IF_ERROR(CheckAttrs(
        a, {"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"}));
  }
  if (a.in[0]->dtype != DType::kFloat) return NodeError(a, "only float input supported");
  Geom g;
  EL_RETURN_IF_ERROR(PoolGeom<kMax>(a, &g));
  Shape& out = a.out[0]->shape;
  out = a.in[0]->shape;
  for (int i = 0; i < g.s; ++i) out[i + 2] = g.out[static_cast<size_t>(i)];
  a.out[0]->dtype = DType::kFloat;
  return CheckWork(a, out, Taps(g) * static_cast<double>(pool ? 1 : a.in[1]->shape[1]));
}

template <bool kMax>
Status RunPool(const NodeArgs& a) {
  Geom g;
  EL_RETURN_IF_ERROR(PoolGeom<kMax>(a, &g));
  const Shape& x = a.in[0]->shape;
  const bool include_pad = AttrInt(a, "count_include_pad", 0) != 0;
  int64_t in_sp = 1, out_sp = 1;
  for (int i = 0; i < g.s; ++i) {
    in_sp *= g.in[static_cast<size_t>(i)];
    out_sp *= g.out[static_cast<size_t>(i)];
  }
  const float* X = a.in[0]->As<float>();
  float* O = a.out[0]->As<float>();
  for (int64_t nc = 0; nc < x[0] * x[1]; ++nc) {
    const float* xc = X + nc * in_sp;
    ForEachOut(g, [&](int64_t oi, const auto& opos) {
      float acc = kMax ? -std::numeric_limits<float>::infinity() : 0.0f;
      int64_t count = 0;
      ForEachTap(g, opos, [&](int64_t off, bool valid, int64_t, bool padded) {
        if (valid) acc = kMax ? std::max(acc, xc[off]) : acc + xc[off];
        if (include_pad ? padded : valid) ++count;
      });
      O[nc * out_sp + oi] = kMax ? acc : (count > 0 ? acc / static_cast<float>(count) : 0.0f);
    });
  }
  return Status::Ok();
}

template <bool kMax>
Status InferGlobalPool(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {}));
  if (a.in[0]->dtype != DType::kFloat) return NodeError(a, "only float input supported");
  if (a.in[0]->shape.rank < 3) return NodeError(a, "X must have rank >= 3");
  a.out[0]->dtype = DType::kFloat;
  a.out[0]->shape = a.in[0]->shape;
  for (int i = 2; i < a.in[0]->shape.rank; ++i) a.out[0]->shape[i] = 1;
  return Status::Ok();
}

template <bool kMax>
Status RunGlobalPool(const NodeArgs& a) {
  const Shape& x = a.in[0]->shape;
  int64_t sp = 1;
  for (int i = 2; i < x.rank; ++i) sp *= x[i];
  for (int64_t nc = 0; nc < x[0] * x[1]; ++nc) {
    const float* xc = a.in[0]->As<float>() + nc * sp;
    float acc = kMax ? -std::numeric_limits<float>::infinity() : 0.0f;
    for (int64_t i = 0; i < sp; ++i) acc = kMax ? std::max(acc, xc[i]) : acc + xc[i];
    a.out[0]->As<float>()[nc] = kMax || sp == 0 ? acc : acc / static_cast<float>(sp);
  }
  return Status::Ok();
}

}  // namespace

void RegisterConvOps(RegisterFn reg) {
  reg("Conv", {&InferConv, &RunConv, 2, 3, 1});
  reg("MaxPool", {&InferPool<true>, &RunPool<true>, 1, 1, 1});
  reg("AveragePool", {&InferPool<false>, &RunPool<false>, 1, 1, 1});
  reg("GlobalMaxPool", {&InferGlobalPool<true>, &RunGlobalPool<true>, 1, 1, 1});
  reg("GlobalAveragePool", {&InferGlobalPool<false>, &RunGlobalPool<false>, 1, 1, 1});
}

}  // namespace edgeloop::model
