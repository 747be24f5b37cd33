// Fuzzes the hub's ingest decoding (fleet/batch_decoder.h): the same bytes go to
// DecodeIngestRequest (envelope, base64, nested payloads) and to DecodeBatchPayload (one batch
// payload of node "gw-compat", the node of the seed corpus). Untrusted node input must give a
// result or a message, never a crash; whatever is accepted must hold the decoder's promises.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string_view>

#include "fleet/batch_decoder.h"

namespace {

using edgeloop::fleet::IngestLimits;

void CheckBatch(const edgeloop::store::DecodedBatch& b, const IngestLimits& limits) {
  const size_t records = b.windows.size() + b.alerts.size() + b.quality.size() + b.drift.size() +
                         b.shadow_stats.size() + b.heartbeats.size();
  if (records > limits.max_records_per_batch) __builtin_trap();
  for (const auto& w : b.windows) {
    if (w.asset.empty() || w.asset.size() > 128 || w.end < w.start) __builtin_trap();
    if (w.features_json.empty() || w.features_json[0] != '{') __builtin_trap();
  }
  for (const auto& q : b.quality) {
    if (q.channel.empty() || q.channel.size() > 128) __builtin_trap();
    if (q.end && *q.end < q.start) __builtin_trap();
  }
  for (const auto& h : b.heartbeats) {
    if (h.inference_uptime < 0 || h.inference_uptime > 1) __builtin_trap();
    if (h.body_json.empty() || h.body_json[0] != '{') __builtin_trap();
  }
  // Every accepted time prints and parses back to itself.
  const auto parsed = edgeloop::fleet::ParseRfc3339Ms(edgeloop::fleet::FormatRfc3339Ms(b.created));
  if (!parsed.ok() || *parsed != b.created) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  IngestLimits limits;
  limits.max_batches = 8;
  limits.max_records_per_batch = 512;

  const auto request = edgeloop::fleet::DecodeIngestRequest(input, limits);
  if (!request.ok()) {
    if (request.status().message().empty()) __builtin_trap();
  } else {
    if (request->batches.empty() || request->batches.size() > limits.max_batches) {
      __builtin_trap();
    }
    std::set<int64_t> seqs;
    for (const auto& b : request->batches) {
      if (b.seq < 1 || !seqs.insert(b.seq).second) __builtin_trap();
      CheckBatch(b, limits);
    }
  }

  edgeloop::store::DecodedBatch batch;
  const auto status = edgeloop::fleet::DecodeBatchPayload(input, "gw-compat", limits, batch);
  if (!status.ok()) {
    if (status.message().empty()) __builtin_trap();
  } else {
    CheckBatch(batch, limits);
  }

  // Text that looks like a time: the parser is strict and total.
  if (size <= 64) {
    const auto t = edgeloop::fleet::ParseRfc3339Ms(input);
    if (t.ok() &&
        edgeloop::fleet::ParseRfc3339Ms(edgeloop::fleet::FormatRfc3339Ms(*t)).value_or(*t + 1) !=
            *t) {
      __builtin_trap();
    }
  }
  return 0;
}
