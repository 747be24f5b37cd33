#include "train/xgboost_booster.h"

#include <xgboost/c_api.h>

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <utility>

namespace edgeloop::train {

Status XgbCheck(int rc, std::string_view call) {
  if (rc == 0) return Status::Ok();
  const char* err = XGBGetLastError();
  return InvalidArgument("XGBoost " + std::string(call) + ": " +
                         (err != nullptr && *err != '\0' ? err : "unknown error"));
}

std::string XgboostVersion() {
  int major = 0, minor = 0, patch = 0;
  XGBoostVersion(&major, &minor, &patch);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

Result<XgbMatrix> XgbMatrix::FromDense(std::span<const float> x, size_t cols) {
  if (cols == 0 || x.size() % cols != 0) {
    return InvalidArgument("XGBoost matrix: " + std::to_string(x.size()) +
                           " values do not form rows of " + std::to_string(cols));
  }
  DMatrixHandle h = nullptr;
  EL_RETURN_IF_ERROR(XgbCheck(XGDMatrixCreateFromMat(x.data(), x.size() / cols, cols, NAN, &h),
                              "XGDMatrixCreateFromMat"));
  return XgbMatrix(h);
}

XgbMatrix::XgbMatrix(XgbMatrix&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
XgbMatrix& XgbMatrix::operator=(XgbMatrix&& other) noexcept {
  if (this != &other) {
    if (handle_ != nullptr) XGDMatrixFree(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}
XgbMatrix::~XgbMatrix() {
  if (handle_ != nullptr) XGDMatrixFree(handle_);
}

Status XgbMatrix::SetLabels(std::span<const float> labels) {
  return XgbCheck(XGDMatrixSetFloatInfo(handle_, "label", labels.data(), labels.size()),
                  "XGDMatrixSetFloatInfo(label)");
}

Result<XgbBooster> XgbBooster::Create(const XgbMatrix& train) {
  BoosterHandle h = nullptr;
  DMatrixHandle m = train.handle();
  EL_RETURN_IF_ERROR(XgbCheck(XGBoosterCreate(&m, 1, &h), "XGBoosterCreate"));
  XgbBooster b(h);
  // XGBoost logs warnings to stderr by default; errors still come back through the Status.
  EL_RETURN_IF_ERROR(b.SetParam("verbosity", "0"));
  return b;
}

Result<XgbBooster> XgbBooster::Load(std::string_view model) {
  BoosterHandle h = nullptr;
  EL_RETURN_IF_ERROR(XgbCheck(XGBoosterCreate(nullptr, 0, &h), "XGBoosterCreate"));
  XgbBooster b(h);
  EL_RETURN_IF_ERROR(b.SetParam("verbosity", "0"));
  EL_RETURN_IF_ERROR(XgbCheck(XGBoosterLoadModelFromBuffer(h, model.data(), model.size()),
                              "XGBoosterLoadModelFromBuffer"));
  return b;
}

XgbBooster::XgbBooster(XgbBooster&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)) {}
XgbBooster& XgbBooster::operator=(XgbBooster&& other) noexcept {
  if (this != &other) {
    if (handle_ != nullptr) XGBoosterFree(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}
XgbBooster::~XgbBooster() {
  if (handle_ != nullptr) XGBoosterFree(handle_);
}

Status XgbBooster::SetParam(const std::string& name, const std::string& value) {
  return XgbCheck(XGBoosterSetParam(handle_, name.c_str(), value.c_str()),
                  "XGBoosterSetParam(" + name + "=" + value + ")");
}

Status XgbBooster::UpdateOneIter(int iteration, const XgbMatrix& train) {
  return XgbCheck(XGBoosterUpdateOneIter(handle_, iteration, train.handle()),
                  "XGBoosterUpdateOneIter");
}

Result<std::string> XgbBooster::Save(std::string_view format) const {
  const std::string config = "{\"format\": \"" + std::string(format) + "\"}";
  bst_ulong len = 0;
  const char* data = nullptr;
  EL_RETURN_IF_ERROR(XgbCheck(XGBoosterSaveModelToBuffer(handle_, config.c_str(), &len, &data),
                              "XGBoosterSaveModelToBuffer"));
  return std::string(data, len);
}

Result<std::vector<float>> XgbBooster::Predict(const XgbMatrix& data) const {
  bst_ulong len = 0;
  const float* out = nullptr;
  EL_RETURN_IF_ERROR(XgbCheck(XGBoosterPredict(handle_, data.handle(), /*option_mask=*/0,
                                               /*ntree_limit=*/0, /*training=*/0, &len, &out),
                              "XGBoosterPredict"));
  return std::vector<float>(out, out + len);
}

Result<std::span<const float>> XgbBooster::PredictDense(std::span<const float> x,
                                                        size_t cols) const {
  if (cols == 0 || x.size() % cols != 0) {
    return InvalidArgument("XGBoost predict: " + std::to_string(x.size()) +
                           " values do not form rows of " + std::to_string(cols));
  }
  // numpy's __array_interface__ describing the caller's buffer (XGBoost reads it in place).
  char values[160];
  std::snprintf(values, sizeof(values),
                "{\"data\": [%" PRIuPTR
                ", true], \"shape\": [%zu, %zu], \"typestr\": \"<f4\", \"version\": 3}",
                reinterpret_cast<uintptr_t>(x.data()), x.size() / cols, cols);
  static constexpr const char* kConfig =
      "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
      "\"cache_id\": 0, "
      "\"strict_shape\": false, \"missing\": NaN}";
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* out = nullptr;
  EL_RETURN_IF_ERROR(
      XgbCheck(XGBoosterPredictFromDense(handle_, values, kConfig, nullptr, &shape, &dim, &out),
               "XGBoosterPredictFromDense"));
  bst_ulong count = 1;
  for (bst_ulong i = 0; i < dim; ++i) count *= shape[i];
  return std::span<const float>(out, count);
}

}  // namespace edgeloop::train
