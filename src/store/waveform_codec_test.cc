#include "store/waveform_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zstd.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>

namespace edgeloop::store {
namespace {

using ::testing::HasSubstr;

std::vector<float> Vibration(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 0.05f);
  std::vector<float> out(n);
  for (size_t i = 0; i < n; ++i) {
    out[i] =
        0.8f * std::sin(2.0f * 3.14159265f * 29.5f * static_cast<float>(i) / 25600.0f) + noise(rng);
  }
  return out;
}

TEST(WaveformCodecTest, RoundTripIsBitExactIncludingSpecialValues) {
  std::vector<float> samples = Vibration(25600, 7);
  samples[3] = std::numeric_limits<float>::quiet_NaN();
  samples[4] = -std::numeric_limits<float>::infinity();
  samples[5] = -0.0f;
  samples[6] = std::numeric_limits<float>::denorm_min();
  auto blob = CompressWaveform(samples);
  ASSERT_TRUE(blob.ok()) << blob.status().ToString();
  auto back = DecompressWaveform(*blob);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->size(), samples.size());
  for (size_t i = 0; i < samples.size(); ++i) {
    ASSERT_EQ(std::bit_cast<uint32_t>((*back)[i]), std::bit_cast<uint32_t>(samples[i])) << i;
  }
}

TEST(WaveformCodecTest, BlobIsLittleEndianFloat32InsideZstd) {
  const std::vector<float> samples = {1.0f, -2.5f};
  auto blob = CompressWaveform(samples);
  ASSERT_TRUE(blob.ok());
  unsigned char raw[8];
  ASSERT_EQ(ZSTD_decompress(raw, sizeof(raw), blob->data(), blob->size()), 8u);
  // 1.0f = 0x3F800000, -2.5f = 0xC0200000, least significant byte first.
  const unsigned char expected[8] = {0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0xC0};
  EXPECT_EQ(std::memcmp(raw, expected, 8), 0);
}

TEST(WaveformCodecTest, EmptyWaveformRoundTrips) {
  auto blob = CompressWaveform({});
  ASSERT_TRUE(blob.ok());
  auto back = DecompressWaveform(*blob);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(back->empty());
}

TEST(WaveformCodecTest, CorruptTruncatedAndOversizedBlobsAreErrors) {
  auto blob = CompressWaveform(Vibration(4096, 3));
  ASSERT_TRUE(blob.ok());

  EXPECT_FALSE(DecompressWaveform({}).ok());
  std::vector<std::byte> truncated(blob->begin(), blob->end() - 5);
  EXPECT_FALSE(DecompressWaveform(truncated).ok());

  std::vector<std::byte> trailing = *blob;
  trailing.push_back(std::byte{0});
  EXPECT_THAT(DecompressWaveform(trailing).status().message(), HasSubstr("trailing"));

  const std::string text = "not zstd at all";
  EXPECT_FALSE(DecompressWaveform(std::as_bytes(std::span(text))).ok());

  auto limited = DecompressWaveform(*blob, /*max_samples=*/1000);
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.status().code(), StatusCode::kOutOfRange);

  // Flip every byte after the header in turn: each result is an error or a same-size waveform.
  for (size_t i = 6; i < blob->size(); i += 7) {
    std::vector<std::byte> bad = *blob;
    bad[i] ^= std::byte{0x5A};
    auto r = DecompressWaveform(bad);
    if (r.ok()) {
      EXPECT_EQ(r->size(), 4096u);
    }
  }
}

TEST(WaveformCodecTest, ContentSizeThatIsNotWholeFloatsIsRejected) {
  const unsigned char raw[7] = {1, 2, 3, 4, 5, 6, 7};
  std::vector<std::byte> blob(ZSTD_compressBound(sizeof(raw)));
  blob.resize(ZSTD_compress(blob.data(), blob.size(), raw, sizeof(raw), 3));
  auto r = DecompressWaveform(blob);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("whole number of float32"));
}

TEST(WaveformCodecTest, CompressesRealisticVibration) {
  const std::vector<float> samples = Vibration(25600, 11);
  auto blob = CompressWaveform(samples);
  ASSERT_TRUE(blob.ok());
  // Noisy float32 compresses modestly; it must at least not grow.
  EXPECT_LT(blob->size(), samples.size() * 4);
}

}  // namespace
}  // namespace edgeloop::store
