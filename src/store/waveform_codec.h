// Waveform codec for evidence snapshots: float samples as little-endian float32, zstd-compressed.
//
// The blob is one zstd frame whose header records the decompressed size, so the decoder knows the
// sample count before allocating and can refuse oversized or corrupt blobs (a store file may be
// damaged or hand-edited: decoding never crashes and never allocates more than `max_samples`).
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace edgeloop::store {

inline constexpr std::string_view kWaveformCodec = "zstd-f32le";
// 16 Mi samples (64 MiB raw): ten minutes of one 25.6 kHz channel with room to spare.
inline constexpr size_t kMaxWaveformSamples = size_t{1} << 24;

// Compresses `samples` (zstd level 3). Fails only for more than kMaxWaveformSamples samples.
Result<std::vector<std::byte>> CompressWaveform(std::span<const float> samples);

// Decodes a blob written by CompressWaveform. Errors (DataLoss / OutOfRange) for anything else:
// not zstd, truncated, trailing bytes, unknown or wrong content size, or more than `max_samples`.
Result<std::vector<float>> DecompressWaveform(std::span<const std::byte> blob,
                                              size_t max_samples = kMaxWaveformSamples);

}  // namespace edgeloop::store
