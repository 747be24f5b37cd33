// Fuzzes what every hub route does first with a request: matching the path against the route
// table (percent-decoding of {params}) and reading the JSON body with the strict BodyReader
// (typed getters, unknown-field check). Any input must give a match/no match and a body or a
// clear error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/body_reader.h"
#include "api/route.h"

namespace {

const edgeloop::api::Router& FuzzRouter() {
  static const edgeloop::api::Router router = [] {
    edgeloop::api::Router r;
    for (const char* pattern : {"/v1/alerts/{id}", "/v1/alerts/{id}/ack", "/v1/assets/{id}",
                                "/v1/assets/{id}/channels/{channel}", "/v1/lineage/{kind}/{id}",
                                "/v1/models/{name}/versions/{version}", "/v1/alerts"}) {
      edgeloop::api::RouteSpec spec;
      spec.method = "GET";
      spec.pattern = pattern;
      spec.handler = [](const edgeloop::api::Request&) { return edgeloop::api::Response{}; };
      r.Add(spec);
    }
    return r;
  }();
  return router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)FuzzRouter().Find("GET", text);
  auto body = edgeloop::api::BodyReader::Parse(text);
  if (!body.ok()) {
    if (body.status().message().empty()) __builtin_trap();
    return 0;
  }
  (void)body->String("name", {.min_len = 1, .max_len = 64});
  (void)body->OptInt("ttl_s", 1, 86400);
  (void)body->OptDouble("downtime_avoided_h", 0, 1e6);
  (void)body->OptEnum("role", {"production", "shadow", "canary"});
  (void)body->OptStringList("nodes", 16);
  (void)body->OptObject("attrs", 4096);
  const edgeloop::Status s = body->Finish();
  if (!s.ok() && s.message().empty()) __builtin_trap();
  return 0;
}
