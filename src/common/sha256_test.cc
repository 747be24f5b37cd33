#include "common/sha256.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace edgeloop {
namespace {

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Sha256Hex(Bytes("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex(Bytes("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, FileMatchesBufferAcrossReadChunks) {
  // Larger than the 64 KiB read buffer, so the streaming path is exercised.
  std::string data(200000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 131 % 251);
  const auto path = std::filesystem::temp_directory_path() / "edgeloop_sha256_test.bin";
  std::ofstream(path, std::ios::binary) << data;
  auto hex = Sha256File(path.string());
  std::filesystem::remove(path);
  ASSERT_TRUE(hex.ok()) << hex.status().ToString();
  EXPECT_EQ(*hex, Sha256Hex(Bytes(data)));
  EXPECT_NE(*hex, Sha256Hex(Bytes(data.substr(1))));
}

TEST(Sha256Test, MissingFileIsNotFound) {
  auto hex = Sha256File("/nonexistent/edgeloop/model.onnx");
  ASSERT_FALSE(hex.ok());
  EXPECT_EQ(hex.status().code(), StatusCode::kNotFound);
  EXPECT_NE(hex.status().message().find("/nonexistent/edgeloop/model.onnx"), std::string::npos);
}

}  // namespace
}  // namespace edgeloop
