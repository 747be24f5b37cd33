// ArtifactCache (declared in edge/desired_state.h): verified, content-addressed model files.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "common/base64.h"
#include "common/sha256.h"
#include "edge/desired_state.h"
#include "edge/signature.h"

namespace edgeloop::edge {
namespace {

namespace fs = std::filesystem;

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// Closes a file descriptor and, unless released, removes the temp file it belongs to.
class TempFile {
 public:
  TempFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  Status Close() {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return IoError(Errno("closing " + path_));
    return Status::Ok();
  }
  void Release() { path_.clear(); }

 private:
  int fd_;
  std::string path_;
};

Status FsyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError(Errno("opening " + dir));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return IoError(Errno("fsync " + dir));
  return Status::Ok();
}

}  // namespace

struct ArtifactCache::Key {
  Ed25519Verifier verifier;
};

ArtifactCache::ArtifactCache(ArtifactCacheOptions options, std::unique_ptr<Key> key)
    : options_(std::move(options)), key_(std::move(key)) {}

ArtifactCache::~ArtifactCache() = default;

Result<std::unique_ptr<ArtifactCache>> ArtifactCache::Create(ArtifactCacheOptions options) {
  if (options.models_dir.empty()) return InvalidArgument("artifact cache: models_dir is empty");
  std::error_code ec;
  fs::create_directories(options.models_dir, ec);
  if (ec) return IoError("creating " + options.models_dir + ": " + ec.message());
  // Temp files left by a crash mid-download are garbage: only renamed files are verified.
  for (const auto& entry : fs::directory_iterator(options.models_dir, ec)) {
    if (entry.path().filename().string().find(".onnx.tmp.") != std::string::npos) {
      std::error_code ignored;
      fs::remove(entry.path(), ignored);
    }
  }
  std::unique_ptr<Key> key;
  if (!options.signing_public_key_pem.empty()) {
    auto verifier = Ed25519Verifier::FromPem(options.signing_public_key_pem);
    if (!verifier.ok()) return verifier.status().WithContext("artifact cache: signing key");
    key = std::make_unique<Key>(Key{std::move(verifier).value()});
  }
  return std::unique_ptr<ArtifactCache>(new ArtifactCache(std::move(options), std::move(key)));
}

std::string ArtifactCache::PathFor(std::string_view sha256) const {
  return (fs::path(options_.models_dir) / (std::string(sha256) + ".onnx")).string();
}

Status ArtifactCache::VerifyFile(const std::string& path, const DesiredModel& model) const {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("opening " + path);
  // Ed25519 signs the whole message in one go (no streaming API), so the bytes are read once
  // into memory; sizes are bounded by max_artifact_bytes.
  std::string bytes(static_cast<size_t>(model.size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (in.gcount() != static_cast<std::streamsize>(bytes.size()) || in.peek() != EOF) {
    return DataLoss(path + ": size differs from the " + std::to_string(model.size) +
                    " bytes announced");
  }
  const std::string digest =
      Sha256Hex({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  if (digest.empty()) return Internal("sha256 failed in OpenSSL");
  if (digest != model.sha256) {
    return DataLoss("sha256 mismatch: expected " + model.sha256 + ", got " + digest);
  }
  if (key_ == nullptr) return Status::Ok();
  if (model.signature.empty()) {
    return FailedPrecondition("artifact is unsigned but a signing key is configured");
  }
  Status verified = key_->verifier.Verify(
      {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, model.signature);
  if (!verified.ok()) return verified.WithContext("artifact signature");
  return Status::Ok();
}

Result<std::string> ArtifactCache::Ensure(const DesiredModel& model, HubClient& hub,
                                          bool* downloaded) {
  *downloaded = false;
  if (model.size <= 0 || model.size > options_.max_artifact_bytes) {
    return InvalidArgument("artifact size " + std::to_string(model.size) + " outside (0, " +
                           std::to_string(options_.max_artifact_bytes) + "]");
  }
  const std::string final_path = PathFor(model.sha256);
  std::error_code ec;
  if (fs::exists(final_path, ec)) {
    // Only verified files are ever renamed into place, but the disk may have been tampered
    // with or the signature may differ: check again, and fetch anew if it does not verify.
    if (VerifyFile(final_path, model).ok()) return final_path;
  }

  std::random_device rd;
  const std::string tmp_path =
      final_path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(rd());
  const int fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return IoError(Errno("creating " + tmp_path));
  TempFile tmp(fd, tmp_path);

  int64_t received = 0;
  bool too_big = false;
  bool write_failed = false;
  int write_errno = 0;
  auto got = hub.Get(model.url, {}, [&](const char* data, size_t size) {
    if (received + static_cast<int64_t>(size) > model.size) {
      too_big = true;
      return false;
    }
    received += static_cast<int64_t>(size);
    while (size > 0) {
      const ssize_t n = ::write(tmp.fd(), data, size);
      if (n < 0) {
        if (errno == EINTR) continue;
        write_errno = errno;
        write_failed = true;
        return false;
      }
      data += n;
      size -= static_cast<size_t>(n);
    }
    return true;
  });
  if (write_failed) {
    return IoError("writing " + tmp_path + ": " + std::strerror(write_errno));
  }
  if (!got.ok() && !too_big) return got.status().WithContext("GET " + model.url);
  if (got.ok() && got->status != 200) {
    return Unavailable("GET " + model.url + ": HTTP " + std::to_string(got->status));
  }
  if (too_big) {
    return DataLoss("GET " + model.url + ": more than the " + std::to_string(model.size) +
                    " bytes announced");
  }
  if (received != model.size) {
    return DataLoss("GET " + model.url + ": got " + std::to_string(received) + " of " +
                    std::to_string(model.size) + " bytes");
  }
  if (::fsync(tmp.fd()) != 0) return IoError(Errno("fsync " + tmp_path));
  EL_RETURN_IF_ERROR(tmp.Close());
  EL_RETURN_IF_ERROR(VerifyFile(tmp_path, model).WithContext("GET " + model.url));
  if (::rename(tmp_path.c_str(), final_path.c_str()) != 0) {
    return IoError(Errno("renaming " + tmp_path + " to " + final_path));
  }
  tmp.Release();
  EL_RETURN_IF_ERROR(FsyncDir(options_.models_dir));
  *downloaded = true;
  return final_path;
}

}  // namespace edgeloop::edge
