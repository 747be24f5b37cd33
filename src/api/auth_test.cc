#include "api/auth.h"

#include <gtest/gtest.h>

#include <set>

#include "api/api_test_fixture.h"
#include "common/sha256.h"

namespace edgeloop::api {
namespace {

using store::Role;
using testing::TestHubServer;

TEST(TokenSecretTest, PrefixedBase64UrlAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string s = NewTokenSecret();
    ASSERT_EQ(s.rfind("elp_", 0), 0u);
    EXPECT_EQ(s.size(), 4u + 43u);  // 32 bytes -> 43 base64url characters, no padding
    EXPECT_EQ(s.find_first_not_of(
                  "elp_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-", 4),
              std::string::npos);
    EXPECT_TRUE(seen.insert(s).second);
  }
  EXPECT_EQ(HashTokenSecret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

class AuthenticatorTest : public ::testing::Test {
 protected:
  AuthenticatorTest()
      : hub_(testing::TestHubOptions{.simulated_start =
                                         FromNanos(int64_t{1700000000} * 1000000000)}) {}
  TestHubServer hub_;
};

TEST_F(AuthenticatorTest, FailureKinds) {
  Authenticator auth(hub_.store(), hub_.clock(), std::chrono::milliseconds(0));
  EXPECT_EQ(auth.Authenticate("").failure, AuthFailure::kMissing);
  EXPECT_EQ(auth.Authenticate("Basic abc").failure, AuthFailure::kMalformed);
  EXPECT_EQ(auth.Authenticate("Bearer ").failure, AuthFailure::kMalformed);
  EXPECT_EQ(auth.Authenticate("Bearer " + std::string(300, 'x')).failure, AuthFailure::kMalformed);
  EXPECT_EQ(auth.Authenticate("Bearer elp_nope").failure, AuthFailure::kUnknown);
  AuthResult ok = auth.Authenticate("Bearer " + hub_.acme().token(Role::kTechnician));
  ASSERT_TRUE(ok.ok()) << ok.message;
  EXPECT_EQ(ok.principal.role, Role::kTechnician);
  EXPECT_EQ(ok.principal.tenant, hub_.acme().id);
  EXPECT_EQ(ok.principal.name, "acme-technician");
  AuthResult node = auth.Authenticate("Bearer " + hub_.globex().node_token);
  ASSERT_TRUE(node.ok()) << node.message;
  EXPECT_EQ(node.principal.role, Role::kNode);
  EXPECT_EQ(node.principal.node, "globex-gw-1");
  EXPECT_EQ(node.principal.tenant, hub_.globex().id);
}

TEST_F(AuthenticatorTest, ExpiryIsCheckedEvenWhenCached) {
  Authenticator auth(hub_.store(), hub_.clock());  // 2 s cache
  const std::string secret =
      hub_.MakeToken(hub_.acme().id, Role::kViewer, "acme-short", hub_.NowMs() + 5000);
  EXPECT_TRUE(auth.Authenticate("Bearer " + secret).ok());
  hub_.sim_clock()->Advance(std::chrono::seconds(5));
  AuthResult r = auth.Authenticate("Bearer " + secret);
  EXPECT_EQ(r.failure, AuthFailure::kExpired);
}

TEST_F(AuthenticatorTest, RevokeWithoutCacheIsImmediateAndCacheServesRepeats) {
  const std::string secret = hub_.MakeToken(hub_.acme().id, Role::kViewer, "acme-r");
  auto tokens = hub_.store().ListTokens(hub_.acme().id).value();
  int64_t id = 0;
  for (const auto& t : tokens) {
    if (t.name == "acme-r") id = t.id;
  }
  ASSERT_NE(id, 0);
  Authenticator uncached(hub_.store(), hub_.clock(), std::chrono::milliseconds(0));
  Authenticator cached(hub_.store(), hub_.clock(), std::chrono::seconds(60));  // capped at 2 s
  EXPECT_TRUE(uncached.Authenticate("Bearer " + secret).ok());
  EXPECT_TRUE(cached.Authenticate("Bearer " + secret).ok());
  ASSERT_TRUE(hub_.store().RevokeToken(hub_.acme().id, id).ok());
  EXPECT_EQ(uncached.Authenticate("Bearer " + secret).failure, AuthFailure::kRevoked);
  // Within the cache age the positive answer is reused (the documented revoke delay).
  EXPECT_TRUE(cached.Authenticate("Bearer " + secret).ok());
}

}  // namespace
}  // namespace edgeloop::api
