// ConvTranspose (any spatial rank, groups, dilations, pads, output_padding, output_shape).
#include <algorithm>
#include <string>

#include "model/ops.h"

namespace edgeloop::model {
namespace {

constexpr int kMaxSpatial = kMaxRank - 2;

struct TGeom {
  int s = 0;
  std::array<int64_t, kMaxSpatial> in{}, out{}, k{}, stride{}, dil{}, pad{};
};

Status IntsAttr(const NodeArgs& a, const char* name, int n, int64_t fallback, int64_t* out) {
  const auto* attr = FindAttr(a, name);
  if (!attr) {
    std::fill_n(out, n, fallback);
    return Status::Ok();
  }
  if (attr->ints_size() != n) return NodeError(a, std::string(name) + " has the wrong length");
  for (int i = 0; i < n; ++i) out[i] = attr->ints(i);
  return Status::Ok();
}

Status MakeTGeom(const NodeArgs& a, TGeom* g) {
  const Shape& x = a.in[0]->shape;
  const Shape& w = a.in[1]->shape;
  const int s = x.rank - 2;
  g->s = s;
  std::array<int64_t, 2 * kMaxSpatial> pads{};
  std::array<int64_t, kMaxSpatial> opad{}, oshape{};
  EL_RETURN_IF_ERROR(IntsAttr(a, "strides", s, 1, g->stride.data()));
  EL_RETURN_IF_ERROR(IntsAttr(a, "dilations", s, 1, g->dil.data()));
  EL_RETURN_IF_ERROR(IntsAttr(a, "pads", 2 * s, 0, pads.data()));
  EL_RETURN_IF_ERROR(IntsAttr(a, "output_padding", s, 0, opad.data()));
  const bool has_oshape = FindAttr(a, "output_shape") != nullptr;
  if (has_oshape) EL_RETURN_IF_ERROR(IntsAttr(a, "output_shape", s, 0, oshape.data()));
  const auto* ap = FindAttr(a, "auto_pad");
  const std::string_view mode = ap ? std::string_view(ap->s()) : "NOTSET";
  if (mode != "NOTSET" && mode != "VALID" && mode != "SAME_UPPER" && mode != "SAME_LOWER") {
    return NodeError(a, "auto_pad '" + std::string(mode) + "' not supported");
  }
  for (int i = 0; i < s; ++i) {
    auto iu = static_cast<size_t>(i);
    auto ie = iu + static_cast<size_t>(s);
    g->in[iu] = x[i + 2];
    g->k[iu] = w[i + 2];
    if (mode == "VALID") pads[iu] = pads[ie] = 0;
    for (int64_t v : {g->stride[iu], g->dil[iu]}) {
      if (v < 1 || v > 4096) return NodeError(a, "invalid stride or dilation");
    }
    for (int64_t v : {pads[iu], pads[ie], opad[iu], g->k[iu]}) {
      if (v < 0 || v > 4096) return NodeError(a, "invalid kernel, pad or output_padding");
    }
    const int64_t full =
        g->stride[iu] * (g->in[iu] - 1) + opad[iu] + (g->k[iu] - 1) * g->dil[iu] + 1;
    const bool same = mode == "SAME_UPPER" || mode == "SAME_LOWER";
    if (has_oshape || same) {
      // The target size decides the pads (as the ONNX reference does; a negative total pads
      // the end of the output with bias-only values).
      const int64_t target = has_oshape ? oshape[iu] : g->in[iu] * g->stride[iu];
      if (target < 0 || target > kMaxTensorElements) return NodeError(a, "invalid output_shape");
      const int64_t total = full - target;
      const int64_t half = total >= 0 ? total / 2 : -((-total + 1) / 2);  // floor(total / 2)
      pads[iu] = mode == "SAME_UPPER" ? half : total - half;
      pads[ie] = total - pads[iu];
    }
    g->pad[iu] = pads[iu];
    g->out[iu] = full - pads[iu] - pads[ie];
    if (g->out[iu] < 0 || g->in[iu] < 1) return NodeError(a, "invalid output size");
  }
  return Status::Ok();
}

Status InferConvTranspose(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {"auto_pad", "dilations", "group", "kernel_shape",
                                    "output_padding", "output_shape", "pads", "strides"}));
  for (Tensor* t : a.in) {
    if (t && t->dtype != DType::kFloat) return NodeError(a, "only float inputs supported");
  }
  const Shape& x = a.in[0]->shape;
  const Shape& w = a.in[1]->shape;
  const int64_t group = AttrInt(a, "group", 1);
  if (x.rank < 3 || w.rank != x.rank) return NodeError(a, "X and W must have equal rank >= 3");
  if (group < 1 || x[1] % group != 0 || w[0] != x[1]) {
    return NodeError(a, "shapes " + ShapeString(x) + " and " + ShapeString(w) + " do not match");
  }
  const int64_t cout = w[1] * group;
  if (a.in.size() > 2 && a.in[2] && (a.in[2]->shape.rank != 1 || a.in[2]->shape[0] != cout)) {
    return NodeError(a, "B must have shape [" + std::to_string(cout) + "]");
  }
  if (const auto* ks = FindAttr(a, "kernel_shape")) {
    for (int i = 0; i < ks->ints_size() && i + 2 < w.rank; ++i) {
      if (ks->ints(i) != w[i + 2]) return NodeError(a, "kernel_shape does not match W");
    }
  }
  TGeom g;
  EL_RETURN_IF_ERROR(MakeTGeom(a, &g));
  Shape& out = a.out[0]->shape;
  out.rank = x.rank;
  out[0] = x[0];
  out[1] = cout;
  double taps = 1;
  for (int i = 0; i < g.s; ++i) {
    out[i + 2] = g.out[static_cast<size_t>(i)];
    taps *= static_cast<double>(g.k[static_cast<size_t>(i)]);
  }
  a.out[0]->dtype = DType::kFloat;
  return CheckWork(a, x, taps * static_cast<double>(w[1]));
}

Status RunConvTranspose(const NodeArgs& a) {
  TGeom g;
  EL_RETURN_IF_ERROR(MakeTGeom(a, &g));
  const Shape& x = a.in[0]->shape;
  const Shape& w = a.in[1]->shape;
  const int64_t group = AttrInt(a, "group", 1);
  const int64_t cin = x[1], cin_g = cin / group, m_g = w[1], cout = m_g * group;
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
      float* o = O + (n * cout + m) * out_sp;
      std::fill_n(o, out_sp, B ? B[m] : 0.0f);
      const int64_t grp = m / m_g, mm = m % m_g;
      for (int64_t c = grp * cin_g; c < (grp + 1) * cin_g; ++c) {
        const float* xc = X + (n * cin + c) * in_sp;
        const float* wc = W + (c * m_g + mm) * taps;
        std::array<int64_t, kMaxSpatial> ipos{};
        for (int64_t ii = 0; ii < in_sp; ++ii) {
          std::array<int64_t, kMaxSpatial> kpos{};
          for (int64_t t = 0; t < taps; ++t) {
            int64_t off = 0;
            bool valid = true;
            for (int d = 0; d < g.s; ++d) {
              auto du = static_cast<size_t>(d);
              int64_t p = ipos[du] * g.stride[du] - g.pad[du] + kpos[du] * g.dil[du];
              valid = valid && p >= 0 && p < g.out[du];
              off = off * g.out[du] + p;
            }
            if (valid) o[off] += xc[ii] * wc[t];
            for (int d = g.s - 1; d >= 0; --d) {
              if (++kpos[static_cast<size_t>(d)] < g.k[static_cast<size_t>(d)]) break;
              kpos[static_cast<size_t>(d)] = 0;
            }
          }
          for (int d = g.s - 1; d >= 0; --d) {
            if (++ipos[static_cast<size_t>(d)] < g.in[static_cast<size_t>(d)]) break;
            ipos[static_cast<size_t>(d)] = 0;
          }
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace

void RegisterConvTransposeOps(RegisterFn reg) {
  reg("ConvTranspose", {&InferConvTranspose, &RunConvTranspose, 2, 3, 1});
}

}  // namespace edgeloop::model
