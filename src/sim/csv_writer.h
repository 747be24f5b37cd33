// SimCsvWriter: streams a simulated machine's signals to two CSV files as they are generated,
// so hours of 25.6 kHz vibration never sit in memory:
//   <vibration file>  time_s,vib_de_g                      (seconds from start, g)
//   <process file>    timestamp,speed_rpm,temp_bearing_c,current_a   (ISO 8601 UTC)
// Header row, ',' delimiter, plain decimal numbers: what the CSV ingest expects.
//
// Owns its two open files; one thread at a time.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/sample.h"
#include "common/status.h"
#include "sim/machine_simulator.h"

namespace edgeloop::sim {

class SimCsvWriter {
 public:
  // Creates (truncates) both files and writes their headers; `start` is time_s = 0.
  static Result<std::unique_ptr<SimCsvWriter>> Open(std::string vibration_path,
                                                    std::string process_path, Timestamp start);
  ~SimCsvWriter();
  SimCsvWriter(const SimCsvWriter&) = delete;
  SimCsvWriter& operator=(const SimCsvWriter&) = delete;

  // Appends the vibration batches (channel kVibrationChannel; others are skipped) and the
  // process readings. Batches must come in time order without gaps, as Step() makes them.
  Status Append(const std::vector<SampleBatch>& batches,
                const std::vector<ProcessReading>& process);
  // Flushes and closes both files; reports a failed write (a full disk shows up here).
  Status Close();

  uint64_t vibration_rows() const { return vibration_rows_; }

 private:
  SimCsvWriter(std::string vibration_path, std::string process_path, Timestamp start)
      : vibration_path_(std::move(vibration_path)),
        process_path_(std::move(process_path)),
        start_(start) {}

  std::string vibration_path_, process_path_;
  Timestamp start_;
  std::FILE* vibration_ = nullptr;
  std::FILE* process_ = nullptr;
  uint64_t vibration_rows_ = 0;
};

}  // namespace edgeloop::sim
