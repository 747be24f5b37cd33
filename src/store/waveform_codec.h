// Waveform codecs for evidence snapshots: float samples as little-endian float32, zstd-compressed.
//
// Two codecs, named per snapshot row so that old stores keep reading:
//  - "zstd-f32le": the float32 bytes in sample order (written by stores before the shuffle);
//  - "zstd-shuf4-f32le" (default for new snapshots): the same bytes shuffled into four planes
//    (every sample's byte 0, then every byte 1, ...), as Blosc and HDF5 do, so that the sign and
//    exponent bytes, which vary little, sit together where zstd finds them; the mantissa bytes
//    of noisy vibration stay nearly random, so the gain is modest (see store/README.md).
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

enum class WaveformCodec { kZstdF32le, kZstdShuf4F32le };

inline constexpr std::string_view kWaveformCodecF32le = "zstd-f32le";
inline constexpr std::string_view kWaveformCodecShuf4F32le = "zstd-shuf4-f32le";
// What new snapshots are written with.
inline constexpr WaveformCodec kDefaultWaveformCodec = WaveformCodec::kZstdShuf4F32le;
inline constexpr std::string_view kWaveformCodec = kWaveformCodecShuf4F32le;
// 16 Mi samples (64 MiB raw): ten minutes of one 25.6 kHz channel with room to spare.
inline constexpr size_t kMaxWaveformSamples = size_t{1} << 24;

// The name stored in the snapshot row, e.g. "zstd-shuf4-f32le".
std::string_view WaveformCodecName(WaveformCodec codec);
// The codec of a stored name; DataLoss for a name this build does not know.
Result<WaveformCodec> WaveformCodecFromName(std::string_view name);

// Compresses `samples` with `codec` (zstd level 6). Fails only for more than kMaxWaveformSamples
// samples.
Result<std::vector<std::byte>> CompressWaveform(std::span<const float> samples,
                                                WaveformCodec codec = kDefaultWaveformCodec);

// Decodes a blob written by CompressWaveform with the same `codec`. Errors (DataLoss /
// OutOfRange) for anything else: not zstd, truncated, trailing bytes, unknown or wrong content
// size, or more than `max_samples`. A blob of the other codec decodes to garbage of the right
// length (the formats differ only in byte order), which is why the codec is stored per row.
Result<std::vector<float>> DecompressWaveform(std::span<const std::byte> blob, WaveformCodec codec,
                                              size_t max_samples = kMaxWaveformSamples);

}  // namespace edgeloop::store
