#include "model/onnx_model.h"

#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "model/interpreter.h"
#include "model/ops.h"
#include "model/tensor_proto.h"

namespace edgeloop::model {

Status DecodeValueInfo(const onnx::ValueInfoProto& vi, ValueInfo* out) {
  out->name = vi.name();
  if (!vi.type().has_tensor_type()) {
    return InvalidArgument("value '" + vi.name() + "' is not a tensor");
  }
  const auto& tt = vi.type().tensor_type();
  if (!IsSupportedDType(tt.elem_type())) {
    return InvalidArgument("value '" + vi.name() + "' has type " + DTypeName(tt.elem_type()) +
                           "; only float, uint8, int8, int32, int64 and bool are supported");
  }
  out->dtype = static_cast<DType>(tt.elem_type());
  if (!tt.has_shape()) return InvalidArgument("value '" + vi.name() + "' has no shape");
  if (tt.shape().dim_size() > kMaxRank) {
    return InvalidArgument("value '" + vi.name() + "' has more than 8 dims");
  }
  out->shape.rank = tt.shape().dim_size();
  for (int i = 0; i < out->shape.rank; ++i) {
    const auto& d = tt.shape().dim(i);
    // dim_param, no value, or -1 (written by some exporters): the symbolic batch dim.
    int64_t v = d.has_dim_value() ? d.dim_value() : -1;
    if (d.has_dim_value() && (v < -1 || v > kMaxTensorElements)) {
      return OutOfRange("value '" + vi.name() + "' has invalid dim " + std::to_string(v));
    }
    out->shape[i] = v;
  }
  return Status::Ok();
}

Result<OnnxModel> OnnxModel::FromBytes(std::span<const uint8_t> bytes, std::string_view source) {
  OnnxModel m;
  m.source_ = std::string(source);
  if (bytes.size() > kMaxModelBytes) {
    return OutOfRange(m.source_ + ": model is " + std::to_string(bytes.size()) +
                      " bytes; the limit is " + std::to_string(kMaxModelBytes));
  }
  auto proto = std::make_shared<onnx::ModelProto>();
  if (!proto->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return DataLoss(m.source_ +
                    ": not a valid ONNX model (protobuf parse failed: truncated or "
                    "corrupt file?)");
  }
  m.proto_ = std::move(proto);
  Status s = m.Validate();
  if (!s.ok()) return s.WithContext(m.source_);
  // Shapes: plan once with batch 1, which runs every operator's shape and attribute checks.
  auto session = InferenceSession::Create(m, 1);
  if (!session.ok()) return session.status().WithContext(m.source_);
  return m;
}

Result<OnnxModel> OnnxModel::FromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return IoError("cannot open " + path);
  auto size = static_cast<int64_t>(in.tellg());
  if (size < 0) return IoError("cannot read " + path);
  if (static_cast<size_t>(size) > kMaxModelBytes) {
    return OutOfRange(path + ": model is " + std::to_string(size) + " bytes; the limit is " +
                      std::to_string(kMaxModelBytes));
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  in.seekg(0);
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size)) {
    return IoError("cannot read " + path);
  }
  return FromBytes(bytes, path);
}

Status OnnxModel::Validate() {
  if (!proto_->has_graph()) return DataLoss("model has no graph");
  opset_ = -1;
  for (const auto& imp : proto_->opset_import()) {
    if (imp.domain().empty() || imp.domain() == "ai.onnx") opset_ = imp.version();
  }
  if (opset_ < 0) return InvalidArgument("model imports no default-domain opset");
  if (opset_ < kMinOpset || opset_ > kMaxOpset) {
    return InvalidArgument("default-domain opset " + std::to_string(opset_) +
                           " not supported (supported: " + std::to_string(kMinOpset) + ".." +
                           std::to_string(kMaxOpset) + ")");
  }
  ml_opset_ = 0;
  for (const auto& imp : proto_->opset_import()) {
    if (imp.domain() != "ai.onnx.ml") continue;
    if (imp.version() < kMinMlOpset || imp.version() > kMaxMlOpset) {
      return InvalidArgument("ai.onnx.ml opset " + std::to_string(imp.version()) +
                             " not supported (" + std::to_string(kMinMlOpset) + ".." +
                             std::to_string(kMaxMlOpset) + ")");
    }
    ml_opset_ = imp.version();
  }
  const auto& g = proto_->graph();
  if (g.node_size() > kMaxNodes) return OutOfRange("graph has too many nodes");
  if (g.sparse_initializer_size() > 0) return InvalidArgument("sparse initializers not supported");
  // Values defined before any node runs.
  std::set<std::string, std::less<>> defined;
  for (const auto& init : g.initializer()) {
    if (init.name().empty()) return InvalidArgument("an initializer has no name");
    auto t = DecodeTensorProto(init);
    if (!t.ok()) return t.status().WithContext("initializer");
    if (!defined.insert(init.name()).second) {
      return InvalidArgument("initializer '" + init.name() + "' defined twice");
    }
  }
  inputs_.clear();
  for (const auto& vi : g.input()) {
    if (defined.count(vi.name()) > 0) continue;  // an initializer with a declared input
    ValueInfo info;
    EL_RETURN_IF_ERROR(DecodeValueInfo(vi, &info).WithContext("graph input"));
    if (vi.name().empty()) return InvalidArgument("a graph input has no name");
    defined.insert(vi.name());
    inputs_.push_back(std::move(info));
  }
  // Producers of node outputs, checking that names are assigned once.
  std::map<std::string, int, std::less<>> producer;
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& node = g.node(i);
    const std::string who = "node '" + node.name() + "' (" + node.op_type() + ")";
    if (node.domain() == "ai.onnx.ml" && ml_opset_ == 0) {
      return InvalidArgument(who +
                             ": domain 'ai.onnx.ml' is used but the model does not import it");
    }
    const OpKernel* k = FindOp(node.domain(), node.op_type());
    if (!k) {
      std::string dom = node.domain().empty() ? "" : " in domain '" + node.domain() + "'";
      return InvalidArgument(who + ": operator '" + node.op_type() + "'" + dom +
                             " is not supported");
    }
    if (node.input_size() < k->min_inputs || node.input_size() > k->max_inputs) {
      return InvalidArgument(who + ": " + std::to_string(node.input_size()) + " inputs; expected " +
                             std::to_string(k->min_inputs) + ".." + std::to_string(k->max_inputs));
    }
    for (int j = 0; j < k->min_inputs; ++j) {
      if (node.input(j).empty()) return InvalidArgument(who + ": required input missing");
    }
    if (node.output_size() < 1 || node.output_size() > k->num_outputs || node.output(0).empty()) {
      return InvalidArgument(who + ": " + std::to_string(node.output_size()) +
                             " outputs; expected 1.." + std::to_string(k->num_outputs));
    }
    for (const auto& out : node.output()) {
      if (out.empty()) continue;  // an optional output that is not wanted
      if (defined.count(out) > 0 || !producer.emplace(out, i).second) {
        return InvalidArgument(who + ": output '" + out + "' is assigned more than once");
      }
    }
  }
  // Kahn's algorithm over nodes; a node is ready when all its inputs are defined.
  std::vector<int> pending(static_cast<size_t>(g.node_size()), 0);
  std::multimap<std::string, int, std::less<>> consumers;
  std::vector<int> ready;
  for (int i = 0; i < g.node_size(); ++i) {
    for (const auto& in : g.node(i).input()) {
      if (in.empty() || defined.count(in) > 0) continue;
      if (producer.count(in) == 0) {
        return InvalidArgument("node '" + g.node(i).name() + "' (" + g.node(i).op_type() +
                               "): input '" + in + "' is not defined");
      }
      ++pending[static_cast<size_t>(i)];
      consumers.emplace(in, i);
    }
    if (pending[static_cast<size_t>(i)] == 0) ready.push_back(i);
  }
  order_.clear();
  for (size_t r = 0; r < ready.size(); ++r) {
    int i = ready[r];
    order_.push_back(i);
    for (const auto& out : g.node(i).output()) {
      auto [lo, hi] = consumers.equal_range(out);
      for (auto it = lo; it != hi; ++it) {
        if (--pending[static_cast<size_t>(it->second)] == 0) ready.push_back(it->second);
      }
    }
  }
  if (order_.size() != static_cast<size_t>(g.node_size())) {
    for (int i = 0; i < g.node_size(); ++i) {
      if (pending[static_cast<size_t>(i)] > 0) {
        return InvalidArgument("graph has a cycle through node '" + g.node(i).name() + "' (" +
                               g.node(i).op_type() + ")");
      }
    }
  }
  outputs_.clear();
  for (const auto& vi : g.output()) {
    if (defined.count(vi.name()) == 0 && producer.count(vi.name()) == 0) {
      return InvalidArgument("graph output '" + vi.name() + "' is not produced by any node");
    }
    ValueInfo info;
    info.name = vi.name();
    if (!DecodeValueInfo(vi, &info).ok()) info = ValueInfo{vi.name(), DType::kFloat, Shape{}};
    outputs_.push_back(std::move(info));
  }
  if (outputs_.empty()) return InvalidArgument("graph has no outputs");
  return Status::Ok();
}

}  // namespace edgeloop::model
