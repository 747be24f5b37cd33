// Post-training int8 quantization of a model's linear parts, calibrated on real rows.
//
// Every MatMul whose right operand is a constant float matrix [K, M] becomes
//   QuantizeLinear(A; a_scale, a_zero_point: uint8, per tensor, from the calibration range)
//   → MatMulInteger(A_q, W_q: int8, symmetric per output column) → Cast(float)
//   → Mul(a_scale · w_scale[j])
// so weights shrink 4× and the inner products run on 8-bit integers with int32 accumulation,
// while everything around them (centering, squares, reductions, trees) stays float. The
// activation range comes from running the float model on the calibration rows with the
// MatMul inputs exposed as extra outputs; the report compares the two models on evaluation rows.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "train/dataset.h"

namespace edgeloop::train {

struct OutputError {
  std::string name;
  double max_abs = 0;
  double mean_abs = 0;
  double range = 0;  // max - min of the float output, to read the errors against
};

struct QuantizationReport {
  int matmuls_quantized = 0;
  size_t float_bytes = 0;  // serialized model sizes
  size_t int8_bytes = 0;
  size_t calibration_rows = 0;
  size_t evaluation_rows = 0;
  std::vector<OutputError> outputs;
  // Anomaly models with a threshold: share of rows where both models agree on the alarm, and
  // the alarm counts of each.
  double alarm_agreement = 1.0;
  size_t float_alarms = 0;
  size_t int8_alarms = 0;
  // Classification models with a `label` output: share of rows with the same label.
  double label_agreement = 1.0;
};

struct QuantizedModel {
  std::string bytes;  // the int8 model, with the report in its metadata params
  QuantizationReport report;
};

// `float_model` is a serialized ONNX model with one float input [N, F]; `calibration` sets the
// activation ranges and `evaluation` (may be the same rows) measures the change.
Result<QuantizedModel> QuantizeLinearParts(const std::string& float_model,
                                           const Dataset& calibration, const Dataset& evaluation);

// Multi-line human-readable report.
std::string FormatReport(const QuantizationReport& r);

}  // namespace edgeloop::train
