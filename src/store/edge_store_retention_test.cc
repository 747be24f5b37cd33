// Retention and schema migration, on real SQLite files.
#include <gtest/gtest.h>

#include <filesystem>

#include "store/edge_store.h"
#include "store/store_test_util.h"

namespace edgeloop::store {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kSecond = 1'000'000'000;

class RetentionTest : public TempStoreTest {};

WindowRecord Window(int64_t t_s, int features = 4) {
  WindowRecord w;
  w.asset = "p1";
  w.start = FromNanos(t_s * kSecond);
  w.end = FromNanos((t_s + 1) * kSecond);
  w.score = 1.0;
  w.detector = "test/1";
  for (int i = 0; i < features; ++i) w.features.emplace_back("f" + std::to_string(i), i * 0.5);
  return w;
}

AlertRecord Alert(int64_t opened_s, std::optional<int64_t> cleared_s) {
  AlertRecord a{0, "p1", FromNanos(opened_s * kSecond), std::nullopt, 8, "f1", "test/1"};
  if (cleared_s) a.cleared = FromNanos(*cleared_s * kSecond);
  return a;
}

SnapshotRecord Snapshot(int64_t alert_id, int64_t start_s, size_t samples, uint32_t seed) {
  SnapshotRecord s;
  s.alert_id = alert_id;
  s.asset = "p1";
  s.channel = "vib";
  s.start = FromNanos(start_s * kSecond);
  s.sample_rate_hz = 25600;
  // Pseudo-random samples barely compress, so snapshots really take space.
  uint32_t x = seed;
  for (size_t i = 0; i < samples; ++i) {
    x = x * 1664525u + 1013904223u;
    s.samples.push_back(static_cast<float>(x >> 8) / 16777216.0f);
  }
  return s;
}

TEST_F(RetentionTest, MaxAgeDeletesOldRowsButKeepsOpenAlertsAndTheirEvidence) {
  auto store = EdgeStore::Open(path_, "gw-1");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  std::vector<WindowRecord> windows;
  for (int t = 0; t < 100; ++t) windows.push_back(Window(t));
  ASSERT_TRUE(store->AppendWindows(windows).ok());
  ASSERT_TRUE(store
                  ->AppendQuarantine(std::vector<QuarantineRecord>{
                      {"p1", "vib", FromNanos(0), FromNanos(kSecond), 1, "nan", "x", {1.0f}},
                      {"p1",
                       "vib",
                       FromNanos(90 * kSecond),
                       FromNanos(91 * kSecond),
                       1,
                       "nan",
                       "x",
                       {1.0f}}})
                  .ok());
  ASSERT_TRUE(
      store
          ->AppendQualityEvents(std::vector<QualityEventRecord>{
              {"p1", "vib", "gap", FromNanos(0), FromNanos(kSecond), false, "old"},
              {"p1", "vib", "gap", FromNanos(60 * kSecond), FromNanos(61 * kSecond), false, "new"}})
          .ok());
  ASSERT_TRUE(store
                  ->AppendDriftEvents(std::vector<DriftEventRecord>{
                      {"p1", "m/1", "psi", "f1", 0.3, 0.25, FromNanos(10 * kSecond)},
                      {"p1", "m/1", "psi", "f1", 0.3, 0.25, FromNanos(70 * kSecond)}})
                  .ok());
  ASSERT_TRUE(store
                  ->AppendShadowStats(std::vector<ShadowStatsRecord>{
                      {"p1", "m/1", "m/2", FromNanos(5 * kSecond), "{}"},
                      {"p1", "m/1", "m/2", FromNanos(95 * kSecond), "{}"}})
                  .ok());
  const int64_t open_old = store->InsertAlert(Alert(2, std::nullopt)).value();
  const int64_t cleared_old = store->InsertAlert(Alert(3, 10)).value();
  const int64_t cleared_new = store->InsertAlert(Alert(4, 80)).value();
  ASSERT_TRUE(store->InsertSnapshot(Snapshot(open_old, 2, 100, 1)).ok());
  ASSERT_TRUE(store->InsertSnapshot(Snapshot(cleared_old, 3, 100, 2)).ok());
  ASSERT_TRUE(store->InsertSnapshot(Snapshot(cleared_new, 4, 100, 3)).ok());

  RetentionPolicy policy;
  policy.max_age = FromSeconds(50);
  auto report = store->EnforceRetention(policy, FromNanos(100 * kSecond));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->windows, 49) << "windows ending before t=50 s";
  EXPECT_EQ(report->quarantine, 1);
  EXPECT_EQ(report->quality_events, 1);
  EXPECT_EQ(report->drift_events, 1);
  EXPECT_EQ(report->shadow_stats, 1);
  EXPECT_EQ(report->alerts, 1);
  EXPECT_EQ(report->snapshots, 2) << "old snapshots of cleared alerts, whatever the alert age";
  EXPECT_FALSE(report->over_budget);

  EXPECT_EQ(store->CountWindows().value(), 51);
  auto alerts = store->Alerts().value();
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].id, open_old) << "an open alert survives however old";
  EXPECT_EQ(alerts[1].id, cleared_new);
  EXPECT_TRUE(store->ReadSnapshot(open_old).ok()) << "so does its evidence";
  EXPECT_EQ(store->ReadSnapshot(cleared_new).status().code(), StatusCode::kNotFound);

  // Enforcing again deletes nothing more.
  auto again = store->EnforceRetention(policy, FromNanos(100 * kSecond));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->windows + again->snapshots + again->alerts, 0);
  EXPECT_FALSE(store->EnforceRetention({.max_age = FromSeconds(-1)}, FromNanos(0)).ok());
  EXPECT_FALSE(store->EnforceRetention({.max_bytes = 0}, FromNanos(0)).ok());
}

TEST_F(RetentionTest, MaxBytesShrinksTheFileOnDiskUnderBudget) {
  constexpr int64_t kBudget = 1 << 20;
  auto store = EdgeStore::Open(path_, "gw-1");
  ASSERT_TRUE(store.ok());
  const int64_t open_alert = store->InsertAlert(Alert(0, std::nullopt)).value();
  const int64_t cleared = store->InsertAlert(Alert(1, 2)).value();
  ASSERT_TRUE(store->InsertSnapshot(Snapshot(open_alert, 0, 20000, 1)).ok());  // ~80 kB
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(store->InsertSnapshot(Snapshot(cleared, 1 + i, 20000, 10 + i)).ok());
  }
  int64_t t = 0;
  while (store->DatabaseBytes().value() < 3 * kBudget) {
    std::vector<WindowRecord> batch;
    for (int i = 0; i < 500; ++i) batch.push_back(Window(t++, 20));
    ASSERT_TRUE(store->AppendWindows(batch).ok());
  }
  ASSERT_TRUE(store->EnforceRetention({}, FromNanos(0)).ok());  // checkpoints nothing: no-op
  const int64_t windows_before = store->CountWindows().value();

  auto report = store->EnforceRetention({.max_bytes = kBudget}, FromNanos(t * kSecond));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_GE(report->bytes_before, 3 * kBudget);
  EXPECT_LE(report->bytes_after, kBudget);
  EXPECT_GT(report->bytes_after, kBudget * 3 / 4) << "deletes about the excess, not far more";
  EXPECT_FALSE(report->over_budget);
  EXPECT_EQ(report->snapshots, 8) << "the snapshots of the cleared alert were the oldest rows";
  EXPECT_GT(report->windows, 0);
  EXPECT_GT(store->CountWindows().value(), 0) << "the newest windows stay";
  EXPECT_EQ(store->CountWindows().value(), windows_before - report->windows);
  EXPECT_TRUE(store->ReadSnapshot(open_alert).ok());
  // The file itself shrank, and the WAL was checkpointed away.
  EXPECT_LE(static_cast<int64_t>(fs::file_size(path_)), kBudget);
  const fs::path wal = path_ + "-wal";
  if (fs::exists(wal)) {
    EXPECT_EQ(fs::file_size(wal), 0u);
  }
  // The oldest windows went first: what remains is a suffix of the time line.
  auto db = SqliteDb::Open(path_);
  auto q = db->Prepare("SELECT MIN(t_start_ns) FROM feature_windows");
  ASSERT_TRUE(q->Step().value());
  EXPECT_EQ(q->ColumnInt(0) / kSecond, t - store->CountWindows().value());
}

TEST_F(RetentionTest, BudgetBelowWhatOpenAlertsNeedIsReportedNotLooped) {
  auto store = EdgeStore::Open(path_, "gw-1");
  ASSERT_TRUE(store.ok());
  const int64_t open_alert = store->InsertAlert(Alert(0, std::nullopt)).value();
  ASSERT_TRUE(store->InsertSnapshot(Snapshot(open_alert, 0, 100000, 1)).ok());  // ~400 kB
  auto report = store->EnforceRetention({.max_bytes = 64 * 1024}, FromNanos(0));
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->over_budget);
  EXPECT_EQ(report->snapshots, 0);
  EXPECT_TRUE(store->ReadSnapshot(open_alert).ok());
}

// The schema as version 2 created it (before severity, evidence and the new tables).
constexpr char kVersion2Schema[] = R"sql(
PRAGMA journal_mode = WAL;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE feature_windows (id INTEGER PRIMARY KEY, node TEXT NOT NULL, asset TEXT NOT NULL,
  t_start_ns INTEGER NOT NULL, t_end_ns INTEGER NOT NULL, status TEXT NOT NULL, score REAL,
  top_feature TEXT, detector TEXT, features TEXT NOT NULL);
CREATE INDEX feature_windows_asset_time ON feature_windows (asset, t_end_ns);
CREATE TABLE alerts (id INTEGER PRIMARY KEY, node TEXT NOT NULL, asset TEXT NOT NULL,
  opened_ns INTEGER NOT NULL, cleared_ns INTEGER, peak_score REAL NOT NULL, top_feature TEXT,
  detector TEXT NOT NULL, diagnosis TEXT);
CREATE TABLE quarantine (id INTEGER PRIMARY KEY, node TEXT NOT NULL, asset TEXT NOT NULL,
  channel TEXT NOT NULL, t_start_ns INTEGER NOT NULL, t_end_ns INTEGER NOT NULL,
  samples INTEGER NOT NULL, rule TEXT NOT NULL, detail TEXT NOT NULL, raw BLOB);
CREATE TABLE quality_events (id INTEGER PRIMARY KEY, node TEXT NOT NULL, asset TEXT NOT NULL,
  channel TEXT NOT NULL, rule TEXT NOT NULL, t_start_ns INTEGER NOT NULL,
  t_end_ns INTEGER NOT NULL, ongoing INTEGER NOT NULL, detail TEXT NOT NULL);
INSERT INTO meta VALUES ('schema', '2');
INSERT INTO alerts VALUES (1, 'gw-1', 'p1', 5, NULL, 9.5, 'f1', 'old/1', 'outer_race (0.9)');
INSERT INTO feature_windows VALUES (1, 'gw-1', 'p1', 0, 1, 'scored', 1.0, 'f1', 'old/1', '{}');
)sql";

TEST_F(RetentionTest, Version2FileIsMigratedKeepingItsRows) {
  {
    auto db = SqliteDb::Open(path_);
    ASSERT_TRUE(db->Exec(kVersion2Schema).ok());
  }
  auto store = EdgeStore::Open(path_, "gw-1");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto alerts = store->Alerts();
  ASSERT_TRUE(alerts.ok()) << alerts.status().ToString();
  ASSERT_EQ(alerts->size(), 1u);
  EXPECT_EQ((*alerts)[0].diagnosis, "outer_race (0.9)");
  EXPECT_EQ((*alerts)[0].severity, "warning") << "old alerts default to warning";
  EXPECT_TRUE((*alerts)[0].evidence.empty());
  EXPECT_EQ(store->CountWindows().value(), 1);
  // The new tables work on the migrated file.
  EXPECT_TRUE(store->InsertSnapshot(Snapshot(1, 0, 10, 1)).ok());
  EXPECT_TRUE(store->ReadSnapshot(1).ok());
  EXPECT_TRUE(store
                  ->AppendDriftEvents(std::vector<DriftEventRecord>{
                      {"p1", "m/1", "psi", "f1", 0.3, 0.25, FromNanos(1)}})
                  .ok());

  auto db = SqliteDb::Open(path_);
  auto version = db->Prepare("PRAGMA user_version");
  ASSERT_TRUE(version->Step().value());
  EXPECT_EQ(version->ColumnInt(0), EdgeStore::kSchemaVersion);
  auto vacuum = db->Prepare("PRAGMA auto_vacuum");
  ASSERT_TRUE(vacuum->Step().value());
  EXPECT_EQ(vacuum->ColumnInt(0), 2) << "migration turns on incremental auto_vacuum";
  auto meta = db->Prepare("SELECT value FROM meta WHERE key = 'schema'");
  ASSERT_TRUE(meta->Step().value());
  EXPECT_EQ(meta->ColumnText(0), std::to_string(EdgeStore::kSchemaVersion));

  // Reopening a migrated file is a no-op.
  store = Result<EdgeStore>(FailedPrecondition("closed"));
  auto reopened = EdgeStore::Open(path_, "gw-1");
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ(reopened->CountRows("snapshots").value(), 1);
}

TEST_F(RetentionTest, NewStoreUsesIncrementalVacuumAndRefusesForeignDatabases) {
  {
    auto store = EdgeStore::Open(path_, "gw-1");
    ASSERT_TRUE(store.ok());
  }
  auto db = SqliteDb::Open(path_);
  auto vacuum = db->Prepare("PRAGMA auto_vacuum");
  ASSERT_TRUE(vacuum->Step().value());
  EXPECT_EQ(vacuum->ColumnInt(0), 2);

  const std::string other = (dir_ / "other.db").string();
  {
    auto foreign = SqliteDb::Open(other);
    ASSERT_TRUE(foreign->Exec("CREATE TABLE customers (id INTEGER)").ok());
  }
  auto refused = EdgeStore::Open(other, "gw-1");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("not an edge store"), std::string::npos);
}

}  // namespace
}  // namespace edgeloop::store
