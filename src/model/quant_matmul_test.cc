// MatMulInteger against a naive int64 reference on random data (batch dims, broadcasting, 1-D
// operands, column blocks wider than the kernel's, every zero-point layout), QLinearMatMul
// against dequantize -> float matmul -> quantize (within 1 LSB), and their clear errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "model/quant_test_util.h"

namespace edgeloop::model {
namespace {

using quant_test::Data;
using quant_test::Dims;
using quant_test::QModel;
using quant_test::RunOnce;
using quant_test::Values;

// How a zero point (or scale) is laid out for A (per row) or B (per column).
enum class Zp { kNone, kScalar, kVector, kBatched };

int64_t Count(const Dims& d) {
  int64_t n = 1;
  for (int64_t v : d) n *= v;
  return n;
}

// The zero point's dims for operand `x` (rows: A, else B).
Dims ZpDims(Zp kind, const Dims& x, bool rows) {
  const auto r = x.size();
  switch (kind) {
    case Zp::kNone:
    case Zp::kScalar:
      return {};
    case Zp::kVector:
      return {rows ? x[r - 2] : x[r - 1]};
    case Zp::kBatched: {
      Dims d = x;
      d[rows ? r - 1 : r - 2] = 1;
      return d;
    }
  }
  return {};
}

Values Random(std::mt19937* rng, DType t, int64_t n) {
  const int lo = t == DType::kUint8 ? 0 : -128;
  std::uniform_int_distribution<int> dist(lo, lo + 255);
  Values v(static_cast<size_t>(n));
  for (auto& e : v) e = dist(*rng);
  return v;
}

// Numpy matmul of A and B with per-element zero points, in int64 (exact for these sizes).
// Returns the output dims and values.
std::pair<Dims, Values> NaiveMatMul(const Dims& ad, const Values& a, const Dims& bd,
                                    const Values& b, const Values& az, Zp azk, const Values& bz,
                                    Zp bzk) {
  Dims x = ad, y = bd;
  if (x.size() == 1) x.insert(x.begin(), 1);
  if (y.size() == 1) y.push_back(1);
  const int64_t m = x[x.size() - 2], k = x.back(), n = y.back();
  const size_t br = std::max(x.size(), y.size()) - 2;
  Dims batch(br), xb(br, 1), yb(br, 1);
  for (size_t i = 0; i < br; ++i) {
    if (i + x.size() >= br + 2) xb[i] = x[i + x.size() - 2 - br];
    if (i + y.size() >= br + 2) yb[i] = y[i + y.size() - 2 - br];
    batch[i] = std::max(xb[i], yb[i]);
  }
  Values out;
  for (int64_t bi = 0; bi < Count(batch); ++bi) {
    int64_t xo = 0, yo = 0, rem = bi;  // row-major offsets into A's and B's own batch dims
    int64_t xs = 1, ys = 1;
    for (size_t i = br; i-- > 0;) {
      const int64_t c = rem % batch[i];
      rem /= batch[i];
      xo += (xb[i] == 1 ? 0 : c) * xs;
      yo += (yb[i] == 1 ? 0 : c) * ys;
      xs *= xb[i];
      ys *= yb[i];
    }
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        const double za = azk == Zp::kNone     ? 0
                          : azk == Zp::kScalar ? az[0]
                          : azk == Zp::kVector ? az[static_cast<size_t>(i)]
                                               : az[static_cast<size_t>(xo * m + i)];
        const double zb = bzk == Zp::kNone     ? 0
                          : bzk == Zp::kScalar ? bz[0]
                          : bzk == Zp::kVector ? bz[static_cast<size_t>(j)]
                                               : bz[static_cast<size_t>(yo * n + j)];
        int64_t sum = 0;
        for (int64_t p = 0; p < k; ++p) {
          const auto av = static_cast<int64_t>(a[static_cast<size_t>((xo * m + i) * k + p)] - za);
          const auto bv = static_cast<int64_t>(b[static_cast<size_t>((yo * k + p) * n + j)] - zb);
          sum += av * bv;
        }
        out.push_back(static_cast<double>(sum));
      }
    }
  }
  Dims od = batch;
  if (ad.size() >= 2) od.push_back(m);
  if (bd.size() >= 2) od.push_back(n);
  return {od, out};
}

TEST(QuantMatMul, MatMulIntegerMatchesNaiveReference) {
  struct Case {
    Dims a, b;
    DType ta, tb;
    Zp az, bz;
  };
  const Case cases[] = {
      {{3, 5}, {5, 4}, DType::kInt8, DType::kInt8, Zp::kScalar, Zp::kScalar},
      {{4, 7}, {7, 300}, DType::kUint8, DType::kInt8, Zp::kVector, Zp::kVector},  // 2 blocks
      {{2, 3, 7}, {7, 6}, DType::kInt8, DType::kUint8, Zp::kBatched, Zp::kVector},
      {{2, 1, 3, 4}, {5, 4, 2}, DType::kInt8, DType::kInt8, Zp::kScalar, Zp::kNone},
      {{3, 2, 4}, {3, 4, 5}, DType::kInt8, DType::kInt8, Zp::kBatched, Zp::kBatched},
      {{5}, {5, 3}, DType::kUint8, DType::kUint8, Zp::kNone, Zp::kVector},
      {{4, 5}, {5}, DType::kInt8, DType::kInt8, Zp::kVector, Zp::kScalar},
      {{1, 64}, {64, 513}, DType::kUint8, DType::kUint8, Zp::kScalar, Zp::kScalar},
  };
  std::mt19937 rng(42);
  for (const Case& c : cases) {
    QModel m(10);
    m.Input("A", c.ta, c.a).Input("B", c.tb, c.b).Output("Y");
    std::vector<std::string> ins{"A", "B"};
    const Dims azd = ZpDims(c.az, c.a, true), bzd = ZpDims(c.bz, c.b, false);
    const Values az = Random(&rng, c.ta, Count(azd)), bz = Random(&rng, c.tb, Count(bzd));
    if (c.az != Zp::kNone) m.Init("az", c.ta, azd, az);
    ins.push_back(c.az != Zp::kNone ? "az" : "");
    if (c.bz != Zp::kNone) m.Init("bz", c.tb, bzd, bz);
    if (c.bz != Zp::kNone) ins.push_back("bz");
    if (ins.back().empty()) ins.pop_back();
    m.Node("MatMulInteger", ins, {"Y"});
    const Values a = Random(&rng, c.ta, Count(c.a)), b = Random(&rng, c.tb, Count(c.b));
    auto out = RunOnce(m, {{c.ta, c.a, a}, {c.tb, c.b, b}});
    ASSERT_EQ(out.size(), 1u);
    auto [dims, want] = NaiveMatMul(c.a, a, c.b, b, az, c.az, bz, c.bz);
    EXPECT_EQ(out[0].type, DType::kInt32);
    EXPECT_EQ(out[0].dims, dims);
    EXPECT_EQ(out[0].values, want) << "A " << c.a.size() << "-D, B " << c.b.size() << "-D";
  }
}

// Saturate(round(v / ys) + yz) for the reference.
double Requantize(double v, double ys, double yz, DType t) {
  const double lo = t == DType::kUint8 ? 0 : -128;
  return std::clamp(std::nearbyint(v / ys) + yz, lo, lo + 255);
}

TEST(QuantMatMul, QLinearMatMulMatchesFloatReferenceWithinOneStep) {
  struct Case {
    Dims a, b;
    DType ta, tb, ty;
    Zp layout;  // of a's and b's scales and zero points
  };
  const Case cases[] = {
      {{4, 6}, {6, 5}, DType::kUint8, DType::kUint8, DType::kUint8, Zp::kScalar},
      {{2, 3, 8}, {8, 4}, DType::kInt8, DType::kInt8, DType::kInt8, Zp::kScalar},
      {{5, 9}, {9, 270}, DType::kUint8, DType::kInt8, DType::kUint8, Zp::kVector},
      {{2, 3, 4}, {2, 4, 3}, DType::kInt8, DType::kUint8, DType::kInt8, Zp::kBatched},
  };
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> scale(0.002, 0.05);
  for (const Case& c : cases) {
    const Dims ad = ZpDims(c.layout, c.a, true), bd = ZpDims(c.layout, c.b, false);
    Values as(static_cast<size_t>(Count(ad))), bs(static_cast<size_t>(Count(bd)));
    for (auto& v : as) v = static_cast<float>(scale(rng));
    for (auto& v : bs) v = static_cast<float>(scale(rng));
    const Values az = Random(&rng, c.ta, Count(ad)), bz = Random(&rng, c.tb, Count(bd));
    const Values a = Random(&rng, c.ta, Count(c.a)), b = Random(&rng, c.tb, Count(c.b));
    // Float reference: dequantize, multiply exactly, requantize.
    auto [dims, acc] = NaiveMatMul(c.a, a, c.b, b, az, c.layout, bz, c.layout);
    const int64_t m = c.a[c.a.size() - 2], n = c.b.back();
    Values real(acc.size());
    for (size_t e = 0; e < acc.size(); ++e) {
      const auto mat = static_cast<int64_t>(e) / (m * n), i = static_cast<int64_t>(e) / n % m,
                 j = static_cast<int64_t>(e) % n;
      const double sa = c.layout == Zp::kScalar   ? as[0]
                        : c.layout == Zp::kVector ? as[static_cast<size_t>(i)]
                                                  : as[static_cast<size_t>(mat * m + i)];
      const double sb = c.layout == Zp::kScalar   ? bs[0]
                        : c.layout == Zp::kVector ? bs[static_cast<size_t>(j)]
                                                  : bs[static_cast<size_t>(mat * n + j)];
      real[e] = acc[e] * sa * sb;
    }
    double peak = 1e-6;
    for (double v : real) peak = std::max(peak, std::fabs(v));
    const double ys = static_cast<float>(peak / 100);  // most outputs in range, a few saturate
    const double yz = c.ty == DType::kUint8 ? 120 : -10;
    QModel mod(10);
    mod.Input("a", c.ta, c.a).Input("b", c.tb, c.b).Output("y");
    mod.Init("as", DType::kFloat, ad, as).Init("az", c.ta, ad, az);
    mod.Init("bs", DType::kFloat, bd, bs).Init("bz", c.tb, bd, bz);
    mod.Init("ys", DType::kFloat, {}, {ys}).Init("yz", c.ty, {}, {yz});
    mod.Node("QLinearMatMul", {"a", "as", "az", "b", "bs", "bz", "ys", "yz"}, {"y"});
    auto out = RunOnce(mod, {{c.ta, c.a, a}, {c.tb, c.b, b}});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].type, c.ty);
    EXPECT_EQ(out[0].dims, dims);
    ASSERT_EQ(out[0].values.size(), real.size());
    int exact = 0;
    for (size_t e = 0; e < real.size(); ++e) {
      const double want = Requantize(real[e], ys, yz, c.ty);
      EXPECT_LE(std::fabs(out[0].values[e] - want), 1) << "element " << e;
      exact += out[0].values[e] == want;
    }
    EXPECT_GE(exact, static_cast<int>(real.size()) * 9 / 10);  // off by one only near ties
  }
}

TEST(QuantMatMul, RejectsBadInputsWithClearErrors) {
  auto integer = [](DType ta, DType tz, Dims zd) {
    QModel m(10);
    m.Input("A", ta, {4, 7}).Input("B", DType::kInt8, {7, 3}).Output("Y");
    m.Init("az", tz, zd, Values(static_cast<size_t>(Count(zd)), 0));
    m.Node("MatMulInteger", {"A", "B", "az"}, {"Y"});
    return m.LoadError();
  };
  std::string e = integer(DType::kUint8, DType::kInt8, {});
  EXPECT_NE(e.find("a_zero_point is int8; it must have its input's type uint8"), std::string::npos)
      << e;
  e = integer(DType::kFloat, DType::kInt8, {});
  EXPECT_NE(e.find("A is float; it must be uint8 or int8"), std::string::npos) << e;
  e = integer(DType::kUint8, DType::kUint8, {5});
  EXPECT_NE(e.find("a_zero_point of shape [5] does not fit A of shape [4,7]"), std::string::npos)
      << e;
  EXPECT_TRUE(integer(DType::kUint8, DType::kUint8, {4}).empty());
  EXPECT_TRUE(integer(DType::kUint8, DType::kUint8, {4, 1}).empty());

  auto qlinear = [](Dims as, Dims az, Dims ys) {
    QModel m(10);
    m.Input("a", DType::kUint8, {4, 7}).Input("b", DType::kUint8, {7, 3}).Output("y");
    m.Init("as", DType::kFloat, as, Values(static_cast<size_t>(Count(as)), 0.1));
    m.Init("az", DType::kUint8, az, Values(static_cast<size_t>(Count(az)), 1));
    m.Init("bs", DType::kFloat, {}, {0.1}).Init("bz", DType::kUint8, {}, {1});
    m.Init("ys", DType::kFloat, ys, Values(static_cast<size_t>(Count(ys)), 0.1));
    m.Init("yz", DType::kUint8, {}, {1});
    m.Node("QLinearMatMul", {"a", "as", "az", "b", "bs", "bz", "ys", "yz"}, {"y"});
    return m.LoadError();
  };
  e = qlinear({4}, {}, {});
  EXPECT_NE(e.find("a_scale of shape [4] and a_zero_point of shape [] differ"), std::string::npos)
      << e;
  e = qlinear({}, {}, {2});
  EXPECT_NE(e.find("y_scale and y_zero_point must be scalars"), std::string::npos) << e;
  e = qlinear({3}, {3}, {});
  EXPECT_NE(e.find("a_scale of shape [3] does not fit A"), std::string::npos) << e;
  EXPECT_TRUE(qlinear({4}, {4}, {}).empty());

  QModel shapes(10);
  shapes.Input("A", DType::kInt8, {4, 7}).Input("B", DType::kInt8, {6, 3}).Output("Y");
  shapes.Node("MatMulInteger", {"A", "B"}, {"Y"});
  EXPECT_NE(shapes.LoadError().find("shapes [4,7] and [6,3] do not match"), std::string::npos)
      << shapes.LoadError();
}

}  // namespace
}  // namespace edgeloop::model
