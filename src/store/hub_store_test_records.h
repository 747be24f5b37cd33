// Builders of hub store records for the conformance tests: an enrolled node and the records a
// batch carries, with plausible values so each test states only what it checks.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "store/hub_store.h"

namespace edgeloop::store::hub_test {

inline constexpr TimeMs kT0 = 1'790'000'000'000;  // 2026-09-21, a fixed "now" for the tests

// Creates tenant `name`; -1 (and a test failure) if that fails.
inline int64_t NewTenant(HubStore& store, const std::string& name) {
  Result<Tenant> t = store.CreateTenant(name, kT0);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? t->id : -1;
}

// Creates an enrollment for `node` and enrolls it with a node token whose hash is
// "tok-<tenant>-<node>-<now>"; returns that hash (empty on failure, which the test reports).
inline std::string EnrollNode(HubStore& store, int64_t tenant, const std::string& node,
                              const std::string& site = "site-1",
                              const std::string& group = "line-1", TimeMs now = kT0) {
  const std::string suffix = std::to_string(tenant) + "-" + node + "-" + std::to_string(now);
  EnrollmentRecord e{.tenant = tenant,
                     .node = node,
                     .site = site,
                     .group = group,
                     .hash = "enr-" + suffix,
                     .created = now,
                     .expires = now + 3'600'000,
                     .created_by = "admin"};
  Result<EnrollmentRecord> created = store.CreateEnrollment(e);
  EXPECT_TRUE(created.ok()) << created.status().ToString();
  if (!created.ok()) return "";
  TokenRecord token{.name = "node " + node, .hash = "tok-" + suffix};
  Result<NodeRecord> enrolled = store.Enroll(e.hash, token, now);
  EXPECT_TRUE(enrolled.ok()) << enrolled.status().ToString();
  return enrolled.ok() ? token.hash : "";
}

inline HubWindowRecord Window(const std::string& asset, TimeMs start, std::optional<double> score,
                              double rms = 1.5) {
  return HubWindowRecord{.asset = asset,
                         .start = start,
                         .end = start + 1000,
                         .status = score ? "scored" : "learning",
                         .detector = "pump@0123456789ab",
                         .score = score,
                         .top_feature = "rms",
                         .features_json = "{\"rms\":" + std::to_string(rms) + ",\"kurtosis\":3.1}"};
}

inline AlertEventRecord AlertEvent(const std::string& event, int64_t node_alert_id,
                                   const std::string& asset, double peak,
                                   const std::string& severity = "warning") {
  AlertEventRecord a;
  a.event = event;
  a.node_alert_id = node_alert_id;
  a.asset = asset;
  a.opened = kT0 + 10'000;
  a.peak_score = peak;
  a.severity = severity;
  a.detector = "pump@0123456789ab";
  a.diagnosis = event == "opened" ? "outer race fault" : "";
  a.top_feature = "kurtosis";
  a.evidence_json = event == "opened" ? "{\"kurtosis\":7.5}" : "{}";
  if (event == "cleared") a.cleared = kT0 + 60'000;
  return a;
}

inline HeartbeatRecord Heartbeat(TimeMs time, const std::string& version, double uptime = 0.99) {
  HeartbeatRecord h;
  h.time = time;
  h.version = version;
  h.uptime_s = 120;
  h.inference_uptime = uptime;
  h.windows_decided = 42;
  h.latency_p50_ms = 1.5;
  h.latency_p99_ms = 7.25;
  h.models_json = "{\"pump-bearing/production\":\"v3\"}";
  h.desired_revision = 4;
  h.body_json = "{\"version\":\"" + version + "\"}";
  return h;
}

inline DecodedBatch Batch(int64_t seq, std::vector<HubWindowRecord> windows = {}) {
  DecodedBatch b;
  b.seq = seq;
  b.payload_bytes = 100 + static_cast<int64_t>(windows.size()) * 200;
  b.created = kT0 + seq;
  b.windows = std::move(windows);
  return b;
}

}  // namespace edgeloop::store::hub_test
