#include "model/tensor_proto.h"

#include <cstring>
#include <fstream>
#include <iterator>

namespace edgeloop::model {

Result<DecodedTensor> DecodeTensorProto(const onnx::TensorProto& proto) {
  const std::string what = "tensor '" + proto.name() + "'";
  if (!IsSupportedDType(proto.data_type())) {
    return InvalidArgument(what + " has type " + DTypeName(proto.data_type()) +
                           "; only float, uint8, int8, int32, int64 and bool are supported");
  }
  if (proto.data_location() == onnx::TensorProto::EXTERNAL || proto.external_data_size() > 0) {
    return InvalidArgument(what + " uses external data, which is not supported");
  }
  if (proto.has_segment()) return InvalidArgument(what + " is segmented; not supported");
  if (proto.dims_size() > kMaxRank) return InvalidArgument(what + " has more than 8 dims");
  DecodedTensor t;
  t.dtype = static_cast<DType>(proto.data_type());
  t.shape.rank = proto.dims_size();
  for (int i = 0; i < proto.dims_size(); ++i) {
    if (proto.dims(i) < 0 || proto.dims(i) > kMaxTensorElements) {
      return InvalidArgument(what + " has invalid dim " + std::to_string(proto.dims(i)));
    }
    t.shape[i] = proto.dims(i);
  }
  const int64_t count = t.shape.Count();
  if (count < 0) return OutOfRange(what + " is too large");
  const size_t n = static_cast<size_t>(count);
  const size_t es = DTypeSize(t.dtype);
  t.storage.assign((n * es + 7) / 8 + 1, 0);
  auto mismatch = [&](size_t got) {
    return InvalidArgument(what + " has " + std::to_string(got) + " values but its dims " +
                           ShapeString(t.shape) + " need " + std::to_string(n));
  };
  if (proto.has_raw_data()) {
    const std::string& raw = proto.raw_data();
    if (raw.size() != n * es) return mismatch(raw.size() / es);
    if (n > 0) std::memcpy(t.storage.data(), raw.data(), raw.size());
    if (t.dtype == DType::kBool) {
      auto* b = reinterpret_cast<unsigned char*>(t.storage.data());
      for (size_t i = 0; i < n; ++i) b[i] = b[i] != 0 ? 1 : 0;
    }
    return t;
  }
  switch (t.dtype) {
    case DType::kFloat:
      if (static_cast<size_t>(proto.float_data_size()) != n)
        return mismatch(proto.float_data_size());
      if (n > 0) std::memcpy(t.storage.data(), proto.float_data().data(), n * es);
      break;
    case DType::kInt64:
      if (static_cast<size_t>(proto.int64_data_size()) != n)
        return mismatch(proto.int64_data_size());
      if (n > 0) std::memcpy(t.storage.data(), proto.int64_data().data(), n * es);
      break;
    case DType::kBool: {
      if (static_cast<size_t>(proto.int32_data_size()) != n)
        return mismatch(proto.int32_data_size());
      auto* b = reinterpret_cast<unsigned char*>(t.storage.data());
      for (size_t i = 0; i < n; ++i) b[i] = proto.int32_data(static_cast<int>(i)) != 0 ? 1 : 0;
      break;
    }
    case DType::kInt32:
      if (static_cast<size_t>(proto.int32_data_size()) != n)
        return mismatch(proto.int32_data_size());
      if (n > 0) std::memcpy(t.storage.data(), proto.int32_data().data(), n * es);
      break;
    case DType::kUint8:
    case DType::kInt8: {
      // ONNX stores 8-bit values widened in int32_data; a value outside the type is corrupt.
      if (static_cast<size_t>(proto.int32_data_size()) != n)
        return mismatch(proto.int32_data_size());
      const int32_t lo = t.dtype == DType::kUint8 ? 0 : -128;
      const int32_t hi = t.dtype == DType::kUint8 ? 255 : 127;
      auto* b = reinterpret_cast<unsigned char*>(t.storage.data());
      for (size_t i = 0; i < n; ++i) {
        const int32_t v = proto.int32_data(static_cast<int>(i));
        if (v < lo || v > hi) {
          return InvalidArgument(what + " holds " + std::to_string(v) + ", outside " +
                                 DTypeName(proto.data_type()));
        }
        b[i] = static_cast<unsigned char>(v);
      }
      break;
    }
  }
  return t;
}

Result<DecodedTensor> ReadTensorFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("cannot open " + path);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  onnx::TensorProto proto;
  if (!proto.ParseFromString(bytes)) return DataLoss(path + ": not a valid TensorProto");
  auto t = DecodeTensorProto(proto);
  if (!t.ok()) return t.status().WithContext(path);
  return t;
}

}  // namespace edgeloop::model
