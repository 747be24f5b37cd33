#include "common/sha256.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace edgeloop {
namespace {

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

std::string ToHex(const unsigned char* digest, unsigned int len) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(2 * static_cast<size_t>(len), '0');
  for (unsigned int i = 0; i < len; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return hex;
}

Result<std::string> Finish(EVP_MD_CTX* ctx) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx, digest, &len) != 1) return Internal("EVP_DigestFinal_ex failed");
  return ToHex(digest, len);
}

Result<MdCtx> NewSha256() {
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return Internal("cannot initialise SHA-256 (OpenSSL EVP)");
  }
  return ctx;
}

}  // namespace

// EVP fails only on allocation failure or a broken OpenSSL build; the in-memory variant then
// returns an empty string, which no caller can mistake for a digest.
std::string Sha256Hex(std::span<const uint8_t> bytes) {
  auto ctx = NewSha256();
  if (!ctx.ok()) return "";
  if (EVP_DigestUpdate(ctx->get(), bytes.data(), bytes.size()) != 1) return "";
  auto hex = Finish(ctx->get());
  return hex.ok() ? *hex : "";
}

Result<std::string> Sha256File(const std::string& path) {
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    const int err = errno;
    const std::string msg = "cannot open '" + path + "': " + std::strerror(err);
    return err == ENOENT ? NotFound(msg) : Internal(msg);
  }
  EL_ASSIGN_OR_RETURN(MdCtx ctx, NewSha256());
  unsigned char buf[1 << 16];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) {
    if (EVP_DigestUpdate(ctx.get(), buf, n) != 1) return Internal("EVP_DigestUpdate failed");
  }
  if (std::ferror(f.get())) return Internal("read error on '" + path + "'");
  return Finish(ctx.get());
}

}  // namespace edgeloop
