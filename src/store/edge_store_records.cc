// EdgeStore: evidence snapshots, drift events and shadow statistics.
#include <nlohmann/json.hpp>
#include <string>

#include "store/edge_store.h"
#include "store/waveform_codec.h"

namespace edgeloop::store {

Result<int64_t> EdgeStore::InsertSnapshot(const SnapshotRecord& snapshot) {
  if (!(snapshot.sample_rate_hz > 0)) {
    return InvalidArgument("snapshot sample rate must be positive");
  }
  EL_ASSIGN_OR_RETURN(int64_t alert_exists, QueryInt("SELECT COUNT(*) FROM alerts WHERE id = " +
                                                     std::to_string(snapshot.alert_id)));
  if (alert_exists == 0) {
    return NotFound("snapshot refers to unknown alert " + std::to_string(snapshot.alert_id));
  }
  EL_ASSIGN_OR_RETURN(std::vector<std::byte> blob,
                      CompressWaveform(snapshot.samples, kDefaultWaveformCodec));
  EL_ASSIGN_OR_RETURN(Statement insert,
                      db_.Prepare("INSERT INTO snapshots (alert_id, node, asset, channel, "
                                  "t_start_ns, sample_rate_hz, sample_count, codec, blob) "
                                  "VALUES (?,?,?,?,?,?,?,?,?)"));
  insert.Bind(1, snapshot.alert_id)
      .Bind(2, std::string_view(node_id_))
      .Bind(3, std::string_view(snapshot.asset))
      .Bind(4, std::string_view(snapshot.channel))
      .Bind(5, ToNanos(snapshot.start))
      .Bind(6, snapshot.sample_rate_hz)
      .Bind(7, static_cast<int64_t>(snapshot.samples.size()))
      .Bind(8, WaveformCodecName(kDefaultWaveformCodec))
      .BindBlob(9, blob);
  EL_RETURN_IF_ERROR(insert.Run());
  return db_.LastInsertRowId();
}

Result<SnapshotRecord> EdgeStore::ReadSnapshot(int64_t alert_id,
                                               std::optional<std::string> channel) {
  EL_ASSIGN_OR_RETURN(Statement q,
                      db_.Prepare("SELECT id, asset, channel, t_start_ns, sample_rate_hz, "
                                  "sample_count, codec, blob FROM snapshots WHERE alert_id = ?1 "
                                  "AND (?2 IS NULL OR channel = ?2) ORDER BY id LIMIT 1"));
  q.Bind(1, alert_id);
  if (channel) {
    q.Bind(2, std::string_view(*channel));
  } else {
    q.BindNull(2);
  }
  EL_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) {
    return NotFound("no snapshot for alert " + std::to_string(alert_id) +
                    (channel ? " channel '" + *channel + "'" : std::string()));
  }
  SnapshotRecord s;
  s.id = q.ColumnInt(0);
  s.alert_id = alert_id;
  s.asset = q.ColumnText(1);
  s.channel = q.ColumnText(2);
  s.start = FromNanos(q.ColumnInt(3));
  s.sample_rate_hz = q.ColumnDouble(4);
  const int64_t count = q.ColumnInt(5);
  const std::string codec = q.ColumnText(6);
  const std::string where = "snapshot " + std::to_string(s.id);
  // Rows keep the codec they were written with, so stores from before the shuffle still read.
  auto parsed = WaveformCodecFromName(codec);
  if (!parsed.ok()) return parsed.status().WithContext(where);
  if (count < 0 || static_cast<uint64_t>(count) > kMaxWaveformSamples) {
    return DataLoss(where + " claims " + std::to_string(count) + " samples");
  }
  auto samples = DecompressWaveform(q.ColumnBlob(7), *parsed, static_cast<size_t>(count));
  if (!samples.ok()) return samples.status().WithContext(where);
  if (samples->size() != static_cast<size_t>(count)) {
    return DataLoss(where + " holds " + std::to_string(samples->size()) + " samples, expected " +
                    std::to_string(count));
  }
  s.samples = std::move(samples).value();
  return s;
}

Status EdgeStore::AppendDriftEvents(std::span<const DriftEventRecord> events) {
  if (events.empty()) return Status::Ok();
  EL_ASSIGN_OR_RETURN(Statement insert,
                      db_.Prepare("INSERT INTO drift_events (node, asset, model_version, kind, "
                                  "feature, value, threshold, t_ns) VALUES (?,?,?,?,?,?,?,?)"));
  return InTransaction([&]() -> Status {
    for (const DriftEventRecord& e : events) {
      insert.Bind(1, std::string_view(node_id_))
          .Bind(2, std::string_view(e.asset))
          .Bind(3, std::string_view(e.model_version))
          .Bind(4, std::string_view(e.kind))
          .Bind(5, std::string_view(e.feature))
          .Bind(6, e.value)
          .Bind(7, e.threshold)
          .Bind(8, ToNanos(e.time));
      EL_RETURN_IF_ERROR(insert.Run());
    }
    return Status::Ok();
  });
}

Status EdgeStore::AppendShadowStats(std::span<const ShadowStatsRecord> stats) {
  if (stats.empty()) return Status::Ok();
  for (const ShadowStatsRecord& s : stats) {
    if (!nlohmann::json::parse(s.stats_json, nullptr, /*allow_exceptions=*/false).is_object()) {
      return InvalidArgument("shadow stats for asset '" + s.asset + "' are not a JSON object");
    }
  }
  EL_ASSIGN_OR_RETURN(Statement insert,
                      db_.Prepare("INSERT INTO shadow_stats (node, asset, production_version, "
                                  "shadow_version, period_end_ns, stats) VALUES (?,?,?,?,?,?)"));
  return InTransaction([&]() -> Status {
    for (const ShadowStatsRecord& s : stats) {
      insert.Bind(1, std::string_view(node_id_))
          .Bind(2, std::string_view(s.asset))
          .Bind(3, std::string_view(s.production_version))
          .Bind(4, std::string_view(s.shadow_version))
          .Bind(5, ToNanos(s.period_end))
          .Bind(6, std::string_view(s.stats_json));
      EL_RETURN_IF_ERROR(insert.Run());
    }
    return Status::Ok();
  });
}

Result<std::vector<DriftEventRecord>> EdgeStore::DriftEvents() {
  EL_ASSIGN_OR_RETURN(Statement q,
                      db_.Prepare("SELECT asset, model_version, kind, feature, value, threshold, "
                                  "t_ns FROM drift_events ORDER BY t_ns, id"));
  std::vector<DriftEventRecord> out;
  while (true) {
    EL_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back({q.ColumnText(0), q.ColumnText(1), q.ColumnText(2), q.ColumnText(3),
                   q.ColumnDouble(4), q.ColumnDouble(5), FromNanos(q.ColumnInt(6))});
  }
  return out;
}

Result<std::vector<ShadowStatsRecord>> EdgeStore::ShadowStats() {
  EL_ASSIGN_OR_RETURN(Statement q,
                      db_.Prepare("SELECT asset, production_version, shadow_version, "
                                  "period_end_ns, stats FROM shadow_stats ORDER BY period_end_ns, "
                                  "id"));
  std::vector<ShadowStatsRecord> out;
  while (true) {
    EL_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back({q.ColumnText(0), q.ColumnText(1), q.ColumnText(2), FromNanos(q.ColumnInt(3)),
                   q.ColumnText(4)});
  }
  return out;
}

Result<int64_t> EdgeStore::QueryInt(std::string_view sql) {
  EL_ASSIGN_OR_RETURN(Statement q, db_.Prepare(sql));
  EL_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? q.ColumnInt(0) : 0;
}

Result<int64_t> EdgeStore::CountRows(std::string_view table) {
  // Table names cannot be bound as parameters: only known names reach the SQL text.
  static constexpr std::string_view kTables[] = {"feature_windows", "alerts",    "quarantine",
                                                 "quality_events",  "snapshots", "drift_events",
                                                 "shadow_stats"};
  for (std::string_view t : kTables) {
    if (t == table) return QueryInt("SELECT COUNT(*) FROM " + std::string(t));
  }
  return InvalidArgument("unknown edge store table '" + std::string(table) + "'");
}

Result<int64_t> EdgeStore::DatabaseBytes() {
  EL_ASSIGN_OR_RETURN(int64_t pages, QueryInt("PRAGMA page_count"));
  EL_ASSIGN_OR_RETURN(int64_t page_size, QueryInt("PRAGMA page_size"));
  return pages * page_size;
}

}  // namespace edgeloop::store
