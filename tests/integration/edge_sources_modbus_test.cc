// The edge daemon's Modbus source against a real libmodbus server (modbus_test_server.h): the
// scaled register value must arrive as the asset's temperature (checked in the edge store).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "edge_sources_fixture.h"
#include "ingest/modbus_test_server.h"

namespace edgeloop::edge::sources_test {
namespace {

// The temp_c feature of every stored window of `asset` (NaN where the window had no reading).
std::vector<double> StoredTemperatures(const std::string& path, const std::string& asset) {
  std::vector<double> out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << path;
    sqlite3_close(db);
    return out;
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT features FROM feature_windows WHERE asset = ?1 ORDER BY id",
                         -1, &stmt, nullptr) == SQLITE_OK) {
    sqlite3_bind_text(stmt, 1, asset.c_str(), -1, SQLITE_TRANSIENT);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      const nlohmann::json f = nlohmann::json::parse(text ? text : "{}");
      out.push_back(f.contains("temp_c") && f["temp_c"].is_number() ? f["temp_c"].get<double>()
                                                                    : std::nan(""));
    }
  } else {
    ADD_FAILURE() << sqlite3_errmsg(db);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

TEST_F(EdgeSourcesTest, ModbusHoldingRegisterArrivesScaledAsTheWindowsTemperature) {
  ingest::ModbusTestServer plc;
  const int port = plc.Start();
  ASSERT_GT(port, 0);
  // int16 -13 with scale 0.5 and offset 48: 41.5 degC. A raw or unsigned reading (65523) would
  // be far outside the temperature range and quarantined.
  plc.SetHolding(100, static_cast<uint16_t>(int16_t{-13}));
  const std::string text = Common(fmt::format(R"(
[[asset]]
id = "fan-1"
kind = "fan"
shaft_rpm = 990
[[source]]
name = "plc"
type = "modbus"
host = "127.0.0.1"
port = {}
poll_interval = "100ms"
  [[source.point]]
  asset = "fan-1"
  channel = "temp_nde"
  register = 100
  data_type = "int16"
  scale = 0.5
  offset = 48
)",
                                              port)) +
                           fmt::format(kJsonSource, broker_.uri());
  auto daemon = StartDaemon(text);
  ASSERT_NE(daemon, nullptr);
  auto fan = [&] { return daemon->Snapshot().agent.assets["fan-1"]; };
  ASSERT_TRUE(WaitFor([&] { return fan().samples >= 5; }, seconds(10)))
      << daemon->Snapshot().sources["plc"].last_error;
  EXPECT_EQ(fan().quarantined_samples, 0u);

  // Vibration of the same fan over MQTT closes windows, whose temp_c is the mean of the Modbus
  // readings inside them.
  sim::MachineSpec spec;
  spec.asset = {"fan-1", "fan", 990, Bearing6205()};
  const Timestamp start = WallMs(milliseconds(500));
  sim::MachineSimulator machine(spec, 9, start);
  Stream(machine, start + seconds(3) + milliseconds(200), /*temperature=*/false);
  ASSERT_TRUE(WaitFor([&] { return fan().windows_learning >= 2; }, seconds(10)))
      << "windows: " << fan().windows_learning;
  DaemonStatus s = daemon->Snapshot();
  const ingest::SourceCounters& c = s.sources["plc"];
  EXPECT_GT(c.messages, 10u);
  EXPECT_EQ(c.values, c.messages) << "one point, one value per poll";
  EXPECT_TRUE(c.rejected.empty()) << c.last_error;
  EXPECT_EQ(s.agent.assets["fan-1"].quarantined_samples, 0u);
  ASSERT_TRUE(daemon->Stop().ok());

  const std::vector<double> temps = StoredTemperatures(daemon->config().store.path, "fan-1");
  ASSERT_GE(temps.size(), 2u);
  int with_reading = 0;
  for (double t : temps) {
    if (std::isnan(t)) continue;
    ++with_reading;
    EXPECT_NEAR(t, 41.5, 1e-4);
  }
  EXPECT_GE(with_reading, 2);
}

}  // namespace
}  // namespace edgeloop::edge::sources_test
