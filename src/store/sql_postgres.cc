// The PostgreSQL driver: a pool of libpq connections. Parameters go as text (blobs as binary),
// results come back as text and are converted by column type.
#include <libpq-fe.h>
#include <poll.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unordered_map>
#include <utility>

#include "store/sql_driver.h"

namespace edgeloop::store::internal {
namespace {

constexpr Dialect kPostgresDialect{SqlEngine::kPostgres};
constexpr size_t kMaxPreparedStatements = 256;

// Type OIDs from pg_type.h (stable across server versions).
constexpr Oid kBoolOid = 16, kByteaOid = 17, kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23,
              kFloat4Oid = 700, kFloat8Oid = 701, kNumericOid = 1700;

std::string Abbrev(std::string_view sql) {
  return std::string(sql.substr(0, 80)) + (sql.size() > 80 ? "..." : "");
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Maps SQLSTATE classes onto our codes (sql_db.h promises kAlreadyExists for unique keys).
Status StatusFromSqlState(std::string_view state, std::string msg) {
  if (state == "23505") return AlreadyExists(std::move(msg));
  if (state.starts_with("23") || state.starts_with("22")) return InvalidArgument(std::move(msg));
  if (state.starts_with("08") || state.starts_with("57P") || state.starts_with("53") ||
      state == "40001" || state == "40P01") {
    return Unavailable(std::move(msg));
  }
  return Internal(std::move(msg));
}

SqlValue ConvertValue(Oid type, const char* text, int length) {
  const std::string_view s(text, length);
  switch (type) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid: {
      int64_t v = 0;
      std::from_chars(s.data(), s.data() + s.size(), v);
      return v;
    }
    case kNumericOid: {
      // SUM(bigint) is numeric: keep an exact integer when the value is one.
      int64_t v = 0;
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec == std::errc() && ptr == s.data() + s.size()) return v;
      [[fallthrough]];
    }
    case kFloat4Oid:
    case kFloat8Oid: {
      double d = 0;
      std::from_chars(s.data(), s.data() + s.size(), d);  // accepts NaN, Infinity, -Infinity
      return d;
    }
    case kBoolOid:
      return static_cast<int64_t>(s == "t" ? 1 : 0);
    case kByteaOid: {
      size_t n = 0;
      unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &n);
      if (raw == nullptr) return SqlBlob{};
      SqlBlob blob{std::string(reinterpret_cast<const char*>(raw), n)};
      PQfreemem(raw);
      return blob;
    }
    default:
      return std::string(s);
  }
}

class PgConn final : public DriverConn {
 public:
  PgConn(std::string url, std::string describe, PostgresOptions options)
      : url_(std::move(url)), describe_(std::move(describe)), options_(options) {}
  ~PgConn() override {
    if (conn_) PQfinish(conn_);
  }

  Status Connect() {
    if (conn_) PQfinish(conn_);
    prepared_.clear();
    // Defaults first: values from the URL, which come last, override them.
    const char* keys[] = {"client_encoding", "connect_timeout", "fallback_application_name",
                          "dbname", nullptr};
    const char* values[] = {"UTF8", "10", "edgeloop-hub", url_.c_str(), nullptr};
    conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
    if (conn_ == nullptr) return Unavailable("cannot connect to " + describe_ + ": out of memory");
    if (PQstatus(conn_) != CONNECTION_OK) {
      return Unavailable("cannot connect to " + describe_ + ": " + Trim(PQerrorMessage(conn_)));
    }
    // Notices (e.g. "there is no transaction in progress") are not errors; keep stderr quiet.
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
    return Control("SET client_min_messages = warning");
  }

  // A server restart closes idle connections; the socket then turns readable (EOF or a FATAL
  // message). Checking before lending costs one poll() and spares the caller a failed statement.
  Status Revive() override {
    if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK) {
      pollfd pfd{PQsocket(conn_), POLLIN, 0};
      if (poll(&pfd, 1, 0) > 0) PQconsumeInput(conn_);
      if (PQstatus(conn_) == CONNECTION_OK) return Status::Ok();
    }
    return Connect();
  }

  Result<SqlResult> Exec(std::string_view sql, const std::vector<SqlValue>& params) override {
    EL_RETURN_IF_ERROR(EnsureConnected());
    const int n = static_cast<int>(params.size());
    std::vector<std::string> text(n);
    std::vector<const char*> values(n, nullptr);
    std::vector<int> lengths(n, 0), formats(n, 0);
    std::vector<Oid> types(n, 0);
    std::string key(sql);
    key.push_back('\0');
    for (int i = 0; i < n; ++i) {
      const SqlValue& v = params[i];
      if (const auto* x = std::get_if<int64_t>(&v)) {
        text[i] = std::to_string(*x);
        types[i] = kInt8Oid;
      } else if (const auto* d = std::get_if<double>(&v)) {
        if (std::isnan(*d)) {
          text[i] = "NaN";
        } else if (std::isinf(*d)) {
          text[i] = *d > 0 ? "Infinity" : "-Infinity";
        } else {
          char buf[40];
          std::snprintf(buf, sizeof(buf), "%.17g", *d);
          text[i] = buf;
        }
        types[i] = kFloat8Oid;
      } else if (const auto* s = std::get_if<std::string>(&v)) {
        EL_RETURN_IF_ERROR(CheckTextParam(*s, i + 1));
        // Type left to the server (0): the same text may fill a TEXT, JSONB or BIGINT column.
        values[i] = s->c_str();
      } else if (const auto* b = std::get_if<SqlBlob>(&v)) {
        values[i] = b->bytes.data();
        lengths[i] = static_cast<int>(b->bytes.size());
        formats[i] = 1;
        types[i] = kByteaOid;
      }
      if (!text[i].empty()) values[i] = text[i].c_str();
      // A NULL has no type; the statement prepared for it differs from one with a value.
      key.push_back(std::holds_alternative<std::monostate>(v) ? 'n'
                                                              : static_cast<char>('0' + v.index()));
      // An empty blob still needs a non-null pointer, or libpq sends NULL.
      if (std::holds_alternative<SqlBlob>(v) && values[i] == nullptr) values[i] = "";
    }

    PGresult* res = nullptr;
    if (options_.prepare_statements) {
      EL_ASSIGN_OR_RETURN(const std::string* name, Prepared(key, sql, types));
      res =
          PQexecPrepared(conn_, name->c_str(), n, values.data(), lengths.data(), formats.data(), 0);
    } else {
      res = PQexecParams(conn_, std::string(sql).c_str(), n, types.data(), values.data(),
                         lengths.data(), formats.data(), 0);
    }
    return TakeResult(res, sql);
  }

  Status ExecScript(std::string_view sql) override {
    EL_RETURN_IF_ERROR(EnsureConnected());
    PGresult* res = PQexec(conn_, std::string(sql).c_str());
    Result<SqlResult> r = TakeResult(res, sql);
    return r.status();
  }

  const Dialect& dialect() const override { return kPostgresDialect; }

 protected:
  Status Control(std::string_view sql) override {
    // Only a new transaction may reconnect: inside one, the lost connection took the
    // transaction with it, and a ROLLBACK on a fresh connection would mean nothing.
    if (sql == BeginSql()) {
      EL_RETURN_IF_ERROR(EnsureConnected());
    } else if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
      return Unavailable("connection to " + describe_ + " lost during a transaction");
    }
    PGresult* res = PQexec(conn_, std::string(sql).c_str());
    const bool rolled_back = res && PQresultStatus(res) == PGRES_COMMAND_OK && sql == "COMMIT" &&
                             std::string_view(PQcmdStatus(res)) == "ROLLBACK";
    EL_RETURN_IF_ERROR(TakeResult(res, sql).status());
    if (rolled_back) {
      return Internal(
          "COMMIT rolled back: a statement of the transaction failed but the "
          "transaction body returned OK");
    }
    return Status::Ok();
  }
  std::string_view BeginSql() const override { return "BEGIN"; }

 private:
  Status EnsureConnected() {
    if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK) return Status::Ok();
    if (depth_ > 0) return Unavailable("connection to " + describe_ + " lost during a transaction");
    return Connect();
  }

  Result<const std::string*> Prepared(const std::string& key, std::string_view sql,
                                      const std::vector<Oid>& types) {
    if (auto it = prepared_.find(key); it != prepared_.end()) return &it->second;
    if (prepared_.size() >= kMaxPreparedStatements) {
      PQclear(PQexec(conn_, "DEALLOCATE ALL"));
      prepared_.clear();
    }
    std::string name = "el_" + std::to_string(next_statement_++);
    PGresult* res = PQprepare(conn_, name.c_str(), std::string(sql).c_str(),
                              static_cast<int>(types.size()), types.data());
    EL_RETURN_IF_ERROR(TakeResult(res, sql).status());
    return &prepared_.emplace(key, std::move(name)).first->second;
  }

  // Converts and frees `res`.
  Result<SqlResult> TakeResult(PGresult* res, std::string_view sql) {
    const ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      const char* field = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
      const std::string state = field ? field : "";
      std::string msg = Trim(res ? PQresultErrorMessage(res) : PQerrorMessage(conn_));
      if (msg.empty()) msg = Trim(PQerrorMessage(conn_));
      if (res) PQclear(res);
      msg = describe_ + " running '" + Abbrev(sql) + "': " + msg;
      if (PQstatus(conn_) != CONNECTION_OK) return Unavailable(std::move(msg));
      return StatusFromSqlState(state, std::move(msg));
    }
    SqlResult result;
    const int rows = PQntuples(res), cols = PQnfields(res);
    result.rows.resize(rows);
    for (int r = 0; r < rows; ++r) {
      result.rows[r].values.reserve(cols);
      for (int c = 0; c < cols; ++c) {
        if (PQgetisnull(res, r, c)) {
          result.rows[r].values.emplace_back(std::monostate{});
        } else {
          result.rows[r].values.push_back(
              ConvertValue(PQftype(res, c), PQgetvalue(res, r, c), PQgetlength(res, r, c)));
        }
      }
    }
    const std::string_view cmd = PQcmdStatus(res);
    if (cmd.starts_with("INSERT") || cmd.starts_with("UPDATE") || cmd.starts_with("DELETE") ||
        cmd.starts_with("MERGE")) {
      result.affected = std::atoll(PQcmdTuples(res));
    }
    PQclear(res);
    return result;
  }

  const std::string url_;
  const std::string describe_;
  const PostgresOptions options_;
  PGconn* conn_ = nullptr;
  std::unordered_map<std::string, std::string> prepared_;  // SQL + param types -> name
  int64_t next_statement_ = 0;
};

// "postgres://user@host:port/db" without the password, for logs and errors.
Result<std::string> DescribeUrl(const std::string& url) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
  if (opts == nullptr) {
    std::string msg = err ? Trim(err) : "out of memory";
    PQfreemem(err);
    return InvalidArgument("invalid PostgreSQL URL: " + msg);
  }
  std::string user, host, port, db;
  for (PQconninfoOption* o = opts; o->keyword; ++o) {
    if (!o->val) continue;
    const std::string_view k = o->keyword;
    if (k == "user") user = o->val;
    if (k == "host") host = o->val;
    if (k == "port") port = o->val;
    if (k == "dbname") db = o->val;
  }
  PQconninfoFree(opts);
  return "postgres://" + (user.empty() ? "" : user + "@") + host +
         (port.empty() ? "" : ":" + port) + "/" + db;
}

}  // namespace

Result<std::unique_ptr<SqlPool>> OpenPostgresPool(const std::string& url, int pool_size,
                                                  PostgresOptions options) {
  EL_ASSIGN_OR_RETURN(std::string describe, DescribeUrl(url));
  // Connections are made lazily (on first Acquire), so a hub can start while its database is
  // still coming up; the first query reports kUnavailable with the server's message.
  return std::unique_ptr<SqlPool>(
      std::make_unique<ConnPool>(kPostgresDialect, describe, pool_size,
                                 [url, describe, options]() -> Result<std::unique_ptr<DriverConn>> {
                                   auto conn = std::make_unique<PgConn>(url, describe, options);
                                   EL_RETURN_IF_ERROR(conn->Connect());
                                   return std::unique_ptr<DriverConn>(std::move(conn));
                                 }));
}

}  // namespace edgeloop::store::internal
