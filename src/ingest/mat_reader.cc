// MATLAB level-5 MAT-file reader (the format of MATLAB v5, v6 and v7 files; "MAT-File Format",
// The MathWorks). Only what recorded signals need: numeric arrays, optionally zlib-compressed.
//
// Every offset below is checked against the end of the enclosing element before it is read, so
// the input may be arbitrary bytes. Offsets in messages are absolute within the file; inside an
// inflated element they are offsets into the inflated data, followed by where that came from.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <bit>
#include <climits>
#include <cstring>
#include <iterator>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ingest/internal.h"
#include "ingest/signal_file.h"

namespace edgeloop::ingest {
namespace {

constexpr size_t kHeaderBytes = 128;
constexpr size_t kTagBytes = 8;
constexpr size_t kMaxDims = 32;  // MATLAB has no limit, but real signals have 2
constexpr size_t kFirstInflateChunk = 64 * 1024;

// Data types of data elements (miINT8 ... miUTF32).
constexpr uint32_t kMiInt8 = 1;
constexpr uint32_t kMiUint8 = 2;
constexpr uint32_t kMiInt16 = 3;
constexpr uint32_t kMiUint16 = 4;
constexpr uint32_t kMiInt32 = 5;
constexpr uint32_t kMiUint32 = 6;
constexpr uint32_t kMiSingle = 7;
constexpr uint32_t kMiDouble = 9;
constexpr uint32_t kMiInt64 = 12;
constexpr uint32_t kMiUint64 = 13;
constexpr uint32_t kMiMatrix = 14;
constexpr uint32_t kMiCompressed = 15;

// Array classes (mxCELL_CLASS ... mxUINT64_CLASS) and the flag bits next to them.
constexpr uint32_t kMxDouble = 6;
constexpr uint32_t kMxUint64 = 15;
constexpr uint32_t kFlagComplex = 0x0800;
constexpr uint32_t kFlagLogical = 0x0200;

// Bytes per value of the numeric data types miINT8 (1) ... miUINT64 (13); 0 for the others.
size_t MiTypeBytes(uint32_t type) {
  static constexpr size_t kBytes[] = {0, 1, 1, 2, 2, 4, 4, 4, 0, 8, 0, 0, 8, 8};
  return type < std::size(kBytes) ? kBytes[type] : 0;
}

const char* ClassName(uint32_t mx_class) {
  static constexpr const char* kNames[] = {"unknown", "cell",   "struct", "object",
                                           "char",    "sparse", "double"};
  return mx_class < std::size(kNames) ? kNames[mx_class] : "non-numeric";
}

// Loads a T stored in the file's byte order.
template <typename T>
T Load(const uint8_t* p, bool swap) {
  std::array<uint8_t, sizeof(T)> raw;
  std::memcpy(raw.data(), p, sizeof(T));
  if (swap) std::reverse(raw.begin(), raw.end());
  return std::bit_cast<T>(raw);
}

// Converts `n` values of type T (stored with the file's byte order) to doubles.
template <typename T>
void Convert(const uint8_t* p, size_t n, bool swap, double* out) {
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<double>(Load<T>(p + i * sizeof(T), swap));
}

void ConvertAny(uint32_t type, const uint8_t* p, size_t n, bool swap, double* out) {
  switch (type) {
    case kMiInt8:
      return Convert<int8_t>(p, n, swap, out);
    case kMiUint8:
      return Convert<uint8_t>(p, n, swap, out);
    case kMiInt16:
      return Convert<int16_t>(p, n, swap, out);
    case kMiUint16:
      return Convert<uint16_t>(p, n, swap, out);
    case kMiInt32:
      return Convert<int32_t>(p, n, swap, out);
    case kMiUint32:
      return Convert<uint32_t>(p, n, swap, out);
    case kMiSingle:
      return Convert<float>(p, n, swap, out);
    case kMiDouble:
      return Convert<double>(p, n, swap, out);
    case kMiInt64:
      return Convert<int64_t>(p, n, swap, out);
    case kMiUint64:
      return Convert<uint64_t>(p, n, swap, out);
    default:
      return;  // callers check MiTypeBytes first
  }
}

// A byte range being parsed, and how to describe its offsets in messages.
struct Region {
  std::span<const uint8_t> bytes;
  std::string where;  // "" for the file itself, else " in the data inflated from offset N..."
};

// One data element: its tag at `offset`, `size` data bytes at `data`, the next element at `next`.
struct Element {
  uint32_t type = 0;
  size_t offset = 0;
  size_t data = 0;
  size_t size = 0;
  size_t next = 0;
};

// Parses one MAT file. Owns the table being built; single-use, single-threaded.
class MatParser {
 public:
  MatParser(std::string source, const internal::MatLimits& limits) : limits_(limits) {
    table_.source = std::move(source);
  }

  Result<SignalTable> Parse(std::span<const uint8_t> bytes) {
    EL_RETURN_IF_ERROR(ParseHeader(bytes));
    Region file{bytes, ""};
    EL_RETURN_IF_ERROR(ParseElements(file, kHeaderBytes, 0, /*only_one=*/false));
    return std::move(table_);
  }

 private:
  Status ParseHeader(std::span<const uint8_t> bytes) {
    if (bytes.size() < kHeaderBytes) {
      return DataLoss(
          fmt::format("truncated: the file ends at offset {}, inside the {}-byte header",
                      bytes.size(), kHeaderBytes));
    }
    const uint8_t* endian = bytes.data() + 126;
    if (endian[0] == 'I' && endian[1] == 'M') {
      swap_ = std::endian::native == std::endian::big;
    } else if (endian[0] == 'M' && endian[1] == 'I') {
      swap_ = std::endian::native == std::endian::little;
    } else {
      return InvalidArgument(
          "not a MATLAB v5 MAT-file: no endian indicator 'IM' or 'MI' at offset 126");
    }
    return Status::Ok();
  }

  // Reads the tag at `offset` and checks that the element's data ends before `end`.
  Result<Element> ReadElement(const Region& r, size_t offset, size_t end) const {
    if (end - offset < kTagBytes) {
      return DataLoss(fmt::format("truncated: element tag at offset {}{} needs 8 bytes, {} remain",
                                  offset, r.where, end - offset));
    }
    const uint8_t* p = r.bytes.data() + offset;
    const uint32_t word = Load<uint32_t>(p, swap_);
    Element e;
    e.offset = offset;
    if ((word >> 16) != 0) {  // small data element: size and type share the first word
      e.type = word & 0xffff;
      e.size = word >> 16;
      e.data = offset + 4;
      e.next = offset + kTagBytes;
      if (e.size > 4) {
        return DataLoss(fmt::format("small data element at offset {}{} declares {} bytes (max 4)",
                                    offset, r.where, e.size));
      }
      return e;
    }
    e.type = word;
    e.size = Load<uint32_t>(p + 4, swap_);
    e.data = offset + kTagBytes;
    if (e.size > end - e.data) {
      return DataLoss(
          fmt::format("truncated: element at offset {}{} declares {} bytes but only {} remain",
                      offset, r.where, e.size, end - e.data));
    }
    // Elements are padded to 8 bytes, except compressed ones; a missing final pad is harmless.
    const size_t padded = e.type == kMiCompressed ? e.size : (e.size + 7) / 8 * 8;
    e.next = std::min(e.data + padded, end);
    return e;
  }

  Status ParseElements(const Region& r, size_t offset, int depth, bool only_one) {
    const size_t end = r.bytes.size();
    while (offset < end) {
      EL_ASSIGN_OR_RETURN(const Element e, ReadElement(r, offset, end));
      if (e.type == kMiCompressed) {
        EL_RETURN_IF_ERROR(ParseCompressed(r, e, depth));
      } else if (e.type == kMiMatrix) {
        EL_RETURN_IF_ERROR(ParseMatrix(r, e));
      } else {
        spdlog::debug("{}: skipping top-level element of type {} at offset {}{}", table_.source,
                      e.type, e.offset, r.where);
      }
      if (only_one) break;
      offset = e.next;
    }
    return Status::Ok();
  }

  Status ParseCompressed(const Region& r, const Element& e, int depth) {
    if (depth + 1 > limits_.max_depth) {
      return InvalidArgument(
          fmt::format("compressed element at offset {}{} is nested deeper than {}", e.offset,
                      r.where, limits_.max_depth));
    }
    std::vector<uint8_t> inflated;
    EL_RETURN_IF_ERROR(Inflate(r, e, inflated));
    Region inner{inflated,
                 fmt::format(" in the data inflated from offset {}{}", e.offset, r.where)};
    return ParseElements(inner, 0, depth + 1, /*only_one=*/true);
  }

  // Inflates the zlib stream of `e` into `out`, growing the buffer as needed up to what is left of
  // limits_.max_inflated_bytes: a small stream may declare gigabytes of output (a zip bomb).
  Status Inflate(const Region& r, const Element& e, std::vector<uint8_t>& out) {
    const size_t cap = limits_.max_inflated_bytes - inflated_total_;
    z_stream zs{};
    if (inflateInit(&zs) != Z_OK) return Internal("zlib inflateInit failed");
    struct End {
      z_stream* zs;
      ~End() { inflateEnd(zs); }
    } end{&zs};
    zs.next_in = const_cast<Bytef*>(r.bytes.data() + e.data);  // zlib's API is not const
    zs.avail_in = static_cast<uInt>(e.size);                   // e.size came from a uint32
    size_t produced = 0;
    out.resize(std::min(cap, std::max(kFirstInflateChunk, e.size * 4)));
    while (true) {
      if (produced == out.size()) {
        if (out.size() >= cap) {
          return InvalidArgument(fmt::format(
              "compressed element at offset {}{} inflates beyond the limit of {} bytes per file",
              e.offset, r.where, limits_.max_inflated_bytes));
        }
        out.resize(std::min(cap, std::max(out.size() * 2, kFirstInflateChunk)));
      }
      const size_t room = std::min<size_t>(out.size() - produced, UINT_MAX);
      zs.next_out = out.data() + produced;
      zs.avail_out = static_cast<uInt>(room);
      const int rc = inflate(&zs, Z_NO_FLUSH);
      produced += room - zs.avail_out;
      if (rc == Z_STREAM_END) break;
      if (rc == Z_OK || (rc == Z_BUF_ERROR && zs.avail_out == 0)) continue;
      if (rc == Z_BUF_ERROR) {
        return DataLoss(fmt::format("truncated: compressed element at offset {}{} ends early",
                                    e.offset, r.where));
      }
      return DataLoss(fmt::format("corrupt compressed element at offset {}{}: {}", e.offset,
                                  r.where, zs.msg != nullptr ? zs.msg : "zlib error"));
    }
    out.resize(produced);
    inflated_total_ += produced;
    return Status::Ok();
  }

  Status ParseMatrix(const Region& r, const Element& e) {
    if (e.size == 0) return Status::Ok();  // an empty array with no subelements at all
    const size_t end = e.data + e.size;
    const uint8_t* base = r.bytes.data();

    EL_ASSIGN_OR_RETURN(const Element flags, ReadElement(r, e.data, end));
    if (flags.type != kMiUint32 || flags.size != 8) {
      return InvalidArgument(fmt::format("array flags at offset {}{}: expected 8 bytes of uint32",
                                         flags.offset, r.where));
    }
    const uint32_t flag_word = Load<uint32_t>(base + flags.data, swap_);
    const uint32_t mx_class = flag_word & 0xff;

    EL_ASSIGN_OR_RETURN(const Element dims_el, ReadElement(r, flags.next, end));
    if (dims_el.type != kMiInt32 || dims_el.size % 4 != 0 || dims_el.size < 8 ||
        dims_el.size / 4 > kMaxDims) {
      return InvalidArgument(fmt::format("dimensions at offset {}{}: expected 2 to {} int32 values",
                                         dims_el.offset, r.where, kMaxDims));
    }
    std::vector<uint64_t> dims;
    uint64_t count = 1;
    for (size_t i = 0; i < dims_el.size / 4; ++i) {
      const auto d = static_cast<int32_t>(Load<uint32_t>(base + dims_el.data + 4 * i, swap_));
      if (d < 0) {
        return InvalidArgument(
            fmt::format("dimensions at offset {}{}: negative size {}", dims_el.offset, r.where, d));
      }
      dims.push_back(static_cast<uint64_t>(d));
      if (__builtin_mul_overflow(count, dims.back(), &count)) {
        return InvalidArgument(fmt::format("dimensions at offset {}{}: element count overflows",
                                           dims_el.offset, r.where));
      }
    }

    EL_ASSIGN_OR_RETURN(const Element name_el, ReadElement(r, dims_el.next, end));
    if (name_el.type != kMiInt8) {
      return InvalidArgument(fmt::format("array name at offset {}{}: expected int8 text, type {}",
                                         name_el.offset, r.where, name_el.type));
    }
    std::string name(reinterpret_cast<const char*>(base + name_el.data), name_el.size);
    name.resize(std::min(name.size(), name.find('\0')));

    // What recorded signals never are: skipped, so that one odd variable does not hide the rest.
    const char* skip = nullptr;
    if (mx_class < kMxDouble || mx_class > kMxUint64) {
      skip = ClassName(mx_class);
    } else if ((flag_word & kFlagLogical) != 0) {
      skip = "logical";
    } else if ((flag_word & kFlagComplex) != 0) {
      skip = "complex";
    } else if (count == 0) {
      skip = "empty";
    } else if (std::any_of(dims.begin() + 2, dims.end(), [](uint64_t d) { return d != 1; })) {
      skip = "N-dimensional";
    }
    if (skip != nullptr) {
      spdlog::debug("{}: skipping {} variable '{}' at offset {}{}", table_.source, skip, name,
                    e.offset, r.where);
      return Status::Ok();
    }

    EL_ASSIGN_OR_RETURN(const Element real, ReadElement(r, name_el.next, end));
    const size_t width = MiTypeBytes(real.type);
    if (width == 0) {
      return InvalidArgument(fmt::format("real part of '{}' at offset {}{}: type {} is not numeric",
                                         name, real.offset, r.where, real.type));
    }
    if (real.size % width != 0 || real.size / width != count) {
      return DataLoss(fmt::format(
          "real part of '{}' at offset {}{} holds {} bytes, its dimensions need {} values of {}",
          name, real.offset, r.where, real.size, count, width));
    }
    std::vector<double> values(count);
    ConvertAny(real.type, base + real.data, count, swap_, values.data());
    Store(name, dims[0], dims[1], std::move(values));
    return Status::Ok();
  }

  void Store(const std::string& name, uint64_t rows, uint64_t cols, std::vector<double> values) {
    if (values.size() == 1) {
      table_.scalars[name] = values[0];
    } else if (rows == 1 || cols == 1) {
      table_.columns.push_back({name, std::move(values)});
    } else {
      for (uint64_t j = 0; j < cols; ++j) {  // column-major: column j is contiguous
        const auto first = values.begin() + static_cast<std::ptrdiff_t>(j * rows);
        table_.columns.push_back(
            {fmt::format("{}[:,{}]", name, j),
             std::vector<double>(first, first + static_cast<ptrdiff_t>(rows))});
      }
    }
  }

  const internal::MatLimits limits_;
  SignalTable table_;
  bool swap_ = false;  // the file's byte order differs from this machine's
  size_t inflated_total_ = 0;
};

// v7.3 files are HDF5 files with a 512-byte user block that starts like a v5 header.
bool IsMatV73(std::span<const uint8_t> bytes) {
  static constexpr char kHdf5Signature[] = "\x89HDF\r\n\x1a\n";
  constexpr size_t kHdf5Offset = 512;
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()),
                              std::min<size_t>(bytes.size(), 116));
  return text.starts_with("MATLAB 7.3") ||
         (bytes.size() >= kHdf5Offset + 8 &&
          std::memcmp(bytes.data() + kHdf5Offset, kHdf5Signature, 8) == 0);
}

}  // namespace

namespace internal {

Result<SignalTable> ParseMatWithLimits(std::span<const uint8_t> bytes, std::string source,
                                       const MatLimits& limits) {
  if (IsMatV73(bytes)) {
    return InvalidArgument(
        source +
        " is a MATLAB v7.3 (HDF5) file; save it with -v7 or export CSV (HDF5 is not read)");
  }
  const std::string context = source;
  MatParser parser(std::move(source), limits);
  Result<SignalTable> table = parser.Parse(bytes);
  if (!table.ok()) return table.status().WithContext(context);
  return table;
}

}  // namespace internal

Result<SignalTable> ParseMat(std::span<const uint8_t> bytes, std::string source) {
  return internal::ParseMatWithLimits(bytes, std::move(source), internal::MatLimits{});
}

Result<SignalTable> ReadMatFile(const std::string& path) {
  EL_ASSIGN_OR_RETURN(const std::string bytes, internal::ReadWholeFile(path));
  return ParseMat(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), path);
}

}  // namespace edgeloop::ingest
