#include "uplink/outbox.h"

#include "common/base64.h"

namespace edgeloop::uplink {
namespace {

// WAL keeps readers (Pending) from blocking the producer (Append). synchronous=FULL fsyncs the
// WAL on every commit: NORMAL would already survive kill -9, but after a power loss it may roll
// back the last commits, and a rolled-back sequence number would be handed out again for a
// different batch that the hub then drops as a "duplicate". Batches are seconds apart, so one
// fsync per batch is cheap insurance.
constexpr std::string_view kSchema = R"sql(
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
CREATE TABLE IF NOT EXISTS outbox_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO outbox_meta VALUES ('schema_version', 1), ('last_seq', 0),
  ('dropped_batches', 0), ('dropped_bytes', 0);
CREATE TABLE IF NOT EXISTS outbox_batches (
  seq INTEGER PRIMARY KEY,
  size INTEGER NOT NULL,
  parked INTEGER NOT NULL DEFAULT 0,
  reason TEXT,
  payload_b64 TEXT NOT NULL  -- base64: the store wrapper reads columns as C strings
);
)sql";

constexpr int64_t kSchemaVersion = 1;

}  // namespace

Result<std::unique_ptr<Outbox>> Outbox::Open(const OutboxOptions& options) {
  if (options.disk_budget_bytes <= 0) {
    return InvalidArgument("outbox disk budget must be positive, got " +
                           std::to_string(options.disk_budget_bytes));
  }
  EL_ASSIGN_OR_RETURN(store::SqliteDb db, store::SqliteDb::Open(options.path));
  EL_RETURN_IF_ERROR(db.Exec(kSchema));
  std::unique_ptr<Outbox> outbox(new Outbox(std::move(db), options.disk_budget_bytes));
  std::lock_guard lock(outbox->mu_);
  EL_ASSIGN_OR_RETURN(int64_t version, outbox->MetaLocked("schema_version"));
  if (version != kSchemaVersion) {
    return FailedPrecondition("outbox '" + options.path + "' has schema version " +
                              std::to_string(version) + ", this build reads " +
                              std::to_string(kSchemaVersion));
  }
  return outbox;
}

Result<int64_t> Outbox::MetaLocked(std::string_view key) {
  EL_ASSIGN_OR_RETURN(store::Statement stmt,
                      db_.Prepare("SELECT value FROM outbox_meta WHERE key = ?"));
  stmt.Bind(1, key);
  EL_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return DataLoss("outbox meta key '" + std::string(key) + "' is missing");
  return stmt.ColumnInt(0);
}

Status Outbox::SetMetaLocked(std::string_view key, int64_t value) {
  EL_ASSIGN_OR_RETURN(store::Statement stmt,
                      db_.Prepare("UPDATE outbox_meta SET value = ? WHERE key = ?"));
  stmt.Bind(1, value).Bind(2, key);
  return stmt.Run();
}

Status Outbox::InTransaction(const std::function<Status()>& body) {
  // IMMEDIATE takes the write lock up front, so two processes on one file cannot both read the
  // same last_seq.
  EL_RETURN_IF_ERROR(db_.Exec("BEGIN IMMEDIATE"));
  Status status = body();
  if (!status.ok()) {
    (void)db_.Exec("ROLLBACK");
    return status;
  }
  return db_.Exec("COMMIT");
}

Status Outbox::EnforceBudgetLocked(int64_t incoming_bytes) {
  EL_ASSIGN_OR_RETURN(store::Statement sum,
                      db_.Prepare("SELECT COALESCE(SUM(size), 0) FROM outbox_batches"));
  EL_ASSIGN_OR_RETURN(bool row, sum.Step());
  int64_t stored = row ? sum.ColumnInt(0) : 0;
  if (stored + incoming_bytes <= budget_) return Status::Ok();

  // Oldest first: the newest data is the most useful to the hub, and keeping a contiguous tail
  // makes the gap the hub sees a single range.
  EL_ASSIGN_OR_RETURN(store::Statement oldest,
                      db_.Prepare("SELECT seq, size FROM outbox_batches ORDER BY seq"));
  std::vector<int64_t> victims;
  int64_t freed = 0;
  while (stored - freed + incoming_bytes > budget_) {
    EL_ASSIGN_OR_RETURN(bool more, oldest.Step());
    if (!more) break;
    victims.push_back(oldest.ColumnInt(0));
    freed += oldest.ColumnInt(1);
  }
  oldest.Reset();
  EL_ASSIGN_OR_RETURN(store::Statement del,
                      db_.Prepare("DELETE FROM outbox_batches WHERE seq = ?"));
  for (int64_t seq : victims) EL_RETURN_IF_ERROR(del.Bind(1, seq).Run());
  EL_ASSIGN_OR_RETURN(int64_t dropped, MetaLocked("dropped_batches"));
  EL_ASSIGN_OR_RETURN(int64_t dropped_bytes, MetaLocked("dropped_bytes"));
  EL_RETURN_IF_ERROR(
      SetMetaLocked("dropped_batches", dropped + static_cast<int64_t>(victims.size())));
  return SetMetaLocked("dropped_bytes", dropped_bytes + freed);
}

Result<int64_t> Outbox::Append(std::string_view payload) {
  const auto size = static_cast<int64_t>(payload.size());
  if (size > budget_) {
    return OutOfRange("batch of " + std::to_string(size) + " bytes exceeds the outbox budget of " +
                      std::to_string(budget_) + " bytes");
  }
  std::lock_guard lock(mu_);
  int64_t seq = 0;
  EL_RETURN_IF_ERROR(InTransaction([&]() -> Status {
    EL_RETURN_IF_ERROR(EnforceBudgetLocked(size));
    EL_ASSIGN_OR_RETURN(int64_t last, MetaLocked("last_seq"));
    seq = last + 1;
    EL_ASSIGN_OR_RETURN(
        store::Statement ins,
        db_.Prepare("INSERT INTO outbox_batches (seq, size, payload_b64) VALUES (?, ?, ?)"));
    EL_RETURN_IF_ERROR(ins.Bind(1, seq).Bind(2, size).Bind(3, Base64Encode(payload)).Run());
    return SetMetaLocked("last_seq", seq);
  }));
  return seq;
}

Result<std::vector<OutboxBatch>> Outbox::Pending(int64_t limit) {
  std::lock_guard lock(mu_);
  EL_ASSIGN_OR_RETURN(store::Statement stmt,
                      db_.Prepare("SELECT seq, payload_b64 FROM outbox_batches WHERE parked = 0 "
                                  "ORDER BY seq LIMIT ?"));
  stmt.Bind(1, limit);
  std::vector<OutboxBatch> out;
  while (true) {
    EL_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    OutboxBatch batch;
    batch.seq = stmt.ColumnInt(0);
    Result<std::string> payload = Base64Decode(stmt.ColumnText(1));
    if (!payload.ok()) {
      return DataLoss("outbox batch " + std::to_string(batch.seq) +
                      " is corrupt: " + payload.status().message());
    }
    batch.payload = std::move(payload).value();
    out.push_back(std::move(batch));
  }
  return out;
}

Status Outbox::AckThrough(int64_t up_to_seq) {
  std::lock_guard lock(mu_);
  EL_ASSIGN_OR_RETURN(store::Statement stmt,
                      db_.Prepare("DELETE FROM outbox_batches WHERE parked = 0 AND seq <= ?"));
  return stmt.Bind(1, up_to_seq).Run();
}

Status Outbox::Ack(std::span<const int64_t> seqs) {
  std::lock_guard lock(mu_);
  return InTransaction([&]() -> Status {
    EL_ASSIGN_OR_RETURN(store::Statement stmt,
                        db_.Prepare("DELETE FROM outbox_batches WHERE parked = 0 AND seq = ?"));
    for (int64_t seq : seqs) EL_RETURN_IF_ERROR(stmt.Bind(1, seq).Run());
    return Status::Ok();
  });
}

Status Outbox::Park(int64_t seq, std::string_view reason) {
  std::lock_guard lock(mu_);
  EL_ASSIGN_OR_RETURN(
      store::Statement stmt,
      db_.Prepare("UPDATE outbox_batches SET parked = 1, reason = ? WHERE seq = ?"));
  return stmt.Bind(1, reason).Bind(2, seq).Run();
}

Result<std::vector<ParkedBatch>> Outbox::Parked(int64_t limit) {
  std::lock_guard lock(mu_);
  EL_ASSIGN_OR_RETURN(
      store::Statement stmt,
      db_.Prepare("SELECT seq, reason FROM outbox_batches WHERE parked = 1 ORDER BY seq LIMIT ?"));
  stmt.Bind(1, limit);
  std::vector<ParkedBatch> out;
  while (true) {
    EL_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back({stmt.ColumnInt(0), stmt.ColumnText(1)});
  }
  return out;
}

Result<OutboxStats> Outbox::Stats() {
  std::lock_guard lock(mu_);
  OutboxStats stats;
  EL_ASSIGN_OR_RETURN(stats.last_seq, MetaLocked("last_seq"));
  EL_ASSIGN_OR_RETURN(stats.dropped_batches, MetaLocked("dropped_batches"));
  EL_ASSIGN_OR_RETURN(stats.dropped_bytes, MetaLocked("dropped_bytes"));
  EL_ASSIGN_OR_RETURN(store::Statement stmt,
                      db_.Prepare("SELECT COALESCE(SUM(parked = 0), 0), COALESCE(SUM(parked), 0), "
                                  "COALESCE(SUM(size), 0) FROM outbox_batches"));
  EL_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (row) {
    stats.pending = stmt.ColumnInt(0);
    stats.parked = stmt.ColumnInt(1);
    stats.stored_bytes = stmt.ColumnInt(2);
  }
  return stats;
}

}  // namespace edgeloop::uplink
