// Operator registry of the ONNX runtime.
//
// Each operator has two functions. `infer` checks attributes, input types and shapes and sets
// the outputs' dtype and shape; it runs once while planning (inputs that are not known before
// Run have data == nullptr) and again at every Run with the real inputs, so it must not
// allocate on success. `run` computes the outputs into their planned buffers, also without
// allocating. Kernels live in two tables, the default domain ("" or "ai.onnx") and "ai.onnx.ml",
// keyed by op_type; FindOp is the one place that resolves (domain, op_type).
// NodeArgs::opset is the default domain's opset, NodeArgs::ml_opset the ai.onnx.ml one.
//
// A kernel whose attributes are expensive to decode (tree ensembles) also has `prepare`: it runs
// once per session while planning, before the first `infer`, validates the attributes and
// returns an immutable state that every later `infer` and `run` of that node sees as
// NodeArgs::state. A state belongs to one session, so `run` may use scratch memory the state
// owns (sized in prepare) without allocating.
#pragma once

#include <onnx/onnx_pb.h>

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "model/tensor.h"

namespace edgeloop::model {

struct NodeArgs {
  const onnx::NodeProto* node = nullptr;
  int64_t opset = 0;            // the model's default-domain opset
  std::span<Tensor* const> in;  // nullptr for an absent optional input
  std::span<Tensor* const> out;
  int64_t ml_opset = 0;         // the model's ai.onnx.ml opset (0 when not imported)
  const void* state = nullptr;  // what the kernel's prepare returned (nullptr without prepare)
};

using InferFn = Status (*)(const NodeArgs&);
using RunFn = Status (*)(const NodeArgs&);
// Called once per session while planning; the state lives as long as the session.
using PrepareFn = Result<std::shared_ptr<const void>> (*)(const NodeArgs&);

struct OpKernel {
  InferFn infer = nullptr;
  RunFn run = nullptr;
  int min_inputs = 1;
  int max_inputs = 1;
  int num_outputs = 1;  // the most outputs; outputs after the first are optional
  // Whether the kernel handles uint8/int8/int32 tensors. Planning rejects a node with such an
  // input or output unless this is set, so numeric kernels written for float/int64/bool never
  // see them.
  bool narrow_int_types = false;
  PrepareFn prepare = nullptr;  // optional; see the top of this file
};

// The kernel for (domain, op_type), or nullptr. Domain "ai.onnx" is the default domain "".
const OpKernel* FindOp(std::string_view domain, std::string_view op_type);
// Names of all registered ops, sorted, comma separated (for docs and errors); ai.onnx.ml ops
// follow the default-domain ones with an "ai.onnx.ml:" prefix.
std::string SupportedOps();

// Status code an infer function returns when an output shape depends on an input value that is
// not known while planning (e.g. Reshape's shape fed as a graph input).
inline constexpr StatusCode kNeedsValue = StatusCode::kUnavailable;

// Helpers for kernels ------------------------------------------------------------------------
const onnx::AttributeProto* FindAttr(const NodeArgs& a, std::string_view name);
int64_t AttrInt(const NodeArgs& a, std::string_view name, int64_t fallback);
float AttrFloat(const NodeArgs& a, std::string_view name, float fallback);
// "node 'name' (OpType): " + msg, as an InvalidArgument status.
Status NodeError(const NodeArgs& a, std::string_view msg);
// Fails unless every attribute of the node is in `known`.
Status CheckAttrs(const NodeArgs& a, std::initializer_list<std::string_view> known);
// Normalizes a possibly negative axis into [0, rank); fails when out of range.
Status NormalizeAxis(const NodeArgs& a, int64_t axis, int rank, int* out);

// How Softmax, LogSoftmax and Hardmax see their input: `outer` independent rows of `n` elements
// spaced `inner` apart. Before opset 13 the input is coerced to 2-D at `axis` (n = product of
// the trailing dims, inner = 1); from 13 on only dimension `axis` is reduced.
struct AxisSplit {
  int64_t outer = 1;
  int64_t n = 1;
  int64_t inner = 1;
};
Result<AxisSplit> SoftmaxAxisSplit(const NodeArgs& a);
// Largest number of multiply-adds one node may need per Run; a hostile model cannot make a
// single node run for hours.
inline constexpr double kMaxNodeWork = 4294967296.0;  // 2^32
// Fails when out.Count() x per_output exceeds kMaxNodeWork.
Status CheckWork(const NodeArgs& a, const Shape& out, double per_output);
// Numpy broadcasting of up to three shapes.
Status BroadcastShapes(const NodeArgs& a, std::span<const Shape* const> shapes, Shape* out);

// Registration, one call per ops file.
using RegisterFn = void (*)(std::string_view op_type, OpKernel kernel);
void RegisterElementwiseOps(RegisterFn reg);
void RegisterLinalgOps(RegisterFn reg);
void RegisterShapeOps(RegisterFn reg);
void RegisterMiscOps(RegisterFn reg);
void RegisterIndexOps(RegisterFn reg);
void RegisterNormOps(RegisterFn reg);
void RegisterConvOps(RegisterFn reg);
void RegisterExtraOps(RegisterFn reg);
void RegisterConvTransposeOps(RegisterFn reg);
void RegisterQuantOps(RegisterFn reg);
// Registers into the "ai.onnx.ml" table.
void RegisterMlOps(RegisterFn reg);

}  // namespace edgeloop::model
