#include "train/batch_runner.h"

#include <algorithm>
#include <chrono>

#include "model/interpreter.h"

namespace edgeloop::train {

Result<std::vector<OutputColumn>> RunModelOnDataset(const model::OnnxModel& model,
                                                    const Dataset& data, size_t batch,
                                                    BatchRunStats* stats) {
  if (model.inputs().size() != 1 || model.inputs()[0].dtype != model::DType::kFloat ||
      model.inputs()[0].shape.rank != 2) {
    return InvalidArgument(model.source() + ": expected one float input [N, F]");
  }
  const int64_t f = model.inputs()[0].shape[1];
  if (f != static_cast<int64_t>(data.cols())) {
    return InvalidArgument(model.source() + " takes " + std::to_string(f) + " features but " +
                           data.source + " provides " + std::to_string(data.cols()));
  }
  batch = std::max<size_t>(batch, 1);
  EL_ASSIGN_OR_RETURN(auto session, model::InferenceSession::Create(model, batch));
  std::vector<OutputColumn> columns;
  std::vector<float> x(batch * data.cols());
  std::vector<model::TensorRef> outs(session.num_outputs());
  BatchRunStats local;
  local.planned_bytes = session.planned_bytes();
  for (size_t begin = 0; begin < data.rows(); begin += batch) {
    const size_t n = std::min(batch, data.rows() - begin);
    for (size_t i = 0; i < n * data.cols(); ++i) {
      x[i] = static_cast<float>(data.x[begin * data.cols() + i]);
    }
    const int64_t shape[] = {static_cast<int64_t>(n), f};
    model::TensorRef in{model::DType::kFloat, shape, x.data()};
    auto t0 = std::chrono::steady_clock::now();
    EL_RETURN_IF_ERROR(session.Run({&in, 1}, outs));
    local.run_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ++local.batches;
    for (size_t o = 0; o < outs.size(); ++o) {
      const auto& ref = outs[o];
      const std::string& name = model.outputs()[o].name;
      if (ref.shape.empty() || ref.shape[0] != static_cast<int64_t>(n) || ref.shape.size() > 2) {
        return InvalidArgument(model.source() + ": output '" + name +
                               "' is not [N] or [N, C] for a batch of " + std::to_string(n));
      }
      const size_t width = ref.shape.size() == 2 ? static_cast<size_t>(ref.shape[1]) : 1;
      if (begin == 0) {  // the first batch lays out the columns this output fills
        for (size_t c = 0; c < width; ++c) {
          std::string col =
              ref.shape.size() == 2 && width > 1 ? name + "[" + std::to_string(c) + "]" : name;
          columns.push_back({std::move(col), std::vector<double>(data.rows())});
        }
      }
      size_t first = 0;  // index of this output's first column
      for (size_t p = 0; p < o; ++p) {
        const auto& s = outs[p].shape;
        first += s.size() == 2 ? static_cast<size_t>(s[1]) : 1;
      }
      for (size_t r = 0; r < n; ++r) {
        for (size_t c = 0; c < width; ++c) {
          double v = 0;
          switch (ref.dtype) {
            case model::DType::kFloat:
              v = static_cast<const float*>(ref.data)[r * width + c];
              break;
            case model::DType::kInt64:
              v = static_cast<double>(static_cast<const int64_t*>(ref.data)[r * width + c]);
              break;
            case model::DType::kBool:
              v = static_cast<const uint8_t*>(ref.data)[r * width + c];
              break;
            default:
              return InvalidArgument(model.source() + ": output '" + name +
                                     "' has an element type `model run` cannot print");
          }
          columns[first + c].values[begin + r] = v;
        }
      }
    }
  }
  local.rows = data.rows();
  if (stats != nullptr) *stats = local;
  return columns;
}

DatasetOptions OptionsForModel(const model::OnnxModel& model, const std::string& label,
                               const std::vector<std::string>& exclude) {
  DatasetOptions options{label, exclude, {}};
  auto meta = model::ReadMetadata(model.proto());
  if (meta.ok()) {
    for (const auto& f : meta->features) options.features.push_back(f.name);
    options.exclude.clear();  // the schema names the features; other columns are ignored
  }
  return options;
}

}  // namespace edgeloop::train
