#include "train/pca.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "model/interpreter.h"
#include "model/onnx_model.h"
#include "train/distributions.h"

namespace edgeloop::train {
namespace {

// Six features driven by two latent factors plus independent noise, each with unit variance
// before an arbitrary offset and scale, so the correlation matrix is known exactly:
// R = a aᵀ + b bᵀ + 0.11 I with a = 0.8·1, b = 0.5·(+1, -1, ...), aᵀb = 0, hence eigenvalues
// 6·0.64 + 0.11 = 3.95, 6·0.25 + 0.11 = 1.61 and 0.11 (four times); two components explain
// 5.56 / 6 = 92.7 % of the variance.
constexpr double kNoiseVar = 0.11;
const double kLevel[] = {10, -3, 250, 0.5, 1000, 0};
const double kSpread[] = {1, 0.01, 20, 0.1, 5, 3};

Dataset LowRank(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0, 1);
  Dataset d;
  d.source = "synthetic";
  d.features = {"f0", "f1", "f2", "f3", "f4", "f5"};
  for (size_t i = 0; i < n; ++i) {
    const double z1 = g(rng), z2 = g(rng);
    for (size_t j = 0; j < 6; ++j) {
      const double b = j % 2 == 0 ? 0.5 : -0.5;
      const double u = 0.8 * z1 + b * z2 + std::sqrt(kNoiseVar) * g(rng);
      d.x.push_back(kLevel[j] + kSpread[j] * u);
    }
  }
  return d;
}

// The rows as the exported float32 model sees them.
Dataset RoundedToFloat(Dataset d) {
  for (double& v : d.x) v = static_cast<float>(v);
  return d;
}

struct ModelOutputs {
  std::vector<double> score, t2, q;
};

// Runs the exported model on every row through the edge interpreter, in batches of up to 64.
ModelOutputs RunExported(const std::string& bytes, const Dataset& data) {
  ModelOutputs out;
  auto model =
      model::OnnxModel::FromBytes({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  if (!model.ok()) return out;
  EXPECT_EQ(model->outputs().size(), 3u);
  EXPECT_EQ(model->outputs()[0].name, "score");
  EXPECT_EQ(model->outputs()[1].name, "t2");
  EXPECT_EQ(model->outputs()[2].name, "q");
  auto session = model::InferenceSession::Create(*model, 64);
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  if (!session.ok()) return out;
  const size_t f = data.cols();
  for (size_t begin = 0; begin < data.rows(); begin += 64) {
    const size_t n = std::min<size_t>(64, data.rows() - begin);
    std::vector<float> x(data.x.begin() + static_cast<ptrdiff_t>(begin * f),
                         data.x.begin() + static_cast<ptrdiff_t>((begin + n) * f));
    const int64_t shape[] = {static_cast<int64_t>(n), static_cast<int64_t>(f)};
    model::TensorRef in{model::DType::kFloat, shape, x.data()};
    model::TensorRef outs[3];
    Status st = session->Run({&in, 1}, outs);
    EXPECT_TRUE(st.ok()) << st.ToString();
    if (!st.ok()) return out;
    for (int o = 0; o < 3; ++o) {
      EXPECT_EQ(outs[o].shape.size(), 2u);
      EXPECT_EQ(outs[o].shape[1], 1);
      auto* dst = o == 0 ? &out.score : o == 1 ? &out.t2 : &out.q;
      const auto* v = static_cast<const float*>(outs[o].data);
      dst->insert(dst->end(), v, v + n);
    }
  }
  return out;
}

double Fraction(const std::vector<PcaScore>& s, double PcaScore::*field, double limit) {
  size_t over = 0;
  for (const auto& x : s) over += x.*field > limit ? 1 : 0;
  return static_cast<double>(over) / static_cast<double>(s.size());
}

TEST(Pca, RecoversKnownStructureAndLimits) {
  auto m = TrainPca(LowRank(20000, 1));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->components, 2);
  // Sampling error of an eigenvalue is about λ·sqrt(2/n): 1 % here.
  EXPECT_NEAR(m->explained_variance, 5.56 / 6, 0.01);
  ASSERT_EQ(m->eigenvalues.size(), 6u);
  EXPECT_NEAR(m->eigenvalues[0], 3.95, 0.1);
  EXPECT_NEAR(m->eigenvalues[1], 1.61, 0.05);
  for (size_t i = 2; i < 6; ++i) EXPECT_NEAR(m->eigenvalues[i], kNoiseVar, 0.01) << i;
  for (size_t j = 0; j < 6; ++j) {
    EXPECT_NEAR(m->mean[j], kLevel[j], 0.05 * kSpread[j]) << j;
    EXPECT_NEAR(m->scale[j], kSpread[j], 0.03 * kSpread[j]) << j;
  }
  EXPECT_TRUE(m->constant_features.empty());
  // n large: T²_lim -> χ²_0.99(2) = 9.21; equal discarded eigenvalues: Q / λ ~ χ²(4).
  EXPECT_NEAR(m->t2_limit, ChiSquareQuantile(0.99, 2), 0.02);
  EXPECT_EQ(m->q_limit_method, "jackson-mudholkar");
  EXPECT_NEAR(m->q_limit / kNoiseVar, ChiSquareQuantile(0.99, 4), 0.5);
  EXPECT_EQ(m->histograms.size(), 6u);
  EXPECT_EQ(m->histograms[0].counts.size(), 20u);
  EXPECT_EQ(m->training.rows, 20000);

  // Fresh normal data: each statistic exceeds its 99 % limit about 1 % of the time (binomial
  // sd 0.07 % at n = 20000; the bounds also absorb the estimation error of the limits).
  auto scores = m->Score(LowRank(20000, 2));
  ASSERT_TRUE(scores.ok()) << scores.status().ToString();
  const double t2_rate = Fraction(*scores, &PcaScore::t2, m->t2_limit);
  const double q_rate = Fraction(*scores, &PcaScore::q, m->q_limit);
  const double score_rate = Fraction(*scores, &PcaScore::score, 1.0);
  EXPECT_GT(t2_rate, 0.006);
  EXPECT_LT(t2_rate, 0.015);
  EXPECT_GT(q_rate, 0.006);
  EXPECT_LT(q_rate, 0.015);
  EXPECT_GT(score_rate, 0.012);  // T² and Q are independent here: 1 - 0.99² = 2 %
  EXPECT_LT(score_rate, 0.03);
}

TEST(Pca, ExplicitComponentsAndOptionErrors) {
  const Dataset d = LowRank(2000, 3);
  PcaOptions o;
  o.components = 3;
  auto m = TrainPca(d, o);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->components, 3);
  o.components = 6;  // = F: nothing left for Q
  auto too_many = TrainPca(d, o);
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.status().message().find("at most 5"), std::string::npos)
      << too_many.status().message();
  o = {};
  o.explained_variance = 0.5;  // the first component alone explains 66 %
  EXPECT_EQ(TrainPca(d, o)->components, 1);
  o.explained_variance = 1.0;  // capped at F - 1
  EXPECT_EQ(TrainPca(d, o)->components, 5);
  o = {};
  o.confidence = 1.0;
  EXPECT_FALSE(TrainPca(d, o).ok());
  o = {};
  o.explained_variance = 0;
  EXPECT_FALSE(TrainPca(d, o).ok());
  o = {};
  o.components = -1;
  EXPECT_FALSE(TrainPca(d, o).ok());
}

TEST(Pca, TooFewRowsOrFeaturesAreClearErrors) {
  Dataset d = LowRank(6, 4);  // n == F
  auto m = TrainPca(d);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("more rows than features"), std::string::npos)
      << m.status().message();
  EXPECT_TRUE(TrainPca(LowRank(7, 4)).ok());
  Dataset one;
  one.features = {"a"};
  one.x = {1, 2, 3, 4};
  EXPECT_FALSE(TrainPca(one).ok());
  Dataset empty;
  empty.features = {"a", "b"};
  EXPECT_FALSE(TrainPca(empty).ok());
  // A hand-built dataset with a NaN (ReadDataset would have dropped the row).
  Dataset bad = LowRank(50, 5);
  bad.x[7] = std::nan("");
  auto nan = TrainPca(bad);
  ASSERT_FALSE(nan.ok());
  EXPECT_NE(nan.status().message().find("not finite"), std::string::npos);
}

TEST(Pca, ConstantColumnIsReportedAndStillWatched) {
  Dataset d = LowRank(3000, 6);
  // Append a constant column "valve" = 5 and a constant zero column "spare".
  Dataset c;
  c.source = d.source;
  c.features = d.features;
  c.features.push_back("valve");
  c.features.push_back("spare");
  for (size_t i = 0; i < d.rows(); ++i) {
    for (double v : d.row(i)) c.x.push_back(v);
    c.x.push_back(5.0);
    c.x.push_back(0.0);
  }
  auto m = TrainPca(c);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->constant_features, (std::vector<std::string>{"valve", "spare"}));
  EXPECT_FLOAT_EQ(static_cast<float>(m->scale[6]), 5e-6f);  // 1e-6 · |mean|
  EXPECT_EQ(m->scale[7], 1.0);
  EXPECT_EQ(m->components, 2);  // the zero-variance directions do not count as variance
  std::vector<double> row(c.row(0).begin(), c.row(0).end());
  const PcaScore normal = m->ScoreRow(row);
  EXPECT_TRUE(std::isfinite(normal.score));
  row[6] = 5.01;  // the constant column moves: Q catches it
  const PcaScore moved = m->ScoreRow(row);
  EXPECT_GT(moved.q, 1000 * m->q_limit);
  EXPECT_GT(moved.score, 1000.0);
  // Every column constant, or only one varying: nothing to model.
  Dataset flat;
  flat.features = {"a", "b", "c"};
  for (int i = 0; i < 10; ++i) flat.x.insert(flat.x.end(), {1.0, 2.0, static_cast<double>(i)});
  auto f = TrainPca(flat);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("fewer than 2 independent"), std::string::npos)
      << f.status().message();
}

TEST(Pca, FeaturesOutsideFloatRangeAreRejected) {
  Dataset d = LowRank(200, 15);
  for (size_t i = 0; i < d.rows(); ++i) d.x[i * 6 + 3] *= 1e18;  // spread ~1e17
  auto huge = TrainPca(d);
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.status().message().find("feature 'f3'"), std::string::npos)
      << huge.status().message();
  d = LowRank(200, 15);
  for (size_t i = 0; i < d.rows(); ++i) d.x[i * 6 + 5] = 1e-300;  // constant, floor 1e-306
  auto tiny = TrainPca(d);
  ASSERT_FALSE(tiny.ok());
  EXPECT_NE(tiny.status().message().find("float32"), std::string::npos);
}

TEST(Pca, CollinearFeaturesLimitTheComponents) {
  // c = a + b exactly: rank 2, so at most one component (Q needs a non-zero direction).
  std::mt19937_64 rng(7);
  std::normal_distribution<double> g(0, 1);
  Dataset d;
  d.features = {"a", "b", "c"};
  for (int i = 0; i < 500; ++i) {
    const double a = g(rng), b = g(rng);
    d.x.insert(d.x.end(), {a, b, a + b});
  }
  auto m = TrainPca(d);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->components, 1);
  PcaOptions o;
  o.components = 2;
  EXPECT_FALSE(TrainPca(d, o).ok());
}

TEST(Pca, ControlLimitFormulas) {
  // T² limit: k (n² - 1) / (n (n - k)) F_α(k, n - k), by hand for n = 50, k = 3.
  EXPECT_NEAR(T2Limit(50, 3, 0.99), 3.0 * 2499 / (50.0 * 47) * FQuantile(0.99, 3, 47), 1e-12);
  EXPECT_TRUE(std::isnan(T2Limit(3, 3, 0.99)));
  // Equal discarded eigenvalues λ: Q / λ ~ χ²(m); Jackson–Mudholkar is within 0.5 % of it.
  const std::vector<double> equal(4, 0.5);
  auto jm = ComputeQLimit(equal, 0.99);
  ASSERT_TRUE(jm.ok());
  EXPECT_EQ(jm->method, "jackson-mudholkar");
  EXPECT_NEAR(jm->value / 0.5, 13.2767041, 0.005 * 13.28);
  // One large and many small eigenvalues make h0 < 0: Box's g·χ²_h instead, which for this
  // spectrum has g = θ2/θ1 = 1.1/2, h = θ1²/θ2 = 4/1.1.
  std::vector<double> spread(10, 0.1);
  spread.insert(spread.begin(), 1.0);
  auto box = ComputeQLimit(spread, 0.99);
  ASSERT_TRUE(box.ok());
  EXPECT_EQ(box->method, "box");
  EXPECT_NEAR(box->value, 1.1 / 2 * ChiSquareQuantile(0.99, 4 / 1.1), 1e-9);
  EXPECT_FALSE(ComputeQLimit(std::vector<double>{0, 0}, 0.99).ok());
  EXPECT_FALSE(ComputeQLimit(equal, 1.5).ok());
}

TEST(Pca, RefitScalingFollowsAShiftedOperatingPoint) {
  auto m = TrainPca(LowRank(5000, 8));
  ASSERT_TRUE(m.ok());
  Dataset shifted = LowRank(4000, 9);
  for (size_t i = 0; i < shifted.rows(); ++i) {
    for (size_t j = 0; j < 6; ++j) shifted.x[i * 6 + j] += (j == 2 ? 3.0 : -0.5) * kSpread[j];
  }
  auto plain = m->Score(shifted);
  ASSERT_TRUE(plain.ok());
  EXPECT_GT(Fraction(*plain, &PcaScore::score, 1.0), 0.9);  // the shift alone alarms
  auto refit = RefitScaling(*m, shifted.Slice(0, 1000));
  ASSERT_TRUE(refit.ok()) << refit.status().ToString();
  EXPECT_EQ(refit->loadings, m->loadings);
  EXPECT_EQ(refit->q_limit, m->q_limit);
  auto scores = refit->Score(shifted.Slice(1000, 4000));
  ASSERT_TRUE(scores.ok());
  EXPECT_LT(Fraction(*scores, &PcaScore::score, 1.0), 0.04);
  Dataset other = shifted;
  other.features[0] = "renamed";
  EXPECT_FALSE(RefitScaling(*m, other).ok());
  EXPECT_FALSE(m->Score(other).ok());
}

TEST(Pca, ExportedModelMatchesTrainerOnHeldOutRows) {
  auto m = TrainPca(LowRank(4000, 10));
  ASSERT_TRUE(m.ok());
  // Held-out rows: normal ones, then the same rows pushed off the model plane and along it.
  Dataset held = LowRank(300, 11);
  for (size_t i = 0; i < 100; ++i) {
    std::vector<double> r(held.row(i).begin(), held.row(i).end());
    r[1] += 2 * kSpread[1] * static_cast<double>(i % 7);  // breaks the correlation: Q
    held.x.insert(held.x.end(), r.begin(), r.end());
    for (size_t j = 0; j < 6; ++j) r[j] += 4 * kSpread[j];  // along factor 1: T²
    held.x.insert(held.x.end(), r.begin(), r.end());
  }
  const Dataset input = RoundedToFloat(held);
  auto want = m->Score(input);
  ASSERT_TRUE(want.ok());
  auto bytes = ExportPca(*m);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  const ModelOutputs got = RunExported(*bytes, input);
  ASSERT_EQ(got.score.size(), input.rows());
  double worst = 0, max_score = 0;
  for (size_t i = 0; i < input.rows(); ++i) {
    const PcaScore& w = (*want)[i];
    const double pairs[3][2] = {{got.score[i], w.score}, {got.t2[i], w.t2}, {got.q[i], w.q}};
    for (const auto& p : pairs) {
      const double err = std::fabs(p[0] - p[1]) / std::max(1.0, std::fabs(p[1]));
      worst = std::max(worst, err);
      ASSERT_LE(err, 1e-5) << "row " << i << ": interpreter " << p[0] << ", trainer " << p[1];
    }
    max_score = std::max(max_score, w.score);
  }
  EXPECT_GT(max_score, 10.0);  // the comparison covered clearly anomalous rows too
  std::printf("round trip: %zu rows, worst relative difference %.2e\n", input.rows(), worst);
}

TEST(Pca, MetadataRoundTrip) {
  auto m = TrainPca(LowRank(3000, 12));
  ASSERT_TRUE(m.ok());
  Status st = CalibrateThreshold(LowRank(2000, 13), 0.01, &*m);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_GT(m->threshold, 0.5);
  EXPECT_LT(m->threshold, 3.0);
  // The calibrated threshold flags 1 % of its calibration rows (h = 1999 · 0.99 lies just above the
  // 1980th score: 20 rows).
  auto cal_scores = m->Score(LowRank(2000, 13));
  ASSERT_TRUE(cal_scores.ok());
  size_t flagged = 0;
  for (const auto& s : *cal_scores) flagged += s.score >= m->threshold ? 1 : 0;
  EXPECT_EQ(flagged, 20u);

  auto bytes = ExportPca(*m);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto model =
      model::OnnxModel::FromBytes({reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()});
  ASSERT_TRUE(model.ok());
  auto meta = model::ReadMetadata(model->proto());
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_EQ(meta->trainer, "pca");
  EXPECT_EQ(meta->task, "anomaly");
  EXPECT_EQ(meta->score_output, "score");
  EXPECT_EQ(meta->threshold, m->threshold);
  ASSERT_EQ(meta->features.size(), 6u);
  EXPECT_EQ(meta->features[4].name, "f4");
  EXPECT_EQ(meta->params["components"], 2);
  EXPECT_EQ(meta->params["q_limit_method"], "jackson-mudholkar");
  EXPECT_DOUBLE_EQ(meta->params["t2_limit"].get<double>(), m->t2_limit);
  EXPECT_DOUBLE_EQ(meta->params["means"][2].get<double>(), m->mean[2]);
  EXPECT_EQ(meta->params["stds"].size(), 6u);
  EXPECT_EQ(meta->params["eigenvalues"].size(), 6u);
  EXPECT_EQ(meta->metrics["calibration"]["rows"], 2000);
  EXPECT_EQ(meta->training.rows, 3000);
  EXPECT_EQ(meta->training.source, "synthetic");
  ASSERT_EQ(meta->reference_histograms.size(), 6u);
  EXPECT_EQ(meta->reference_histograms[3].counts.size(), 20u);
  double total = 0;
  for (double c : meta->reference_histograms[3].counts) total += c;
  EXPECT_EQ(total, 3000);
  EXPECT_FALSE(meta->producer_version.empty());
  EXPECT_FALSE(meta->created_at.empty());
  // Uncalibrated models export the theoretical limit.
  auto plain = TrainPca(LowRank(3000, 12));
  ASSERT_TRUE(plain.ok());
  auto plain_bytes = ExportPca(*plain);
  ASSERT_TRUE(plain_bytes.ok());
  onnx::ModelProto proto;
  ASSERT_TRUE(proto.ParseFromString(*plain_bytes));
  auto plain_meta = model::ReadMetadata(proto);
  ASSERT_TRUE(plain_meta.ok());
  EXPECT_EQ(plain_meta->threshold, 1.0);
}

TEST(Pca, ExportRejectsInconsistentModels) {
  auto m = TrainPca(LowRank(500, 14));
  ASSERT_TRUE(m.ok());
  TrainedPca broken = *m;
  broken.loadings.pop_back();
  EXPECT_FALSE(ExportPca(broken).ok());
  broken = *m;
  broken.q_limit = 0;
  EXPECT_FALSE(ExportPca(broken).ok());
}

}  // namespace
}  // namespace edgeloop::train
