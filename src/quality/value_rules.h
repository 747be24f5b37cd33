// Value rules of the quality gate that need a channel's history: stuck (flatline) and spike
// (Hampel). Internal to the quality library; QualityGate owns one of each per channel and calls
// them from its own thread. A rule looks only at samples no earlier rule flagged, and flags only
// samples of the batch at hand: it never delays a sample nor revises a batch already returned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "common/sample.h"
#include "quality/quality_config.h"

namespace edgeloop::quality::internal {

// Flags runs of at least `min_run` samples that stay within `tolerance` of the run's first value.
// A run continues across batches. When a run reaches min_run, its earlier samples in the same
// batch are flagged too; those in earlier batches are gone, so the first min_run - 1 samples of a
// flatline that started in an earlier batch pass (they look like any steady reading).
class StuckDetector {
 public:
  void Check(const SampleBatch& batch, const StuckSettings& s, std::vector<uint8_t>& flags);

 private:
  bool has_run_ = false;
  float run_value_ = 0;
  uint64_t run_length_ = 0;
};

// Hampel filter, see SpikeSettings.
//
// Waveforms, two-sided: sample i is a spike when it is an outlier against its whole window
// [i - k, i + k], against its k left neighbours (carried over from the previous batch where
// needed) and against its k right neighbours, each judged by its own median and MAD. A sensor spike
// (up to about k/2 samples wide) stands out from both sides; a real bearing impact only from its
// past, because the structural resonance it excites keeps ringing at a similar amplitude. Because
// nothing may be delayed, the last k samples of a batch have no right side yet and are not checked.
// Each side's threshold is at least threshold x the batch's robust sigma and min_deviation, so a
// quiet stretch inside a busy signal does not flag its noise. Scalars: sample i is compared with
// the median and MAD of the 2k previous good readings and is checked once k readings are known.
class SpikeDetector {
 public:
  void Check(const SampleBatch& batch, const SpikeSettings& s, std::vector<uint8_t>& flags);

 private:
  void CheckWaveform(const SampleBatch& batch, const SpikeSettings& s, std::vector<uint8_t>& flags);
  void CheckScalar(const SampleBatch& batch, const SpikeSettings& s, std::vector<uint8_t>& flags);

  std::vector<float> tail_;     // waveform: last k values of the previous batch (NaN = excluded)
  double carried_scale_ = -1;   // waveform: robust sigma of the last batch large enough to tell
  std::deque<float> history_;   // scalar: previous good readings, at most 2k
  std::vector<float> ext_;      // scratch: tail_ followed by this batch
  std::vector<float> scratch_;  // scratch for medians
  std::vector<float> block_lo_, block_hi_;  // scratch: extremes per block of ext_
};

// Median of `v` (reordered); v must not be empty.
double MedianInPlace(std::vector<float>& v);
// 1.4826 x median absolute deviation from `median` (v is overwritten); v must not be empty.
double RobustSigmaInPlace(std::vector<float>& v, double median);

}  // namespace edgeloop::quality::internal
