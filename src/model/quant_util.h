// Rounding and saturation shared by the quantized operators (ops_quant*.cc). Internal to
// src/model; header-only and allocation-free.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "model/ops.h"
#include "model/tensor.h"

namespace edgeloop::model {

inline bool IsQuant8(DType t) { return t == DType::kUint8 || t == DType::kInt8; }

// Round to nearest, ties to even (2.5 -> 2, 3.5 -> 4, -2.5 -> -2), as every ONNX quantizing
// operator requires. Spelled out rather than std::nearbyint so that it does not depend on the
// thread's floating-point rounding mode.
template <typename F>
F RoundHalfEven(F v) {
  const F r = std::round(v);  // ties away from zero
  if (std::fabs(v - std::trunc(v)) == F(0.5)) return F(2) * std::round(v * F(0.5));
  return r;
}

// saturate(r + zero_point) for an already rounded r, into Q's range. NaN (0/0 scales, NaN
// inputs) maps to the zero point; infinities saturate. Clamping happens in floating point, so
// the final conversion is always in range (no UB).
template <typename Q>
Q SaturateRounded(double r, int32_t zero_point) {
  if (std::isnan(r)) r = 0;
  const double v = r + zero_point;
  constexpr double kLo = std::numeric_limits<Q>::min();
  constexpr double kHi = std::numeric_limits<Q>::max();
  return static_cast<Q>(static_cast<int32_t>(std::clamp(v, kLo, kHi)));
}

// Calls f(T{}) for an 8-bit quantized type; false for any other type.
template <typename F>
bool VisitQuant8(DType t, F&& f) {
  if (t == DType::kUint8) {
    f(uint8_t{});
    return true;
  }
  if (t == DType::kInt8) {
    f(int8_t{});
    return true;
  }
  return false;
}

// Registers MatMulInteger and QLinearMatMul (ops_quant_matmul.cc).
void RegisterQuantMatMulOps(RegisterFn reg);

}  // namespace edgeloop::model
