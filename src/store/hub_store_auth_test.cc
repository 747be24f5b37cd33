// Conformance: tenants, tokens, enrollment and nodes, on every engine (hub_store_test_fixture.h).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store/hub_store_test_fixture.h"
#include "store/hub_store_test_records.h"

namespace edgeloop::store {
namespace {

using hub_test::EnrollNode;
using hub_test::kT0;
using hub_test::NewTenant;

TokenRecord Token(int64_t tenant, const std::string& name, Role role, const std::string& hash) {
  return TokenRecord{.tenant = tenant, .name = name, .role = role, .hash = hash, .created = kT0};
}

TEST_P(HubStoreConformance, TenantsAreUniqueByName) {
  Result<Tenant> a = store().CreateTenant("acme", kT0);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_GT(a->id, 0);
  EXPECT_EQ(store().CreateTenant("acme", kT0 + 1).status().code(), StatusCode::kAlreadyExists);
  Result<Tenant> found = store().FindTenant("acme");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, a->id);
  EXPECT_EQ(found->created, kT0);
  Result<Tenant> missing = store().FindTenant("nobody");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("nobody"), std::string::npos);
  EXPECT_EQ(store().CreateTenant("", kT0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(store().CreateTenant("other", kT0)->id, a->id);
}

TEST_P(HubStoreConformance, TokensAreFoundByHashAcrossTenantsAndListedPerTenant) {
  const int64_t a = NewTenant(store(), "tenant-a");
  const int64_t b = NewTenant(store(), "tenant-b");
  Result<TokenRecord> alice = store().CreateToken(Token(a, "alice", Role::kAdmin, "h-alice"));
  ASSERT_TRUE(alice.ok()) << alice.status().ToString();
  TokenRecord expiring = Token(a, "bot", Role::kViewer, "h-bot");
  expiring.expires = kT0 + 1000;
  ASSERT_TRUE(store().CreateToken(expiring).ok());
  Result<TokenRecord> bob = store().CreateToken(Token(b, "bob", Role::kTechnician, "h-bob"));
  ASSERT_TRUE(bob.ok());
  EXPECT_NE(alice->id, bob->id);

  Result<TokenRecord> found = store().FindTokenByHash("h-bob");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->tenant, b);
  EXPECT_EQ(found->name, "bob");
  EXPECT_EQ(found->role, Role::kTechnician);
  EXPECT_FALSE(found->revoked);
  EXPECT_FALSE(found->expires.has_value());
  Result<TokenRecord> bot = store().FindTokenByHash("h-bot");
  ASSERT_TRUE(bot.ok());
  EXPECT_EQ(bot->expires, kT0 + 1000);
  EXPECT_EQ(store().FindTokenByHash("h-nobody").status().code(), StatusCode::kNotFound);

  // A taken hash is refused whatever the tenant.
  EXPECT_EQ(store().CreateToken(Token(b, "copy", Role::kAdmin, "h-alice")).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(store().CreateToken(Token(a + b + 100, "x", Role::kAdmin, "h-x")).status().code(),
            StatusCode::kNotFound);

  Result<std::vector<TokenRecord>> list_a = store().ListTokens(a);
  ASSERT_TRUE(list_a.ok());
  ASSERT_EQ(list_a->size(), 2u);
  EXPECT_EQ((*list_a)[0].name, "alice");
  EXPECT_EQ((*list_a)[1].name, "bot");
  Result<std::vector<TokenRecord>> list_b = store().ListTokens(b);
  ASSERT_TRUE(list_b.ok());
  ASSERT_EQ(list_b->size(), 1u);
  EXPECT_EQ((*list_b)[0].hash, "h-bob");
}

TEST_P(HubStoreConformance, RevokeOnlyWithinTheTenant) {
  const int64_t a = NewTenant(store(), "tenant-a");
  const int64_t b = NewTenant(store(), "tenant-b");
  Result<TokenRecord> alice = store().CreateToken(Token(a, "alice", Role::kAdmin, "h-alice"));
  ASSERT_TRUE(alice.ok());
  Status other = store().RevokeToken(b, alice->id);
  EXPECT_EQ(other.code(), StatusCode::kNotFound);
  EXPECT_NE(other.message().find(std::to_string(alice->id)), std::string::npos);
  EXPECT_FALSE(store().FindTokenByHash("h-alice")->revoked);
  ASSERT_TRUE(store().RevokeToken(a, alice->id).ok());
  EXPECT_TRUE(store().FindTokenByHash("h-alice")->revoked);
  EXPECT_TRUE(store().RevokeToken(a, alice->id).ok());  // revoking again is harmless
  EXPECT_EQ(store().RevokeToken(a, alice->id + 1000).code(), StatusCode::kNotFound);
}

TEST_P(HubStoreConformance, EnrollCreatesTheNodeAndItsToken) {
  const int64_t a = NewTenant(store(), "tenant-a");
  EnrollmentRecord e{.tenant = a,
                     .node = "gw-1",
                     .site = "plant-north",
                     .group = "line-1",
                     .hash = "enr-1",
                     .created = kT0,
                     .expires = kT0 + 60'000,
                     .created_by = "alice"};
  Result<EnrollmentRecord> created = store().CreateEnrollment(e);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_GT(created->id, 0);

  Result<NodeRecord> node = store().Enroll("enr-1", TokenRecord{.hash = "node-tok-1"}, kT0 + 5);
  ASSERT_TRUE(node.ok()) << node.status().ToString();
  EXPECT_EQ(node->tenant, a);
  EXPECT_EQ(node->id, "gw-1");
  EXPECT_EQ(node->site, "plant-north");
  EXPECT_EQ(node->group, "line-1");
  EXPECT_EQ(node->enrolled, kT0 + 5);
  EXPECT_FALSE(node->last_heartbeat.has_value());
  EXPECT_EQ(node->batches, 0);
  Result<TokenRecord> token = store().FindTokenByHash("node-tok-1");
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->tenant, a);
  EXPECT_EQ(token->role, Role::kNode);
  EXPECT_EQ(token->node, "gw-1");
  EXPECT_FALSE(token->name.empty());

  Result<NodeRecord> again = store().Enroll("enr-1", TokenRecord{.hash = "node-tok-2"}, kT0 + 6);
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(again.status().message().find("already used"), std::string::npos);
  EXPECT_EQ(store().FindTokenByHash("node-tok-2").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().Enroll("enr-none", TokenRecord{.hash = "t3"}, kT0).status().code(),
            StatusCode::kNotFound);

  EXPECT_EQ(store().CreateEnrollment(e).status().code(), StatusCode::kAlreadyExists);
  e.hash = "enr-bad";
  e.node = "gw 1";
  EXPECT_EQ(store().CreateEnrollment(e).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(HubStoreConformance, ExpiredEnrollmentIsRefusedAndStaysUnused) {
  const int64_t a = NewTenant(store(), "tenant-a");
  ASSERT_TRUE(
      store()
          .CreateEnrollment(
              {.tenant = a, .node = "gw-2", .hash = "enr-2", .created = kT0, .expires = kT0 + 1000})
          .ok());
  Result<NodeRecord> late = store().Enroll("enr-2", TokenRecord{.hash = "t-late"}, kT0 + 1000);
  EXPECT_EQ(late.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(late.status().message().find("expired"), std::string::npos);
  EXPECT_EQ(store().GetNode(a, "gw-2").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().FindTokenByHash("t-late").status().code(), StatusCode::kNotFound);
  // The refusal changed nothing: within its lifetime the enrollment still works.
  EXPECT_TRUE(store().Enroll("enr-2", TokenRecord{.hash = "t-ok"}, kT0 + 999).ok());
}

TEST_P(HubStoreConformance, ReEnrollKeepsCountersAndRevokesTheOldNodeToken) {
  const int64_t a = NewTenant(store(), "tenant-a");
  const std::string first = EnrollNode(store(), a, "gw-1", "site-1", "line-1", kT0);
  ASSERT_FALSE(first.empty());
  std::vector<DecodedBatch> batches = {hub_test::Batch(1), hub_test::Batch(2)};
  ASSERT_TRUE(store().Ingest(a, "gw-1", 0, batches, kT0 + 10).ok());

  const std::string second = EnrollNode(store(), a, "gw-1", "site-2", "line-2", kT0 + 100);
  ASSERT_FALSE(second.empty());
  Result<NodeRecord> node = store().GetNode(a, "gw-1");
  ASSERT_TRUE(node.ok());
  EXPECT_EQ(node->batches, 2);
  EXPECT_EQ(node->max_seq, 2);
  EXPECT_EQ(node->site, "site-2");
  EXPECT_EQ(node->group, "line-2");
  EXPECT_EQ(node->enrolled, kT0 + 100);
  EXPECT_TRUE(store().FindTokenByHash(first)->revoked);
  EXPECT_FALSE(store().FindTokenByHash(second)->revoked);
  // Other tokens of the tenant are not node tokens of gw-1 and stay valid.
  ASSERT_TRUE(store().CreateToken(Token(a, "alice", Role::kAdmin, "h-alice")).ok());
  ASSERT_FALSE(EnrollNode(store(), a, "gw-1", "site-2", "line-2", kT0 + 200).empty());
  EXPECT_FALSE(store().FindTokenByHash("h-alice")->revoked);
}

TEST_P(HubStoreConformance, ConcurrentUseOfOneEnrollmentSucceedsOnce) {
  const int64_t a = NewTenant(store(), "tenant-a");
  ASSERT_TRUE(store()
                  .CreateEnrollment({.tenant = a,
                                     .node = "gw-race",
                                     .hash = "enr-race",
                                     .created = kT0,
                                     .expires = kT0 + 60'000})
                  .ok());
  std::atomic<int> ok{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      Result<NodeRecord> r =
          store().Enroll("enr-race", TokenRecord{.hash = "race-" + std::to_string(i)}, kT0 + 1);
      if (r.ok()) {
        ++ok;
      } else if (r.status().code() == StatusCode::kFailedPrecondition) {
        ++refused;
      } else {
        ++other;
        ADD_FAILURE() << r.status().ToString();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(refused.load(), 1);
  EXPECT_EQ(other.load(), 0);
  int node_tokens = 0;
  Result<std::vector<TokenRecord>> tokens = store().ListTokens(a);
  ASSERT_TRUE(tokens.ok());
  for (const TokenRecord& t : *tokens) {
    node_tokens += t.role == Role::kNode && !t.revoked;
  }
  EXPECT_EQ(node_tokens, 1);
}

TEST_P(HubStoreConformance, NodesAreIsolatedPerTenant) {
  const int64_t a = NewTenant(store(), "tenant-a");
  const int64_t b = NewTenant(store(), "tenant-b");
  ASSERT_FALSE(EnrollNode(store(), a, "gw-1").empty());
  ASSERT_FALSE(EnrollNode(store(), a, "gw-0").empty());

  Result<std::vector<NodeRecord>> nodes = store().ListNodes(a);
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->size(), 2u);
  EXPECT_EQ((*nodes)[0].id, "gw-0");
  EXPECT_EQ((*nodes)[1].id, "gw-1");
  EXPECT_EQ((*nodes)[0].models_json, "{}");
  EXPECT_TRUE(store().ListNodes(b)->empty());
  EXPECT_TRUE(store().ListTokens(b)->empty());

  Result<NodeRecord> other = store().GetNode(b, "gw-1");
  EXPECT_EQ(other.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(other.status().message(), "node gw-1 not found");
  EXPECT_EQ(store().TouchNode(b, "gw-1", kT0).code(), StatusCode::kNotFound);
  EXPECT_EQ(store().GetNode(a, "gw-9").status().code(), StatusCode::kNotFound);
}

TEST_P(HubStoreConformance, TouchNodeMovesLastSeenForwardOnly) {
  const int64_t a = NewTenant(store(), "tenant-a");
  ASSERT_FALSE(EnrollNode(store(), a, "gw-1").empty());
  EXPECT_FALSE(store().GetNode(a, "gw-1")->last_seen.has_value());
  ASSERT_TRUE(store().TouchNode(a, "gw-1", kT0 + 500).ok());
  EXPECT_EQ(store().GetNode(a, "gw-1")->last_seen, kT0 + 500);
  ASSERT_TRUE(store().TouchNode(a, "gw-1", kT0 + 100).ok());
  EXPECT_EQ(store().GetNode(a, "gw-1")->last_seen, kT0 + 500);
  ASSERT_TRUE(store().TouchNode(a, "gw-1", kT0 + 900).ok());
  EXPECT_EQ(store().GetNode(a, "gw-1")->last_seen, kT0 + 900);
}

}  // namespace
}  // namespace edgeloop::store
