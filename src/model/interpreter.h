// InferenceSession: runs a validated OnnxModel on float32 (and int64/bool, and uint8/int8/int32
// for quantized models) tensors.
//
// Create plans every value's buffer once, for inputs whose symbolic dims (the batch) are at
// most `max_batch`; Run then infers the actual shapes, checks that they fit the plan, and runs
// the nodes in topological order without allocating. A session is used by one thread at a time;
// create one per thread for parallel inference.
#pragma once

#include <memory>
#include <span>

#include "common/status.h"
#include "model/onnx_model.h"
#include "model/tensor.h"

namespace edgeloop::model {

class InferenceSession {
 public:
  static Result<InferenceSession> Create(const OnnxModel& model, size_t max_batch);

  InferenceSession(InferenceSession&&) noexcept;
  InferenceSession& operator=(InferenceSession&&) noexcept;
  ~InferenceSession();

  // `inputs` in the order of model.inputs(): dtype and rank as declared, fixed dims equal,
  // symbolic dims <= max_batch. `outputs` (size == number of graph outputs) receives views into
  // the session's buffers, valid until the next Run.
  Status Run(std::span<const TensorRef> inputs, std::span<TensorRef> outputs);

  size_t num_outputs() const;
  // Total bytes of the planned buffers.
  size_t planned_bytes() const;

 private:
  struct Impl;
  explicit InferenceSession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgeloop::model
