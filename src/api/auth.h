// Bearer-token authentication for the hub API.
//
// A token secret is "elp_" + base64url(32 random bytes from OpenSSL RAND_bytes), shown once at
// creation; the store keeps only Sha256Hex(secret). The Authenticator turns an Authorization
// header into a Principal by hashing the presented secret and looking the hash up in the store.
//
// Cache: positive lookups are cached for at most 2 s (kMaxAuthCacheTtl), keyed by hash, so a
// busy node or dashboard does not cost a database round trip per request while a revoked token
// still stops working within 2 s. Expiry is re-checked against the hub clock on every request,
// cached or not. Failed lookups are never cached. The cache is bounded (kMaxAuthCacheEntries;
// when full it is cleared) and its age runs on the steady clock, because it is a process-local
// performance device, not domain time (tests on a SimulatedClock still see revokes take
// effect).
//
// Threads: Authenticate may be called from any thread concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "api/route.h"
#include "common/clock.h"
#include "store/hub_store.h"

namespace edgeloop::api {

inline constexpr std::string_view kTokenPrefix = "elp_";
inline constexpr std::chrono::milliseconds kMaxAuthCacheTtl{2000};
inline constexpr size_t kMaxAuthCacheEntries = 10000;

// "elp_" + base64url (no padding) of 32 random bytes. Aborts if OpenSSL cannot give random
// bytes (no safe fallback exists for a credential).
std::string NewTokenSecret();
// What the store keeps for a secret: lowercase hex SHA-256.
std::string HashTokenSecret(std::string_view secret);

enum class AuthFailure {
  kNone,
  kMissing,      // no Authorization header (401)
  kMalformed,    // not "Bearer <secret>" (401)
  kUnknown,      // no token has this hash (401)
  kRevoked,      // (401)
  kExpired,      // (401)
  kUnavailable,  // the store could not answer (503)
};
std::string_view AuthFailureName(AuthFailure failure);  // "missing", "unknown", ...

struct AuthResult {
  AuthFailure failure = AuthFailure::kNone;
  Principal principal;  // valid when failure == kNone
  std::string message;  // for the 401 body; never echoes the secret
  bool ok() const { return failure == AuthFailure::kNone; }
};

class Authenticator {
 public:
  // Borrows `store` and `clock` (they outlive it). `cache_ttl` is capped at kMaxAuthCacheTtl;
  // zero disables the cache.
  Authenticator(store::HubStore& store, const Clock& clock,
                std::chrono::milliseconds cache_ttl = kMaxAuthCacheTtl);

  // `authorization` is the raw header value ("" when absent).
  AuthResult Authenticate(std::string_view authorization);

 private:
  struct Cached {
    store::TokenRecord token;
    std::chrono::steady_clock::time_point fetched;
  };
  AuthResult FromRecord(const store::TokenRecord& token) const;

  store::HubStore& store_;
  const Clock& clock_;
  const std::chrono::milliseconds cache_ttl_;
  std::mutex mu_;
  std::unordered_map<std::string, Cached> cache_;  // hash -> record
};

}  // namespace edgeloop::api
