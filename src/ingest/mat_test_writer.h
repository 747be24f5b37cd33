// A minimal MATLAB v5 MAT-file writer for tests and fuzz seeds: numeric and char arrays, either
// byte order, optionally zlib-compressed. Written from the format description independently of
// mat_reader.cc, so that the reader is checked against the format, not against itself.
// A plain value; one thread at a time.
#pragma once

#include <zlib.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace edgeloop::ingest::test_util {

using Bytes = std::vector<uint8_t>;

// MAT data types and array classes used by the tests.
enum MiType : uint32_t {
  kMiInt8 = 1,
  kMiUint8 = 2,
  kMiInt16 = 3,
  kMiUint16 = 4,
  kMiInt32 = 5,
  kMiUint32 = 6,
  kMiSingle = 7,
  kMiDouble = 9,
  kMiInt64 = 12,
  kMiUint64 = 13,
  kMiMatrix = 14,
  kMiCompressed = 15,
};
enum MxClass : uint32_t {
  kMxCell = 1,
  kMxStruct = 2,
  kMxChar = 4,
  kMxSparse = 5,
  kMxDouble = 6,
  kMxSingle = 7,
  kMxInt8 = 8,
  kMxUint8 = 9,
  kMxInt16 = 10,
  kMxUint16 = 11,
  kMxInt32 = 12,
  kMxUint32 = 13,
  kMxInt64 = 14,
  kMxUint64 = 15,
};
constexpr uint32_t kFlagComplex = 0x0800;
constexpr uint32_t kFlagLogical = 0x0200;

struct VarOptions {
  bool compressed = false;
  uint32_t extra_flags = 0;  // kFlagComplex, kFlagLogical
  bool small_name = true;    // names of up to 4 bytes in the small element format
};

class MatWriter {
 public:
  explicit MatWriter(bool big_endian = false,
                     std::string text = "MATLAB 5.0 MAT-file, edgeloop test")
      : big_(big_endian) {
    text.resize(116, ' ');
    bytes_.assign(text.begin(), text.end());
    bytes_.resize(124, 0);  // subsystem data offset: none
    Put16(bytes_, 0x0100);
    Put16(bytes_, ('M' << 8) | 'I');  // reads back as "IM" on little-endian files
  }

  // A numeric variable: `values` in column-major order, stored as data type `T` / `mi_type`.
  template <typename T>
  MatWriter& Add(const std::string& name, std::vector<int32_t> dims, const std::vector<T>& values,
                 uint32_t mx_class, uint32_t mi_type, VarOptions options = {}) {
    Bytes data;
    for (const T v : values) PutValue(data, v);
    Bytes imag = data;  // complex variables: any imaginary part will do
    Bytes body = MatrixHeader(name, dims, mx_class | options.extra_flags, options.small_name);
    PutSubElement(body, mi_type, data, true);
    if ((options.extra_flags & kFlagComplex) != 0) PutSubElement(body, mi_type, imag, true);
    return AddMatrix(body, options.compressed);
  }

  MatWriter& AddDoubles(const std::string& name, std::vector<int32_t> dims,
                        const std::vector<double>& values, VarOptions options = {}) {
    return Add<double>(name, std::move(dims), values, kMxDouble, kMiDouble, options);
  }

  // A char array (skipped by the reader), stored as uint16 code units like MATLAB does.
  MatWriter& AddChar(const std::string& name, const std::string& text) {
    std::vector<uint16_t> units(text.begin(), text.end());
    return Add<uint16_t>(name, {1, static_cast<int32_t>(text.size())}, units, kMxChar, kMiUint16);
  }

  // An arbitrary top-level element, for hostile inputs.
  MatWriter& AddRaw(const Bytes& raw) {
    bytes_.insert(bytes_.end(), raw.begin(), raw.end());
    return *this;
  }

  const Bytes& bytes() const { return bytes_; }

  // A compressed element (tag + zlib stream) wrapping `element` (a complete data element).
  Bytes Compressed(const Bytes& element) const {
    uLongf size = compressBound(element.size());
    Bytes z(size);
    compress2(z.data(), &size, element.data(), element.size(), Z_BEST_COMPRESSION);
    z.resize(size);
    Bytes out;
    Put32(out, kMiCompressed);
    Put32(out, static_cast<uint32_t>(z.size()));
    out.insert(out.end(), z.begin(), z.end());
    return out;
  }

  void Put16(Bytes& out, uint16_t v) const { PutValue(out, v); }
  void Put32(Bytes& out, uint32_t v) const { PutValue(out, v); }

 private:
  template <typename T>
  void PutValue(Bytes& out, T v) const {
    uint8_t raw[sizeof(T)];
    std::memcpy(raw, &v, sizeof(T));
    const bool host_big = std::endian::native == std::endian::big;
    for (size_t i = 0; i < sizeof(T); ++i) {
      out.push_back(raw[big_ != host_big ? sizeof(T) - 1 - i : i]);
    }
  }

  void PutSubElement(Bytes& out, uint32_t type, const Bytes& data, bool small_ok) const {
    if (small_ok && !data.empty() && data.size() <= 4) {
      Put32(out, static_cast<uint32_t>(data.size()) << 16 | type);
      out.insert(out.end(), data.begin(), data.end());
      out.resize(out.size() + 4 - data.size(), 0);
      return;
    }
    Put32(out, type);
    Put32(out, static_cast<uint32_t>(data.size()));
    out.insert(out.end(), data.begin(), data.end());
    out.resize((out.size() + 7) / 8 * 8, 0);
  }

  Bytes MatrixHeader(const std::string& name, const std::vector<int32_t>& dims, uint32_t flags,
                     bool small_name) const {
    Bytes body, f, d;
    Put32(f, flags);
    Put32(f, 0);
    PutSubElement(body, kMiUint32, f, false);
    for (const int32_t v : dims) PutValue(d, v);
    PutSubElement(body, kMiInt32, d, false);
    PutSubElement(body, kMiInt8, Bytes(name.begin(), name.end()), small_name);
    return body;
  }

  MatWriter& AddMatrix(const Bytes& body, bool compressed) {
    Bytes element;
    Put32(element, kMiMatrix);
    Put32(element, static_cast<uint32_t>(body.size()));
    element.insert(element.end(), body.begin(), body.end());
    return AddRaw(compressed ? Compressed(element) : element);
  }

  bool big_;
  Bytes bytes_;
};

}  // namespace edgeloop::ingest::test_util
