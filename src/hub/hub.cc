#include "hub/hub.h"

#include <spdlog/spdlog.h>

#include "api/auth.h"
#include "api/http_server.h"
#include "api/hub_api.h"
#include "api/hub_context.h"
#include "api/hub_metrics.h"
#include "common/clock.h"
#include "common/secret_file.h"

namespace edgeloop::hub {

Result<std::optional<std::string>> BootstrapTenant(store::HubStore& store,
                                                   const std::string& tenant, store::TimeMs now) {
  Result<store::Tenant> existing = store.FindTenant(tenant);
  if (existing.ok()) return std::optional<std::string>();
  if (existing.status().code() != StatusCode::kNotFound) return existing.status();
  EL_ASSIGN_OR_RETURN(const store::Tenant created, store.CreateTenant(tenant, now));
  const std::string secret = api::NewTokenSecret();
  store::TokenRecord token;
  token.tenant = created.id;
  token.name = "admin";
  token.role = store::Role::kAdmin;
  token.hash = api::HashTokenSecret(secret);
  token.created = now;
  EL_RETURN_IF_ERROR(store.CreateToken(token).status());
  return std::optional<std::string>(secret);
}

Hub::Hub(HubConfig config, const Clock& clock) : config_(std::move(config)), clock_(clock) {}

Hub::~Hub() { Stop(); }

Result<std::unique_ptr<Hub>> Hub::Start(const HubConfig& config, const Clock& clock) {
  std::unique_ptr<Hub> hub(new Hub(config, clock));
  auto store = store::OpenHubStore(config.db_url, config.pool_size);
  if (!store.ok()) return store.status().WithContext("opening the hub store " + config.db_url);
  hub->store_ = std::move(*store);
  const store::TimeMs now = ToUnixMillis(clock.Now());
  EL_ASSIGN_OR_RETURN(std::optional<std::string> secret,
                      BootstrapTenant(*hub->store_, config.tenant, now));
  if (secret) {
    hub->new_admin_token_ = *secret;
    if (!config.admin_token_file.empty()) {
      if (Status s = WriteSecretFile(config.admin_token_file, *secret, /*replace=*/false);
          !s.ok()) {
        return s.WithContext("tenant '" + config.tenant + "' was created but its admin token " +
                             "could not be saved (it is: " + *secret + ")");
      }
    }
  }
  hub->metrics_ = std::make_unique<api::HubMetrics>();
  hub->context_ = std::make_unique<api::HubContext>();
  api::HubContext& ctx = *hub->context_;
  ctx.store = hub->store_.get();
  ctx.clock = &clock;
  ctx.metrics = hub->metrics_.get();
  ctx.version = EDGELOOP_VERSION;
  ctx.max_model_bytes = config.max_model_bytes;
  ctx.max_ingest_bytes = config.max_ingest_bytes;
  ctx.enrollment_ttl_ms = config.enrollment_ttl_s * 1000;
  api::HttpServerOptions options;
  options.threads = config.threads;
  hub->server_ = std::make_unique<api::HubHttpServer>(api::BuildHubRouter(ctx), ctx, options);
  EL_RETURN_IF_ERROR(hub->server_->Listen(config.listen_host, config.listen_port));
  spdlog::info("hub: serving {} on {} (store {}, schema v{})", config.tenant, hub->url(),
               hub->store_->Engine(), hub->store_->SchemaVersion());
  return hub;
}

void Hub::Stop() {
  if (server_) server_->Stop();
}

int Hub::port() const { return server_ ? server_->port() : 0; }

std::string Hub::url() const {
  return "http://" + config_.listen_host + ":" + std::to_string(port());
}

}  // namespace edgeloop::hub
