// EdgeStore: the gateway's local SQLite database of feature windows, alerts and quarantined data.
//
// One file per edge node (WAL mode, so readers such as `sqlite3` or a dashboard never block the
// writer). Feature values are stored as a JSON object per window: new features need no schema
// migration and readers pick what they need (schema-on-read, e.g.
// json_extract(features,'$.rms_g')). An EdgeStore owns its connection and is used by one thread at
// a time.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "store/sqlite_db.h"

namespace edgeloop::store {

enum class WindowStatus {
  kLearning,  // used to learn the baseline, not scored
  kScored,    // scored by the detector
  kRejected,  // held quarantined samples: neither learned from nor scored
};
std::string_view WindowStatusName(WindowStatus s);

struct WindowRecord {
  std::string asset;
  Timestamp start;
  Timestamp end;
  WindowStatus status = WindowStatus::kScored;
  std::optional<double> score;  // set when scored
  std::string top_feature;      // feature with the largest deviation, when scored
  std::string detector;         // detector version, e.g. "baseline-robust-z/1"
  std::vector<std::pair<std::string, double>> features;
};

struct AlertRecord {
  int64_t id = 0;  // assigned by InsertAlert
  std::string asset;
  Timestamp opened;
  std::optional<Timestamp> cleared;
  double peak_score = 0;
  std::string top_feature;
  std::string detector;
  std::string diagnosis;  // e.g. "inner_race (0.97)": what the waveform says; empty if none yet
  std::string severity;   // "warning" or "critical" (edge::SeverityName); updated while open
  // The feature vector of the window that opened the alert (name -> value); NaN is stored as null
  // and read back as NaN.
  std::vector<std::pair<std::string, double>> evidence;
};

// A raw waveform kept as evidence of an alert, one per alert and channel. Samples are stored
// compressed (codec kWaveformCodec, store/waveform_codec.h).
struct SnapshotRecord {
  int64_t id = 0;  // assigned by InsertSnapshot
  int64_t alert_id = 0;
  std::string asset;
  std::string channel;
  Timestamp start;
  double sample_rate_hz = 0;
  std::vector<float> samples;
};

// A drift detector firing (e.g. kind "psi" on feature "kurtosis" with value 0.31 > 0.25).
struct DriftEventRecord {
  std::string asset;
  std::string model_version;
  std::string kind;     // detector, e.g. "psi", "js", "page_hinkley"
  std::string feature;  // empty for score-level detectors
  double value = 0;
  double threshold = 0;
  Timestamp time;
};

// Agreement statistics of a shadow model against production over one period.
struct ShadowStatsRecord {
  std::string asset;
  std::string production_version;
  std::string shadow_version;
  Timestamp period_end;
  std::string stats_json;  // a JSON object, e.g. {"windows":600,"alert_agreement":0.98}
};

// What EnforceRetention may delete. Unset limits are not enforced.
struct RetentionPolicy {
  // Rows older than now - max_age go (windows, quarantine, quality events, drift events, shadow
  // stats, cleared alerts and their snapshots). Open alerts and their snapshots always stay.
  std::optional<Duration> max_age;
  // Budget for the database (page_count * page_size): the oldest windows, quarantine rows and
  // snapshots of cleared alerts go, in chunks, until the file fits.
  std::optional<int64_t> max_bytes;
};

struct RetentionReport {
  int64_t windows = 0;
  int64_t quarantine = 0;
  int64_t quality_events = 0;
  int64_t snapshots = 0;
  int64_t drift_events = 0;
  int64_t shadow_stats = 0;
  int64_t alerts = 0;
  int64_t bytes_before = 0;  // page_count * page_size before
  int64_t bytes_after = 0;
  bool over_budget = false;  // max_bytes not reached: only undeletable data (open alerts) left
};

struct QuarantineRecord {
  std::string asset;
  std::string channel;
  Timestamp start;
  Timestamp end;
  int64_t samples = 0;
  std::string rule;        // reason code, e.g. "not_finite"
  std::string detail;      // human-readable reason
  std::vector<float> raw;  // the quarantined values themselves (first kMaxRawSamples)
};

// Something the quality gate noticed about a channel rather than single samples: a gap, a rate
// deviation, or the start or end of a clock-skew or calibration-drift episode.
struct QualityEventRecord {
  std::string asset;
  std::string channel;
  std::string rule;  // reason code, e.g. "gap", "calibration_drift"
  Timestamp start;
  Timestamp end;
  bool ongoing = false;  // episode detected and still going on (its samples are quarantined)
  std::string detail;
};

class EdgeStore {
 public:
  static constexpr size_t kMaxRawSamples = 4096;
  // 2: alerts.diagnosis; 3: alerts.severity/evidence, snapshots, drift_events, shadow_stats,
  // auto_vacuum=INCREMENTAL, version kept in PRAGMA user_version.
  static constexpr int kSchemaVersion = 3;

  // Opens or creates the store at `path` for edge node `node_id`, migrating older schemas
  // (edge_store_schema.cc) and refusing newer ones.
  static Result<EdgeStore> Open(const std::string& path, std::string node_id);

  // Appends all records in one transaction.
  Status AppendWindows(std::span<const WindowRecord> windows);
  Status AppendQuarantine(std::span<const QuarantineRecord> records);
  Status AppendQualityEvents(std::span<const QualityEventRecord> events);
  // Inserts a new alert and returns its id.
  Result<int64_t> InsertAlert(const AlertRecord& alert);
  // Updates peak score, top feature, diagnosis, severity and cleared time of an existing alert.
  Status UpdateAlert(const AlertRecord& alert);

  // Compresses and stores a waveform snapshot; returns its id. The alert must exist.
  Result<int64_t> InsertSnapshot(const SnapshotRecord& snapshot);
  // The first snapshot of `alert_id` (of `channel` if given); NotFound if none, DataLoss if the
  // stored blob is corrupt.
  Result<SnapshotRecord> ReadSnapshot(int64_t alert_id,
                                      std::optional<std::string> channel = std::nullopt);
  Status AppendDriftEvents(std::span<const DriftEventRecord> events);
  // stats_json must be a JSON object (InvalidArgument otherwise).
  Status AppendShadowStats(std::span<const ShadowStatsRecord> stats);
  Result<std::vector<DriftEventRecord>> DriftEvents();
  Result<std::vector<ShadowStatsRecord>> ShadowStats();

  // Deletes what `policy` says is too old or over budget (edge_store_retention.cc), then gives
  // the freed pages back to the file system.
  Result<RetentionReport> EnforceRetention(const RetentionPolicy& policy, Timestamp now);
  // page_count * page_size: the database size the retention budget is measured against.
  Result<int64_t> DatabaseBytes();
  // Rows in one of the store's tables (e.g. "snapshots"); InvalidArgument for unknown names.
  Result<int64_t> CountRows(std::string_view table);

  Result<std::vector<AlertRecord>> Alerts();
  // Number of windows, optionally of one asset and/or with one status.
  Result<int64_t> CountWindows(std::optional<std::string> asset = std::nullopt,
                               std::optional<WindowStatus> status = std::nullopt);
  Result<int64_t> CountQuarantinedSamples();
  // Calls `fn` with every stored window of `asset` (all assets when nullopt) whose status is
  // not rejected, in time order, one row at a time (bounded memory on a large store); a
  // non-finite feature is NaN. Stops at the first error `fn` returns. Returns the rows visited.
  Result<int64_t> ForEachWindow(std::optional<std::string> asset,
                                const std::function<Status(const WindowRecord&)>& fn);
  // Quality events, optionally only those with one rule (reason code).
  Result<int64_t> CountQualityEvents(std::optional<std::string> rule = std::nullopt);
  const std::string& node_id() const { return node_id_; }

 private:
  EdgeStore(SqliteDb db, std::string node_id) : db_(std::move(db)), node_id_(std::move(node_id)) {}
  Status InTransaction(const std::function<Status()>& body);
  Result<int64_t> QueryInt(std::string_view sql);
  Result<int64_t> DeleteOldestChunk(std::string_view table, int64_t rows);
  Status ReleaseFreePages();

  SqliteDb db_;
  std::string node_id_;
};

}  // namespace edgeloop::store
