// Decoding of ONNX TensorProto messages (initializers, conformance test data) into owned,
// 8-byte aligned buffers, with every size checked against the declared dims.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/tensor.h"

namespace edgeloop::model {

struct DecodedTensor {
  DType dtype = DType::kFloat;
  Shape shape;
  std::vector<uint64_t> storage;  // at least Count() elements of dtype; bools are 0 or 1

  Tensor View() { return Tensor{dtype, shape, storage.data(), shape.Count()}; }
};

// Fails with a clear message for unsupported types, external data, too many dims or data whose
// length does not match the dims.
Result<DecodedTensor> DecodeTensorProto(const onnx::TensorProto& proto);

// Reads and decodes a serialized TensorProto file (the test_data_set_*/input_*.pb format).
Result<DecodedTensor> ReadTensorFile(const std::string& path);

}  // namespace edgeloop::model
