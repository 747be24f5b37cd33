#include "sim/csv_writer.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace edgeloop::sim {
namespace {

Status WriteAll(std::FILE* f, const fmt::memory_buffer& buf, const std::string& path) {
  if (std::fwrite(buf.data(), 1, buf.size(), f) != buf.size()) {
    return IoError("cannot write '" + path + "': " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<SimCsvWriter>> SimCsvWriter::Open(std::string vibration_path,
                                                         std::string process_path,
                                                         Timestamp start) {
  std::unique_ptr<SimCsvWriter> w(
      new SimCsvWriter(std::move(vibration_path), std::move(process_path), start));
  for (auto [file, path] : {std::pair{&w->vibration_, &w->vibration_path_},
                            std::pair{&w->process_, &w->process_path_}}) {
    *file = std::fopen(path->c_str(), "w");
    if (*file == nullptr) {
      return IoError("cannot create '" + *path + "': " + std::strerror(errno));
    }
  }
  fmt::memory_buffer head;
  fmt::format_to(std::back_inserter(head), "time_s,{}_g\n", kVibrationChannel);
  EL_RETURN_IF_ERROR(WriteAll(w->vibration_, head, w->vibration_path_));
  head.clear();
  fmt::format_to(std::back_inserter(head), "timestamp,{},{}_c,{}\n", kSpeedChannel,
                 kTemperatureChannel, kCurrentChannel);
  EL_RETURN_IF_ERROR(WriteAll(w->process_, head, w->process_path_));
  return w;
}

SimCsvWriter::~SimCsvWriter() {
  if (vibration_) std::fclose(vibration_);
  if (process_) std::fclose(process_);
}

Status SimCsvWriter::Append(const std::vector<SampleBatch>& batches,
                            const std::vector<ProcessReading>& process) {
  if (!vibration_ || !process_) return FailedPrecondition("CSV writer is closed");
  fmt::memory_buffer buf;
  for (const SampleBatch& b : batches) {
    if (b.channel != kVibrationChannel) continue;
    buf.clear();
    // Time from the sample index, not by summing intervals: no drift over long runs.
    const double t0 = ToSeconds(b.start - start_);
    const uint64_t first = static_cast<uint64_t>(std::llround(t0 * b.sample_rate_hz));
    for (size_t i = 0; i < b.values.size(); ++i) {
      const double t = static_cast<double>(first + i) / b.sample_rate_hz;
      fmt::format_to(std::back_inserter(buf), "{:.9f},{:.6f}\n", t, b.values[i]);
    }
    EL_RETURN_IF_ERROR(WriteAll(vibration_, buf, vibration_path_));
    vibration_rows_ += b.values.size();
  }
  buf.clear();
  for (const ProcessReading& r : process) {
    fmt::format_to(std::back_inserter(buf), "{},{:.1f},{:.2f},{:.2f}\n", FormatTimestamp(r.t),
                   r.speed_rpm, r.temperature_c, r.current_a);
  }
  return WriteAll(process_, buf, process_path_);
}

Status SimCsvWriter::Close() {
  Status first;
  for (auto [file, path] :
       {std::pair{&vibration_, &vibration_path_}, std::pair{&process_, &process_path_}}) {
    if (*file == nullptr) continue;
    const bool failed = std::ferror(*file) != 0;
    if (std::fclose(*file) != 0 || failed) {
      if (first.ok()) first = IoError("cannot write '" + *path + "': " + std::strerror(errno));
    }
    *file = nullptr;
  }
  return first;
}

}  // namespace edgeloop::sim
