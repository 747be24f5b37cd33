// Anomaly detectors for streams, shared by the edge agent and `edgeloop eval`.
//
// Two shapes:
// - StreamingDetector: one univariate stream, point by point, learning as it goes (NAB-style: no
//   separate training phase; the first points are a probation period it may spend warming up).
// - MultivariateDetector: rows of several channels; Fit() on a stretch of normal rows, then
//   Score() each later row in time order (it may keep adapting). SKAB-style.
// Both return an anomaly score in [0, 1] (higher = more anomalous) and, for the multivariate
// ones, their own alarm decision so a benchmark can score point-wise labels without tuning a
// threshold on test data. Detectors are single-threaded objects: one per stream.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace edgeloop::detect {

// What a streaming detector may know before the stream starts. NAB gives its detectors the
// value range of the whole file and the probation length; a live edge stream gives a sensor's
// configured range instead.
struct StreamInfo {
  size_t probation = 0;  // points the detector may use to warm up (scores there are ignored)
  double min = 0;        // expected value range (may be exceeded)
  double max = 0;
};

class StreamingDetector {
 public:
  virtual ~StreamingDetector() = default;
  // Next point of the stream (times non-decreasing); returns its anomaly score in [0, 1].
  virtual double Update(Timestamp t, double value) = 0;
};

struct MultivariateScore {
  double score = 0;    // in [0, 1]
  bool alarm = false;  // the detector's own decision at its calibrated threshold
};

class MultivariateDetector {
 public:
  virtual ~MultivariateDetector() = default;
  // `rows` is row-major with `cols` values per row, all normal operation.
  virtual Status Fit(std::span<const double> rows, size_t cols) = 0;
  // Next row after the fitted ones, in time order.
  virtual MultivariateScore Score(Timestamp t, std::span<const double> row) = 0;
};

// Registry: names, one-line descriptions and constructors. Unknown names give an error listing
// the known ones.
struct DetectorInfo {
  std::string name;
  std::string description;
  bool multivariate = false;
};
std::vector<DetectorInfo> ListDetectors();
Result<std::unique_ptr<StreamingDetector>> MakeStreamingDetector(std::string_view name,
                                                                 const StreamInfo& info);
Result<std::unique_ptr<MultivariateDetector>> MakeMultivariateDetector(std::string_view name);

}  // namespace edgeloop::detect
