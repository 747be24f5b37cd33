#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "ingest/internal.h"
#include "ingest/mat_test_writer.h"
#include "ingest/signal_file.h"

namespace edgeloop::ingest {
namespace {

using namespace test_util;  // NOLINT: the writer's type and class constants
using ::testing::HasSubstr;

Result<SignalTable> Parse(const Bytes& bytes) { return ParseMat(bytes, "test.mat"); }

void ExpectSameBits(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(std::memcmp(&got[i], &want[i], sizeof(double)), 0)
        << "value " << i << ": " << got[i] << " != " << want[i];
  }
}

const std::vector<double> kValues = {
    1.5, -2.25, 0.0, -0.0, 4.9e-324, 1.7976931348623157e308, std::numbers::pi, -1e300, 42.0};

void WriteFile(const std::string& path, const Bytes& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

TEST(MatReaderTest, DoubleVectorsRoundTripExactly) {
  for (const bool big : {false, true}) {
    for (const bool compressed : {false, true}) {
      SCOPED_TRACE(::testing::Message() << "big endian " << big << ", compressed " << compressed);
      MatWriter w(big);
      w.AddDoubles("row", {1, 9}, kValues, {.compressed = compressed});
      w.AddDoubles("column_vector", {9, 1}, kValues, {.compressed = compressed});
      auto t = Parse(w.bytes());
      ASSERT_TRUE(t.ok()) << t.status().ToString();
      EXPECT_EQ(t->source, "test.mat");
      ASSERT_EQ(t->columns.size(), 2u);
      EXPECT_EQ(t->columns[0].name, "row");
      EXPECT_EQ(t->columns[1].name, "column_vector");
      ExpectSameBits(t->columns[0].values, kValues);
      ExpectSameBits(t->columns[1].values, kValues);
      EXPECT_TRUE(t->timestamps.empty());
      EXPECT_FALSE(t->sample_rate_hz.has_value());
      EXPECT_EQ(t->Find("row"), &t->columns[0]);
      EXPECT_EQ(t->Find("ro"), nullptr);
    }
  }
}

TEST(MatReaderTest, IntegerAndSingleDataBecomeDoubles) {
  for (const bool big : {false, true}) {
    SCOPED_TRACE(big ? "big endian" : "little endian");
    MatWriter w(big);
    w.Add<int16_t>("i16", {1, 4}, {-32768, -1, 0, 32767}, kMxInt16, kMiInt16);
    w.Add<int16_t>("i16z", {1, 3}, {-7, 8, 9}, kMxInt16, kMiInt16, {.compressed = true});
    w.Add<uint8_t>("u8", {1, 3}, {0, 128, 255}, kMxUint8, kMiUint8);
    w.Add<int8_t>("i8", {3, 1}, {-128, 0, 127}, kMxInt8, kMiInt8);
    w.Add<uint16_t>("u16", {1, 2}, {0, 65535}, kMxUint16, kMiUint16);
    w.Add<int32_t>("i32", {1, 2}, {-2147483647 - 1, 2147483647}, kMxInt32, kMiInt32);
    w.Add<uint32_t>("u32", {1, 2}, {0, 4294967295u}, kMxUint32, kMiUint32);
    w.Add<int64_t>("i64", {1, 2}, {-(int64_t{1} << 53), int64_t{1} << 53}, kMxInt64, kMiInt64);
    w.Add<uint64_t>("u64", {1, 2}, {0, uint64_t{1} << 63}, kMxUint64, kMiUint64);
    w.Add<float>("f32", {1, 3}, {0.5f, -3.25f, 1e-20f}, kMxSingle, kMiSingle);
    // MATLAB stores doubles with small integer values as uint8 data to save space.
    w.Add<uint8_t>("packed", {1, 3}, {1, 2, 200}, kMxDouble, kMiUint8);
    auto t = Parse(w.bytes());
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    ASSERT_EQ(t->columns.size(), 11u);
    EXPECT_EQ(t->Find("i16")->values, (std::vector<double>{-32768, -1, 0, 32767}));
    EXPECT_EQ(t->Find("i16z")->values, (std::vector<double>{-7, 8, 9}));
    EXPECT_EQ(t->Find("u8")->values, (std::vector<double>{0, 128, 255}));
    EXPECT_EQ(t->Find("i8")->values, (std::vector<double>{-128, 0, 127}));
    EXPECT_EQ(t->Find("u16")->values, (std::vector<double>{0, 65535}));
    EXPECT_EQ(t->Find("i32")->values, (std::vector<double>{-2147483648.0, 2147483647}));
    EXPECT_EQ(t->Find("u32")->values, (std::vector<double>{0, 4294967295.0}));
    EXPECT_EQ(t->Find("i64")->values,
              (std::vector<double>{-9007199254740992.0, 9007199254740992.0}));
    EXPECT_EQ(t->Find("u64")->values, (std::vector<double>{0, 9223372036854775808.0}));
    EXPECT_EQ(t->Find("f32")->values, (std::vector<double>{0.5, -3.25, double{1e-20f}}));
    EXPECT_EQ(t->Find("packed")->values, (std::vector<double>{1, 2, 200}));
  }
}

TEST(MatReaderTest, MatrixBecomesOneColumnPerMatlabColumn) {
  MatWriter w(/*big_endian=*/true);
  w.AddDoubles("x", {3, 2}, {1, 2, 3, 4, 5, 6});  // column-major: [1 4; 2 5; 3 6]
  auto t = Parse(w.bytes());
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->columns.size(), 2u);
  EXPECT_EQ(t->columns[0].name, "x[:,0]");
  EXPECT_EQ(t->columns[0].values, (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(t->columns[1].name, "x[:,1]");
  EXPECT_EQ(t->columns[1].values, (std::vector<double>{4, 5, 6}));
}

TEST(MatReaderTest, ScalarsAreKeptAndOddVariablesSkipped) {
  MatWriter w;
  w.AddDoubles("X097RPM", {1, 1}, {1796});
  w.Add<int16_t>("gain", {1, 1}, {-3}, kMxInt16, kMiInt16, {.compressed = true});
  w.AddChar("label", "inner race");
  w.AddDoubles("complex", {1, 2}, {1, 2}, {.extra_flags = kFlagComplex});
  w.Add<uint8_t>("mask", {1, 2}, {1, 0}, kMxUint8, kMiUint8, {.extra_flags = kFlagLogical});
  w.AddDoubles("empty", {0, 0}, {});
  w.AddDoubles("cube", {2, 1, 2}, {1, 2, 3, 4});
  w.Add<uint8_t>("cell", {1, 1}, {}, kMxCell, kMiUint8);  // a cell's contents are matrices too
  w.AddDoubles("signal", {1, 3}, {0.1, 0.2, 0.3});
  auto t = Parse(w.bytes());
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->scalars, (std::map<std::string, double>{{"X097RPM", 1796}, {"gain", -3}}));
  ASSERT_EQ(t->columns.size(), 1u);
  EXPECT_EQ(t->columns[0].name, "signal");
}

TEST(MatReaderTest, V73FileIsRefusedWithAHint) {
  MatWriter v73(false, "MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan 1 2024 HDF5");
  auto t = Parse(v73.bytes());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(t.status().message(),
              HasSubstr("test.mat is a MATLAB v7.3 (HDF5) file; save it with -v7 or export CSV"));

  // Recognised by the HDF5 signature after the user block as well, whatever the text says.
  Bytes hdf5 = MatWriter().bytes();
  hdf5.resize(512, 0);
  const char kSignature[] = "\x89HDF\r\n\x1a\n";
  hdf5.insert(hdf5.end(), kSignature, kSignature + 8);
  hdf5.resize(2048, 0);
  t = Parse(hdf5);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("v7.3 (HDF5)"));
}

TEST(MatReaderTest, OtherFilesAreNotMatFiles) {
  auto t = Parse(Bytes(300, 'x'));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(t.status().message(), HasSubstr("offset 126"));
  t = Parse({});
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kDataLoss);
}

// A file of a header and three variables, for the hostile tests.
Bytes SmallFile(bool big, bool compressed) {
  MatWriter w(big);
  w.AddDoubles("a", {1, 3}, {1, 2, 3}, {.compressed = compressed});
  w.Add<int16_t>("bb", {1, 5}, {1, 2, 3, 4, 5}, kMxInt16, kMiInt16, {.compressed = compressed});
  w.AddDoubles("ccccc", {2, 2}, {1, 2, 3, 4}, {.compressed = compressed, .small_name = false});
  return w.bytes();
}

TEST(MatHostileTest, EveryTruncationFailsWithAnOffsetOrEndsAtAVariable) {
  for (const bool big : {false, true}) {
    for (const bool compressed : {false, true}) {
      SCOPED_TRACE(::testing::Message() << "big endian " << big << ", compressed " << compressed);
      const Bytes full = SmallFile(big, compressed);
      size_t complete_prefixes = 0;
      for (size_t n = 0; n < full.size(); ++n) {
        auto t = Parse(Bytes(full.begin(), full.begin() + static_cast<long>(n)));
        if (t.ok()) {
          ++complete_prefixes;  // the file ends exactly after the header or a variable
          EXPECT_LT(t->columns.size(), 4u) << n;
        } else {
          EXPECT_THAT(t.status().message(), HasSubstr("offset")) << n;
          EXPECT_THAT(t.status().message(), HasSubstr("truncated")) << n;
        }
      }
      EXPECT_EQ(complete_prefixes, 3u);  // after the header, after "a", after "bb"
    }
  }
}

TEST(MatHostileTest, GarbageAndMutationsNeverCrash) {
  std::mt19937_64 rng(7);
  const Bytes header = MatWriter().bytes();
  for (int i = 0; i < 3000; ++i) {
    Bytes b = i % 2 == 0 ? header : Bytes();
    const size_t n = rng() % 700;
    for (size_t k = 0; k < n; ++k) b.push_back(static_cast<uint8_t>(rng()));
    auto t = Parse(b);
    if (!t.ok()) {
      EXPECT_FALSE(t.status().message().empty());
    }
  }
  for (int i = 0; i < 3000; ++i) {
    Bytes b = SmallFile(i % 2 == 0, i % 4 < 2);
    for (int k = 0; k < 1 + i % 4; ++k)
      b[128 + rng() % (b.size() - 128)] = static_cast<uint8_t>(rng());
    auto t = Parse(b);
    if (!t.ok()) {
      EXPECT_FALSE(t.status().message().empty());
    }
  }
}

TEST(MatHostileTest, HugeDeclaredSizesAreRejectedWithoutAllocating) {
  MatWriter w;
  Bytes tag;
  w.Put32(tag, kMiMatrix);
  w.Put32(tag, 0xfffffff0u);
  auto t = Parse(MatWriter().AddRaw(tag).bytes());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(t.status().message(), HasSubstr("element at offset 128 declares 4294967280 bytes"));

  // Two billion squared values declared, 16 bytes present.
  t = Parse(MatWriter().AddDoubles("big", {2147483647, 2147483647}, {1, 2}).bytes());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(t.status().message(), HasSubstr("real part of 'big' at offset 176"));

  t = Parse(MatWriter().AddDoubles("ovf", std::vector<int32_t>(5, 2147483647), {1}).bytes());
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("element count overflows"));

  t = Parse(MatWriter().AddDoubles("neg", {1, -3}, {1, 2, 3}).bytes());
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("negative size -3"));

  // A small element that claims more than its 4 bytes.
  Bytes small;
  w.Put32(small, 7u << 16 | kMiInt8);
  w.Put32(small, 0);
  t = Parse(MatWriter().AddRaw(small).bytes());
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("small data element at offset 128 declares 7"));
}

// A matrix element holding `n` zero doubles: compresses about a thousandfold.
Bytes ZeroMatrixElement(int32_t n) {
  Bytes body = MatWriter().AddDoubles("z", {1, n}, std::vector<double>(n, 0.0)).bytes();
  body.erase(body.begin(), body.begin() + 128);  // keep the element, drop the file header
  return body;
}

TEST(MatHostileTest, DecompressionIsCapped) {
  const MatWriter w;
  const Bytes zip = w.Compressed(ZeroMatrixElement(1 << 17));  // 1 MiB inflated
  ASSERT_LT(zip.size(), 4096u);
  const Bytes file = MatWriter().AddRaw(zip).bytes();
  auto t = Parse(file);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->Find("z")->values.size(), 1u << 17);

  internal::MatLimits limits;
  limits.max_inflated_bytes = 256 * 1024;
  t = internal::ParseMatWithLimits(file, "bomb.mat", limits);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(t.status().message(),
              HasSubstr("bomb.mat: compressed element at offset 128 inflates beyond the limit"));

  // The cap is for the whole file, not per variable.
  const Bytes part = w.Compressed(ZeroMatrixElement(20000));  // 160 KB each
  t = internal::ParseMatWithLimits(MatWriter().AddRaw(part).bytes(), "x.mat", limits);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  t = internal::ParseMatWithLimits(MatWriter().AddRaw(part).AddRaw(part).bytes(), "x.mat", limits);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("inflates beyond the limit"));
}

TEST(MatHostileTest, CorruptOrShortCompressedStreamsAreDataLoss) {
  const MatWriter w;
  Bytes zip = w.Compressed(ZeroMatrixElement(100));
  Bytes corrupt = zip;
  corrupt[8] = 0x00;  // zlib header: not deflate
  auto t = Parse(MatWriter().AddRaw(corrupt).bytes());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(t.status().message(), HasSubstr("corrupt compressed element at offset 128"));

  Bytes shorter(zip.begin(), zip.end() - 6);  // a consistent tag, but the stream stops early
  Bytes tag;
  w.Put32(tag, kMiCompressed);
  w.Put32(tag, static_cast<uint32_t>(shorter.size() - 8));
  std::copy(tag.begin(), tag.end(), shorter.begin());
  t = Parse(MatWriter().AddRaw(shorter).bytes());
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("compressed element at offset 128 ends early"));
}

TEST(MatHostileTest, NestedCompressionIsBounded) {
  const MatWriter w;
  Bytes element = ZeroMatrixElement(4);
  for (int depth = 1; depth <= 6; ++depth) {
    element = w.Compressed(element);
    auto t = Parse(MatWriter().AddRaw(element).bytes());
    SCOPED_TRACE(depth);
    if (depth <= internal::MatLimits{}.max_depth) {
      ASSERT_TRUE(t.ok()) << t.status().ToString();
      EXPECT_EQ(t->Find("z")->values.size(), 4u);
    } else {
      ASSERT_FALSE(t.ok());
      EXPECT_THAT(t.status().message(), HasSubstr("nested deeper than"));
    }
  }
}

// Seeds for fuzz/corpus/mat_fuzzer: run by hand with EDGELOOP_CORPUS_DIR=fuzz/corpus/mat_fuzzer
// and --gtest_also_run_disabled_tests --gtest_filter='*WriteFuzzCorpus'.
TEST(MatReaderTest, DISABLED_WriteFuzzCorpus) {
  const char* dir = std::getenv("EDGELOOP_CORPUS_DIR");
  ASSERT_NE(dir, nullptr) << "set EDGELOOP_CORPUS_DIR";
  WriteFile(std::string(dir) + "/doubles_le.mat", SmallFile(false, false));
  WriteFile(std::string(dir) + "/compressed_be.mat", SmallFile(true, true));
  MatWriter mixed;
  mixed.AddDoubles("X097RPM", {1, 1}, {1796}).AddChar("label", "IR");
  mixed.AddDoubles("m", {3, 2}, {1, 2, 3, 4, 5, 6})
      .Add<float>("f", {1, 2}, {1, 2}, kMxSingle, kMiSingle);
  mixed.AddDoubles("c", {1, 2}, {1, 2}, {.extra_flags = kFlagComplex});
  WriteFile(std::string(dir) + "/mixed.mat", mixed.bytes());
  WriteFile(std::string(dir) + "/nested.mat",
            MatWriter().AddRaw(mixed.Compressed(mixed.Compressed(ZeroMatrixElement(8)))).bytes());
}

const std::string kCwru = EDGELOOP_SHARED_DATA "/cwru";

TEST(CwruMatTest, EveryFileHasAPlausibleDriveEndSignalAndSpeed) {
  ASSERT_TRUE(std::filesystem::is_directory(kCwru))
      << "reference data missing: " << kCwru << " (see ../shared/data/README.md)";
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(kCwru)) {
    if (entry.path().extension() != ".mat") continue;
    names.push_back(entry.path().filename().string());
    SCOPED_TRACE(names.back());
    auto t = ReadMatFile(entry.path().string());
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    const SignalColumn* de = nullptr;
    for (const SignalColumn& c : t->columns) {
      if (c.name.ends_with("_DE_time")) de = &c;
      double sum_sq = 0;
      for (const double v : c.values) {
        ASSERT_TRUE(std::isfinite(v)) << c.name;
        ASSERT_LT(std::abs(v), 20.0) << c.name;
        sum_sq += v * v;
      }
      const double rms = std::sqrt(sum_sq / static_cast<double>(c.values.size()));
      EXPECT_GT(rms, 0.01) << c.name;
      EXPECT_LT(rms, 5.0) << c.name;
    }
    ASSERT_NE(de, nullptr) << "no column ending in _DE_time";
    EXPECT_GT(de->values.size(), 100000u);
    int speeds = 0;
    for (const auto& [name, value] : t->scalars) {
      if (!name.ends_with("RPM")) continue;
      ++speeds;
      EXPECT_GE(value, 1700) << name;
      EXPECT_LE(value, 1800) << name;
    }
    EXPECT_EQ(speeds, 1);
  }
  EXPECT_THAT(names, ::testing::IsSupersetOf({"IR007_0.mat", "normal_0.mat"}));
}

TEST(SignalFileTest, ChoosesTheMatReaderByExtensionOrContent) {
  auto by_ext = ReadSignalFile(kCwru + "/IR007_0.mat");
  ASSERT_TRUE(by_ext.ok()) << by_ext.status().ToString();
  EXPECT_NE(by_ext->Find("X105_DE_time"), nullptr);

  const std::string path = ::testing::TempDir() + "/ingest_signal_no_extension";
  WriteFile(path, SmallFile(true, true));
  auto by_content = ReadSignalFile(path);
  ASSERT_TRUE(by_content.ok()) << by_content.status().ToString();
  EXPECT_EQ(by_content->source, path);
  EXPECT_NE(by_content->Find("a"), nullptr);

  WriteFile(path, Bytes{0x89, 'P', 'N', 'G', 0, 0, 0, 0});
  auto binary = ReadSignalFile(path);
  ASSERT_FALSE(binary.ok());
  EXPECT_THAT(binary.status().message(), HasSubstr("unrecognised binary format"));
  std::filesystem::remove(path);

  auto missing = ReadMatFile(kCwru + "/no_such_file.mat");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace edgeloop::ingest
