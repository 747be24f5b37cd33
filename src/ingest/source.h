// The interface of live data sources (MQTT JSON, Sparkplug B, ...) as the edge daemon sees them.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/sample.h"
#include "common/status.h"

namespace edgeloop::ingest {

// Receives the batches decoded from one message, on the source's own thread. Returns false when
// the consumer has stopped; the source then drops further data (and counts nothing as accepted).
using BatchSink = std::function<bool(std::vector<SampleBatch>)>;

struct SourceCounters {
  uint64_t messages = 0;  // messages accepted (decoded into zero or more batches)
  uint64_t values = 0;    // sample values handed to the sink
  // Refused messages (or dropped values, as each source documents) by stable reason name.
  std::map<std::string, uint64_t> rejected;
  std::string last_error;  // empty until something went wrong (connection, rejection, ...)
};

// A live source. Start connects and begins delivering to the sink from the source's thread;
// Stop disconnects and returns once the sink will not be called again. Start/Stop are called by
// the owner's thread; counters() and name() are thread-safe.
class Source {
 public:
  virtual ~Source() = default;
  [[nodiscard]] virtual Status Start(BatchSink sink) = 0;
  virtual void Stop() = 0;
  virtual std::string name() const = 0;
  virtual SourceCounters counters() const = 0;
};

}  // namespace edgeloop::ingest
