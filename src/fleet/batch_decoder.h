// Decoding what a node sends to POST /v1/ingest (docs/protocol.md): the request envelope and
// each batch's payload (the "Batch payload" record format) into store records.
//
// Strict where the protocol is strict (a malformed envelope or payload refuses the whole
// request with a message naming the place, e.g. "batches[2].payload: records[5].start: not an
// RFC 3339 time"), lenient where it says receivers ignore things (unknown record types and
// fields). Never throws; bounded work per byte. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/hub_types.h"

namespace edgeloop::fleet {

struct IngestRequest {
  int version = 1;
  std::string node;
  int64_t dropped_batches = 0;
  std::vector<store::DecodedBatch> batches;  // in request order
};

struct IngestLimits {
  size_t max_batches = 256;  // per request
  size_t max_records_per_batch = 100000;
};

// Parses the JSON body, base64-decodes each payload and decodes it with DecodeBatchPayload.
// kInvalidArgument with a precise message on any violation (wrong `v`, seq < 1, duplicate seq
// in one request, bad base64, bad payload, too many batches).
Result<IngestRequest> DecodeIngestRequest(std::string_view body, const IngestLimits& limits = {});

// Decodes one payload {"v":1,"node":..,"created":..,"records":[...]} into `out` (seq and
// payload_bytes are left to the caller). `node` must match the payload's node.
Status DecodeBatchPayload(std::string_view payload, std::string_view node,
                          const IngestLimits& limits, store::DecodedBatch& out);

// RFC 3339 UTC ("2026-11-23T03:39:21.713Z", also with +hh:mm offsets) -> Unix ms.
Result<store::TimeMs> ParseRfc3339Ms(std::string_view text);
std::string FormatRfc3339Ms(store::TimeMs ms);

}  // namespace edgeloop::fleet
