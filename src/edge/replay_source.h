// ReplaySource: a recorded signal file (CSV or MAT v5) played back as a live data source.
//
// One numeric column of the file becomes one channel of one asset, delivered in chunks of
// `chunk` duration. Timestamps: a CSV time column is used as recorded when present; otherwise
// samples are stamped at `rate_hz` so that the recording ends at the moment replay finishes
// (`fast` replay plays a recording of the recent past, never of the future). Speed: real time,
// a multiplier, or as fast as the consumer takes it (the sink's backpressure paces it).
// `loop` plays the file again and again with time moving on; it requires real time or a
// multiplier of 1, where "now" keeps up with the stamps.
// Start/Stop from the owner's thread; counters() and name() from any thread.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/sample.h"
#include "ingest/signal_file.h"
#include "ingest/source.h"

namespace edgeloop::edge {

struct ReplaySourceOptions {
  std::string name = "replay";
  std::string path;
  std::string asset;
  std::string channel;  // the column to play; "" = the only numeric column
  ChannelKind kind = ChannelKind::kVibration;
  double rate_hz = 0;  // 0 = from the file's time column
  double speed = 1;    // 0 = as fast as possible
  bool loop = false;
  Duration chunk = std::chrono::milliseconds(100);
};

class ReplaySource final : public ingest::Source {
 public:
  // Reads the file now: a missing file, an unknown column, no rate, or non-monotonic times are
  // InvalidArgument naming the file.
  static Result<std::unique_ptr<ReplaySource>> Create(ReplaySourceOptions options, Clock& clock);
  ~ReplaySource() override;

  Status Start(ingest::BatchSink sink) override;
  void Stop() override;
  std::string name() const override { return options_.name; }
  ingest::SourceCounters counters() const override;
  // True once the file has been played completely (never with loop).
  bool finished() const { return finished_; }

 private:
  ReplaySource(ReplaySourceOptions options, Clock& clock, std::vector<float> values, double rate_hz,
               std::optional<Timestamp> recorded_start)
      : options_(std::move(options)),
        clock_(clock),
        values_(std::move(values)),
        rate_hz_(rate_hz),
        recorded_start_(recorded_start) {}
  void Run(ingest::BatchSink sink);

  const ReplaySourceOptions options_;
  Clock& clock_;
  const std::vector<float> values_;
  const double rate_hz_;
  const std::optional<Timestamp> recorded_start_;
  std::atomic<bool> stop_{false}, finished_{false};
  std::thread thread_;
  std::atomic<uint64_t> messages_{0}, values_sent_{0};
};

}  // namespace edgeloop::edge
