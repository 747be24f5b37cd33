// ModbusSource: a ModbusPoller on its own thread, as a live data source of the edge daemon.
// Start/Stop from the owner's thread; counters() and name() from any thread. Stop returns within
// one poll interval (the poller checks in with the sink at every tick, also when the device is
// down).
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "ingest/modbus_poller.h"
#include "ingest/source.h"

namespace edgeloop::edge {

class ModbusSource final : public ingest::Source {
 public:
  ModbusSource(std::string name, ingest::ModbusPoller poller)
      : name_(std::move(name)), poller_(std::move(poller)) {}
  ~ModbusSource() override;

  Status Start(ingest::BatchSink sink) override;
  void Stop() override;
  std::string name() const override { return name_; }
  ingest::SourceCounters counters() const override;

 private:
  const std::string name_;
  ingest::ModbusPoller poller_;  // poller thread only
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  ingest::SourceCounters counters_;  // copied from the poller after every tick
};

}  // namespace edgeloop::edge
