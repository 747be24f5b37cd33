#include "edge/signature.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/base64.h"

namespace edgeloop::edge {
namespace {

// PEM text -> key, through a memory BIO; nullptr when it is not a key of that kind.
template <typename Reader>
EVP_PKEY* ReadPem(std::string_view pem, Reader read) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return nullptr;
  EVP_PKEY* key = read(bio);
  BIO_free(bio);
  return key;
}

}  // namespace

struct Ed25519Verifier::Key {
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

Result<std::string> SignEd25519(std::string_view private_key_pem, std::span<const uint8_t> data) {
  EVP_PKEY* key = ReadPem(private_key_pem, [](BIO* b) {
    return PEM_read_bio_PrivateKey(b, nullptr, nullptr, nullptr);
  });
  if (key == nullptr) return InvalidArgument("the signing key is not a PEM private key");
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> owned(key, EVP_PKEY_free);
  if (EVP_PKEY_id(key) != EVP_PKEY_ED25519) {
    return InvalidArgument("the signing key is not an Ed25519 key");
  }
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char sig[64];
  size_t len = sizeof(sig);
  // Ed25519 signs the message itself (no separate digest): md is nullptr, one-shot API.
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), sig, &len, data.data(), data.size()) != 1) {
    return Internal("Ed25519 signing failed in OpenSSL");
  }
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(sig), len));
}

Ed25519Verifier::Ed25519Verifier(std::unique_ptr<Key> key) : key_(std::move(key)) {}
Ed25519Verifier::Ed25519Verifier(Ed25519Verifier&&) noexcept = default;
Ed25519Verifier& Ed25519Verifier::operator=(Ed25519Verifier&&) noexcept = default;
Ed25519Verifier::~Ed25519Verifier() = default;

Result<Ed25519Verifier> Ed25519Verifier::FromPem(std::string_view public_key_pem) {
  auto key = std::make_unique<Key>();
  key->pkey = ReadPem(public_key_pem,
                      [](BIO* b) { return PEM_read_bio_PUBKEY(b, nullptr, nullptr, nullptr); });
  if (key->pkey == nullptr) return InvalidArgument("the key is not a PEM public key");
  if (EVP_PKEY_id(key->pkey) != EVP_PKEY_ED25519) {
    return InvalidArgument("the key is not an Ed25519 public key");
  }
  return Ed25519Verifier(std::move(key));
}

Status Ed25519Verifier::Verify(std::span<const uint8_t> data,
                               std::string_view signature_b64) const {
  EL_ASSIGN_OR_RETURN(const std::string signature, Base64Decode(signature_b64));
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx) return Internal("EVP_MD_CTX_new failed");
  const bool valid =
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_->pkey) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), data.data(), data.size()) == 1;
  if (!valid) return FailedPrecondition("signature does not verify");
  return Status::Ok();
}

}  // namespace edgeloop::edge
