// EdgeStore::EnforceRetention: age- and size-based deletion, then giving the space back.
//
// Space is returned with PRAGMA incremental_vacuum (the store is created with
// auto_vacuum=INCREMENTAL; older files are converted when migrated): it moves only the freed pages
// and truncates the file, so its cost is proportional to what was deleted. A full VACUUM would
// rewrite the whole file and need up to twice its size in free disk space, which is exactly what
// a gateway short of disk does not have; it is only the fallback for a file without auto_vacuum.
// A TRUNCATE checkpoint afterwards makes the main file and the WAL really shrink on disk.
#include <algorithm>
#include <string>

#include "store/edge_store.h"

namespace edgeloop::store {
namespace {

// Cleared alerts only: the evidence of an alert still open is never deleted.
constexpr char kDeletableSnapshots[] =
    "alert_id NOT IN (SELECT id FROM alerts WHERE cleared_ns IS NULL)";

struct SizeCandidate {
  std::string_view table;
  std::string_view time_column;
  std::string_view filter;  // extra WHERE condition, or empty
  int64_t first_chunk;      // rows per first deletion: snapshots are large, windows small
  int64_t RetentionReport::*counter;
};

constexpr SizeCandidate kSizeCandidates[] = {
    {"feature_windows", "t_end_ns", "", 256, &RetentionReport::windows},
    {"quarantine", "t_end_ns", "", 64, &RetentionReport::quarantine},
    {"snapshots", "t_start_ns", kDeletableSnapshots, 4, &RetentionReport::snapshots},
};

std::string Where(std::string_view filter) {
  return filter.empty() ? std::string() : " WHERE " + std::string(filter);
}

}  // namespace

Result<int64_t> EdgeStore::DeleteOldestChunk(std::string_view table, int64_t rows) {
  for (const SizeCandidate& c : kSizeCandidates) {
    if (c.table != table) continue;
    // Rows are appended in time order, so the lowest ids are the oldest (and found via the
    // rowid without a time index).
    EL_RETURN_IF_ERROR(db_.Exec(
        "DELETE FROM " + std::string(table) + " WHERE id IN (SELECT id FROM " + std::string(table) +
        Where(c.filter) + " ORDER BY id LIMIT " + std::to_string(rows) + ")"));
    return db_.Changes();
  }
  return InvalidArgument("retention cannot delete from '" + std::string(table) + "'");
}

Status EdgeStore::ReleaseFreePages() {
  EL_ASSIGN_OR_RETURN(int64_t mode, QueryInt("PRAGMA auto_vacuum"));
  if (mode == 2) {
    EL_RETURN_IF_ERROR(db_.Exec("PRAGMA incremental_vacuum"));
  } else if (mode == 0) {
    EL_RETURN_IF_ERROR(db_.Exec("VACUUM"));
  }  // 1 (FULL) already truncated at each commit.
  return db_.Exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

Result<RetentionReport> EdgeStore::EnforceRetention(const RetentionPolicy& policy, Timestamp now) {
  if (policy.max_age && policy.max_age->count() <= 0) {
    return InvalidArgument("retention max_age must be positive");
  }
  if (policy.max_bytes && *policy.max_bytes <= 0) {
    return InvalidArgument("retention max_bytes must be positive");
  }
  RetentionReport report;
  EL_ASSIGN_OR_RETURN(report.bytes_before, DatabaseBytes());

  if (policy.max_age) {
    const std::string cutoff = std::to_string(ToNanos(now - *policy.max_age));
    EL_RETURN_IF_ERROR(InTransaction([&]() -> Status {
      auto run = [&](const std::string& sql, int64_t& counter) -> Status {
        EL_RETURN_IF_ERROR(db_.Exec(sql));
        counter += db_.Changes();
        return Status::Ok();
      };
      EL_RETURN_IF_ERROR(
          run("DELETE FROM feature_windows WHERE t_end_ns < " + cutoff, report.windows));
      EL_RETURN_IF_ERROR(
          run("DELETE FROM quarantine WHERE t_end_ns < " + cutoff, report.quarantine));
      EL_RETURN_IF_ERROR(
          run("DELETE FROM quality_events WHERE t_end_ns < " + cutoff, report.quality_events));
      EL_RETURN_IF_ERROR(
          run("DELETE FROM drift_events WHERE t_ns < " + cutoff, report.drift_events));
      EL_RETURN_IF_ERROR(
          run("DELETE FROM shadow_stats WHERE period_end_ns < " + cutoff, report.shadow_stats));
      // Old snapshots of cleared alerts, and all snapshots of alerts about to be deleted.
      EL_RETURN_IF_ERROR(run(
          "DELETE FROM snapshots WHERE (t_start_ns < " + cutoff + " AND " + kDeletableSnapshots +
              ") OR alert_id IN (SELECT id FROM alerts WHERE cleared_ns < " + cutoff + ")",
          report.snapshots));
      // cleared_ns < cutoff is false for NULL: open alerts stay whatever their age.
      return run("DELETE FROM alerts WHERE cleared_ns < " + cutoff, report.alerts);
    }));
  }

  if (policy.max_bytes) {
    // Pages on the freelist are reclaimable, so the budget is checked against the pages in use
    // and the file is truncated once at the end.
    auto used = [&]() -> Result<int64_t> {
      EL_ASSIGN_OR_RETURN(int64_t free_pages, QueryInt("PRAGMA freelist_count"));
      EL_ASSIGN_OR_RETURN(int64_t page_size, QueryInt("PRAGMA page_size"));
      EL_ASSIGN_OR_RETURN(int64_t bytes, DatabaseBytes());
      return bytes - free_pages * page_size;
    };
    std::string_view last_table;
    int64_t chunk = 0;
    int64_t last_deleted = 0;
    int64_t last_in_use = 0;
    while (true) {
      EL_ASSIGN_OR_RETURN(int64_t in_use, used());
      if (in_use <= *policy.max_bytes) break;
      // Delete from whichever table holds the oldest deletable row.
      const SizeCandidate* oldest = nullptr;
      int64_t oldest_time = 0;
      for (const SizeCandidate& c : kSizeCandidates) {
        EL_ASSIGN_OR_RETURN(Statement q, db_.Prepare("SELECT " + std::string(c.time_column) +
                                                     " FROM " + std::string(c.table) +
                                                     Where(c.filter) + " ORDER BY id LIMIT 1"));
        EL_ASSIGN_OR_RETURN(bool row, q.Step());
        if (row && (oldest == nullptr || q.ColumnInt(0) < oldest_time)) {
          oldest = &c;
          oldest_time = q.ColumnInt(0);
        }
      }
      if (oldest == nullptr) {
        report.over_budget = true;
        break;
      }
      if (oldest->table != last_table || last_deleted == 0) {
        chunk = oldest->first_chunk;
      } else {
        // Size the next chunk from the bytes the last one freed per row, so it removes about
        // what is still over budget; at most double it, since partly emptied pages make the
        // estimate low. Far over budget this takes O(log rows) rounds, close to it no overshoot.
        const int64_t freed_per_row = (last_in_use - in_use) / last_deleted;
        chunk = freed_per_row > 0
                    ? std::clamp<int64_t>((in_use - *policy.max_bytes) / freed_per_row + 1, 1,
                                          chunk * 2)
                    : chunk * 2;
        chunk = std::min<int64_t>(chunk, 65536);
      }
      last_table = oldest->table;
      last_in_use = in_use;
      EL_ASSIGN_OR_RETURN(last_deleted, DeleteOldestChunk(oldest->table, chunk));
      report.*(oldest->counter) += last_deleted;
    }
  }

  const int64_t deleted = report.windows + report.quarantine + report.quality_events +
                          report.snapshots + report.drift_events + report.shadow_stats +
                          report.alerts;
  if (deleted > 0) EL_RETURN_IF_ERROR(ReleaseFreePages());
  EL_ASSIGN_OR_RETURN(report.bytes_after, DatabaseBytes());
  if (policy.max_bytes && report.bytes_after > *policy.max_bytes) report.over_budget = true;
  return report;
}

}  // namespace edgeloop::store
