// ArtifactCache (declared in edge/desired_state.h): verified, content-addressed model files.
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "edge/desired_state.h"
#include "uplink/base64.h"

namespace edgeloop::edge {
namespace {

namespace fs = std::filesystem;

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// Incremental SHA-256 over OpenSSL EVP. Private on purpose: edge/sha256.h (written elsewhere)
// will replace it once merged.
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    ok_ = ctx_ != nullptr && EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) == 1;
  }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(const char* data, size_t size) {
    ok_ = ok_ && EVP_DigestUpdate(ctx_, data, size) == 1;
  }
  // Lowercase hex, or "" if OpenSSL failed.
  std::string HexDigest() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!ok_ || EVP_DigestFinal_ex(ctx_, md, &len) != 1) return "";
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
      out += kHex[md[i] >> 4];
      out += kHex[md[i] & 15];
    }
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
  bool ok_ = false;
};

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
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
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
    BIO* bio = BIO_new_mem_buf(options.signing_public_key_pem.data(),
                               static_cast<int>(options.signing_public_key_pem.size()));
    if (bio == nullptr) return Internal("artifact cache: BIO_new_mem_buf failed");
    key = std::make_unique<Key>();
    key->pkey = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (key->pkey == nullptr) {
      return InvalidArgument("artifact cache: signing key is not a PEM public key");
    }
    if (EVP_PKEY_id(key->pkey) != EVP_PKEY_ED25519) {
      return InvalidArgument("artifact cache: signing key is not an Ed25519 key");
    }
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
  Sha256 sha;
  sha.Update(bytes.data(), bytes.size());
  const std::string digest = sha.HexDigest();
  if (digest.empty()) return Internal("sha256 failed in OpenSSL");
  if (digest != model.sha256) {
    return DataLoss("sha256 mismatch: expected " + model.sha256 + ", got " + digest);
  }
  if (key_ == nullptr) return Status::Ok();
  if (model.signature.empty()) {
    return FailedPrecondition("artifact is unsigned but a signing key is configured");
  }
  EL_ASSIGN_OR_RETURN(const std::string signature, uplink::Base64Decode(model.signature));
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return Internal("EVP_MD_CTX_new failed");
  const bool valid =
      EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key_->pkey) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                       bytes.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!valid) return FailedPrecondition("artifact signature does not verify");
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
