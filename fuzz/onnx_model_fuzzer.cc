// Fuzzes the ONNX loader (untrusted .onnx files from the hub or a USB stick): parse, validate,
// plan a session with max_batch 2, and run it once on zeros when the plan is small.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "model/interpreter.h"
#include "model/onnx_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace edgeloop::model;
  auto model = OnnxModel::FromBytes(std::span<const uint8_t>(data, size), "fuzz.onnx");
  if (!model.ok()) {
    if (model.status().message().empty()) __builtin_trap();  // errors must say something
    return 0;
  }
  auto session = InferenceSession::Create(*model, 2);
  if (!session.ok() || session->planned_bytes() > (size_t{64} << 10)) return 0;
  // Batch-1 inputs of zeros: symbolic dims become 1.
  std::vector<std::vector<int64_t>> shapes;
  std::vector<std::vector<uint64_t>> buffers;
  std::vector<TensorRef> inputs;
  for (const auto& in : model->inputs()) {
    std::vector<int64_t> dims;
    int64_t count = 1;
    for (int d = 0; d < in.shape.rank; ++d) {
      dims.push_back(in.shape[d] < 0 ? 1 : in.shape[d]);
      count *= dims.back();
    }
    shapes.push_back(std::move(dims));
    buffers.emplace_back(static_cast<size_t>(count) + 1, 0);
  }
  for (size_t i = 0; i < shapes.size(); ++i) {
    inputs.push_back(TensorRef{model->inputs()[i].dtype, shapes[i], buffers[i].data()});
  }
  std::vector<TensorRef> outputs(session->num_outputs());
  (void)session->Run(inputs, outputs);
  return 0;
}
