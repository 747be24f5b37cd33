// Tensor types of the ONNX runtime: element types, fixed-capacity shapes and tensor views.
//
// Shapes hold at most kMaxRank dimensions inline, so shape arithmetic during Run never
// allocates. A Tensor is a view: its buffer is owned by the InferenceSession (or by the caller
// for inputs), and `capacity` is the number of elements the buffer was planned for.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace edgeloop::model {

// The element types the runtime computes with; values are ONNX TensorProto.DataType codes.
// uint8, int8 and int32 are the quantized types: the quantization, data-movement and basic
// arithmetic/comparison operators take them; planning rejects them for every other operator
// (OpKernel::narrow_int_types in model/ops.h).
enum class DType : int32_t { kFloat = 1, kUint8 = 2, kInt8 = 3, kInt32 = 6, kInt64 = 7, kBool = 9 };

inline constexpr int kMaxRank = 8;
// Largest tensor (elements) and largest total planned memory (bytes) a session accepts.
inline constexpr int64_t kMaxTensorElements = int64_t{1} << 28;
inline constexpr int64_t kMaxPlannedBytes = int64_t{1} << 29;  // 512 MiB

// "float", "int64", "uint8", ...; for ONNX codes we do not support, "type N" or the ONNX name.
std::string DTypeName(int32_t onnx_type);
// True for the ONNX element types the runtime supports.
bool IsSupportedDType(int32_t onnx_type);
size_t DTypeSize(DType t);

struct Shape {
  int rank = 0;
  std::array<int64_t, kMaxRank> dims{};

  int64_t operator[](int i) const { return dims[static_cast<size_t>(i)]; }
  int64_t& operator[](int i) { return dims[static_cast<size_t>(i)]; }
  // Product of the dims (1 for a scalar); -1 when a dim is negative or the product overflows
  // kMaxTensorElements.
  int64_t Count() const;
  friend bool operator==(const Shape& a, const Shape& b) {
    if (a.rank != b.rank) return false;
    for (int i = 0; i < a.rank; ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }
};

// "[2,3,4]".
std::string ShapeString(const Shape& s);

struct Tensor {
  DType dtype = DType::kFloat;
  Shape shape;
  void* data = nullptr;  // null while planning when the value is not known before Run
  int64_t capacity = 0;  // elements the buffer holds

  template <typename T>
  T* As() const {
    return static_cast<T*>(data);
  }
};

// What the caller passes to and receives from InferenceSession::Run: row-major data of `dtype`
// (float, uint8_t, int8_t, int32_t, int64_t, or one byte per bool).
struct TensorRef {
  DType dtype = DType::kFloat;
  std::span<const int64_t> shape;
  const void* data = nullptr;
};

}  // namespace edgeloop::model
