#include "store/hub_sql_rows.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace edgeloop::store::hub_sql {

TokenRecord TokenFromRow(const SqlRow& row) {
  TokenRecord t;
  t.id = row.Int(0);
  t.tenant = row.Int(1);
  t.name = row.Text(2);
  // A role this binary does not know (a newer hub wrote it) gets the least privilege.
  t.role = ParseRole(row.Text(3)).value_or(Role::kViewer);
  t.node = row.Text(4);
  t.hash = row.Text(5);
  t.created = row.Int(6);
  t.expires = OptIntAt(row, 7);
  t.revoked = row.Int(8) != 0;
  return t;
}

NodeRecord NodeFromRow(const SqlRow& row) {
  NodeRecord n;
  n.tenant = row.Int(0);
  n.id = row.Text(1);
  n.site = row.Text(2);
  n.group = row.Text(3);
  n.enrolled = row.Int(4);
  n.last_seen = OptIntAt(row, 5);
  n.last_heartbeat = OptIntAt(row, 6);
  n.agent_version = row.Text(7);
  n.inference_uptime = row.IsNull(8) ? 0 : row.Double(8);
  n.models_json = JsonOr(row.Text(9), "{}");
  n.heartbeat_json = JsonOr(row.Text(10), "{}");
  n.desired_revision = row.Int(11);
  n.batches = row.Int(12);
  n.duplicates = row.Int(13);
  n.dropped_batches = row.Int(14);
  n.max_seq = row.Int(15);
  return n;
}

Site SiteFromRow(const SqlRow& row) {
  return Site{
      .tenant = row.Int(0), .id = row.Text(1), .name = row.Text(2), .location = row.Text(3)};
}

Asset AssetFromRow(const SqlRow& row) {
  return Asset{.tenant = row.Int(0),
               .id = row.Text(1),
               .site = row.Text(2),
               .name = row.Text(3),
               .kind = row.Text(4),
               .attrs_json = JsonOr(row.Text(5), "{}"),
               .created = row.Int(6)};
}

Channel ChannelFromRow(const SqlRow& row) {
  return Channel{.tenant = row.Int(0),
                 .asset = row.Text(1),
                 .id = row.Text(2),
                 .kind = row.Text(3),
                 .unit = row.Text(4),
                 .rate_hz = row.IsNull(5) ? 0 : row.Double(5)};
}

SqlValue OptInt(const std::optional<int64_t>& v) {
  return v ? SqlValue(*v) : SqlValue(std::monostate{});
}

SqlValue OptDouble(const std::optional<double>& v) {
  // NaN/inf are not numbers to either engine's JSON or to a later mean; store them as NULL.
  return v && std::isfinite(*v) ? SqlValue(*v) : SqlValue(std::monostate{});
}

std::optional<int64_t> OptIntAt(const SqlRow& row, size_t col) {
  if (row.IsNull(col)) return std::nullopt;
  return row.Int(col);
}

std::string JsonOr(const std::string& json, std::string_view fallback) {
  return json.empty() ? std::string(fallback) : json;
}

Status ValidateId(std::string_view what, std::string_view id) {
  if (id.empty()) return InvalidArgument(std::string(what) + " is empty");
  if (id.size() > 128) {
    return InvalidArgument(std::string(what) + " is longer than 128 characters");
  }
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-' || c == ':';
    if (!ok) {
      // The id may be hostile (control characters): name the character's code, not the id.
      char buf[8];
      std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned char>(c));
      return InvalidArgument(std::string(what) + " has a character (" + buf +
                             ") outside letters, digits and . _ - :");
    }
  }
  return Status::Ok();
}

Status RequireTenant(SqlConn& conn, int64_t tenant) {
  EL_ASSIGN_OR_RETURN(SqlResult r, conn.Exec("SELECT id FROM tenants WHERE id = $1", {tenant}));
  if (r.rows.empty()) return NotFound("tenant " + std::to_string(tenant) + " not found");
  return Status::Ok();
}

std::string MultiRowInsert(std::string_view table, std::string_view columns, int shared,
                           int per_row, int rows, std::string_view tail) {
  std::string sql;
  sql.reserve(64 + static_cast<size_t>(rows) * static_cast<size_t>(shared + per_row) * 6);
  sql.append("INSERT INTO ").append(table).append(" (").append(columns).append(") VALUES ");
  int next = shared + 1;
  for (int r = 0; r < rows; ++r) {
    sql.append(r == 0 ? "(" : ",(");
    bool first = true;
    for (int s = 1; s <= shared; ++s) {
      if (!first) sql.push_back(',');
      sql.append("$").append(std::to_string(s));
      first = false;
    }
    for (int p = 0; p < per_row; ++p) {
      if (!first) sql.push_back(',');
      sql.append("$").append(std::to_string(next++));
      first = false;
    }
    sql.push_back(')');
  }
  if (!tail.empty()) sql.append(" ").append(tail);
  return sql;
}

MultiRowInsertTexts::MultiRowInsertTexts(std::string_view table, std::string_view columns,
                                         int shared, int per_row, std::string_view tail)
    : shared_(shared), per_row_(per_row) {
  static_assert(kMaxChunk == size_t{1} << 7, "texts_ holds one text per power of two");
  for (size_t i = 0; i < texts_.size(); ++i) {
    texts_[i] = MultiRowInsert(table, columns, shared, per_row, 1 << i, tail);
  }
}

const std::string& MultiRowInsertTexts::For(size_t rows) const {
  size_t i = 0;
  while ((size_t{1} << i) < rows && i + 1 < texts_.size()) ++i;
  if ((size_t{1} << i) != rows) std::abort();  // ForEachChunk only makes powers of two
  return texts_[i];
}

std::string FormatTimeMs(TimeMs ms) {
  const std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  const int64_t frac = ms - static_cast<int64_t>(secs) * 1000;
  std::tm tm{};
  if (gmtime_r(&secs, &tm) == nullptr) return std::to_string(ms) + " ms";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(frac));
  return buf;
}

}  // namespace edgeloop::store::hub_sql
