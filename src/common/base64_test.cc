#include "common/base64.h"

#include <gtest/gtest.h>

namespace edgeloop {
namespace {

TEST(Base64Test, KnownVectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
}

TEST(Base64Test, RoundTripsEveryByteAtEveryLength) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t n = 0; n <= all.size(); n += 7) {
    const std::string in = all.substr(256 - n);
    auto out = Base64Decode(Base64Encode(in));
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(*out, in);
  }
}

TEST(Base64Test, RejectsMalformedText) {
  EXPECT_FALSE(Base64Decode("abc").ok());
  EXPECT_FALSE(Base64Decode("ab!d").ok());
  EXPECT_FALSE(Base64Decode("a=bc").ok());
}

}  // namespace
}  // namespace edgeloop
