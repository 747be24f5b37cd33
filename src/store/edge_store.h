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
  static constexpr int kSchemaVersion = 2;  // 2: alerts.diagnosis

  // Opens or creates the store at `path` for edge node `node_id`.
  static Result<EdgeStore> Open(const std::string& path, std::string node_id);

  // Appends all records in one transaction.
  Status AppendWindows(std::span<const WindowRecord> windows);
  Status AppendQuarantine(std::span<const QuarantineRecord> records);
  Status AppendQualityEvents(std::span<const QualityEventRecord> events);
  // Inserts a new alert and returns its id.
  Result<int64_t> InsertAlert(const AlertRecord& alert);
  // Updates peak score and cleared time of an existing alert.
  Status UpdateAlert(const AlertRecord& alert);

  Result<std::vector<AlertRecord>> Alerts();
  // Number of windows, optionally of one asset and/or with one status.
  Result<int64_t> CountWindows(std::optional<std::string> asset = std::nullopt,
                               std::optional<WindowStatus> status = std::nullopt);
  Result<int64_t> CountQuarantinedSamples();
  // Quality events, optionally only those with one rule (reason code).
  Result<int64_t> CountQualityEvents(std::optional<std::string> rule = std::nullopt);
  const std::string& node_id() const { return node_id_; }

 private:
  EdgeStore(SqliteDb db, std::string node_id) : db_(std::move(db)), node_id_(std::move(node_id)) {}
  Status InTransaction(const std::function<Status()>& body);

  SqliteDb db_;
  std::string node_id_;
};

}  // namespace edgeloop::store
