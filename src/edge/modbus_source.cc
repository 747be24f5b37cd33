#include "edge/modbus_source.h"

namespace edgeloop::edge {

ModbusSource::~ModbusSource() { Stop(); }

Status ModbusSource::Start(ingest::BatchSink sink) {
  if (thread_.joinable()) return FailedPrecondition("modbus source '" + name_ + "' started twice");
  stop_ = false;
  thread_ = std::thread([this, sink = std::move(sink)] {
    poller_.Run([&](std::vector<SampleBatch> batches) {
      uint64_t values = 0;
      for (const SampleBatch& b : batches) values += b.values.size();
      const bool has_data = !batches.empty();
      const bool go_on = !stop_ && (!has_data || sink(std::move(batches)));
      std::lock_guard lock(mu_);
      if (has_data) ++counters_.messages;
      counters_.values += values;
      for (size_t e = 0; e < ingest::kNumModbusErrors; ++e) {
        const auto err = static_cast<ingest::ModbusError>(e);
        if (poller_.errors(err) > 0) {
          counters_.rejected[std::string(ingest::ModbusErrorName(err))] = poller_.errors(err);
        }
      }
      counters_.last_error = poller_.last_error();
      return go_on;
    });
  });
  return Status::Ok();
}

void ModbusSource::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

ingest::SourceCounters ModbusSource::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

}  // namespace edgeloop::edge
