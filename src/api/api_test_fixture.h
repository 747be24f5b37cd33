// Test fixture for the hub API: a real HubHttpServer on 127.0.0.1:0 over a fresh SQLite store
// in a temporary folder, with two tenants ("acme" and "globex"). Each tenant gets one bearer
// token per human role and one enrolled node ("acme-gw-1" / "globex-gw-1") with its node
// token, so tests can call every route as every role over real HTTP.
//
// Seed() puts one of everything into acme through the HubStore (an ingested batch with windows,
// an alert, quality, drift, heartbeat and shadow statistics records; a site, an asset with a
// channel; a model version; a deployment; an annotation). Every acme name or id string starts
// with "acme-", so a test can assert that globex sees none of it by searching for "acme-".
//
// Ownership: TestHubServer owns the store, clock, metrics and server; destroying it stops the
// server and deletes the folder. Threads: Call() may be used from any thread (one
// httplib::Client per call); the rest is for the test thread.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/hub_context.h"
#include "api/hub_metrics.h"
#include "common/clock.h"
#include "store/hub_store.h"

namespace edgeloop::api {
class HubHttpServer;
}

namespace edgeloop::api::testing {

// One HTTP answer as the test sees it.
struct HttpResult {
  int status = 0;  // 0: transport error (see `error`)
  std::string body;
  nlohmann::json json;  // the parsed body; null when the body is not JSON
  std::multimap<std::string, std::string> headers;  // names lower-cased
  std::string error;                                // transport error text, if any

  // First value of a header (name in any case), "" when absent.
  std::string Header(const std::string& name) const;
  // {"error":{"code","message"}} present with non-empty strings.
  bool HasErrorShape() const;
};

// One tenant as set up by the fixture.
struct TenantInfo {
  int64_t id = 0;
  std::string name;                           // "acme" | "globex"
  std::map<store::Role, std::string> tokens;  // every human role -> bearer secret
  std::string node;                           // "acme-gw-1" | "globex-gw-1"
  std::string node_token;                     // that node's bearer secret
  const std::string& token(store::Role role) const { return tokens.at(role); }
};

// What Seed() created in acme (and the one site/asset it gives globex).
struct SeedInfo {
  std::string site = "acme-site-1";
  std::string asset = "acme-pump-1";
  std::string channel = "acme-vib-x";
  std::string feature = "acme-rms";  // a feature name in the seeded windows
  std::string node = "acme-gw-1";
  int64_t batch_seq = 1;      // the ingested batch (node acme-gw-1)
  int64_t alert_id = 0;       // hub-wide id of the seeded alert
  int64_t annotation_id = 0;  // annotation on that alert
  std::string model = "acme-pca";
  int64_t model_version = 0;  // 1
  std::string model_sha256;   // of the artifact bytes
  std::string artifact;       // the artifact bytes
  int64_t deployment_id = 0;  // acme-pca v1 -> acme-gw-1, production, group below
  std::string deployment_group = "acme-pump-bearing";
  store::TimeMs t0 = 0;  // start of the seeded windows (hub clock, ms)
  std::string globex_site = "globex-site-1";
  std::string globex_asset = "globex-pump-1";
};

struct TestHubOptions {
  // nullopt: SystemClock. Otherwise a SimulatedClock starting here (advance it with
  // sim_clock()).
  std::optional<Timestamp> simulated_start;
  int threads = 16;  // server worker threads
  // Authenticator positive-cache age; 0 makes a revoke take effect at once in tests.
  std::chrono::milliseconds auth_cache_ttl{0};
};

class TestHubServer {
 public:
  explicit TestHubServer(TestHubOptions options = {});
  ~TestHubServer();
  TestHubServer(const TestHubServer&) = delete;
  TestHubServer& operator=(const TestHubServer&) = delete;

  store::HubStore& store() { return *store_; }
  const HubContext& context() const { return ctx_; }
  HubMetrics& metrics() { return *metrics_; }
  const Clock& clock() const { return *clock_; }
  SimulatedClock* sim_clock() { return sim_clock_; }  // null with SystemClock
  store::TimeMs NowMs() const { return ctx_.NowMs(); }
  int port() const;
  const std::string& dir() const { return dir_; }

  const TenantInfo& acme() const { return acme_; }
  const TenantInfo& globex() const { return globex_; }
  const TenantInfo& tenant(const std::string& name) const;

  // Creates one of everything in acme (and a site + asset in globex). Call at most once.
  // Aborts the test (ADD_FAILURE + return of what was made) when the store refuses something.
  const SeedInfo& Seed();
  const SeedInfo& seed() const { return seed_; }

  // A fresh token of `role` in `tenant` (via the store), returning its secret.
  std::string MakeToken(int64_t tenant, store::Role role, const std::string& name,
                        std::optional<store::TimeMs> expires = std::nullopt);

  // One HTTP request to the server. `token` empty: no Authorization header. `body` is sent
  // with Content-Type application/json unless `headers` sets Content-Type.
  HttpResult Call(const std::string& method, const std::string& path, const std::string& token = "",
                  const std::string& body = "",
                  const std::vector<std::pair<std::string, std::string>>& headers = {});
  HttpResult Get(const std::string& path, const std::string& token = "") {
    return Call("GET", path, token);
  }
  HttpResult Post(const std::string& path, const std::string& token, const nlohmann::json& body) {
    return Call("POST", path, token, body.dump());
  }

 private:
  TenantInfo MakeTenant(const std::string& name);

  std::string dir_;
  std::unique_ptr<Clock> clock_;
  SimulatedClock* sim_clock_ = nullptr;
  std::unique_ptr<store::HubStore> store_;
  std::unique_ptr<HubMetrics> metrics_;
  HubContext ctx_;
  std::unique_ptr<HubHttpServer> server_;
  TenantInfo acme_, globex_;
  SeedInfo seed_;
  bool seeded_ = false;
};

// GoogleTest base: a fresh TestHubServer per test (SystemClock, not seeded).
class ApiTest : public ::testing::Test {
 protected:
  ApiTest() : hub_(std::make_unique<TestHubServer>()) {}
  TestHubServer& hub() { return *hub_; }

 private:
  std::unique_ptr<TestHubServer> hub_;
};

// GoogleTest base with Seed() already called.
class SeededApiTest : public ApiTest {
 protected:
  SeededApiTest() { hub().Seed(); }
  const SeedInfo& seed() { return hub().seed(); }
};

}  // namespace edgeloop::api::testing
