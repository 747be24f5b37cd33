// OnnxModel: an ONNX ModelProto loaded and validated for the edge runtime.
//
// Loading checks everything that can be checked before running, with errors that name the
// file, node and tensor: size limit (256 MiB), protobuf parse, default-domain opset in
// [kMinOpset, kMaxOpset] (and ai.onnx.ml opset in [kMinMlOpset, kMaxMlOpset] when imported or
// used), every operator registered (see model/ops.h), every node input
// defined, graph topologically sortable (nodes are run in a sorted order; cycles are errors),
// initializers consistent with their dims, element types float/uint8/int8/int32/int64/bool, and
// static shapes for every value (planned with batch 1 by InferenceSession::Create). Dims without
// a value (dim_param or missing) are treated as the batch dimension.
// An OnnxModel is immutable and cheap to copy (the proto is shared).
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/tensor.h"

namespace edgeloop::model {

inline constexpr int64_t kMinOpset = 7;
inline constexpr int64_t kMaxOpset = 17;
// ai.onnx.ml opsets whose TreeEnsemble*/Scaler semantics the runtime implements.
inline constexpr int64_t kMinMlOpset = 1;
inline constexpr int64_t kMaxMlOpset = 3;
inline constexpr size_t kMaxModelBytes = size_t{256} << 20;
inline constexpr int kMaxNodes = 100000;

struct ValueInfo {
  std::string name;
  DType dtype = DType::kFloat;
  Shape shape;  // -1 for a symbolic (batch) dim
};

class OnnxModel {
 public:
  // `source` names the model in errors (a file name, or "<memory>").
  static Result<OnnxModel> FromBytes(std::span<const uint8_t> bytes,
                                     std::string_view source = "<memory>");
  static Result<OnnxModel> FromFile(const std::string& path);

  const onnx::ModelProto& proto() const { return *proto_; }
  const onnx::GraphProto& graph() const { return proto_->graph(); }
  const std::string& source() const { return source_; }
  int64_t opset() const { return opset_; }
  // The ai.onnx.ml opset (kMinMlOpset..kMaxMlOpset), or 0 when the model does not import it.
  int64_t ml_opset() const { return ml_opset_; }
  // Node indices in an order where every node's inputs are produced before it runs.
  const std::vector<int>& node_order() const { return order_; }
  // Graph inputs the caller feeds (inputs that are initializers are constants, not listed).
  const std::vector<ValueInfo>& inputs() const { return inputs_; }
  // Graph outputs: names, with dtype and shape as declared when the model declares them (rank 0
  // otherwise); Run reports the actual ones.
  const std::vector<ValueInfo>& outputs() const { return outputs_; }

 private:
  Status Validate();

  std::shared_ptr<const onnx::ModelProto> proto_;
  std::string source_;
  int64_t opset_ = 0;
  int64_t ml_opset_ = 0;
  std::vector<int> order_;
  std::vector<ValueInfo> inputs_;
  std::vector<ValueInfo> outputs_;
};

// The declared dtype and shape of a ValueInfoProto; fails for non-tensor or unsupported types.
Status DecodeValueInfo(const onnx::ValueInfoProto& vi, ValueInfo* out);

}  // namespace edgeloop::model
