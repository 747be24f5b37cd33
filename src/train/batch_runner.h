// Runs an ONNX model over every row of a Dataset, in batches, through the edge interpreter.
//
// This is how `edgeloop model run|eval` and the benchmark evaluations score files: the exact
// runtime the gateway uses, not the trainer's own arithmetic. The model must take one float
// input [N, F] (F = dataset columns); each output becomes named columns: an [N] or [N,1] output
// keeps its name, an [N,C] output becomes "name[0]".."name[C-1]".
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "model/model_metadata.h"
#include "model/onnx_model.h"
#include "train/dataset.h"

namespace edgeloop::train {

struct OutputColumn {
  std::string name;
  std::vector<double> values;  // one per dataset row
};

struct BatchRunStats {
  size_t rows = 0;
  size_t batches = 0;
  double run_seconds = 0;  // time inside InferenceSession::Run only
  size_t planned_bytes = 0;
};

Result<std::vector<OutputColumn>> RunModelOnDataset(const model::OnnxModel& model,
                                                    const Dataset& data, size_t batch = 256,
                                                    BatchRunStats* stats = nullptr);

// DatasetOptions for scoring a file with a model: the metadata's feature names when the model
// has Edgeloop metadata, else every numeric column (minus `label` and `exclude`).
DatasetOptions OptionsForModel(const model::OnnxModel& model, const std::string& label,
                               const std::vector<std::string>& exclude);

}  // namespace edgeloop::train
