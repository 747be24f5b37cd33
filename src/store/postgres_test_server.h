// PostgresTestServer: a real, throw-away PostgreSQL server for tests, started from Debian's
// `postgresql` package (/usr/lib/postgresql/<newest>/bin) in a fresh temp folder, listening on a
// free TCP port on 127.0.0.1 and on a unix socket in that folder, trust authentication, fsync off.
// As root (CI containers) initdb/postgres refuse to run, so they run as the `postgres` user.
//
// Test processes share one server: ctest starts it once (fixture "hub_postgres", see
// postgres_test_server_ctl.cc) and passes its state file in EDGELOOP_TEST_POSTGRES_STATE;
// EDGELOOP_TEST_POSTGRES_URL points at any other server; without either, SharedTestServerUrl()
// starts a private server for the process. Every failure is an error (tests FAIL, never skip).
//
// Ownership/threads: a PostgresTestServer owns its folder and server process until Stop() or
// destruction (unless Release()d); use it from one thread. The free functions are thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace edgeloop::store::testing {

class PostgresTestServer {
 public:
  // Starts a server; fails with the reason (missing binaries, initdb output, server log tail).
  static Result<std::unique_ptr<PostgresTestServer>> Start();
  // Takes over a server described by a state file written by WriteState (to stop it).
  static Result<std::unique_ptr<PostgresTestServer>> FromState(const std::string& state_file);

  ~PostgresTestServer();
  PostgresTestServer(const PostgresTestServer&) = delete;
  PostgresTestServer& operator=(const PostgresTestServer&) = delete;

  // pg_ctl stop -m fast, then removes the folder. Idempotent.
  Status Stop();
  // Stop SIGKILLing everything: for tests of a server that dies under its clients.
  Status Kill();
  // Safety net for a server private to this process: stops it and removes its folder when the
  // process dies, even by abort() or SIGKILL (a watcher process waits on a pipe).
  void StopWhenProcessDies();
  // Leaves the server running when this object dies (the ctl `start` command).
  void Release() { released_ = true; }
  Status WriteState(const std::string& state_file) const;

  // libpq URI of database `dbname` over TCP as superuser `postgres`.
  std::string Url(std::string_view dbname = "postgres") const;
  // A fresh, empty database; returns its URL.
  Result<std::string> CreateDatabase();
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  double start_seconds() const { return start_seconds_; }

 private:
  PostgresTestServer() = default;

  std::string bin_;  // .../bin of the PostgreSQL installation
  std::string dir_;  // owns data/, the socket and the log
  int port_ = 0;
  bool as_postgres_user_ = false;
  bool stopped_ = false;
  bool released_ = false;
  double start_seconds_ = 0;
  int next_db_ = 0;
};

// URL of the server tests share (see the file comment). The first call may start a private
// server, which lives until the process exits.
Result<std::string> SharedTestServerUrl();

// A fresh, empty schema on the server at `server_url`: returns a URL whose search_path is that
// schema only, so migrations and queries land there (much faster than CREATE DATABASE).
struct TestSchema {
  std::string url;
  std::string name;
};
Result<TestSchema> CreateTestSchema(const std::string& server_url);
Status DropTestSchema(const std::string& server_url, const std::string& name);

}  // namespace edgeloop::store::testing
