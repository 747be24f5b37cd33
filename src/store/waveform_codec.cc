#include "store/waveform_codec.h"

#include <zstd.h>

#include <bit>
#include <cstdint>
#include <string>

namespace edgeloop::store {
namespace {

// Measured on 25 600-sample simulator windows (store/README.md): with the shuffle, level 6 is
// ~5 % smaller than level 3 for ~1 ms more; level 19 saves another ~2 % at ~25 ms per window.
constexpr int kLevel = 6;

// Position of byte `b` (0 = least significant) of sample `i` among `n` samples in the encoded
// byte stream. Both directions use it, so encoder and decoder cannot disagree on the layout.
size_t BytePosition(WaveformCodec codec, size_t n, size_t i, int b) {
  const auto ub = static_cast<size_t>(b);
  return codec == WaveformCodec::kZstdShuf4F32le ? ub * n + i : i * 4 + ub;
}

}  // namespace

std::string_view WaveformCodecName(WaveformCodec codec) {
  return codec == WaveformCodec::kZstdShuf4F32le ? kWaveformCodecShuf4F32le : kWaveformCodecF32le;
}

Result<WaveformCodec> WaveformCodecFromName(std::string_view name) {
  if (name == kWaveformCodecShuf4F32le) return WaveformCodec::kZstdShuf4F32le;
  if (name == kWaveformCodecF32le) return WaveformCodec::kZstdF32le;
  return DataLoss("unknown waveform codec '" + std::string(name) + "'");
}

Result<std::vector<std::byte>> CompressWaveform(std::span<const float> samples,
                                                WaveformCodec codec) {
  if (samples.size() > kMaxWaveformSamples) {
    return OutOfRange("waveform of " + std::to_string(samples.size()) +
                      " samples exceeds the limit of " + std::to_string(kMaxWaveformSamples));
  }
  // Serialise explicitly as little-endian so blobs move between gateways of any byte order.
  const size_t n = samples.size();
  std::vector<unsigned char> raw(n * 4);
  for (size_t i = 0; i < n; ++i) {
    const uint32_t bits = std::bit_cast<uint32_t>(samples[i]);
    for (int b = 0; b < 4; ++b) {
      raw[BytePosition(codec, n, i, b)] = static_cast<unsigned char>(bits >> (8 * b));
    }
  }
  std::vector<std::byte> out(ZSTD_compressBound(raw.size()));
  const size_t size = ZSTD_compress(out.data(), out.size(), raw.data(), raw.size(), kLevel);
  if (ZSTD_isError(size)) {
    return Internal(std::string("zstd compression failed: ") + ZSTD_getErrorName(size));
  }
  out.resize(size);
  return out;
}

Result<std::vector<float>> DecompressWaveform(std::span<const std::byte> blob, WaveformCodec codec,
                                              size_t max_samples) {
  const size_t frame = ZSTD_findFrameCompressedSize(blob.data(), blob.size());
  if (ZSTD_isError(frame)) {
    return DataLoss(std::string("waveform blob is not a complete zstd frame: ") +
                    ZSTD_getErrorName(frame));
  }
  if (frame != blob.size()) {
    return DataLoss("waveform blob has " + std::to_string(blob.size() - frame) +
                    " trailing bytes after its zstd frame");
  }
  const unsigned long long content = ZSTD_getFrameContentSize(blob.data(), blob.size());
  if (content == ZSTD_CONTENTSIZE_ERROR || content == ZSTD_CONTENTSIZE_UNKNOWN) {
    return DataLoss("waveform blob does not record its decompressed size");
  }
  if (content % 4 != 0) {
    return DataLoss("waveform blob decompresses to " + std::to_string(content) +
                    " bytes, not a whole number of float32 samples");
  }
  if (content / 4 > max_samples) {
    return OutOfRange("waveform blob holds " + std::to_string(content / 4) +
                      " samples, more than the limit of " + std::to_string(max_samples));
  }
  std::vector<unsigned char> raw(static_cast<size_t>(content));
  const size_t got = ZSTD_decompress(raw.data(), raw.size(), blob.data(), blob.size());
  if (ZSTD_isError(got)) {
    return DataLoss(std::string("corrupt waveform blob: ") + ZSTD_getErrorName(got));
  }
  if (got != raw.size()) {
    return DataLoss("waveform blob decompressed to " + std::to_string(got) +
                    " bytes, header said " + std::to_string(raw.size()));
  }
  const size_t n = raw.size() / 4;
  std::vector<float> samples(n);
  for (size_t i = 0; i < n; ++i) {
    uint32_t bits = 0;
    for (int b = 0; b < 4; ++b) bits |= uint32_t{raw[BytePosition(codec, n, i, b)]} << (8 * b);
    samples[i] = std::bit_cast<float>(bits);
  }
  return samples;
}

}  // namespace edgeloop::store
