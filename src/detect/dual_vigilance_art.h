// Dual-vigilance fuzzy ART: the unsupervised category learner inside the ARTime detector.
//
// Each category is a complement-coded weight vector w = [a; b] over features in [0, 1] (an
// input f is coded as x = [f; 1 − f]). A category's match to x combines
//   feature similarity  fs = |min(x, w)|₁ / |w|₁             (fuzzy-ART choice function) and
//   energy similarity   es = the same ratio restricted to the last feature and its complement
//                            (ARTime puts the newest level there),
// as M = fs³·es². Two vigilance levels decide what happens to an input:
//   best M ≥ upper: every category with M ≥ upper learns it (w ← min(w, x), "fast commit");
//   lower ≤ best M < upper: a new category is created in the best category's cluster;
//   best M < lower: a new category starts a new cluster. This last case is the novelty ARTime
//   reports as a possible anomaly.
// The first input ever only creates an all-ones category (it is not learned), as in ARTime.
//
// Memory is bounded: at `max_categories` the least recently used category (last created, learned
// or best-matching) is replaced. Single-threaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace edgeloop::detect {

class DualVigilanceArt {
 public:
  // `dim` features per input (before complement coding); max_categories >= 1.
  DualVigilanceArt(size_t dim, size_t max_categories);

  // lower <= upper, both in [0, 1].
  void SetVigilance(double lower, double upper);
  double lower() const { return lower_; }
  double upper() const { return upper_; }

  struct Match {
    double similarity = 0;  // M of the best category (0 if none matches at all)
    double energy = 0;      // es of that category
    bool novel = false;     // learning on and best M < lower: a new cluster was started
  };
  // `features` has dim values in [0, 1]. With learn == false nothing is changed (except that the
  // very first call still creates the all-ones category) and novel is false.
  Match Train(std::span<const double> features, bool learn = true);

  size_t categories() const { return last_used_.size(); }

 private:
  void AddCategory(std::span<const double> coded);

  size_t dim_;
  size_t max_categories_;
  std::vector<double> weights_;      // categories × 2·dim, row-major
  std::vector<double> match_;        // M per category for the current input
  std::vector<uint64_t> last_used_;  // per category, value of clock_ when last touched
  std::vector<double> coded_;        // complement-coded current input
  uint64_t clock_ = 0;
  double lower_ = 0;
  double upper_ = 0;
};

}  // namespace edgeloop::detect
