// Fuzzes DecompressWaveform, which decodes evidence-snapshot blobs read back from the edge store
// (a file that may be damaged or hand-edited), with both codecs: the same bytes go to the plain
// ("zstd-f32le") and the byte-shuffled ("zstd-shuf4-f32le") decoder, since a row's codec name
// may be damaged too. Whatever decodes must re-encode to a blob that decodes to the same bits.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>

#include "store/waveform_codec.h"

namespace {

using edgeloop::store::CompressWaveform;
using edgeloop::store::DecompressWaveform;
using edgeloop::store::WaveformCodec;

// 1 Mi samples (4 MiB) keeps each run fast; the size checks are the same at any limit.
constexpr size_t kLimit = size_t{1} << 20;

// Returns the number of samples decoded, or -1 if the input is rejected.
long CheckCodec(std::span<const std::byte> input, WaveformCodec codec) {
  auto samples = DecompressWaveform(input, codec, kLimit);
  if (!samples.ok()) return -1;
  if (samples->size() > kLimit) __builtin_trap();
  auto blob = CompressWaveform(*samples, codec);
  if (!blob.ok()) __builtin_trap();
  auto again = DecompressWaveform(*blob, codec, kLimit);
  if (!again.ok() || again->size() != samples->size()) __builtin_trap();
  for (size_t i = 0; i < samples->size(); ++i) {
    if (std::bit_cast<uint32_t>((*again)[i]) != std::bit_cast<uint32_t>((*samples)[i])) {
      __builtin_trap();
    }
  }
  return static_cast<long>(samples->size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto input = std::as_bytes(std::span(data, size));
  const long plain = CheckCodec(input, WaveformCodec::kZstdF32le);
  const long shuffled = CheckCodec(input, WaveformCodec::kZstdShuf4F32le);
  // The codecs share the frame checks and differ only in byte order: same verdict, same length.
  if (plain != shuffled) __builtin_trap();
  return 0;
}
