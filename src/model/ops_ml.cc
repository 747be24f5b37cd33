// Kernels of the ai.onnx.ml domain: Scaler, TreeEnsembleRegressor and TreeEnsembleClassifier.
// The tree ensembles decode and validate their attributes once per session (prepare, see
// ops_ml_tree.h) and evaluate flattened trees over blocks of rows.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "model/ops.h"
#include "model/ops_ml_tree.h"

namespace edgeloop::model {
namespace {

// Scaler: y = (x - offset) * scale, with offset and scale of length 1 (every element) or the
// size of the last dimension (per feature). Missing attributes mean offset 0 and scale 1.
Status InferScaler(const NodeArgs& a) {
  EL_RETURN_IF_ERROR(CheckAttrs(a, {"offset", "scale"}));
  const Tensor& x = *a.in[0];
  if (x.dtype != DType::kFloat && x.dtype != DType::kInt64) {
    return NodeError(a, "input must be float or int64");
  }
  const int64_t f = x.shape.rank == 0 ? 1 : x.shape[x.shape.rank - 1];
  for (const char* name : {"offset", "scale"}) {
    const auto* attr = FindAttr(a, name);
    const int64_t n = attr ? attr->floats_size() : 0;
    if (n > 1 && n != f) {
      return NodeError(a, std::string(name) + " has " + std::to_string(n) +
                              " values; expected 1 or the " + std::to_string(f) + " features");
    }
  }
  a.out[0]->dtype = DType::kFloat;
  a.out[0]->shape = x.shape;
  return Status::Ok();
}

template <typename T>
void RunScalerT(const NodeArgs& a) {
  const Tensor& x = *a.in[0];
  const int64_t count = x.shape.Count();
  const int64_t f = x.shape.rank == 0 ? 1 : x.shape[x.shape.rank - 1];
  const auto* off_attr = FindAttr(a, "offset");
  const auto* scale_attr = FindAttr(a, "scale");
  const float* off = off_attr && off_attr->floats_size() > 0 ? off_attr->floats().data() : nullptr;
  const float* scale =
      scale_attr && scale_attr->floats_size() > 0 ? scale_attr->floats().data() : nullptr;
  const bool off_each = off_attr && off_attr->floats_size() > 1;
  const bool scale_each = scale_attr && scale_attr->floats_size() > 1;
  const T* in = x.As<T>();
  float* out = a.out[0]->As<float>();
  for (int64_t i = 0; i < count; ++i) {
    const int64_t j = f > 0 ? i % f : 0;
    const float o = off ? off[off_each ? j : 0] : 0.0f;
    const float s = scale ? scale[scale_each ? j : 0] : 1.0f;
    out[i] = (static_cast<float>(in[i]) - o) * s;
  }
}

Status RunScaler(const NodeArgs& a) {
  if (a.in[0]->dtype == DType::kFloat) {
    RunScalerT<float>(a);
  } else {
    RunScalerT<int64_t>(a);
  }
  return Status::Ok();
}

}  // namespace

void RegisterMlOps(RegisterFn reg) {
  reg("Scaler", {&InferScaler, &RunScaler, 1, 1, 1});
  RegisterTreeEnsembleOps(reg);
}

}  // namespace edgeloop::model
