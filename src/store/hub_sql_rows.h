// Helpers shared by the hub_sql_*.cc files (private to src/store): converting between records
// and SQL rows, validating ids, and building multi-row INSERT statements whose texts repeat so
// each connection's statement cache keeps them. Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "store/hub_types.h"
#include "store/sql_db.h"

namespace edgeloop::store::hub_sql {

// The column lists the row readers below expect, in this order.
inline constexpr std::string_view kTokenColumns =
    "id, tenant, name, role, node, hash, created, expires, revoked";
inline constexpr std::string_view kNodeColumns =
    "tenant, id, site, grp, enrolled, last_seen, last_heartbeat, agent_version, "
    "inference_uptime, models, heartbeat, desired_revision, batches, duplicates, "
    "dropped_batches, max_seq";
inline constexpr std::string_view kSiteColumns = "tenant, id, name, location";
inline constexpr std::string_view kAssetColumns = "tenant, id, site, name, kind, attrs, created";
inline constexpr std::string_view kChannelColumns = "tenant, asset, id, kind, unit, rate_hz";

TokenRecord TokenFromRow(const SqlRow& row);
NodeRecord NodeFromRow(const SqlRow& row);
Site SiteFromRow(const SqlRow& row);
Asset AssetFromRow(const SqlRow& row);
Channel ChannelFromRow(const SqlRow& row);

// NULL for an absent value.
SqlValue OptInt(const std::optional<int64_t>& v);
SqlValue OptDouble(const std::optional<double>& v);
std::optional<int64_t> OptIntAt(const SqlRow& row, size_t col);
// `json` or `fallback` ("{}" / "[]") when empty, so JSON columns never hold "".
std::string JsonOr(const std::string& json, std::string_view fallback);

// Ids of sites, assets, channels, nodes, groups: 1..128 characters of letters, digits and
// `. _ - :`. kInvalidArgument naming `what` ("asset id") otherwise.
Status ValidateId(std::string_view what, std::string_view id);

// kNotFound ("tenant 7 not found") unless the tenant exists.
Status RequireTenant(SqlConn& conn, int64_t tenant);

// "INSERT INTO <table> (<columns>) VALUES (<row 0>),(<row 1>),..." for `rows` rows. Each row is
// `$1..$shared` (values every row shares, bound once) followed by `per_row` parameters of its
// own, numbered consecutively after the shared ones. `tail` is appended (e.g. an ON CONFLICT).
std::string MultiRowInsert(std::string_view table, std::string_view columns, int shared,
                           int per_row, int rows, std::string_view tail = "");

// Splits `n` items into chunks of at most kMaxChunk rows whose sizes are powers of two, so a
// table's inserts use at most 8 (= log2(kMaxChunk) + 1) distinct statement texts. Calls fn(begin,
// count) in order and stops at the first error.
inline constexpr size_t kMaxChunk = 128;
template <typename Fn>
Status ForEachChunk(size_t n, Fn&& fn) {
  size_t begin = 0;
  while (begin < n) {
    size_t count = kMaxChunk;
    while (count > n - begin) count /= 2;
    EL_RETURN_IF_ERROR(fn(begin, count));
    begin += count;
  }
  return Status::Ok();
}

// The statement texts ForEachChunk needs for one table (one per power-of-two chunk size), built
// once; keep one instance per table as a function-local static.
class MultiRowInsertTexts {
 public:
  MultiRowInsertTexts(std::string_view table, std::string_view columns, int shared, int per_row,
                      std::string_view tail = "");
  // The text for a chunk of `rows` rows; `rows` must be a power of two <= kMaxChunk.
  const std::string& For(size_t rows) const;
  int shared() const { return shared_; }
  int per_row() const { return per_row_; }

 private:
  int shared_;
  int per_row_;
  std::array<std::string, 8> texts_;  // index log2(rows)
};

// Milliseconds as the message text of errors ("2026-11-23T03:39:21.713Z").
std::string FormatTimeMs(TimeMs ms);

}  // namespace edgeloop::store::hub_sql
