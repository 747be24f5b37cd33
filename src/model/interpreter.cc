#include "model/interpreter.h"

#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "model/ops.h"
#include "model/tensor_proto.h"

namespace edgeloop::model {

namespace {
constexpr int64_t kMaxFoldElements = 4096;

// Numeric kernels are written for float, int64 and bool: a node that would hand them a uint8,
// int8 or int32 tensor fails while planning instead of having its buffers read with the wrong
// element size.
Status CheckNarrowIntTypes(const NodeArgs& a, const OpKernel& k, std::span<Tensor* const> values) {
  if (k.narrow_int_types) return Status::Ok();
  for (const Tensor* t : values) {
    if (t && (t->dtype == DType::kUint8 || t->dtype == DType::kInt8 || t->dtype == DType::kInt32)) {
      return NodeError(a, "element type " + DTypeName(static_cast<int32_t>(t->dtype)) +
                              " not supported by " + a.node->op_type());
    }
  }
  return Status::Ok();
}
}  // namespace

struct InferenceSession::Impl {
  struct Step {
    const onnx::NodeProto* node = nullptr;
    const OpKernel* kernel = nullptr;
    std::vector<Tensor*> in, out;
    std::vector<DType> planned;  // output dtypes the buffers were sized for
    std::vector<void*> home;     // output buffers
    bool folded = false;         // all inputs constant: computed once while planning
    // What the kernel's prepare returned, if it has one.
    std::shared_ptr<const void> state;
  };
  OnnxModel model;
  size_t max_batch = 0;
  std::vector<Tensor> values;  // never resized after planning: Steps point into it
  std::vector<std::vector<uint64_t>> buffers;
  std::vector<Step> steps;
  std::vector<int> input_values, output_values;
  std::vector<void*> input_buffers;
  std::vector<std::array<int64_t, kMaxRank>> output_dims;
  size_t planned_bytes = 0;
  // Shape inference is skipped when the inputs have the shapes of the last successful Run,
  // unless some output shape depends on a value fed at Run (then it is redone every time).
  bool value_dependent_shapes = false;
  bool shapes_valid = false;
  std::vector<Shape> last_input_shapes;
  // The steps Run executes (those not folded), with their arguments built once: for a small
  // model at batch 1 the per-step bookkeeping is a visible share of the time.
  struct Ready {
    RunFn run;
    NodeArgs args;
  };
  std::vector<Ready> ready;

  Status Plan();
  Status Allocate(Tensor* t, const std::string& name);
};

Status InferenceSession::Impl::Allocate(Tensor* t, const std::string& name) {
  int64_t n = t->shape.Count();
  if (n < 0)
    return OutOfRange("value '" + name + "' of shape " + ShapeString(t->shape) + " is too large");
  size_t bytes = static_cast<size_t>(n) * DTypeSize(t->dtype);
  if (planned_bytes + bytes > static_cast<size_t>(kMaxPlannedBytes)) {
    return OutOfRange("planned memory exceeds " + std::to_string(kMaxPlannedBytes) +
                      " bytes at value '" + name + "'");
  }
  planned_bytes += bytes;
  buffers.emplace_back(bytes / 8 + 1, 0);
  t->data = buffers.back().data();
  t->capacity = n;
  return Status::Ok();
}

Status InferenceSession::Impl::Plan() {
  const auto& g = model.graph();
  std::map<std::string, int, std::less<>> index;
  size_t count = static_cast<size_t>(g.initializer_size()) + model.inputs().size();
  for (const auto& node : g.node()) count += static_cast<size_t>(node.output_size());
  values.resize(count);
  int next = 0;
  for (const auto& init : g.initializer()) {
    auto t = DecodeTensorProto(init);
    if (!t.ok()) return t.status();
    Tensor& v = values[static_cast<size_t>(next)];
    v.dtype = t->dtype;
    v.shape = t->shape;
    index[init.name()] = next++;
    EL_RETURN_IF_ERROR(Allocate(&v, init.name()));
    std::memcpy(v.data, t->storage.data(), static_cast<size_t>(v.capacity) * DTypeSize(v.dtype));
  }
  for (const auto& in : model.inputs()) {
    Tensor& v = values[static_cast<size_t>(next)];
    v.dtype = in.dtype;
    v.shape = in.shape;
    for (int i = 0; i < v.shape.rank; ++i) {
      if (v.shape[i] < 0) v.shape[i] = static_cast<int64_t>(max_batch);
    }
    input_values.push_back(next);
    index[in.name] = next++;
    EL_RETURN_IF_ERROR(Allocate(&v, in.name));
    input_buffers.push_back(v.data);
    last_input_shapes.push_back(Shape{});
    v.data = nullptr;  // not known before Run
  }
  std::map<std::string, const onnx::ValueInfoProto*, std::less<>> declared;
  for (const auto& vi : g.value_info()) declared[vi.name()] = &vi;
  for (const auto& vi : g.output()) declared[vi.name()] = &vi;
  const int64_t opset = model.opset();
  const int64_t ml_opset = model.ml_opset();
  for (int ni : model.node_order()) {
    const auto& node = g.node(ni);
    Step step{&node, FindOp(node.domain(), node.op_type()), {}, {}, {}, {}, false};
    for (const auto& name : node.input()) {
      step.in.push_back(name.empty() ? nullptr : &values[static_cast<size_t>(index.at(name))]);
    }
    for (const auto& name : node.output()) {
      if (!name.empty()) index[name] = next;  // unnamed optional outputs get a scratch value
      step.out.push_back(&values[static_cast<size_t>(next++)]);
    }
    NodeArgs args{&node, opset, step.in, step.out, ml_opset};
    EL_RETURN_IF_ERROR(CheckNarrowIntTypes(args, *step.kernel, step.in));
    if (step.kernel->prepare != nullptr) {
      // Once per session: attribute decoding and validation stay out of Run.
      auto state = step.kernel->prepare(args);
      if (!state.ok()) return state.status();
      step.state = std::move(*state);
      args.state = step.state.get();
    }
    Status s = step.kernel->infer(args);
    if (s.code() == kNeedsValue) {
      value_dependent_shapes = true;
      // The shape depends on a value fed at Run: use the declared shapes, checked again at Run.
      for (size_t o = 0; o < step.out.size(); ++o) {
        const std::string& name = node.output(static_cast<int>(o));
        auto it = declared.find(name);
        ValueInfo vi;
        if (name.empty() || it == declared.end() || !DecodeValueInfo(*it->second, &vi).ok()) {
          return NodeError(args, "output shape depends on a value that is not a constant (" +
                                     s.message() + ") and no shape is declared for '" + name + "'");
        }
        step.out[o]->dtype = vi.dtype;
        step.out[o]->shape = vi.shape;
        for (int i = 0; i < vi.shape.rank; ++i) {
          if (vi.shape[i] < 0) step.out[o]->shape[i] = static_cast<int64_t>(max_batch);
        }
      }
      s = Status::Ok();
    }
    EL_RETURN_IF_ERROR(s);
    EL_RETURN_IF_ERROR(CheckNarrowIntTypes(args, *step.kernel, step.out));
    for (size_t o = 0; o < step.out.size(); ++o) {
      EL_RETURN_IF_ERROR(Allocate(step.out[o], node.output(static_cast<int>(o))));
      step.planned.push_back(step.out[o]->dtype);
      step.home.push_back(step.out[o]->data);
    }
    // Constant folding: a small node whose inputs are all known runs now and is skipped by Run
    // (shape computations, Constant); big constant work stays in Run.
    step.folded = true;
    for (Tensor* t : step.in) step.folded = step.folded && (t == nullptr || t->data != nullptr);
    if (!step.in.empty()) {  // Constant (no inputs) always folds: decoding it allocates
      for (Tensor* t : step.out) step.folded = step.folded && t->capacity <= kMaxFoldElements;
    }
    if (step.folded) {
      EL_RETURN_IF_ERROR(step.kernel->run(args));
    } else {
      for (Tensor* t : step.out) t->data = nullptr;  // not known before Run
    }
    steps.push_back(std::move(step));
  }
  for (auto& step : steps) {
    for (size_t o = 0; o < step.out.size(); ++o) step.out[o]->data = step.home[o];
  }
  // `steps` does not change from here on, so the spans into each step's in/out stay valid.
  for (const auto& step : steps) {
    if (step.folded) continue;
    ready.push_back({step.kernel->run,
                     NodeArgs{step.node, opset, step.in, step.out, ml_opset, step.state.get()}});
  }
  for (const auto& out : model.outputs()) output_values.push_back(index.at(out.name));
  output_dims.resize(output_values.size());
  return Status::Ok();
}

Result<InferenceSession> InferenceSession::Create(const OnnxModel& model, size_t max_batch) {
  if (max_batch == 0 || max_batch > static_cast<size_t>(kMaxTensorElements)) {
    return InvalidArgument("max_batch must be in 1.." + std::to_string(kMaxTensorElements));
  }
  auto impl = std::make_unique<Impl>();
  impl->model = model;
  impl->max_batch = max_batch;
  EL_RETURN_IF_ERROR(impl->Plan());
  return InferenceSession(std::move(impl));
}

InferenceSession::InferenceSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
InferenceSession::InferenceSession(InferenceSession&&) noexcept = default;
InferenceSession& InferenceSession::operator=(InferenceSession&&) noexcept = default;
InferenceSession::~InferenceSession() = default;

size_t InferenceSession::num_outputs() const { return impl_->output_values.size(); }
size_t InferenceSession::planned_bytes() const { return impl_->planned_bytes; }

Status InferenceSession::Run(std::span<const TensorRef> inputs, std::span<TensorRef> outputs) {
  Impl& m = *impl_;
  if (inputs.size() != m.input_values.size() || outputs.size() != m.output_values.size()) {
    return InvalidArgument("Run needs " + std::to_string(m.input_values.size()) + " inputs and " +
                           std::to_string(m.output_values.size()) + " outputs");
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const ValueInfo& decl = m.model.inputs()[i];
    const TensorRef& ref = inputs[i];
    Tensor& v = m.values[static_cast<size_t>(m.input_values[i])];
    bool ok = ref.dtype == decl.dtype && ref.shape.size() == static_cast<size_t>(decl.shape.rank);
    for (int d = 0; ok && d < decl.shape.rank; ++d) {
      int64_t got = ref.shape[static_cast<size_t>(d)];
      ok = decl.shape[d] < 0 ? got >= 0 && got <= static_cast<int64_t>(m.max_batch)
                             : got == decl.shape[d];
    }
    if (!ok) {
      return InvalidArgument("input '" + decl.name +
                             "' does not match its declared type and "
                             "shape " +
                             ShapeString(decl.shape) + " (batch <= " + std::to_string(m.max_batch) +
                             ")");
    }
    v.shape.rank = decl.shape.rank;
    for (int d = 0; d < decl.shape.rank; ++d) v.shape[d] = ref.shape[static_cast<size_t>(d)];
    v.data = m.input_buffers[i];
    const int64_t n = v.shape.Count();
    if (n < 0 || n > v.capacity) return Internal("input '" + decl.name + "' exceeds its plan");
    if (n > 0 && ref.data == nullptr)
      return InvalidArgument("input '" + decl.name + "' has no data");
    if (v.dtype == DType::kBool) {
      const auto* src = static_cast<const unsigned char*>(ref.data);
      auto* dst = static_cast<bool*>(v.data);
      for (int64_t e = 0; e < n; ++e) dst[e] = src[e] != 0;
    } else if (n > 0) {
      std::memcpy(v.data, ref.data, static_cast<size_t>(n) * DTypeSize(v.dtype));
    }
  }
  bool same_shapes = m.shapes_valid && !m.value_dependent_shapes;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Shape& now = m.values[static_cast<size_t>(m.input_values[i])].shape;
    Shape& last = m.last_input_shapes[i];
    // Copied only when it changed: `now` was just written dim by dim, and reading it back as a
    // whole (wider loads) stalls on store forwarding, a few percent of a batch-1 Run.
    if (!(last == now)) {
      same_shapes = false;
      last = now;
    }
  }
  m.shapes_valid = false;  // until this Run succeeds
  const int64_t opset = m.model.opset();
  const int64_t ml_opset = m.model.ml_opset();
  if (same_shapes) {
    for (const Impl::Ready& r : m.ready) EL_RETURN_IF_ERROR(r.run(r.args));
  } else {
    for (const auto& step : m.steps) {
      if (step.folded) continue;
      NodeArgs args{step.node, opset, step.in, step.out, ml_opset, step.state.get()};
      EL_RETURN_IF_ERROR(step.kernel->infer(args));
      for (size_t o = 0; o < step.out.size(); ++o) {
        const Tensor* t = step.out[o];
        const int64_t n = t->shape.Count();
        if (t->dtype != step.planned[o])
          return NodeError(args, "output type differs from the plan");
        if (n < 0 || n > t->capacity) {
          return NodeError(args, "output shape " + ShapeString(t->shape) +
                                     " exceeds the planned size (" + std::to_string(t->capacity) +
                                     " elements)");
        }
      }
      EL_RETURN_IF_ERROR(step.kernel->run(args));
    }
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& t = m.values[static_cast<size_t>(m.output_values[i])];
    auto& dims = m.output_dims[i];
    for (int d = 0; d < t.shape.rank; ++d) dims[static_cast<size_t>(d)] = t.shape[d];
    outputs[i] = TensorRef{
        t.dtype, std::span<const int64_t>(dims.data(), static_cast<size_t>(t.shape.rank)), t.data};
  }
  m.shapes_valid = true;
  return Status::Ok();
}

}  // namespace edgeloop::model
