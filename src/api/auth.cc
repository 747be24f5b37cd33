#include "api/auth.h"

#include <openssl/rand.h>

#include <cstdlib>
#include <iostream>
#include <span>

#include "common/base64.h"
#include "common/sha256.h"

namespace edgeloop::api {

std::string NewTokenSecret() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    std::cerr << "NewTokenSecret: OpenSSL RAND_bytes failed\n";
    std::abort();
  }
  // base64url without padding: safe in headers, URLs and shell arguments.
  std::string b64 = Base64Encode(std::string_view(reinterpret_cast<char*>(bytes), sizeof(bytes)));
  std::string out(kTokenPrefix);
  for (char c : b64) {
    if (c == '+') {
      out.push_back('-');
    } else if (c == '/') {
      out.push_back('_');
    } else if (c != '=') {
      out.push_back(c);
    }
  }
  return out;
}

std::string HashTokenSecret(std::string_view secret) {
  return Sha256Hex(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(secret.data()), secret.size()));
}

std::string_view AuthFailureName(AuthFailure failure) {
  switch (failure) {
    case AuthFailure::kNone:
      return "none";
    case AuthFailure::kMissing:
      return "missing";
    case AuthFailure::kMalformed:
      return "malformed";
    case AuthFailure::kUnknown:
      return "unknown";
    case AuthFailure::kRevoked:
      return "revoked";
    case AuthFailure::kExpired:
      return "expired";
    case AuthFailure::kUnavailable:
      return "unavailable";
  }
  return "unknown";
}

Authenticator::Authenticator(store::HubStore& store, const Clock& clock,
                             std::chrono::milliseconds cache_ttl)
    : store_(store), clock_(clock), cache_ttl_(std::min(cache_ttl, kMaxAuthCacheTtl)) {}

AuthResult Authenticator::FromRecord(const store::TokenRecord& token) const {
  AuthResult r;
  if (token.revoked) {
    r.failure = AuthFailure::kRevoked;
    r.message = "token revoked";
    return r;
  }
  const store::TimeMs now = ToUnixMillis(clock_.Now());
  if (token.expires && *token.expires <= now) {
    r.failure = AuthFailure::kExpired;
    r.message = "token expired";
    return r;
  }
  r.principal = Principal{.tenant = token.tenant,
                          .token_id = token.id,
                          .name = token.name,
                          .role = token.role,
                          .node = token.node};
  return r;
}

AuthResult Authenticator::Authenticate(std::string_view authorization) {
  AuthResult r;
  if (authorization.empty()) {
    r.failure = AuthFailure::kMissing;
    r.message = "missing bearer token (Authorization: Bearer <token>)";
    return r;
  }
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() <= kBearer.size() ||
      authorization.substr(0, kBearer.size()) != kBearer) {
    r.failure = AuthFailure::kMalformed;
    r.message = "Authorization header is not 'Bearer <token>'";
    return r;
  }
  std::string_view secret = authorization.substr(kBearer.size());
  // A secret longer than any we issue is refused before hashing: bounded work per request.
  if (secret.size() > 256) {
    r.failure = AuthFailure::kMalformed;
    r.message = "bearer token too long";
    return r;
  }
  const std::string hash = HashTokenSecret(secret);
  const auto steady_now = std::chrono::steady_clock::now();
  if (cache_ttl_.count() > 0) {
    std::lock_guard lock(mu_);
    auto it = cache_.find(hash);
    if (it != cache_.end()) {
      if (steady_now - it->second.fetched < cache_ttl_) return FromRecord(it->second.token);
      cache_.erase(it);
    }
  }
  Result<store::TokenRecord> token = store_.FindTokenByHash(hash);
  if (!token.ok()) {
    if (token.status().code() == StatusCode::kNotFound) {
      r.failure = AuthFailure::kUnknown;
      r.message = "unknown token";
    } else {
      r.failure = AuthFailure::kUnavailable;
      r.message = "token lookup failed: " + token.status().ToString();
    }
    return r;
  }
  r = FromRecord(*token);
  if (r.ok() && cache_ttl_.count() > 0) {
    std::lock_guard lock(mu_);
    if (cache_.size() >= kMaxAuthCacheEntries) cache_.clear();
    cache_[hash] = Cached{*token, steady_now};
  }
  return r;
}

}  // namespace edgeloop::api
