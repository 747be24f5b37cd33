#include "store/edge_store.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "store/store_test_util.h"
#include "store/waveform_codec.h"

namespace edgeloop::store {
namespace {

namespace fs = std::filesystem;

class EdgeStoreTest : public TempStoreTest {};

WindowRecord Window(const std::string& asset, int64_t t, WindowStatus status) {
  WindowRecord w;
  w.asset = asset;
  w.start = FromNanos(t);
  w.end = FromNanos(t + 1'000'000'000);
  w.status = status;
  if (status == WindowStatus::kScored) w.score = 1.5;
  w.detector = "test/1";
  w.features = {{"rms_g", 0.25}, {"kurtosis", std::nan("")}};
  return w;
}

TEST_F(EdgeStoreTest, WindowsPersistAcrossReopenAndFeaturesAreQueryableJson) {
  {
    auto store = EdgeStore::Open(path_, "gw-1");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    std::vector<WindowRecord> ws = {Window("p1", 0, WindowStatus::kLearning),
                                    Window("p1", 1'000'000'000, WindowStatus::kScored),
                                    Window("p2", 0, WindowStatus::kRejected)};
    ASSERT_TRUE(store->AppendWindows(ws).ok());
  }
  auto store = EdgeStore::Open(path_, "gw-1");
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(store->CountWindows().value(), 3);
  EXPECT_EQ(store->CountWindows("p1").value(), 2);
  EXPECT_EQ(store->CountWindows(std::nullopt, WindowStatus::kRejected).value(), 1);
  EXPECT_EQ(store->CountWindows("p2", WindowStatus::kScored).value(), 0);

  // Schema-on-read: any SQLite client can pull a feature out of the JSON column.
  auto db = SqliteDb::Open(path_);
  ASSERT_TRUE(db.ok());
  auto q = db->Prepare(
      "SELECT json_extract(features, '$.rms_g'), json_type(features, '$.kurtosis') "
      "FROM feature_windows WHERE status = 'scored'");
  ASSERT_TRUE(q.ok());
  ASSERT_TRUE(q->Step().value());
  EXPECT_DOUBLE_EQ(q->ColumnDouble(0), 0.25);
  EXPECT_EQ(q->ColumnText(1), "null") << "NaN features are stored as JSON null";
}

TEST_F(EdgeStoreTest, AlertsInsertUpdateAndList) {
  auto store = EdgeStore::Open(path_, "gw-1");
  ASSERT_TRUE(store.ok());
  AlertRecord a{0, "p1", FromNanos(5'000'000'000), std::nullopt, 7.5, "kurtosis", "test/1"};
  auto id = store->InsertAlert(a);
  ASSERT_TRUE(id.ok());
  a.id = *id;
  a.peak_score = 12;
  a.cleared = FromNanos(9'000'000'000);
  a.diagnosis = "outer_race (0.97)";
  ASSERT_TRUE(store->UpdateAlert(a).ok());
  auto alerts = store->Alerts();
  ASSERT_TRUE(alerts.ok());
  ASSERT_EQ(alerts->size(), 1u);
  EXPECT_EQ((*alerts)[0].asset, "p1");
  EXPECT_EQ((*alerts)[0].peak_score, 12);
  EXPECT_EQ((*alerts)[0].diagnosis, "outer_race (0.97)");
  ASSERT_TRUE((*alerts)[0].cleared.has_value());
  EXPECT_EQ(ToNanos(*(*alerts)[0].cleared), 9'000'000'000);
}

TEST_F(EdgeStoreTest, AlertSeverityAndEvidenceRoundTrip) {
  auto store = EdgeStore::Open(path_, "gw-1");
  ASSERT_TRUE(store.ok());
  AlertRecord a{0, "p1", FromNanos(1), std::nullopt, 7.5, "kurtosis", "test/1"};
  a.severity = "warning";
  a.evidence = {{"rms_g", 0.25}, {"kurtosis", 9.5}, {"crest", std::nan("")}};
  auto id = store->InsertAlert(a);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  a.id = *id;
  a.severity = "critical";
  ASSERT_TRUE(store->UpdateAlert(a).ok());
  auto alerts = store->Alerts();
  ASSERT_TRUE(alerts.ok()) << alerts.status().ToString();
  ASSERT_EQ(alerts->size(), 1u);
  const AlertRecord& got = (*alerts)[0];
  EXPECT_EQ(got.severity, "critical");
  ASSERT_EQ(got.evidence.size(), 3u);
  EXPECT_EQ(got.evidence[0], (std::pair<std::string, double>("rms_g", 0.25)));
  EXPECT_EQ(got.evidence[1].first, "kurtosis") << "evidence keeps the feature order";
  EXPECT_TRUE(std::isnan(got.evidence[2].second)) << "NaN is stored as null, read as NaN";

  // Evidence is queryable JSON, and a hand-corrupted row is an error, not a crash.
  auto db = SqliteDb::Open(path_);
  auto q = db->Prepare("SELECT json_extract(evidence, '$.kurtosis') FROM alerts");
  ASSERT_TRUE(q->Step().value());
  EXPECT_DOUBLE_EQ(q->ColumnDouble(0), 9.5);
  ASSERT_TRUE(db->Exec("UPDATE alerts SET evidence = '{broken'").ok());
  auto corrupt = store->Alerts();
  ASSERT_FALSE(corrupt.ok());
  EXPECT_EQ(corrupt.status().code(), StatusCode::kDataLoss);
}

TEST_F(EdgeStoreTest, SnapshotsAreCompressedAndReadBackPerAlert) {
  auto store = EdgeStore::Open(path_, "gw-1");
  ASSERT_TRUE(store.ok());
  auto alert = store->InsertAlert({0, "p1", FromNanos(1), std::nullopt, 7, "rms_g", "test/1"});
  ASSERT_TRUE(alert.ok());
  SnapshotRecord s;
  s.alert_id = *alert;
  s.asset = "p1";
  s.channel = "vib_de";
  s.start = FromNanos(42);
  s.sample_rate_hz = 25600;
  for (int i = 0; i < 25600; ++i) s.samples.push_back(static_cast<float>(std::sin(i * 0.01)));
  ASSERT_TRUE(store->InsertSnapshot(s).ok());
  s.channel = "vib_nde";
  s.samples.assign(10, 1.0f);
  ASSERT_TRUE(store->InsertSnapshot(s).ok());

  auto first = store->ReadSnapshot(*alert);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->channel, "vib_de");
  ASSERT_EQ(first->samples.size(), 25600u);
  EXPECT_FLOAT_EQ(first->samples[100], static_cast<float>(std::sin(1.0)));
  EXPECT_EQ(ToNanos(first->start), 42);
  EXPECT_EQ(first->sample_rate_hz, 25600);
  auto nde = store->ReadSnapshot(*alert, "vib_nde");
  ASSERT_TRUE(nde.ok());
  EXPECT_EQ(nde->samples, std::vector<float>(10, 1.0f));

  EXPECT_EQ(store->ReadSnapshot(*alert + 1).status().code(), StatusCode::kNotFound);
  s.alert_id = *alert + 1;
  EXPECT_EQ(store->InsertSnapshot(s).status().code(), StatusCode::kNotFound);

  auto db = SqliteDb::Open(path_);
  auto q = db->Prepare("SELECT codec, sample_count, length(blob) FROM snapshots ORDER BY id");
  ASSERT_TRUE(q->Step().value());
  EXPECT_EQ(q->ColumnText(0), "zstd-shuf4-f32le");
  EXPECT_EQ(q->ColumnInt(1), 25600);
  // Full-precision float32 mantissas are nearly random: zstd saves ~10 % here, not more.
  EXPECT_LT(q->ColumnInt(2), 25600 * 4) << "stored compressed, not raw";

  // A row of a store written before the shuffle codec ("zstd-f32le") still reads back.
  const std::vector<float> old_samples = {0.5f, -1.25f, 3.0f, 0.0f,  -0.0f,
                                          7.5f, 1e-3f,  2.0f, -4.0f, 9.0f};
  auto old_blob = CompressWaveform(old_samples, WaveformCodec::kZstdF32le);
  ASSERT_TRUE(old_blob.ok());
  auto rewrite =
      db->Prepare("UPDATE snapshots SET codec = ?1, blob = ?2 WHERE channel = 'vib_nde'");
  ASSERT_TRUE(rewrite.ok());
  ASSERT_TRUE(rewrite->Bind(1, std::string_view("zstd-f32le")).BindBlob(2, *old_blob).Run().ok());
  auto old_row = store->ReadSnapshot(*alert, "vib_nde");
  ASSERT_TRUE(old_row.ok()) << old_row.status().ToString();
  EXPECT_EQ(old_row->samples, old_samples);
  ASSERT_TRUE(db->Exec("UPDATE snapshots SET codec = 'lz4-f16' WHERE channel = 'vib_nde'").ok());
  EXPECT_EQ(store->ReadSnapshot(*alert, "vib_nde").status().code(), StatusCode::kDataLoss);
  ASSERT_TRUE(db->Exec("UPDATE snapshots SET codec = 'zstd-f32le' WHERE channel = 'vib_nde'").ok());

  // A damaged row (wrong count, garbage blob) reads as DataLoss.
  ASSERT_TRUE(db->Exec("UPDATE snapshots SET sample_count = 11 WHERE channel = 'vib_nde'").ok());
  EXPECT_EQ(store->ReadSnapshot(*alert, "vib_nde").status().code(), StatusCode::kDataLoss);
  ASSERT_TRUE(
      db->Exec("UPDATE snapshots SET blob = x'28b52ffd0000' WHERE channel = 'vib_de'").ok());
  EXPECT_EQ(store->ReadSnapshot(*alert, "vib_de").status().code(), StatusCode::kDataLoss);
}

TEST_F(EdgeStoreTest, DriftEventsAndShadowStatsAreAppendedAndListed) {
  auto store = EdgeStore::Open(path_, "gw-1");
  ASSERT_TRUE(store.ok());
  std::vector<DriftEventRecord> drift = {
      {"p1", "pump-ae/3", "psi", "kurtosis", 0.31, 0.25, FromNanos(20)},
      {"p1", "pump-ae/3", "page_hinkley", "", 5.2, 5.0, FromNanos(10)}};
  ASSERT_TRUE(store->AppendDriftEvents(drift).ok());
  auto events = store->DriftEvents();
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].kind, "page_hinkley") << "listed by time";
  EXPECT_EQ((*events)[1].feature, "kurtosis");
  EXPECT_DOUBLE_EQ((*events)[1].threshold, 0.25);

  std::vector<ShadowStatsRecord> stats = {
      {"p1", "pump-ae/3", "pump-ae/4", FromNanos(99), R"({"windows":600,"agreement":0.98})"}};
  ASSERT_TRUE(store->AppendShadowStats(stats).ok());
  auto listed = store->ShadowStats();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].shadow_version, "pump-ae/4");
  EXPECT_EQ((*listed)[0].stats_json, stats[0].stats_json);
  stats[0].stats_json = "[1, 2";
  EXPECT_EQ(store->AppendShadowStats(stats).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->CountRows("shadow_stats").value(), 1);
  EXPECT_FALSE(store->CountRows("sqlite_master; DROP TABLE alerts").ok());
}

TEST_F(EdgeStoreTest, QuarantineKeepsReasonAndRawValues) {
  auto store = EdgeStore::Open(path_, "gw-1");
  ASSERT_TRUE(store.ok());
  QuarantineRecord q{"p1",
                     "vib",
                     FromNanos(0),
                     FromNanos(100),
                     3,
                     "out_of_range",
                     "value 99 outside [-50, 50]",
                     {99.0f, 98.0f, 97.0f}};
  ASSERT_TRUE(store->AppendQuarantine(std::vector<QuarantineRecord>{q}).ok());
  EXPECT_EQ(store->CountQuarantinedSamples().value(), 3);
  auto db = SqliteDb::Open(path_);
  auto stmt = db->Prepare("SELECT rule, length(raw) FROM quarantine");
  ASSERT_TRUE(stmt->Step().value());
  EXPECT_EQ(stmt->ColumnText(0), "out_of_range");
  EXPECT_EQ(stmt->ColumnInt(1), 3 * 4);
}

TEST_F(EdgeStoreTest, RefusesNewerSchemaAndUnwritablePathsWithClearErrors) {
  {
    auto db = SqliteDb::Open(path_);
    ASSERT_TRUE(db->Exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                         "INSERT INTO meta VALUES ('schema', '99');")
                    .ok());
  }
  auto newer = EdgeStore::Open(path_, "gw-1");
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.status().message().find("schema version 99"), std::string::npos);

  auto nowhere = EdgeStore::Open((dir_ / "missing-dir" / "edge.db").string(), "gw-1");
  ASSERT_FALSE(nowhere.ok());
  EXPECT_NE(nowhere.status().message().find("missing-dir"), std::string::npos);
}

TEST_F(EdgeStoreTest, GarbageFileIsAnErrorNotACrash) {
  {
    FILE* f = std::fopen(path_.c_str(), "wb");
    std::fputs("this is not a database at all, just text pretending to be one........", f);
    std::fclose(f);
  }
  auto store = EdgeStore::Open(path_, "gw-1");
  EXPECT_FALSE(store.ok());
}

TEST_F(EdgeStoreTest, QualityEventsAreKeptWithTheirReason) {
  auto store = EdgeStore::Open(path_, "gw-1");
  ASSERT_TRUE(store.ok());
  std::vector<QualityEventRecord> events = {
      {"p1", "vib", "gap", FromNanos(0), FromNanos(500'000'000), false, "0.5 s missing"},
      {"p1", "temp", "calibration_drift", FromNanos(0), FromNanos(9), true, "gain +4 %"}};
  ASSERT_TRUE(store->AppendQualityEvents(events).ok());
  EXPECT_EQ(store->CountQualityEvents().value(), 2);
  EXPECT_EQ(store->CountQualityEvents("gap").value(), 1);
  EXPECT_EQ(store->CountQualityEvents("stuck").value(), 0);
}

}  // namespace
}  // namespace edgeloop::store
