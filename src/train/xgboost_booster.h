// Thin RAII wrappers over XGBoost's C API (<xgboost/c_api.h>, libxgboost 1.7).
//
// Every C API call's return code is checked and XGBGetLastError() ends up in the Status, so an
// XGBoost error (bad parameter, inf in the data, a corrupt model buffer) is a clear error and
// never a crash. The handles own their XGBoost objects and free them on destruction; they are
// movable, not copyable. XGBoost objects are not thread-safe: use one booster per thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace edgeloop::train {

// OK when rc == 0; otherwise InvalidArgument("XGBoost <call>: <XGBGetLastError()>").
Status XgbCheck(int rc, std::string_view call);

class XgbMatrix {
 public:
  // Dense row-major floats, `cols` per row; NaN marks a missing value.
  static Result<XgbMatrix> FromDense(std::span<const float> x, size_t cols);
  XgbMatrix(XgbMatrix&& other) noexcept;
  XgbMatrix& operator=(XgbMatrix&& other) noexcept;
  XgbMatrix(const XgbMatrix&) = delete;
  XgbMatrix& operator=(const XgbMatrix&) = delete;
  ~XgbMatrix();

  Status SetLabels(std::span<const float> labels);
  void* handle() const { return handle_; }

 private:
  explicit XgbMatrix(void* handle) : handle_(handle) {}
  void* handle_ = nullptr;
};

class XgbBooster {
 public:
  // A booster to be trained on `train`.
  static Result<XgbBooster> Create(const XgbMatrix& train);
  // A booster loaded from a model saved by Save() (JSON or UBJSON).
  static Result<XgbBooster> Load(std::string_view model);
  XgbBooster(XgbBooster&& other) noexcept;
  XgbBooster& operator=(XgbBooster&& other) noexcept;
  XgbBooster(const XgbBooster&) = delete;
  XgbBooster& operator=(const XgbBooster&) = delete;
  ~XgbBooster();

  Status SetParam(const std::string& name, const std::string& value);
  Status UpdateOneIter(int iteration, const XgbMatrix& train);
  // The model as "json" or "ubj" (UBJSON: floats stored bit-exact).
  Result<std::string> Save(std::string_view format) const;
  // Normal prediction (probabilities for classifiers) of a DMatrix: rows x (1 or classes).
  Result<std::vector<float>> Predict(const XgbMatrix& data) const;
  // In-place prediction from dense row-major floats (XGBoosterPredictFromDense), the fastest
  // path XGBoost offers for a C caller. The result points into XGBoost's buffer and is valid
  // until the next call on this booster.
  Result<std::span<const float>> PredictDense(std::span<const float> x, size_t cols) const;

  void* handle() const { return handle_; }

 private:
  explicit XgbBooster(void* handle) : handle_(handle) {}
  void* handle_ = nullptr;
};

// "1.7.4", from XGBoostVersion().
std::string XgboostVersion();

}  // namespace edgeloop::train
