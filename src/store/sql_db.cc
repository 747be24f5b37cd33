// SqlRow accessors, the dialect differences, the connection pool shared by both drivers and the
// URL parsing of OpenSqlPool.
#include "store/sql_db.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <utility>

#include "store/sql_driver.h"

namespace edgeloop::store {
namespace {

[[noreturn]] void DieOnColumnType(std::string_view accessor, size_t col, const SqlValue& v) {
  static constexpr const char* kNames[] = {"NULL", "integer", "double", "text", "blob"};
  std::fprintf(stderr, "SqlRow::%.*s(%zu) on a %s column: the query and its reader disagree\n",
               static_cast<int>(accessor.size()), accessor.data(), col, kNames[v.index()]);
  std::abort();
}

bool ParseInt(std::string_view s, int64_t& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size() && !s.empty();
}

bool ParseDouble(std::string_view s, double& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size() && !s.empty();
}

void ReplaceAll(std::string& text, std::string_view token, std::string_view with) {
  for (size_t pos = text.find(token); pos != std::string::npos;
       pos = text.find(token, pos + with.size())) {
    text.replace(pos, token.size(), with);
  }
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

// Numeric text is accepted by Int/Double (and numbers by Text) because the engines disagree on
// when they convert: SQLite applies column affinity, PostgreSQL keeps a TEXT column's type.
int64_t SqlRow::Int(size_t col) const {
  const SqlValue& v = values.at(col);
  if (std::holds_alternative<std::monostate>(v)) return 0;
  if (const auto* i = std::get_if<int64_t>(&v)) return *i;
  if (const auto* d = std::get_if<double>(&v)) {
    if (std::isnan(*d)) return 0;
    if (*d >= 9.2233720368547758e18) return std::numeric_limits<int64_t>::max();
    if (*d <= -9.2233720368547758e18) return std::numeric_limits<int64_t>::min();
    return static_cast<int64_t>(*d);
  }
  if (const auto* s = std::get_if<std::string>(&v)) {
    int64_t out = 0;
    if (ParseInt(*s, out)) return out;
  }
  DieOnColumnType("Int", col, v);
}

double SqlRow::Double(size_t col) const {
  const SqlValue& v = values.at(col);
  if (std::holds_alternative<std::monostate>(v)) return std::numeric_limits<double>::quiet_NaN();
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  if (const auto* s = std::get_if<std::string>(&v)) {
    double out = 0;
    if (ParseDouble(*s, out)) return out;
  }
  DieOnColumnType("Double", col, v);
}

std::string SqlRow::Text(size_t col) const {
  const SqlValue& v = values.at(col);
  if (std::holds_alternative<std::monostate>(v)) return "";
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* b = std::get_if<SqlBlob>(&v)) return b->bytes;
  if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), std::get<double>(v));
  return std::string(buf, ptr);
}

std::string SqlRow::Blob(size_t col) const {
  const SqlValue& v = values.at(col);
  if (std::holds_alternative<std::monostate>(v)) return "";
  if (const auto* b = std::get_if<SqlBlob>(&v)) return b->bytes;
  // SQLite hands back a BLOB column written as text as text; the bytes are the same.
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  DieOnColumnType("Blob", col, v);
}

std::string Dialect::Expand(std::string_view schema_sql) const {
  std::string out(schema_sql);
  const bool lite = engine == SqlEngine::kSqlite;
  ReplaceAll(out, "{{id}}", lite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY");
  ReplaceAll(out, "{{blob}}", lite ? "BLOB" : "BYTEA");
  ReplaceAll(out, "{{json}}", lite ? "TEXT" : "JSONB");
  ReplaceAll(out, "{{double}}", lite ? "REAL" : "DOUBLE PRECISION");
  return out;
}

std::string Dialect::JsonNumber(std::string_view column, int param) const {
  const std::string c(column);
  const std::string k = "$" + std::to_string(param);
  if (engine == SqlEngine::kSqlite) {
    // The key is quoted into a JSON path; a key holding a '"' cannot be expressed there (and
    // would make json_type raise "bad JSON path"), so it simply matches nothing.
    const std::string path = "'$.\"' || " + k + " || '\"'";
    return "(CASE WHEN instr(" + k + ", '\"') > 0 THEN NULL WHEN json_type(" + c + ", " + path +
           ") IN ('integer', 'real') THEN json_extract(" + c + ", " + path + ") END)";
  }
  const std::string key = "CAST(" + k + " AS TEXT)";
  return "(CASE WHEN jsonb_typeof(" + c + " -> " + key + ") = 'number' THEN CAST(" + c + " ->> " +
         key + " AS DOUBLE PRECISION) END)";
}

Result<std::unique_ptr<SqlPool>> OpenSqlPool(std::string_view url, int pool_size) {
  if (pool_size < 1) {
    return InvalidArgument("database pool size must be at least 1, got " +
                           std::to_string(pool_size));
  }
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    return internal::OpenPostgresPool(std::string(url), pool_size);
  }
  std::string path;
  if (url.starts_with("sqlite:")) {
    path = std::string(url.substr(7));
    // "sqlite:///abs/path.db" is the URL spelling of "sqlite:/abs/path.db".
    if (path.starts_with("///")) path = path.substr(2);
  } else if (EndsWith(url, ".db") || EndsWith(url, ".sqlite") || EndsWith(url, ".sqlite3")) {
    path = std::string(url);
  } else {
    return InvalidArgument("unsupported database URL '" + std::string(url) +
                           "': use sqlite:PATH, a file path ending in .db, or "
                           "postgres://user@host:port/dbname");
  }
  if (path.empty()) return InvalidArgument("database URL 'sqlite:' names no file");
  if (path == ":memory:" && pool_size > 1) {
    // Every pooled connection would open its own, empty in-memory database.
    return InvalidArgument("sqlite::memory: works only with pool size 1 (got " +
                           std::to_string(pool_size) +
                           "): each connection would see a different database; use a file");
  }
  return internal::OpenSqlitePool(path, pool_size);
}

namespace internal {

Status CheckTextParam(std::string_view text, size_t param_number) {
  const auto bad = [&](std::string_view why) {
    return InvalidArgument("text parameter $" + std::to_string(param_number) + " " +
                           std::string(why));
  };
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0) return bad("contains a NUL byte (store bytes as a blob)");
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return bad("is not valid UTF-8");
    }
    if (i + len > n) return bad("is not valid UTF-8 (truncated sequence)");
    for (int j = 1; j < len; ++j) {
      const auto cc = static_cast<unsigned char>(text[i + j]);
      if ((cc & 0xC0) != 0x80) return bad("is not valid UTF-8");
      cp = (cp << 6) | (cc & 0x3F);
    }
    const bool overlong =
        (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return bad("is not valid UTF-8");
    }
    i += len;
  }
  return Status::Ok();
}

Status DriverConn::Transaction(const std::function<Status(SqlConn&)>& body) {
  const bool outer = depth_ == 0;
  const std::string savepoint = "el_sp" + std::to_string(depth_);
  EL_RETURN_IF_ERROR(outer ? Control(BeginSql()) : Control("SAVEPOINT " + savepoint));
  ++depth_;
  Status status = body(*this);
  --depth_;
  if (status.ok()) {
    status = outer ? Control("COMMIT") : Control("RELEASE SAVEPOINT " + savepoint);
    if (status.ok()) return status;
  }
  // Best effort: when the connection itself broke, the server has rolled back already, and the
  // caller needs the original error, not the rollback's.
  if (outer) {
    (void)Control("ROLLBACK");
  } else {
    (void)Control("ROLLBACK TO SAVEPOINT " + savepoint);
    (void)Control("RELEASE SAVEPOINT " + savepoint);
  }
  return status;
}

namespace {

// The handle a caller holds; returns the connection to the pool when destroyed.
class PooledConn final : public SqlConn {
 public:
  PooledConn(std::unique_ptr<DriverConn> conn, std::shared_ptr<ConnPool::State> state)
      : conn_(std::move(conn)), state_(std::move(state)) {}
  ~PooledConn() override {
    std::lock_guard lock(state_->mu);
    state_->idle.push_back(std::move(conn_));
    state_->cv.notify_one();
  }
  Result<SqlResult> Exec(std::string_view sql, const std::vector<SqlValue>& params) override {
    return conn_->Exec(sql, params);
  }
  Status ExecScript(std::string_view sql) override { return conn_->ExecScript(sql); }
  Status Transaction(const std::function<Status(SqlConn&)>& body) override {
    return conn_->Transaction(body);
  }
  const Dialect& dialect() const override { return conn_->dialect(); }

 private:
  std::unique_ptr<DriverConn> conn_;
  std::shared_ptr<ConnPool::State> state_;
};

}  // namespace

ConnPool::ConnPool(Dialect dialect, std::string describe, int size, ConnFactory factory)
    : dialect_(dialect),
      describe_(std::move(describe)),
      factory_(std::move(factory)),
      state_(std::make_shared<State>()) {
  state_->size = size;
}

Result<std::unique_ptr<SqlConn>> ConnPool::Acquire() {
  std::unique_lock lock(state_->mu);
  state_->cv.wait(lock, [&] { return !state_->idle.empty() || state_->live < state_->size; });
  if (!state_->idle.empty()) {
    std::unique_ptr<DriverConn> conn = std::move(state_->idle.back());
    state_->idle.pop_back();
    lock.unlock();
    // The handle is created first so the connection goes back to the pool on every path
    // (a connection that cannot be revived now may be revived by the next borrower).
    DriverConn* raw = conn.get();
    auto handle = std::make_unique<PooledConn>(std::move(conn), state_);
    EL_RETURN_IF_ERROR(raw->Revive().WithContext(describe_));
    return std::unique_ptr<SqlConn>(std::move(handle));
  }
  ++state_->live;
  lock.unlock();
  Result<std::unique_ptr<DriverConn>> made = factory_();
  if (!made.ok()) {
    std::lock_guard relock(state_->mu);
    --state_->live;
    state_->cv.notify_one();
    return made.status().WithContext(describe_);
  }
  return std::unique_ptr<SqlConn>(std::make_unique<PooledConn>(std::move(*made), state_));
}

}  // namespace internal
}  // namespace edgeloop::store
