#include "detect/artime.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace edgeloop::detect {
namespace {

constexpr double kMaxMagnitude = 1e150;  // keeps block sums finite
constexpr size_t kNabMaxProbation = 750;
// Constants of ARTime's vigilance adaptation and confidence, kept as published (they were
// tuned on NAB as a whole, not per file).
constexpr double kUpperVigilanceCap = 0.97;
constexpr double kLowerRiseRate = 0.19;
constexpr double kShortfallMin = 0.05;
constexpr double kShortfallCap = 0.37;
constexpr double kMinLowerDecrease = 0.01;
constexpr double kBelowLastMasked = 0.90;
constexpr double kBelowLastUnmasked = 0.70;

size_t EffectiveProbation(size_t probation, size_t window) {
  size_t p = probation == 0 ? kNabMaxProbation : std::max(probation, 4 * window);
  return p - p % 2;  // ARTime works with an even probation length
}

// ARTime's "close to cosine" similarity of two feature vectors, used to order the probation
// features from the least to the most typical before fitting the initial vigilance.
double Similarity(std::span<const double> a, std::span<const double> b) {
  double dot = 0, na = 0, nb = 0;
  for (size_t k = 0; k < a.size(); ++k) {
    dot += a[k] * b[k];
    na += a[k] * a[k];
    nb += b[k] * b[k];
  }
  na = std::sqrt(na);
  nb = std::sqrt(nb);
  if (na == 0) return 1 - nb;
  if (nb == 0) return 1 - na;
  return dot / (na * nb);
}

}  // namespace

ArtimeDetector::ArtimeDetector(const StreamInfo& info, ArtimeOptions options)
    : options_(options),
      step_(std::max<size_t>(1, EffectiveProbation(info.probation, options.window) /
                                    (options.window * options.windows_per_probation))),
      trend_window_(
          static_cast<int64_t>(EffectiveProbation(info.probation, options.window) / step_)),
      mask_after_anomaly_(static_cast<int64_t>(options.window * 3 / 2)),
      features_({.step = step_,
                 .window = options.window,
                 .levels = options.levels,
                 .chomp = options.chomp,
                 .min = info.min,
                 .max = info.max}),
      art_(2 * options.window, options.max_categories),
      recent_similarity_(trend_window_ / 2 + 1, 1.0),
      recent_shortfall_(trend_window_ + 1, 0.0) {
  probation_features_.reserve(trend_window_ * features_.dim());
}

double ArtimeDetector::Update(Timestamp /*t*/, double value) {
  if (!std::isfinite(value)) return 0.0;
  if (!features_.Add(std::clamp(value, -kMaxMagnitude, kMaxMagnitude))) return 0.0;
  return ProcessFeatures();
}

double ArtimeDetector::ProcessFeatures() {
  const int64_t i = features_.level_count();
  const auto f = features_.features();
  if (i > trend_window_) return Detect(f, i);
  // Probation: collect, then fit the initial vigilance on all of it and replay it through the
  // learner (no scores are reported for it).
  probation_features_.insert(probation_features_.end(), f.begin(), f.end());
  if (i == trend_window_) {
    const double vigilance = FitInitialVigilance();
    art_.SetVigilance(vigilance, vigilance);
    const size_t dim = features_.dim();
    for (int64_t k = 0; k < trend_window_; ++k) {
      Detect(std::span<const double>(probation_features_).subspan(k * dim, dim), k + 1);
    }
    probation_features_ = {};
  }
  return 0.0;
}

double ArtimeDetector::FitInitialVigilance() const {
  // Features from the first complete window on; order them by total similarity to the others
  // (least typical first) and let an ART at the initial vigilance learn them in that order; the
  // mean match over the second half is the starting vigilance.
  const size_t dim = features_.dim();
  const size_t first = options_.window - 1;
  const size_t n = static_cast<size_t>(trend_window_) - first;
  auto column = [&](size_t k) {
    return std::span<const double>(probation_features_).subspan((first + k) * dim, dim);
  };
  std::vector<double> total(n, 1.0);  // self-similarity 1 on the diagonal
  for (size_t a = 0; a < n; ++a) {
    for (size_t b = 0; b < a; ++b) {
      const double s = Similarity(column(a), column(b));
      total[a] += s;
      total[b] += s;
    }
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return total[a] < total[b]; });
  DualVigilanceArt fit(dim, n + 1);
  fit.SetVigilance(options_.initial_vigilance, options_.initial_vigilance);
  std::vector<double> similarity;
  similarity.reserve(n);
  for (size_t k : order) similarity.push_back(fit.Train(column(k)).similarity);
  const size_t from = static_cast<size_t>(trend_window_ / 2) - 1;
  if (from >= n) return options_.initial_vigilance;
  return std::accumulate(similarity.begin() + from, similarity.end(), 0.0) /
         static_cast<double>(n - from);
}

double ArtimeDetector::Detect(std::span<const double> f, int64_t i) {
  const int64_t since_anomaly = i - last_anomaly_i_;
  const bool adapt_after_anomaly = since_anomaly == mask_after_anomaly_;
  const bool adapt_for_trend = i - last_vigilance_update_i_ >= trend_window_ / 2;
  const bool masked_after_anomaly = since_anomaly <= mask_after_anomaly_;
  if (i > trend_window_ + mask_after_anomaly_ && mask_after_new_cluster_ &&
      no_new_cluster_count_ >= mask_after_anomaly_) {
    mask_after_new_cluster_ = false;
  }
  // Until a full window exists the features are zeros: match them (keeps the learner's state
  // aligned with ARTime's) but do not learn, and count them as novel.
  const bool learn = i >= static_cast<int64_t>(options_.window);
  const DualVigilanceArt::Match m = art_.Train(f, learn);
  const bool novel = !learn || m.novel;
  no_new_cluster_count_ = novel ? 0 : no_new_cluster_count_ + 1;
  similarity_sum_ += m.similarity;
  ++similarity_count_;
  recent_similarity_[recent_similarity_head_] = m.similarity;
  recent_similarity_head_ = (recent_similarity_head_ + 1) % recent_similarity_.size();
  recent_shortfall_[recent_shortfall_head_] = art_.upper() - m.similarity;
  recent_shortfall_head_ = (recent_shortfall_head_ + 1) % recent_shortfall_.size();
  // During an anomaly's masking window remember its smallest similarity.
  if (since_anomaly < mask_after_anomaly_ && anomaly_count_ > 0 &&
      m.similarity < last_anomaly_min_similarity_) {
    anomaly_similarity_sum_ += m.similarity - last_anomaly_min_similarity_;
    last_anomaly_min_similarity_ = m.similarity;
  }
  // Right after an anomaly or a new cluster only a clearly worse match is reported again.
  const bool masking = mask_after_new_cluster_ || masked_after_anomaly;
  const double below_scale = masked_after_anomaly ? kBelowLastMasked : kBelowLastUnmasked;
  const bool below_last = m.similarity < last_anomaly_similarity_ * below_scale;
  double anomaly = 0.0;
  if (i > trend_window_ && novel && (!masking || below_last)) {
    anomaly = Confidence(m.similarity, m.energy);
    anomaly_similarity_sum_ += m.similarity;
    ++anomaly_count_;
    last_anomaly_min_similarity_ = m.similarity;
    last_anomaly_similarity_ = m.similarity;
    last_anomaly_i_ = i;
  }
  mask_after_new_cluster_ = novel || mask_after_new_cluster_;
  if (i > trend_window_ && (adapt_after_anomaly || adapt_for_trend)) AdaptVigilance(i);
  return anomaly;
}

void ArtimeDetector::AdaptVigilance(int64_t i) {
  const double min_recent = *std::min_element(recent_similarity_.begin(), recent_similarity_.end());
  const double upper =
      std::min(kUpperVigilanceCap, similarity_sum_ / static_cast<double>(similarity_count_));
  const double lower = art_.lower();
  double new_lower;
  if (lower <= min_recent) {
    new_lower = lower + (min_recent - lower) * kLowerRiseRate;
  } else {
    double decrease = 0;
    if (i > 2 * trend_window_) {
      double sum = 0;
      int count = 0;
      for (double s : recent_shortfall_) {
        if (s > kShortfallMin) {
          sum += std::min(kShortfallCap, s);
          ++count;
        }
      }
      if (count > 0) decrease = sum / count;
    }
    new_lower = lower - std::max(kMinLowerDecrease, decrease) / 2;
    if (anomaly_count_ > 0) {
      new_lower =
          std::max(anomaly_similarity_sum_ / static_cast<double>(anomaly_count_), new_lower);
    }
  }
  art_.SetVigilance(std::min(upper, new_lower), upper);
  last_vigilance_update_i_ = i;
  mask_after_new_cluster_ = true;
}

double ArtimeDetector::Confidence(double similarity, double energy) const {
  const double fs = std::min(0.999, similarity);
  const double above_upper = ((1 - fs) - (1 - art_.upper())) / (1 - fs);
  const double above_lower = ((1 - fs) - (1 - art_.lower())) / (1 - fs);
  double s = above_upper * 0.35 + above_lower * 0.65 + (1.0 - energy) * 1.5;
  s = std::clamp(s, 0.0, 1.0);
  return std::round(s * 1e6) / 1e6;  // ARTime reports six decimals
}

}  // namespace edgeloop::detect
