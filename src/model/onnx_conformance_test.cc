// Runs the ONNX backend node tests shipped by Debian's libonnx-testdata: every test whose model
// loads and validates (all operators, attributes and types supported) is run on each of its
// test_data_set_* directories and compared with the expected outputs (floats: |got - want| <=
// 1e-5 + 1e-4 * |want|, NaN equals NaN; int64, int32, int8, uint8 and bool: exact; shapes:
// exact). Tests that do not validate are skipped with the load error as the reason. No test may
// fail, and a second Run of each data set must not allocate (a counting operator new checks it).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "model/alloc_counter_test_util.h"
#include "model/interpreter.h"
#include "model/onnx_model.h"
#include "model/tensor_proto.h"

using edgeloop::model::alloc_counter::g_allocs;
using edgeloop::model::alloc_counter::g_count_allocs;

namespace edgeloop::model {
namespace {

namespace fs = std::filesystem;
constexpr const char* kNodeDir = "/usr/share/libonnx-testdata/data/node";
constexpr double kRtol = 1e-4;
constexpr double kAtol = 1e-5;

std::vector<fs::path> SortedFiles(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path());
  }
  // input_10 after input_9: shorter names first, then by name.
  std::sort(out.begin(), out.end(), [](const fs::path& a, const fs::path& b) {
    const std::string x = a.filename().string(), y = b.filename().string();
    return x.size() != y.size() ? x.size() < y.size() : x < y;
  });
  return out;
}

// Quantized results must match exactly: the spec fixes rounding (half to even) and saturation.
template <typename T>
bool ExactEqual(const TensorRef& got, const Tensor& want, int64_t i, std::string* diff) {
  const T g = static_cast<const T*>(got.data)[i];
  const T e = want.As<T>()[i];
  if (g == e) return true;
  *diff = "element " + std::to_string(i) + ": " + std::to_string(g) + " != " + std::to_string(e);
  return false;
}

// Empty string when equal, else what differs.
std::string Compare(const TensorRef& got, DecodedTensor& want) {
  Tensor w = want.View();
  std::string diff;
  if (got.dtype != w.dtype) return "dtype differs";
  Shape gs{static_cast<int>(got.shape.size()), {}};
  for (size_t i = 0; i < got.shape.size(); ++i) gs[static_cast<int>(i)] = got.shape[i];
  if (!(gs == w.shape)) return "shape " + ShapeString(gs) + " != " + ShapeString(w.shape);
  for (int64_t i = 0; i < w.shape.Count(); ++i) {
    switch (w.dtype) {
      case DType::kFloat: {
        double g = static_cast<const float*>(got.data)[i];
        double e = w.As<float>()[i];
        if (std::isnan(g) && std::isnan(e)) break;
        if (g == e) break;  // also equal infinities
        if (!(std::fabs(g - e) <= kAtol + kRtol * std::fabs(e))) {
          return "element " + std::to_string(i) + ": " + std::to_string(g) +
                 " != " + std::to_string(e);
        }
        break;
      }
      case DType::kInt64:
        if (static_cast<const int64_t*>(got.data)[i] != w.As<int64_t>()[i]) {
          return "element " + std::to_string(i) + " differs";
        }
        break;
      case DType::kBool:
        if (static_cast<const bool*>(got.data)[i] != w.As<bool>()[i]) {
          return "element " + std::to_string(i) + " differs";
        }
        break;
      case DType::kUint8:
        if (!ExactEqual<uint8_t>(got, w, i, &diff)) return diff;
        break;
      case DType::kInt8:
        if (!ExactEqual<int8_t>(got, w, i, &diff)) return diff;
        break;
      case DType::kInt32:
        if (!ExactEqual<int32_t>(got, w, i, &diff)) return diff;
        break;
    }
  }
  return "";
}

// Empty string on pass, else the failure.
std::string RunTest(const OnnxModel& model, const fs::path& dir) {
  auto session = InferenceSession::Create(model, 64);
  if (!session.ok()) return session.status().ToString();
  for (const auto& set : SortedFiles(dir, "test_data_set_")) {
    std::vector<DecodedTensor> ins, outs;
    for (const auto& p : SortedFiles(set, "input_")) {
      auto t = ReadTensorFile(p.string());
      if (!t.ok()) return t.status().ToString();
      ins.push_back(std::move(*t));
    }
    for (const auto& p : SortedFiles(set, "output_")) {
      auto t = ReadTensorFile(p.string());
      if (!t.ok()) return t.status().ToString();
      outs.push_back(std::move(*t));
    }
    std::vector<TensorRef> refs;
    std::vector<std::vector<int64_t>> dims(ins.size());
    for (size_t i = 0; i < ins.size(); ++i) {
      for (int d = 0; d < ins[i].shape.rank; ++d) dims[i].push_back(ins[i].shape[d]);
      refs.push_back(TensorRef{ins[i].dtype, dims[i], ins[i].storage.data()});
    }
    std::vector<TensorRef> got(session->num_outputs());
    Status s = session->Run(refs, got);
    if (!s.ok()) return set.filename().string() + ": " + s.ToString();
    // Every kernel must run without allocating: repeat the Run while counting.
    g_allocs = 0;
    g_count_allocs = true;
    s = session->Run(refs, got);
    g_count_allocs = false;
    if (!s.ok()) return set.filename().string() + " (second run): " + s.ToString();
    if (g_allocs.load() != 0) return "Run allocated " + std::to_string(g_allocs.load()) + " times";
    if (outs.size() != got.size()) return "output count differs";
    for (size_t i = 0; i < outs.size(); ++i) {
      std::string diff = Compare(got[i], outs[i]);
      if (!diff.empty())
        return set.filename().string() + " output " + std::to_string(i) + ": " + diff;
    }
  }
  return "";
}

TEST(OnnxConformance, BackendNodeTests) {
  // scripts/install-deps.sh installs the package: its absence is a broken setup, not a skip.
  ASSERT_TRUE(fs::exists(kNodeDir))
      << kNodeDir << " not found: install libonnx-testdata (scripts/install-deps.sh does)";
  std::vector<fs::path> tests;
  for (const auto& e : fs::directory_iterator(kNodeDir)) tests.push_back(e.path());
  std::sort(tests.begin(), tests.end());
  int passed = 0;
  std::vector<std::string> failed, skipped;
  for (const auto& dir : tests) {
    const std::string name = dir.filename().string();
    auto model = OnnxModel::FromFile((dir / "model.onnx").string());
    if (!model.ok()) {
      std::string why = model.status().message();
      auto cut = why.find(": ");  // drop the file path prefix
      skipped.push_back(name + ": " + (cut == std::string::npos ? why : why.substr(cut + 2)));
      continue;
    }
    std::string err = RunTest(*model, dir);
    if (err.empty()) {
      ++passed;
    } else {
      failed.push_back(name + ": " + err);
    }
  }
  std::cout << "conformance: " << passed << " passed, " << failed.size() << " failed, "
            << skipped.size() << " skipped (of " << tests.size() << ")\n";
  for (const auto& f : failed) std::cout << "FAILED " << f << "\n";
  for (size_t i = 0; i < skipped.size() && i < 200; ++i)
    std::cout << "skipped " << skipped[i] << "\n";
  if (skipped.size() > 200) std::cout << "... " << skipped.size() - 200 << " more skipped\n";
  EXPECT_TRUE(failed.empty());
  EXPECT_GE(passed, 60);
}

}  // namespace
}  // namespace edgeloop::model
