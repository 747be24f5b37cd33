#include "detect/dual_vigilance_art.h"

#include <algorithm>
#include <cassert>

namespace edgeloop::detect {

DualVigilanceArt::DualVigilanceArt(size_t dim, size_t max_categories)
    : dim_(dim), max_categories_(std::max<size_t>(max_categories, 1)), coded_(2 * dim) {
  assert(dim > 0);
}

void DualVigilanceArt::SetVigilance(double lower, double upper) {
  lower_ = lower;
  upper_ = upper;
}

DualVigilanceArt::Match DualVigilanceArt::Train(std::span<const double> features, bool learn) {
  assert(features.size() == dim_);
  ++clock_;
  for (size_t k = 0; k < dim_; ++k) {
    coded_[k] = features[k];
    coded_[dim_ + k] = 1.0 - features[k];
  }
  Match result;
  if (last_used_.empty()) {
    // ARTime seeds the learner with one maximally general category and does not learn the
    // first input; the all-ones category matches everything with fs = es = 1/2.
    std::vector<double> ones(2 * dim_, 1.0);
    AddCategory(ones);
    return result;
  }

  const size_t width = 2 * dim_;
  const size_t n = last_used_.size();
  match_.resize(n);
  size_t best = n;
  double best_match = 0;
  for (size_t j = 0; j < n; ++j) {
    const double* w = &weights_[j * width];
    double overlap = 0;
    double norm = 0;
    for (size_t k = 0; k < width; ++k) {
      overlap += std::min(coded_[k], w[k]);
      norm += w[k];
    }
    if (norm == 0) norm = 0.001;  // ARTime's guard for an all-zero category
    const double fs = overlap / norm;
    const size_t last = dim_ - 1;
    const double energy_norm = w[last] + w[dim_ + last];
    // A category whose newest-level weights are both zero carries no energy evidence (ARTime
    // would divide 0 by 0 here); treat it as not matching on energy.
    const double es =
        energy_norm > 0
            ? (std::min(coded_[last], w[last]) + std::min(coded_[dim_ + last], w[dim_ + last])) /
                  energy_norm
            : 0.0;
    match_[j] = fs * fs * fs * es * es;
    // Strictly greater: among ties the earliest category wins, like ARTime's stable ordering.
    if (match_[j] > best_match) {
      best_match = match_[j];
      best = j;
      result.energy = es;
    }
  }
  result.similarity = best_match;
  if (!learn) return result;

  if (best < n) last_used_[best] = clock_;
  if (best_match >= upper_) {
    for (size_t j = 0; j < n; ++j) {
      if (match_[j] < upper_) continue;
      double* w = &weights_[j * width];
      for (size_t k = 0; k < width; ++k) w[k] = std::min(w[k], coded_[k]);
      last_used_[j] = clock_;
    }
    return result;
  }
  result.novel = best_match < lower_;
  AddCategory(coded_);
  return result;
}

void DualVigilanceArt::AddCategory(std::span<const double> coded) {
  const size_t width = 2 * dim_;
  if (last_used_.size() < max_categories_) {
    weights_.insert(weights_.end(), coded.begin(), coded.end());
    last_used_.push_back(clock_);
    return;
  }
  const size_t victim = static_cast<size_t>(std::min_element(last_used_.begin(), last_used_.end()) -
                                            last_used_.begin());
  std::copy(coded.begin(), coded.end(), weights_.begin() + victim * width);
  last_used_[victim] = clock_;
}

}  // namespace edgeloop::detect
