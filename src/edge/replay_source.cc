#include "edge/replay_source.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace edgeloop::edge {

Result<std::unique_ptr<ReplaySource>> ReplaySource::Create(ReplaySourceOptions o, Clock& clock) {
  const std::string who = "replay source '" + o.name + "' (" + o.path + ")";
  if (o.asset.empty()) return InvalidArgument(who + ": no asset");
  if (!(o.speed >= 0) || o.speed > 1e6) {
    return InvalidArgument(fmt::format("{}: speed {} is invalid", who, o.speed));
  }
  if (o.loop && o.speed != 1) {
    return InvalidArgument(who + ": loop needs real-time speed (1), or stamps would run ahead");
  }
  if (o.chunk <= Duration::zero()) return InvalidArgument(who + ": chunk must be positive");
  auto table = ingest::ReadSignalFile(o.path);
  if (!table.ok()) return table.status().WithContext(who);
  const ingest::SignalColumn* column = nullptr;
  if (o.channel.empty() || !table->Find(o.channel)) {
    if (table->columns.size() != 1) {
      std::string names;
      for (const auto& c : table->columns) names += (names.empty() ? "" : ", ") + c.name;
      return InvalidArgument(fmt::format("{}: no column '{}' (columns: {})", who, o.channel,
                                         names.empty() ? "none" : names));
    }
    column = &table->columns[0];
  } else {
    column = table->Find(o.channel);
  }
  if (o.channel.empty()) o.channel = column->name;
  double rate = o.rate_hz > 0 ? o.rate_hz : table->sample_rate_hz.value_or(0);
  if (!(rate > 0) || !std::isfinite(rate)) {
    return InvalidArgument(who + ": no sample rate (set rate_hz, or give the file a time column)");
  }
  if (column->values.empty()) return InvalidArgument(who + ": the column has no samples");
  std::optional<Timestamp> recorded_start;
  if (!table->timestamps.empty() && o.rate_hz == 0) recorded_start = table->timestamps.front();
  std::vector<float> values(column->values.begin(), column->values.end());
  return std::unique_ptr<ReplaySource>(
      new ReplaySource(std::move(o), clock, std::move(values), rate, recorded_start));
}

ReplaySource::~ReplaySource() { Stop(); }

Status ReplaySource::Start(ingest::BatchSink sink) {
  if (thread_.joinable()) return FailedPrecondition("replay source started twice");
  stop_ = false;
  thread_ = std::thread([this, sink = std::move(sink)] { Run(sink); });
  return Status::Ok();
}

void ReplaySource::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

ingest::SourceCounters ReplaySource::counters() const {
  ingest::SourceCounters c;
  c.messages = messages_;
  c.values = values_sent_;
  return c;
}

void ReplaySource::Run(ingest::BatchSink sink) {
  const size_t n = values_.size();
  const Duration file_duration = SampleOffset(n, rate_hz_);
  const double speed = options_.speed;
  const Timestamp wall_start = clock_.Now();
  // Stamps: as recorded, or ending when a replay at this speed ends (never in the future).
  Timestamp t0 = recorded_start_.value_or(
      speed == 0 ? wall_start - file_duration
                 : wall_start - file_duration +
                       std::chrono::duration_cast<Duration>(file_duration / speed));
  const size_t chunk = std::max<size_t>(
      1, static_cast<size_t>(
             std::llround(std::chrono::duration<double>(options_.chunk).count() * rate_hz_)));
  size_t pass_offset = 0;  // samples played in earlier passes (loop)
  size_t i = 0;
  while (!stop_) {
    if (i >= n) {
      if (!options_.loop) break;
      pass_offset += n;
      i = 0;
    }
    const size_t count = std::min(chunk, n - i);
    if (speed > 0) {
      // The chunk is due when its last sample's time has passed at this speed.
      const Duration due = std::chrono::duration_cast<Duration>(
          SampleOffset(pass_offset + i + count, rate_hz_) / speed);
      if (clock_.Now() < wall_start + due) {
        clock_.SleepFor(
            std::min<Duration>(std::chrono::milliseconds(50), wall_start + due - clock_.Now()));
        continue;
      }
    }
    SampleBatch batch;
    batch.asset = options_.asset;
    batch.channel = options_.channel;
    batch.kind = options_.kind;
    batch.sample_rate_hz = rate_hz_;
    batch.start = t0 + SampleOffset(pass_offset + i, rate_hz_);
    batch.values.assign(values_.begin() + i, values_.begin() + i + count);
    std::vector<SampleBatch> group;
    group.push_back(std::move(batch));
    if (!sink(std::move(group))) break;
    ++messages_;
    values_sent_ += count;
    i += count;
  }
  if (i >= n && !options_.loop) finished_ = true;
}

}  // namespace edgeloop::edge
