#include "store/waveform_codec.h"

#include <zstd.h>

#include <bit>
#include <cstdint>
#include <string>

namespace edgeloop::store {
namespace {

constexpr int kLevel = 3;  // zstd's default: fast on a gateway CPU, ~2-4x on vibration data

}  // namespace

Result<std::vector<std::byte>> CompressWaveform(std::span<const float> samples) {
  if (samples.size() > kMaxWaveformSamples) {
    return OutOfRange("waveform of " + std::to_string(samples.size()) +
                      " samples exceeds the limit of " + std::to_string(kMaxWaveformSamples));
  }
  // Serialise explicitly as little-endian so blobs move between gateways of any byte order.
  std::vector<unsigned char> raw(samples.size() * 4);
  for (size_t i = 0; i < samples.size(); ++i) {
    const uint32_t bits = std::bit_cast<uint32_t>(samples[i]);
    for (int b = 0; b < 4; ++b) raw[i * 4 + b] = static_cast<unsigned char>(bits >> (8 * b));
  }
  std::vector<std::byte> out(ZSTD_compressBound(raw.size()));
  const size_t n = ZSTD_compress(out.data(), out.size(), raw.data(), raw.size(), kLevel);
  if (ZSTD_isError(n)) {
    return Internal(std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
  }
  out.resize(n);
  return out;
}

Result<std::vector<float>> DecompressWaveform(std::span<const std::byte> blob, size_t max_samples) {
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
  const size_t n = ZSTD_decompress(raw.data(), raw.size(), blob.data(), blob.size());
  if (ZSTD_isError(n)) {
    return DataLoss(std::string("corrupt waveform blob: ") + ZSTD_getErrorName(n));
  }
  if (n != raw.size()) {
    return DataLoss("waveform blob decompressed to " + std::to_string(n) + " bytes, header said " +
                    std::to_string(raw.size()));
  }
  std::vector<float> samples(raw.size() / 4);
  for (size_t i = 0; i < samples.size(); ++i) {
    uint32_t bits = 0;
    for (int b = 0; b < 4; ++b) bits |= uint32_t{raw[i * 4 + b]} << (8 * b);
    samples[i] = std::bit_cast<float>(bits);
  }
  return samples;
}

}  // namespace edgeloop::store
