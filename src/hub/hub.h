// Hub: `edgeloop hub`, the server a fleet of gateways reports to. Opens the store (migrating its
// schema), bootstraps the first tenant with an admin token, and serves the REST API (src/api)
// on the configured address until stopped.
//
// Ownership: the Hub owns the store, the metrics and the HTTP server; it borrows the clock,
// which must outlive it. Threads: Start/Stop from one owner thread; the HTTP server runs its
// own workers; store() may be used from any thread (HubStore is thread-safe).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "hub/hub_config.h"
#include "store/hub_store.h"

namespace edgeloop::api {
class HubHttpServer;
class HubMetrics;
struct HubContext;
}  // namespace edgeloop::api

namespace edgeloop::hub {

// Creates `tenant` with an admin token when it does not exist. Returns the admin token's secret
// (shown once), or nullopt when the tenant already existed (nothing is changed then).
Result<std::optional<std::string>> BootstrapTenant(store::HubStore& store,
                                                   const std::string& tenant, store::TimeMs now);

class Hub {
 public:
  // Opens the store, bootstraps config.tenant (writing the admin token to
  // config.admin_token_file, mode 0600, when the tenant is new) and starts serving.
  static Result<std::unique_ptr<Hub>> Start(const HubConfig& config, const Clock& clock);
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // Stops serving (in-flight requests finish). Idempotent.
  void Stop();

  int port() const;
  std::string url() const;  // "http://127.0.0.1:8080"
  store::HubStore& store() { return *store_; }
  // The admin token created at this start for a new tenant (empty when the tenant existed).
  const std::string& new_admin_token() const { return new_admin_token_; }
  const HubConfig& config() const { return config_; }

 private:
  Hub(HubConfig config, const Clock& clock);

  HubConfig config_;
  const Clock& clock_;
  std::unique_ptr<store::HubStore> store_;
  std::unique_ptr<api::HubMetrics> metrics_;
  std::unique_ptr<api::HubContext> context_;
  std::unique_ptr<api::HubHttpServer> server_;
  std::string new_admin_token_;
};

}  // namespace edgeloop::hub
