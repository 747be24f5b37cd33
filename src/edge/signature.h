// Ed25519 signatures of model artifacts (OpenSSL EVP): the registry signs a model's bytes with
// its private key (`edgeloop model sign`); a node configured with the public key
// (hub.public_key_file) refuses any artifact whose signature does not verify.
// Signatures travel as standard base64 of the 64 raw signature bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace edgeloop::edge {

// Base64 signature of `data` with the Ed25519 private key in `private_key_pem` (PKCS#8 PEM, as
// `openssl genpkey -algorithm ed25519` writes). InvalidArgument for another key type or bad PEM.
Result<std::string> SignEd25519(std::string_view private_key_pem, std::span<const uint8_t> data);

// A parsed Ed25519 public key. Immutable after FromPem; any thread may call Verify.
class Ed25519Verifier {
 public:
  static Result<Ed25519Verifier> FromPem(std::string_view public_key_pem);
  Ed25519Verifier(Ed25519Verifier&&) noexcept;
  Ed25519Verifier& operator=(Ed25519Verifier&&) noexcept;
  ~Ed25519Verifier();

  // OK when `signature_b64` is a valid signature of `data`; FailedPrecondition when it is not,
  // InvalidArgument when it is not base64.
  Status Verify(std::span<const uint8_t> data, std::string_view signature_b64) const;

 private:
  struct Key;
  explicit Ed25519Verifier(std::unique_ptr<Key> key);
  std::unique_ptr<Key> key_;
};

}  // namespace edgeloop::edge
