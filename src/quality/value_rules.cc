#include "quality/value_rules.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "quality/quality_event.h"

namespace edgeloop::quality::internal {
namespace {
constexpr double kMadToSigma = 1.4826;  // MAD of a normal distribution x this = its sigma
constexpr float kExcluded = std::numeric_limits<float>::quiet_NaN();
}  // namespace

double MedianInPlace(std::vector<float>& v) {
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + mid, v.end());
  const double upper = v[mid];
  if (v.size() % 2 == 1) return upper;
  const double lower = *std::max_element(v.begin(), v.begin() + mid);
  return 0.5 * (lower + upper);
}

double RobustSigmaInPlace(std::vector<float>& v, double median) {
  for (float& x : v) x = static_cast<float>(std::abs(x - median));
  return kMadToSigma * MedianInPlace(v);
}

void StuckDetector::Check(const SampleBatch& batch, const StuckSettings& s,
                          std::vector<uint8_t>& flags) {
  // Index in this batch where the current run began; 0 when it began in an earlier batch.
  size_t run_first = 0;
  for (size_t i = 0; i < batch.values.size(); ++i) {
    if (IsFlagged(flags, i)) continue;  // NaN, out of range, bad time: not part of any run
    const float v = batch.values[i];
    if (has_run_ && std::abs(v - run_value_) <= s.tolerance) {
      ++run_length_;
    } else {
      has_run_ = true;
      run_value_ = v;
      run_length_ = 1;
      run_first = i;
    }
    if (run_length_ == s.min_run) {
      for (size_t j = run_first; j <= i; ++j) Flag(flags, j, Rule::kStuck);
    } else if (run_length_ > s.min_run) {
      Flag(flags, i, Rule::kStuck);
    }
  }
}

void SpikeDetector::Check(const SampleBatch& batch, const SpikeSettings& s,
                          std::vector<uint8_t>& flags) {
  if (batch.kind == ChannelKind::kVibration) {
    CheckWaveform(batch, s, flags);
  } else {
    CheckScalar(batch, s, flags);
  }
}

void SpikeDetector::CheckWaveform(const SampleBatch& batch, const SpikeSettings& s,
                                  std::vector<uint8_t>& flags) {
  const size_t k = s.half_window;
  const size_t n = batch.values.size();
  const size_t off = tail_.size();
  ext_.assign(tail_.begin(), tail_.end());
  ext_.reserve(off + n);
  scratch_.clear();
  for (size_t i = 0; i < n; ++i) {
    const bool good = !IsFlagged(flags, i);
    ext_.push_back(good ? batch.values[i] : kExcluded);
    if (good) scratch_.push_back(batch.values[i]);
  }
  // The batch's own spread: small batches borrow it from earlier ones.
  double scale = carried_scale_;
  if (scratch_.size() >= 8 * k) {
    const double median = MedianInPlace(scratch_);
    scale = RobustSigmaInPlace(scratch_, median);
    carried_scale_ = scale;
  }
  if (scale >= 0) {
    const double floor = std::max(s.threshold * scale, s.min_deviation);
    // Extremes per block of kBlock samples: the window median lies between the window's
    // extremes, so a sample within `floor` of the extremes of the blocks around it cannot be a
    // spike. Almost every sample stops at this bound; only the others get a median and MAD.
    constexpr size_t kBlock = 64;
    const size_t blocks = (ext_.size() + kBlock - 1) / kBlock;
    block_lo_.assign(blocks, std::numeric_limits<float>::infinity());
    block_hi_.assign(blocks, -std::numeric_limits<float>::infinity());
    for (size_t m = 0; m < ext_.size(); ++m) {
      const float y = ext_[m];
      if (std::isnan(y)) continue;
      block_lo_[m / kBlock] = std::min(block_lo_[m / kBlock], y);
      block_hi_[m / kBlock] = std::max(block_hi_[m / kBlock], y);
    }
    std::vector<float>& window = scratch_;
    for (size_t i = 0; i + k < n; ++i) {
      const size_t j = off + i;
      const float x = ext_[j];
      if (std::isnan(x)) continue;
      const size_t lo_j = j >= k ? j - k : 0;
      const size_t hi_j = j + k;  // < ext_.size() because i + k < n
      float lo = x, hi = x;
      for (size_t b = lo_j / kBlock; b <= hi_j / kBlock; ++b) {
        lo = std::min(lo, block_lo_[b]);
        hi = std::max(hi, block_hi_[b]);
      }
      if (std::max(x - lo, hi - x) <= floor) continue;
      // Two-sided: a spike stands out from its left AND its right neighbours. A bearing impact
      // stands out only from its past: the resonance it excites rings on, so its right side
      // is wide and the impact is no outlier there.
      const auto outlier = [&](size_t from, size_t to) {  // against ext_[from, to)
        window.clear();
        for (size_t m = from; m < to; ++m) {
          if (!std::isnan(ext_[m])) window.push_back(ext_[m]);
        }
        if (window.size() < (k + 1) / 2) return false;  // too few neighbours to judge
        const double median = MedianInPlace(window);
        const double local = RobustSigmaInPlace(window, median);
        return std::abs(x - median) > std::max(s.threshold * local, floor);
      };
      // Whole window first (the classic Hampel test): inside the ringing of an impact the
      // window's spread is large; then each side on its own.
      if (outlier(lo_j, hi_j + 1) && outlier(lo_j, j) && outlier(j + 1, hi_j + 1)) {
        Flag(flags, i, Rule::kSpike);
      }
    }
  }
  // Carry the last k values (spike flags excluded only where an earlier rule excluded them).
  const size_t keep = std::min(k, ext_.size());
  tail_.assign(ext_.end() - static_cast<std::ptrdiff_t>(keep), ext_.end());
}

void SpikeDetector::CheckScalar(const SampleBatch& batch, const SpikeSettings& s,
                                std::vector<uint8_t>& flags) {
  const size_t k = s.half_window;
  for (size_t i = 0; i < batch.values.size(); ++i) {
    if (IsFlagged(flags, i)) continue;
    const float x = batch.values[i];
    if (history_.size() >= k) {
      scratch_.assign(history_.begin(), history_.end());
      const double median = MedianInPlace(scratch_);
      const double sigma = RobustSigmaInPlace(scratch_, median);
      if (std::abs(x - median) > std::max(s.threshold * sigma, s.min_deviation)) {
        Flag(flags, i, Rule::kSpike);
      }
    }
    // Spikes stay in the history: the median ignores a few of them, and a real level shift
    // is accepted after k readings instead of being flagged for ever.
    history_.push_back(x);
    while (history_.size() > 2 * k) history_.pop_front();
  }
}

}  // namespace edgeloop::quality::internal
