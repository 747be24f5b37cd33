// Fuzzes DecompressWaveform, which decodes evidence-snapshot blobs read back from the edge store
// (a file that may be damaged or hand-edited). Whatever decodes must re-encode to a blob that
// decodes to the same bits.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>

#include "store/waveform_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using edgeloop::store::CompressWaveform;
  using edgeloop::store::DecompressWaveform;
  // 1 Mi samples (4 MiB) keeps each run fast; the size checks are the same at any limit.
  constexpr size_t kLimit = size_t{1} << 20;
  auto samples = DecompressWaveform(std::as_bytes(std::span(data, size)), kLimit);
  if (!samples.ok()) return 0;
  if (samples->size() > kLimit) __builtin_trap();
  auto blob = CompressWaveform(*samples);
  if (!blob.ok()) __builtin_trap();
  auto again = DecompressWaveform(*blob, kLimit);
  if (!again.ok() || again->size() != samples->size()) __builtin_trap();
  for (size_t i = 0; i < samples->size(); ++i) {
    if (std::bit_cast<uint32_t>((*again)[i]) != std::bit_cast<uint32_t>((*samples)[i])) {
      __builtin_trap();
    }
  }
  return 0;
}
