// SignalTable helpers, file reading and the choice of reader for a file.
#include "ingest/signal_file.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "ingest/internal.h"

namespace edgeloop::ingest {

namespace {

// Recordings are at most a few GB; anything larger is more likely a wrong path than a signal.
constexpr uintmax_t kMaxFileBytes = uintmax_t{8} << 30;

std::string LowerExtension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

std::span<const uint8_t> AsBytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

const SignalColumn* SignalTable::Find(std::string_view name) const {
  for (const SignalColumn& c : columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

namespace internal {

Result<std::string> ReadWholeFile(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) return NotFound(path + ": no such file");
  if (!std::filesystem::is_regular_file(status)) return IoError(path + ": not a regular file");
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return IoError(path + ": " + ec.message());
  if (size > kMaxFileBytes) {
    return InvalidArgument(path + ": " + std::to_string(size) + " bytes is too large to read");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError(path + ": cannot open: " + std::strerror(errno));
  std::string bytes(static_cast<size_t>(size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (static_cast<uintmax_t>(in.gcount()) != size) {
    return IoError(path + ": read " + std::to_string(in.gcount()) + " of " + std::to_string(size) +
                   " bytes");
  }
  return bytes;
}

}  // namespace internal

Result<SignalTable> ReadSignalFile(const std::string& path) {
  const std::string ext = LowerExtension(path);
  if (ext == ".mat") return ReadMatFile(path);
  if (ext == ".csv") return ReadCsvFile(path);
  EL_ASSIGN_OR_RETURN(const std::string bytes, internal::ReadWholeFile(path));
  if (bytes.starts_with("MATLAB")) return ParseMat(AsBytes(bytes), path);
  // Text files have no NUL bytes; a look at the start is enough to refuse other binaries.
  if (bytes.substr(0, 4096).find('\0') != std::string::npos) {
    return InvalidArgument(path + ": unrecognised binary format (expected a MAT-file or CSV)");
  }
  return ParseCsv(bytes, path);
}

}  // namespace edgeloop::ingest
