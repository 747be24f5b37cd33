// Modbus TCP poller: reads a register map from one device (or gateway) through libmodbus and turns
// every poll into SampleBatches, one sample per point and poll, each stamped with its read time.
//
// Adjacent registers of the same unit and register type are read together (at most 125 registers
// per request, the Modbus limit for function codes 3 and 4), so a map of many points costs few
// round trips. Device trouble (connection refused, timeouts, exception responses such as an
// illegal address, malformed replies) is counted per reason and never stops the poller; a lost
// connection is re-opened on a later poll, failed connects back off exponentially.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/sample.h"
#include "common/status.h"

// libmodbus's context type (typedef in <modbus.h>); declared here so users of this header do not
// need libmodbus's include path.
typedef struct _modbus modbus_t;

namespace edgeloop::ingest {

enum class RegisterType { kHolding, kInput };  // function code 3 / function code 4

enum class ModbusDataType { kUint16, kInt16, kUint32, kInt32, kFloat32 };

// Order of the two 16-bit registers of a 32-bit value (each register is big-endian on the wire).
enum class WordOrder {
  kHighWordFirst,  // "big-endian"/ABCD: the register at `address` holds the high 16 bits
  kLowWordFirst,   // "little word order"/CDAB, common on PLCs
};

// One value in the device's register map. The sample value is raw * scale + offset.
struct ModbusPoint {
  std::string asset;    // e.g. "pump-101"
  std::string channel;  // e.g. "temp_de"; (asset, channel) is unique within a config
  ChannelKind kind = ChannelKind::kTemperature;
  RegisterType register_type = RegisterType::kHolding;
  uint16_t address = 0;  // 0-based protocol address (register 40001 is holding address 0)
  ModbusDataType data_type = ModbusDataType::kUint16;
  WordOrder word_order = WordOrder::kHighWordFirst;  // 32-bit types only
  double scale = 1;
  double offset = 0;
  int unit_id = 1;  // 0..255; 255 or 1 for most TCP devices, the slave id behind a gateway
};

struct ModbusPollerConfig {
  std::string host = "127.0.0.1";  // IP address or host name
  int port = 502;
  std::vector<ModbusPoint> points;
  Duration poll_interval = std::chrono::seconds(1);            // also the samples' nominal rate
  Duration response_timeout = std::chrono::milliseconds(500);  // per request, and for connect
  Duration reconnect_backoff_min = std::chrono::milliseconds(500);
  Duration reconnect_backoff_max = std::chrono::seconds(30);
  int max_registers_per_read = 125;  // 2..125 (a 32-bit value takes two)
  // Unused registers a read may span to join two points (0: only touching or overlapping points
  // share a read). Spanning gaps saves requests but fails if the device refuses the gap.
  int max_gap_registers = 0;
};

// Why a read or connect failed. Names (ModbusErrorName) are stable: they label counters.
enum class ModbusError {
  kConnectFailed,    // connect refused, unreachable or timed out
  kTimeout,          // no (complete) response within response_timeout
  kIllegalAddress,   // exception 2: the device has no such register
  kDeviceException,  // any other exception response (illegal function, device busy/failure...)
  kBadResponse,      // malformed reply: wrong length, unit id, transaction or function code
  kConnectionLost,   // socket error while connected (reset, closed by peer)
};
inline constexpr size_t kNumModbusErrors = 6;

std::string_view ModbusErrorName(ModbusError error);
std::string_view RegisterTypeName(RegisterType type);
std::string_view ModbusDataTypeName(ModbusDataType type);

// 16-bit registers of one data type (1 or 2).
int RegisterCount(ModbusDataType type);

// Raw value of `type` from its registers (`regs` holds RegisterCount(type) registers).
double DecodeRegisters(const uint16_t* regs, ModbusDataType type, WordOrder order);

// One request: `count` registers from `start`, feeding the points at `points` (config indices).
struct ModbusReadRange {
  int unit_id = 1;
  RegisterType register_type = RegisterType::kHolding;
  uint16_t start = 0;
  int count = 0;
  std::vector<size_t> points;
};

// Groups the points into as few reads as the limits allow, ordered by unit, type and address.
std::vector<ModbusReadRange> PlanReads(const std::vector<ModbusPoint>& points,
                                       int max_registers_per_read, int max_gap_registers);

// The poller owns one libmodbus connection. Not thread-safe: one thread calls PollOnce or Run.
// Reads time (sample stamps, backoff) from `clock`, which must outlive the poller; libmodbus's
// own timeouts are real time.
class ModbusPoller {
 public:
  // Checks the config (non-empty unique points, addresses within the 16-bit space, finite scale
  // and offset, positive durations, limits in range). Error: InvalidArgument naming the point.
  [[nodiscard]] static Result<ModbusPoller> Create(ModbusPollerConfig config, Clock& clock);

  ModbusPoller(ModbusPoller&& other) noexcept;
  ModbusPoller& operator=(ModbusPoller&& other) noexcept;
  ~ModbusPoller();

  // One poll: connects if needed (unless still backing off), reads every range and returns one
  // single-sample batch per point that was read. Failed ranges are counted and their points
  // left out; a transport error closes the connection and ends the poll early.
  std::vector<SampleBatch> PollOnce();

  // Polls every poll_interval on `clock` (ticks at start + k * interval; ticks missed because a
  // poll ran long are skipped and counted) and hands each result, also an empty one (device
  // down), to `sink` until the sink returns false.
  void Run(const std::function<bool(std::vector<SampleBatch>)>& sink);

  bool connected() const { return ctx_ != nullptr; }
  uint64_t errors(ModbusError e) const { return errors_[static_cast<size_t>(e)]; }
  uint64_t requests() const { return requests_; }                  // read requests sent
  uint64_t connect_attempts() const { return connect_attempts_; }  // including failed ones
  uint64_t skipped_ticks() const { return skipped_ticks_; }
  const std::string& last_error() const { return last_error_; }  // "" until the first error
  const std::vector<ModbusReadRange>& plan() const { return plan_; }

 private:
  ModbusPoller(ModbusPollerConfig config, Clock& clock, std::vector<ModbusReadRange> plan);
  bool EnsureConnected();
  void Disconnect();
  void Count(ModbusError e, std::string message);
  // Reads one range into batches; false when the connection had to be dropped.
  bool ReadRange(const ModbusReadRange& range, std::vector<SampleBatch>& out);

  ModbusPollerConfig config_;
  Clock* clock_;
  std::vector<ModbusReadRange> plan_;
  modbus_t* ctx_ = nullptr;
  Timestamp next_connect_{};
  Duration backoff_;
  std::array<uint64_t, kNumModbusErrors> errors_{};
  uint64_t requests_ = 0;
  uint64_t connect_attempts_ = 0;
  uint64_t skipped_ticks_ = 0;
  std::string last_error_;
};

}  // namespace edgeloop::ingest
