// Helpers shared by the hub benchmarks (hub_ingest_bench.cc, hub_api_bench.cc): a temp folder,
// node enrollment through the store, realistic node payloads, and order statistics.
// Header-only; every function is thread-safe unless it takes a mutable argument.
//
// The records follow docs/protocol.md ("Batch payload") field for field, as the edge's
// encoders (edge::WindowRecordJson, edge::HeartbeatJson in src/edge) write them; they are
// written here rather than linked because edgeloop_edge drags the whole edge pipeline (DSP,
// models, MQTT, Modbus) into a hub benchmark's build.
#pragma once

#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "api/auth.h"
#include "common/clock.h"
#include "common/status.h"
#include "edge/edge_daemon.h"
#include "edge/uplink_batcher.h"
#include "store/edge_store.h"
#include "store/hub_store.h"
#include "uplink/uplink.h"

namespace edgeloop::bench {

// A fresh folder under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "edgeloop-hub-bench-XXXXXX");
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  bool ok() const { return !path_.empty(); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Nearest-rank percentile (q in [0, 1]) of `v`, which it sorts.
inline double Percentile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

// Enrolls `node` into `site` of `tenant` exactly as POST /v1/enroll does (a one-time
// enrollment secret, then Enroll with a fresh node token); returns the node token's secret.
inline Result<std::string> EnrollNode(store::HubStore& store, int64_t tenant,
                                      const std::string& node, const std::string& site,
                                      store::TimeMs now) {
  const std::string enrollment = api::NewTokenSecret();
  EL_RETURN_IF_ERROR(store
                         .CreateEnrollment({.tenant = tenant,
                                            .node = node,
                                            .site = site,
                                            .group = "bench-line",
                                            .hash = api::HashTokenSecret(enrollment),
                                            .created = now,
                                            .expires = now + 3600 * 1000,
                                            .created_by = "bench"})
                         .status());
  const std::string secret = api::NewTokenSecret();
  EL_RETURN_IF_ERROR(store
                         .Enroll(api::HashTokenSecret(enrollment),
                                 {.name = "node " + node,
                                  .role = store::Role::kNode,
                                  .hash = api::HashTokenSecret(secret),
                                  .created = now},
                                 now)
                         .status());
  return secret;
}

// The feature vector of one window of a vibration channel plus the asset's temperature, named
// as the edge names them (dsp/vibration_features.h with extended time features and the default
// bands, envelope bands of the bearing frequencies, ISO velocity): 20 values.
inline const std::vector<std::string>& FeatureNames() {
  static const std::vector<std::string> names = {"rms_g",
                                                 "peak_g",
                                                 "crest",
                                                 "kurtosis",
                                                 "peak_to_peak_g",
                                                 "skewness",
                                                 "shape_factor",
                                                 "impulse_factor",
                                                 "band_10_500hz_rms_g",
                                                 "band_500_2000hz_rms_g",
                                                 "band_2000_5000hz_rms_g",
                                                 "band_5000_10000hz_rms_g",
                                                 "env_bpfo_g",
                                                 "env_bpfi_g",
                                                 "env_bsf_g",
                                                 "env_ftf_g",
                                                 "shaft_1x_g",
                                                 "shaft_2x_g",
                                                 "velocity_rms_mm_s",
                                                 "temperature_c"};
  return names;
}

// A scored one-second window record of `asset` starting at `start`: seeded noise around
// healthy values for every feature, encoded by the edge's own encoder.
inline nlohmann::json WindowRecord(const std::string& asset, Timestamp start,
                                   std::mt19937_64& rng) {
  std::normal_distribution<double> noise(1.0, 0.05);
  store::WindowRecord w;
  w.asset = asset;
  w.start = start;
  w.end = start + std::chrono::seconds(1);
  w.status = store::WindowStatus::kScored;
  w.detector = "pump-bearing@3f9a1c2e7b44";
  w.top_feature = "kurtosis";
  const std::vector<std::string>& names = FeatureNames();
  for (size_t i = 0; i < names.size(); ++i) {
    w.features.emplace_back(names[i], (0.5 + static_cast<double>(i)) * noise(rng));
  }
  w.score = 0.3 * noise(rng);
  return edge::WindowRecordJson(w);
}

// An "opened" alert event with its evidence (the feature vector that opened it).
inline nlohmann::json AlertOpenedRecord(int64_t id, const std::string& asset, Timestamp opened,
                                        std::mt19937_64& rng) {
  std::normal_distribution<double> noise(1.0, 0.05);
  store::AlertRecord a;
  a.id = id;
  a.asset = asset;
  a.opened = opened;
  a.peak_score = 1.7;
  a.severity = "warning";
  a.detector = "pump-bearing@3f9a1c2e7b44";
  a.top_feature = "kurtosis";
  const std::vector<std::string>& names = FeatureNames();
  for (size_t i = 0; i < names.size(); ++i) {
    a.evidence.emplace_back(names[i], (0.5 + static_cast<double>(i)) * noise(rng));
  }
  return edge::AlertRecordJson(a, "opened");
}

// A heartbeat record as the edge daemon sends it.
inline nlohmann::json HeartbeatRecord(Timestamp now, double uptime_s) {
  edge::DaemonStatus s;
  s.uptime_s = uptime_s;
  s.inference_uptime = 0.999;
  s.agent.windows_decided = static_cast<uint64_t>(uptime_s * 4);
  s.agent.latency.p50_ms = 3.1;
  s.agent.latency.p99_ms = 11.7;
  s.outbox_pending = 1;
  s.sources["plc-mqtt"].messages = 1200;
  s.sources["plc-mqtt"].values = 76800;
  s.model_versions["pump-bearing/production"] = "pump-bearing@3f9a1c2e7b44";
  s.desired_revision = 0;
  return edge::HeartbeatJson(s, now);
}

// The batch payload of docs/protocol.md ("Batch payload") holding `records`.
inline std::string BatchPayload(const std::string& node, Timestamp created,
                                nlohmann::json records) {
  return nlohmann::json{{"v", 1},
                        {"node", node},
                        {"created", FormatTimestamp(created)},
                        {"records", std::move(records)}}
      .dump();
}

// A POST /v1/ingest body carrying one batch, encoded by the node's own sender.
inline std::string IngestBody(const std::string& node, int64_t seq, const std::string& payload) {
  return uplink::Uplink::EncodeRequest(node, 0, {uplink::OutboxBatch{seq, payload}});
}

// The `acked` list of an ingest answer; empty when the body is not one.
inline std::vector<int64_t> AckedSeqs(const std::string& body) {
  std::vector<int64_t> out;
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("acked") || !j["acked"].is_array()) return out;
  for (const nlohmann::json& v : j["acked"]) {
    if (v.is_number_integer()) out.push_back(v.get<int64_t>());
  }
  return out;
}

}  // namespace edgeloop::bench
