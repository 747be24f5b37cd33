#include "edge/signature.h"

#include <gtest/gtest.h>

#include "edge/signing_key_test_util.h"

namespace edgeloop::edge {
namespace {

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(SignatureTest, SignsLikeOpenSslAndVerifies) {
  SigningKey key;
  const std::string model = "model bytes \x01\x02\x03";
  auto signature = SignEd25519(key.PrivatePem(), Bytes(model));
  ASSERT_TRUE(signature.ok()) << signature.status().ToString();
  // Ed25519 is deterministic: the same key and message give the same signature.
  EXPECT_EQ(*signature, key.SignBase64(model));
  auto verifier = Ed25519Verifier::FromPem(key.PublicPem());
  ASSERT_TRUE(verifier.ok()) << verifier.status().ToString();
  EXPECT_TRUE(verifier->Verify(Bytes(model), *signature).ok());

  std::string tampered = model;
  tampered[0] ^= 1;
  EXPECT_FALSE(verifier->Verify(Bytes(tampered), *signature).ok());
  SigningKey other;
  EXPECT_FALSE(verifier->Verify(Bytes(model), other.SignBase64(model)).ok());
  Status not_base64 = verifier->Verify(Bytes(model), "%%%");
  EXPECT_FALSE(not_base64.ok());
}

TEST(SignatureTest, BadKeysAreClearErrors) {
  SigningKey key;
  EXPECT_FALSE(SignEd25519("not a key", Bytes("x")).ok());
  EXPECT_FALSE(SignEd25519(key.PublicPem(), Bytes("x")).ok()) << "a public key cannot sign";
  auto wrong = Ed25519Verifier::FromPem(key.PrivatePem().substr(0, 20));
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("PEM"), std::string::npos);
}

}  // namespace
}  // namespace edgeloop::edge
