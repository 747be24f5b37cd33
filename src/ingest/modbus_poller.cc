#include "ingest/modbus_poller.h"

#include <modbus.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <set>
#include <tuple>
#include <utility>

namespace edgeloop::ingest {
namespace {

std::string PointName(size_t i, const ModbusPoint& p) {
  return "point " + std::to_string(i) + " (" + p.asset + "/" + p.channel + ")";
}

Status ValidateConfig(const ModbusPollerConfig& c) {
  if (c.host.empty()) return InvalidArgument("modbus: host is empty");
  if (c.port < 1 || c.port > 65535) return InvalidArgument("modbus: port out of 1..65535");
  if (c.points.empty()) return InvalidArgument("modbus: no points configured");
  if (c.poll_interval <= Duration::zero() || c.response_timeout <= Duration::zero() ||
      c.reconnect_backoff_min <= Duration::zero() ||
      c.reconnect_backoff_max < c.reconnect_backoff_min) {
    return InvalidArgument(
        "modbus: poll_interval, response_timeout and backoffs must be > 0, backoff min <= max");
  }
  if (c.max_registers_per_read < 2 || c.max_registers_per_read > MODBUS_MAX_READ_REGISTERS) {
    return InvalidArgument("modbus: max_registers_per_read out of 2..125");
  }
  if (c.max_gap_registers < 0) return InvalidArgument("modbus: max_gap_registers < 0");
  std::set<std::pair<std::string, std::string>> seen;
  for (size_t i = 0; i < c.points.size(); ++i) {
    const ModbusPoint& p = c.points[i];
    const std::string name = PointName(i, p);
    if (p.asset.empty() || p.channel.empty()) {
      return InvalidArgument("modbus: " + name + ": asset and channel must be non-empty");
    }
    if (!seen.emplace(p.asset, p.channel).second) {
      return InvalidArgument("modbus: " + name + ": duplicate asset/channel");
    }
    if (static_cast<int>(p.address) + RegisterCount(p.data_type) > 65536) {
      return InvalidArgument("modbus: " + name + ": value runs past register 65535");
    }
    if (!std::isfinite(p.scale) || !std::isfinite(p.offset)) {
      return InvalidArgument("modbus: " + name + ": scale and offset must be finite");
    }
    if (p.unit_id < 0 || p.unit_id > 255) {
      return InvalidArgument("modbus: " + name + ": unit_id out of 0..255");
    }
  }
  return Status::Ok();
}

struct TimeoutParts {
  uint32_t sec;
  uint32_t usec;
};
TimeoutParts Split(Duration d) {
  const int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  return {static_cast<uint32_t>(us / 1000000), static_cast<uint32_t>(us % 1000000)};
}

}  // namespace

std::string_view ModbusErrorName(ModbusError error) {
  switch (error) {
    case ModbusError::kConnectFailed:
      return "connect_failed";
    case ModbusError::kTimeout:
      return "timeout";
    case ModbusError::kIllegalAddress:
      return "illegal_address";
    case ModbusError::kDeviceException:
      return "device_exception";
    case ModbusError::kBadResponse:
      return "bad_response";
    case ModbusError::kConnectionLost:
      return "connection_lost";
  }
  return "unknown";
}

std::string_view RegisterTypeName(RegisterType type) {
  return type == RegisterType::kHolding ? "holding" : "input";
}

std::string_view ModbusDataTypeName(ModbusDataType type) {
  switch (type) {
    case ModbusDataType::kUint16:
      return "uint16";
    case ModbusDataType::kInt16:
      return "int16";
    case ModbusDataType::kUint32:
      return "uint32";
    case ModbusDataType::kInt32:
      return "int32";
    case ModbusDataType::kFloat32:
      return "float32";
  }
  return "unknown";
}

int RegisterCount(ModbusDataType type) {
  return type == ModbusDataType::kUint16 || type == ModbusDataType::kInt16 ? 1 : 2;
}

double DecodeRegisters(const uint16_t* regs, ModbusDataType type, WordOrder order) {
  if (type == ModbusDataType::kUint16) return regs[0];
  if (type == ModbusDataType::kInt16) return static_cast<int16_t>(regs[0]);
  const uint32_t hi = order == WordOrder::kHighWordFirst ? regs[0] : regs[1];
  const uint32_t lo = order == WordOrder::kHighWordFirst ? regs[1] : regs[0];
  const uint32_t bits = (hi << 16) | lo;
  switch (type) {
    case ModbusDataType::kUint32:
      return bits;
    case ModbusDataType::kInt32:
      return static_cast<int32_t>(bits);
    default:
      return std::bit_cast<float>(bits);
  }
}

std::vector<ModbusReadRange> PlanReads(const std::vector<ModbusPoint>& points,
                                       int max_registers_per_read, int max_gap_registers) {
  std::vector<size_t> order(points.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto key = [&](size_t i) {
    return std::tuple(points[i].unit_id, points[i].register_type, points[i].address);
  };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key(a) < key(b); });
  std::vector<ModbusReadRange> plan;
  for (size_t i : order) {
    const ModbusPoint& p = points[i];
    const int begin = p.address;
    const int end = begin + RegisterCount(p.data_type);  // one past the last register
    if (!plan.empty()) {
      ModbusReadRange& r = plan.back();
      const int r_end = r.start + r.count;
      const int new_end = std::max(r_end, end);
      if (r.unit_id == p.unit_id && r.register_type == p.register_type &&
          begin <= r_end + max_gap_registers && new_end - r.start <= max_registers_per_read) {
        r.count = new_end - r.start;
        r.points.push_back(i);
        continue;
      }
    }
    plan.push_back({p.unit_id, p.register_type, p.address, end - begin, {i}});
  }
  return plan;
}

Result<ModbusPoller> ModbusPoller::Create(ModbusPollerConfig config, Clock& clock) {
  EL_RETURN_IF_ERROR(ValidateConfig(config));
  std::vector<ModbusReadRange> plan =
      PlanReads(config.points, config.max_registers_per_read, config.max_gap_registers);
  return ModbusPoller(std::move(config), clock, std::move(plan));
}

ModbusPoller::ModbusPoller(ModbusPollerConfig config, Clock& clock,
                           std::vector<ModbusReadRange> plan)
    : config_(std::move(config)),
      clock_(&clock),
      plan_(std::move(plan)),
      next_connect_(clock.Now()),
      backoff_(config_.reconnect_backoff_min) {}

ModbusPoller::ModbusPoller(ModbusPoller&& other) noexcept
    : config_(std::move(other.config_)),
      clock_(other.clock_),
      plan_(std::move(other.plan_)),
      ctx_(std::exchange(other.ctx_, nullptr)),
      next_connect_(other.next_connect_),
      backoff_(other.backoff_),
      errors_(other.errors_),
      requests_(other.requests_),
      connect_attempts_(other.connect_attempts_),
      skipped_ticks_(other.skipped_ticks_),
      last_error_(std::move(other.last_error_)) {}

ModbusPoller& ModbusPoller::operator=(ModbusPoller&& other) noexcept {
  if (this != &other) {
    Disconnect();
    config_ = std::move(other.config_);
    clock_ = other.clock_;
    plan_ = std::move(other.plan_);
    ctx_ = std::exchange(other.ctx_, nullptr);
    next_connect_ = other.next_connect_;
    backoff_ = other.backoff_;
    errors_ = other.errors_;
    requests_ = other.requests_;
    connect_attempts_ = other.connect_attempts_;
    skipped_ticks_ = other.skipped_ticks_;
    last_error_ = std::move(other.last_error_);
  }
  return *this;
}

ModbusPoller::~ModbusPoller() { Disconnect(); }

void ModbusPoller::Disconnect() {
  if (ctx_ == nullptr) return;
  modbus_close(ctx_);
  modbus_free(ctx_);
  ctx_ = nullptr;
}

void ModbusPoller::Count(ModbusError e, std::string message) {
  ++errors_[static_cast<size_t>(e)];
  last_error_ = std::string(ModbusErrorName(e)) + ": " + std::move(message);
}

bool ModbusPoller::EnsureConnected() {
  if (ctx_ != nullptr) return true;
  const Timestamp now = clock_->Now();
  if (now < next_connect_) return false;  // still backing off: no attempt, nothing to count
  ++connect_attempts_;
  const std::string port = std::to_string(config_.port);
  // The _pi variant resolves host names as well as numeric addresses.
  modbus_t* ctx = modbus_new_tcp_pi(config_.host.c_str(), port.c_str());
  if (ctx == nullptr) {
    Count(ModbusError::kConnectFailed, std::string("modbus_new_tcp_pi: ") + modbus_strerror(errno));
  } else {
    const TimeoutParts t = Split(config_.response_timeout);
    modbus_set_response_timeout(ctx, t.sec, t.usec);
    if (modbus_connect(ctx) == 0) {
      ctx_ = ctx;
      backoff_ = config_.reconnect_backoff_min;
      return true;
    }
    Count(ModbusError::kConnectFailed, config_.host + ":" + port + ": " + modbus_strerror(errno));
    modbus_free(ctx);
  }
  // Exponential backoff spares a device that is rebooting or overloaded from a connect storm.
  next_connect_ = now + backoff_;
  backoff_ = std::min(backoff_ * 2, config_.reconnect_backoff_max);
  return false;
}

bool ModbusPoller::ReadRange(const ModbusReadRange& range, std::vector<SampleBatch>& out) {
  uint16_t regs[MODBUS_MAX_READ_REGISTERS];
  modbus_set_slave(ctx_, range.unit_id);
  ++requests_;
  const int n = range.register_type == RegisterType::kHolding
                    ? modbus_read_registers(ctx_, range.start, range.count, regs)
                    : modbus_read_input_registers(ctx_, range.start, range.count, regs);
  const Timestamp t = clock_->Now();
  if (n != range.count) {
    const int err = errno;
    const std::string what = std::string(RegisterTypeName(range.register_type)) + " " +
                             std::to_string(range.start) + "+" + std::to_string(range.count) +
                             " unit " + std::to_string(range.unit_id) + ": " + modbus_strerror(err);
    if (n >= 0) {
      Count(ModbusError::kBadResponse, what);
    } else if (err == EMBXILADD) {
      Count(ModbusError::kIllegalAddress, what);
      return true;  // the device answered: the connection is fine
    } else if (err > MODBUS_ENOBASE && err <= EMBXGTAR) {
      Count(ModbusError::kDeviceException, what);
      return true;
    } else if (err == ETIMEDOUT) {
      Count(ModbusError::kTimeout, what);
    } else if (err > EMBXGTAR && err <= EMBBADSLAVE) {
      Count(ModbusError::kBadResponse, what);
    } else {
      Count(ModbusError::kConnectionLost, what);
    }
    // After a timeout or garbled reply a late answer could be taken for the next request's:
    // start over on a fresh connection.
    Disconnect();
    next_connect_ = t;
    return false;
  }
  const double rate_hz = 1.0 / ToSeconds(config_.poll_interval);
  for (size_t i : range.points) {
    const ModbusPoint& p = config_.points[i];
    const double raw = DecodeRegisters(regs + (p.address - range.start), p.data_type, p.word_order);
    SampleBatch b;
    b.asset = p.asset;
    b.channel = p.channel;
    b.kind = p.kind;
    b.start = t;
    b.sample_rate_hz = rate_hz;
    b.values.push_back(static_cast<float>(raw * p.scale + p.offset));
    b.timestamps.push_back(t);
    b.received = t;
    out.push_back(std::move(b));
  }
  return true;
}

std::vector<SampleBatch> ModbusPoller::PollOnce() {
  std::vector<SampleBatch> out;
  if (!EnsureConnected()) return out;
  out.reserve(config_.points.size());
  for (const ModbusReadRange& range : plan_) {
    if (!ReadRange(range, out)) break;
  }
  return out;
}

void ModbusPoller::Run(const std::function<bool(std::vector<SampleBatch>)>& sink) {
  const Timestamp start = clock_->Now();
  int64_t tick = 0;
  while (true) {
    if (!sink(PollOnce())) return;
    // Next tick on the fixed grid after now; a long poll skips ticks instead of bunching them.
    const Timestamp now = clock_->Now();
    const int64_t due = (now - start) / config_.poll_interval + 1;
    skipped_ticks_ += static_cast<uint64_t>(std::max<int64_t>(0, due - tick - 1));
    tick = due;
    clock_->SleepUntil(start + tick * config_.poll_interval);
  }
}

}  // namespace edgeloop::ingest
