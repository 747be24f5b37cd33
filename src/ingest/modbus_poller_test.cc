#include "ingest/modbus_poller.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>

#include "ingest/modbus_test_server.h"

namespace edgeloop::ingest {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Time stands still during a poll and jumps straight to any sleep's deadline: the poll loop runs
// as fast as the device answers, with exactly predictable sample times.
class SteppingClock final : public Clock {
 public:
  Timestamp Now() const override { return now_; }
  void SleepUntil(Timestamp deadline) override { now_ = std::max(now_, deadline); }
  void Advance(Duration d) { now_ += d; }

 private:
  Timestamp now_ = FromNanos(1'700'000'000'000'000'000);
};

ModbusPoint Point(std::string channel, RegisterType type, uint16_t address, ModbusDataType dt,
                  WordOrder order = WordOrder::kHighWordFirst, double scale = 1,
                  double offset = 0) {
  return {"pump-101",
          std::move(channel),
          ChannelKind::kTemperature,
          type,
          address,
          dt,
          order,
          scale,
          offset,
          1};
}

ModbusPollerConfig Config(int port, std::vector<ModbusPoint> points) {
  ModbusPollerConfig c;
  c.port = port;
  c.points = std::move(points);
  c.response_timeout = milliseconds(300);
  return c;
}

const SampleBatch* Find(const std::vector<SampleBatch>& batches, std::string_view channel) {
  for (const SampleBatch& b : batches) {
    if (b.channel == channel) return &b;
  }
  return nullptr;
}

TEST(ModbusDecodeTest, EveryTypeAndWordOrder) {
  const uint16_t neg16[] = {0xFB2E};  // -1234
  EXPECT_EQ(DecodeRegisters(neg16, ModbusDataType::kUint16, WordOrder::kHighWordFirst), 0xFB2E);
  EXPECT_EQ(DecodeRegisters(neg16, ModbusDataType::kInt16, WordOrder::kHighWordFirst), -1234);
  const uint16_t abcd[] = {0x0001, 0x0002};
  EXPECT_EQ(DecodeRegisters(abcd, ModbusDataType::kUint32, WordOrder::kHighWordFirst), 0x00010002);
  EXPECT_EQ(DecodeRegisters(abcd, ModbusDataType::kUint32, WordOrder::kLowWordFirst), 0x00020001);
  const uint16_t minus2[] = {0xFFFF, 0xFFFE};  // -2 high word first
  EXPECT_EQ(DecodeRegisters(minus2, ModbusDataType::kInt32, WordOrder::kHighWordFirst), -2);
  EXPECT_EQ(DecodeRegisters(minus2, ModbusDataType::kInt32, WordOrder::kLowWordFirst),
            static_cast<int32_t>(0xFFFEFFFF));
  const uint32_t bits = std::bit_cast<uint32_t>(3.75f);
  const uint16_t hi_lo[] = {static_cast<uint16_t>(bits >> 16), static_cast<uint16_t>(bits)};
  const uint16_t lo_hi[] = {hi_lo[1], hi_lo[0]};
  EXPECT_EQ(DecodeRegisters(hi_lo, ModbusDataType::kFloat32, WordOrder::kHighWordFirst), 3.75);
  EXPECT_EQ(DecodeRegisters(lo_hi, ModbusDataType::kFloat32, WordOrder::kLowWordFirst), 3.75);
}

TEST(ModbusPlanTest, GroupsAdjacentRegistersWithinLimits) {
  std::vector<ModbusPoint> points;
  // 130 adjacent holding registers: 125 + 5.
  for (int i = 0; i < 130; ++i) {
    points.push_back(Point("h" + std::to_string(i), RegisterType::kHolding,
                           static_cast<uint16_t>(129 - i), ModbusDataType::kUint16));
  }
  points.push_back(Point("i0", RegisterType::kInput, 10, ModbusDataType::kFloat32));
  points.push_back(Point("i1", RegisterType::kInput, 12, ModbusDataType::kInt32));
  points.push_back(Point("i2", RegisterType::kInput, 20, ModbusDataType::kUint16));  // gap of 6
  ModbusPoint other_unit = Point("u2", RegisterType::kInput, 14, ModbusDataType::kUint16);
  other_unit.unit_id = 2;
  points.push_back(other_unit);

  const std::vector<ModbusReadRange> plan = PlanReads(points, 125, 0);
  ASSERT_EQ(plan.size(), 5u);
  EXPECT_EQ(plan[0].start, 0);
  EXPECT_EQ(plan[0].count, 125);
  EXPECT_EQ(plan[0].points.size(), 125u);
  EXPECT_EQ(plan[1].start, 125);
  EXPECT_EQ(plan[1].count, 5);
  EXPECT_EQ(plan[2].register_type, RegisterType::kInput);
  EXPECT_EQ(plan[2].start, 10);
  EXPECT_EQ(plan[2].count, 4);
  EXPECT_EQ(plan[3].start, 20);
  EXPECT_EQ(plan[4].unit_id, 2);

  // Allowing a 6-register gap joins input 10..13 and 20.
  const std::vector<ModbusReadRange> gapped = PlanReads(points, 125, 6);
  ASSERT_EQ(gapped.size(), 4u);
  EXPECT_EQ(gapped[2].start, 10);
  EXPECT_EQ(gapped[2].count, 11);
}

TEST(ModbusPollerConfigTest, RejectsBadConfigs) {
  SteppingClock clock;
  auto bad = [&](auto mutate) {
    ModbusPollerConfig c =
        Config(502, {Point("t", RegisterType::kHolding, 0, ModbusDataType::kUint16)});
    mutate(c);
    return ModbusPoller::Create(std::move(c), clock).status().code();
  };
  EXPECT_EQ(bad([](ModbusPollerConfig&) {}), StatusCode::kOk);
  EXPECT_EQ(bad([](ModbusPollerConfig& c) { c.points.clear(); }), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad([](ModbusPollerConfig& c) { c.points.push_back(c.points[0]); }),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(bad([](ModbusPollerConfig& c) {
              c.points[0].address = 65535;
              c.points[0].data_type = ModbusDataType::kFloat32;
            }),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(bad([](ModbusPollerConfig& c) { c.points[0].scale = NAN; }),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(bad([](ModbusPollerConfig& c) { c.points[0].unit_id = 256; }),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(bad([](ModbusPollerConfig& c) { c.max_registers_per_read = 126; }),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(bad([](ModbusPollerConfig& c) { c.poll_interval = Duration::zero(); }),
            StatusCode::kInvalidArgument);
}

void SetFloat(ModbusTestServer& s, bool input, int address, float v, WordOrder order) {
  const uint32_t bits = std::bit_cast<uint32_t>(v);
  const uint16_t hi = bits >> 16, lo = bits & 0xFFFF;
  const uint16_t first = order == WordOrder::kHighWordFirst ? hi : lo;
  const uint16_t second = order == WordOrder::kHighWordFirst ? lo : hi;
  if (input) {
    s.SetInput(address, first);
    s.SetInput(address + 1, second);
  } else {
    s.SetHolding(address, first);
    s.SetHolding(address + 1, second);
  }
}

TEST(ModbusPollerTest, ReadsEveryDataTypeAndWordOrderWithScaling) {
  ModbusTestServer server;
  const int port = server.Start();
  ASSERT_GT(port, 0);
  server.SetHolding(0, 2345);                                    // uint16, 0.1 scale
  server.SetHolding(1, static_cast<uint16_t>(-1234));            // int16, offset
  server.SetHolding(2, 0x0001);                                  // uint32 ABCD = 65538
  server.SetHolding(3, 0x0002);                                  //
  server.SetHolding(4, 0xFFFE);                                  // int32 CDAB = -2
  server.SetHolding(5, 0xFFFF);                                  //
  SetFloat(server, false, 6, 21.5f, WordOrder::kHighWordFirst);  // float32 ABCD
  SetFloat(server, true, 0, -7.25f, WordOrder::kLowWordFirst);   // float32 CDAB, input
  server.SetInput(2, 500);                                       // uint16 input, scale+offset
  using enum ModbusDataType;
  using enum RegisterType;
  const ModbusPollerConfig config =
      Config(port, {Point("u16", kHolding, 0, kUint16, WordOrder::kHighWordFirst, 0.1),
                    Point("i16", kHolding, 1, kInt16, WordOrder::kHighWordFirst, 1, 1000),
                    Point("u32", kHolding, 2, kUint32, WordOrder::kHighWordFirst),
                    Point("i32", kHolding, 4, kInt32, WordOrder::kLowWordFirst, 2),
                    Point("f32", kHolding, 6, kFloat32, WordOrder::kHighWordFirst),
                    Point("f32in", kInput, 0, kFloat32, WordOrder::kLowWordFirst),
                    Point("u16in", kInput, 2, kUint16, WordOrder::kHighWordFirst, 0.5, -100)});
  SteppingClock clock;
  auto poller = ModbusPoller::Create(config, clock);
  ASSERT_TRUE(poller.ok()) << poller.status().ToString();

  const std::vector<SampleBatch> batches = poller->PollOnce();
  ASSERT_EQ(batches.size(), 7u) << poller->last_error();
  const std::pair<const char*, float> want[] = {
      {"u16", 234.5f}, {"i16", -234.0f},  {"u32", 65538.0f}, {"i32", -4.0f},
      {"f32", 21.5f},  {"f32in", -7.25f}, {"u16in", 150.0f}};
  for (const auto& [channel, value] : want) {
    const SampleBatch* b = Find(batches, channel);
    ASSERT_NE(b, nullptr) << channel;
    ASSERT_EQ(b->values.size(), 1u);
    EXPECT_FLOAT_EQ(b->values[0], value) << channel;
    EXPECT_EQ(b->asset, "pump-101");
    ASSERT_EQ(b->timestamps.size(), 1u);
    EXPECT_EQ(b->timestamps[0], clock.Now());
    EXPECT_DOUBLE_EQ(b->sample_rate_hz, 1.0);
  }
  // One request for holding 0..7, one for input 0..2.
  EXPECT_EQ(poller->requests(), 2u);
  EXPECT_EQ(server.requests(), 2);
}

TEST(ModbusPollerTest, ReadsLongMapsInFewRequests) {
  ModbusTestServer server;
  const int port = server.Start();
  ASSERT_GT(port, 0);
  std::vector<ModbusPoint> points;
  for (int i = 0; i < 190; ++i) {
    server.SetHolding(i, static_cast<uint16_t>(i * 3));
    points.push_back(Point("c" + std::to_string(i), RegisterType::kHolding,
                           static_cast<uint16_t>(i), ModbusDataType::kUint16));
  }
  SteppingClock clock;
  auto poller = ModbusPoller::Create(Config(port, points), clock);
  ASSERT_TRUE(poller.ok());
  const std::vector<SampleBatch> batches = poller->PollOnce();
  ASSERT_EQ(batches.size(), 190u) << poller->last_error();
  for (int i : {0, 124, 125, 189}) {
    const SampleBatch* b = Find(batches, "c" + std::to_string(i));
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->values[0], i * 3.0f);
  }
  EXPECT_EQ(server.requests(), 2);  // 125 + 65
}

TEST(ModbusPollerTest, IllegalAddressIsCountedAndOtherRangesStillRead) {
  ModbusTestServer server;
  const int port = server.Start();
  ASSERT_GT(port, 0);
  server.SetInput(5, 77);
  // Holding 199..200: register 200 does not exist on the server.
  SteppingClock clock;
  auto poller = ModbusPoller::Create(
      Config(port, {Point("beyond", RegisterType::kHolding, 199, ModbusDataType::kFloat32),
                    Point("ok", RegisterType::kInput, 5, ModbusDataType::kUint16)}),
      clock);
  ASSERT_TRUE(poller.ok());
  const std::vector<SampleBatch> batches = poller->PollOnce();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].channel, "ok");
  EXPECT_EQ(batches[0].values[0], 77.0f);
  EXPECT_EQ(poller->errors(ModbusError::kIllegalAddress), 1u);
  EXPECT_NE(poller->last_error().find("illegal_address"), std::string::npos);
  EXPECT_TRUE(poller->connected());  // an exception response leaves the connection usable
}

TEST(ModbusPollerTest, ServerDownIsCountedThenRecoversWithBackoff) {
  ModbusTestServer server;
  const int port = server.Start();
  ASSERT_GT(port, 0);
  server.Stop();
  server.SetHolding(3, 42);
  ModbusPollerConfig config =
      Config(port, {Point("t", RegisterType::kHolding, 3, ModbusDataType::kUint16)});
  config.reconnect_backoff_min = milliseconds(500);
  config.reconnect_backoff_max = seconds(1);
  SteppingClock clock;
  auto poller = ModbusPoller::Create(config, clock);
  ASSERT_TRUE(poller.ok());

  EXPECT_TRUE(poller->PollOnce().empty());
  EXPECT_EQ(poller->errors(ModbusError::kConnectFailed), 1u);
  EXPECT_EQ(poller->connect_attempts(), 1u);
  clock.Advance(milliseconds(499));  // still backing off: no attempt
  EXPECT_TRUE(poller->PollOnce().empty());
  EXPECT_EQ(poller->connect_attempts(), 1u);
  clock.Advance(milliseconds(1));
  EXPECT_TRUE(poller->PollOnce().empty());
  EXPECT_EQ(poller->connect_attempts(), 2u);
  EXPECT_EQ(poller->errors(ModbusError::kConnectFailed), 2u);

  ASSERT_EQ(server.Start(port), port);
  clock.Advance(milliseconds(999));  // backoff doubled to 1 s
  EXPECT_TRUE(poller->PollOnce().empty());
  clock.Advance(milliseconds(1));
  std::vector<SampleBatch> batches = poller->PollOnce();
  ASSERT_EQ(batches.size(), 1u) << poller->last_error();
  EXPECT_EQ(batches[0].values[0], 42.0f);

  // The device drops while connected: counted, and the next poll reconnects at once.
  server.Stop();
  EXPECT_TRUE(poller->PollOnce().empty());
  EXPECT_EQ(poller->errors(ModbusError::kConnectionLost), 1u) << poller->last_error();
  EXPECT_FALSE(poller->connected());
  ASSERT_EQ(server.Start(port), port);
  batches = poller->PollOnce();
  ASSERT_EQ(batches.size(), 1u) << poller->last_error();
  EXPECT_EQ(poller->errors(ModbusError::kConnectFailed), 2u);
}

TEST(ModbusPollerTest, TimeoutIsCountedAndConnectionRenewed) {
  ModbusTestServer server;
  const int port = server.Start();
  ASSERT_GT(port, 0);
  server.SetInput(0, 9);
  ModbusPollerConfig config =
      Config(port, {Point("t", RegisterType::kInput, 0, ModbusDataType::kUint16)});
  config.response_timeout = milliseconds(100);
  SteppingClock clock;
  auto poller = ModbusPoller::Create(config, clock);
  ASSERT_TRUE(poller.ok());
  server.SetMuted(true);
  EXPECT_TRUE(poller->PollOnce().empty());
  EXPECT_EQ(poller->errors(ModbusError::kTimeout), 1u) << poller->last_error();
  EXPECT_FALSE(poller->connected());
  server.SetMuted(false);
  const std::vector<SampleBatch> batches = poller->PollOnce();
  ASSERT_EQ(batches.size(), 1u) << poller->last_error();
  EXPECT_EQ(batches[0].values[0], 9.0f);
  EXPECT_EQ(poller->connect_attempts(), 2u);
}

TEST(ModbusPollerTest, RunPollsOnAFixedGrid) {
  ModbusTestServer server;
  const int port = server.Start();
  ASSERT_GT(port, 0);
  ModbusPollerConfig config =
      Config(port, {Point("t", RegisterType::kHolding, 0, ModbusDataType::kUint16)});
  config.poll_interval = milliseconds(250);
  SteppingClock clock;
  const Timestamp start = clock.Now();
  auto poller = ModbusPoller::Create(config, clock);
  ASSERT_TRUE(poller.ok());
  std::vector<SampleBatch> seen;
  int calls = 0;
  poller->Run([&](std::vector<SampleBatch> batches) {
    server.SetHolding(0, static_cast<uint16_t>(++calls * 10));
    for (SampleBatch& b : batches) seen.push_back(std::move(b));
    return calls < 4;
  });
  ASSERT_EQ(seen.size(), 4u);
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].timestamps[0], start + i * milliseconds(250));
    EXPECT_EQ(seen[i].values[0], 10.0f * i);
    EXPECT_DOUBLE_EQ(seen[i].sample_rate_hz, 4.0);
  }
  EXPECT_EQ(poller->skipped_ticks(), 0u);
}

TEST(ModbusPollerTest, RunSkipsTicksMissedByASlowRound) {
  ModbusTestServer server;
  const int port = server.Start();
  ASSERT_GT(port, 0);
  ModbusPollerConfig config =
      Config(port, {Point("t", RegisterType::kHolding, 0, ModbusDataType::kUint16)});
  config.poll_interval = milliseconds(250);
  SteppingClock clock;
  const Timestamp start = clock.Now();
  auto poller = ModbusPoller::Create(config, clock);
  ASSERT_TRUE(poller.ok());
  std::vector<Timestamp> times;
  poller->Run([&](std::vector<SampleBatch> batches) {
    if (!batches.empty()) times.push_back(batches[0].timestamps[0]);
    clock.Advance(milliseconds(600));  // the round overruns the 250 ms and 500 ms ticks
    return times.size() < 2;
  });
  ASSERT_EQ(times.size(), 2u);
  EXPECT_EQ(times[1], start + milliseconds(750));
  EXPECT_EQ(poller->skipped_ticks(), 2u);
}

}  // namespace
}  // namespace edgeloop::ingest
