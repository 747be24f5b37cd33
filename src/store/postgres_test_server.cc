#include "store/postgres_test_server.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

namespace edgeloop::store::testing {
namespace {

namespace fs = std::filesystem;
constexpr auto kStartTimeout = std::chrono::seconds(30);

std::string ReadTail(const std::string& path, size_t max_bytes = 3000) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string all = ss.str();
  return all.size() > max_bytes ? "..." + all.substr(all.size() - max_bytes) : all;
}

// Newest installed server: /usr/lib/postgresql/<version>/bin with initdb and pg_ctl.
Result<std::string> FindBinDir() {
  const fs::path root = "/usr/lib/postgresql";
  std::error_code ec;
  double best_version = -1;
  std::string best;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const fs::path bin = entry.path() / "bin";
    if (!fs::exists(bin / "initdb") || !fs::exists(bin / "pg_ctl")) continue;
    const double v = std::atof(entry.path().filename().c_str());
    if (v > best_version) {
      best_version = v;
      best = bin.string();
    }
  }
  if (best.empty()) {
    return FailedPrecondition(
        "no PostgreSQL server found under /usr/lib/postgresql/<version>/bin (initdb, pg_ctl): "
        "install Debian's postgresql package");
  }
  return best;
}

Result<int> FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return IoError("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return IoError("cannot bind a free port on 127.0.0.1");
  }
  close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

// Runs argv (as the postgres user when `as_postgres`), appending its output to `log`.
Status Run(std::vector<std::string> argv, bool as_postgres, const std::string& log) {
  if (as_postgres) argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
  if (fd < 0) return IoError("cannot open " + log);
  const pid_t pid = fork();
  if (pid < 0) {
    close(fd);
    return IoError("fork failed");
  }
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    const int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(fd);
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    return Internal(argv[as_postgres ? 4 : 0] + " failed (status " + std::to_string(wstatus) +
                    "); output:\n" + ReadTail(log));
  }
  return Status::Ok();
}

Status RunSql(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    Status s = Unavailable("cannot connect to test server: " + std::string(PQerrorMessage(conn)));
    PQfinish(conn);
    return s;
  }
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  PGresult* res = PQexec(conn, sql.c_str());
  Status s = PQresultStatus(res) == PGRES_COMMAND_OK
                 ? Status::Ok()
                 : Internal(sql + ": " + PQresultErrorMessage(res));
  PQclear(res);
  PQfinish(conn);
  return s;
}

std::string UniqueSuffix() {
  static std::atomic<int> counter{0};
  static const uint32_t salt = std::random_device{}();
  return std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" + std::to_string(salt);
}

}  // namespace

Result<std::unique_ptr<PostgresTestServer>> PostgresTestServer::Start() {
  const auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<PostgresTestServer> s(new PostgresTestServer());
  EL_ASSIGN_OR_RETURN(s->bin_, FindBinDir());
  s->as_postgres_user_ = geteuid() == 0;
  const passwd* pw = nullptr;
  if (s->as_postgres_user_ && (pw = getpwnam("postgres")) == nullptr) {
    return FailedPrecondition(
        "running as root, but there is no 'postgres' user to run the "
        "PostgreSQL test server as (initdb refuses root)");
  }
  // /tmp, not a long TMPDIR: the unix socket path must fit in 107 bytes.
  std::string pattern = "/tmp/edgeloop-pg-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) return IoError("mkdtemp failed for " + pattern);
  s->dir_ = pattern;
  const std::string log = s->dir_ + "/commands.log";
  const std::string server_log = s->dir_ + "/server.log";
  const std::string data = s->dir_ + "/data";
  if (pw) {
    if (chown(s->dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return IoError("cannot chown " + s->dir_ + " to postgres");
    }
  }
  EL_RETURN_IF_ERROR(Run({s->bin_ + "/initdb", "-D", data, "--auth=trust", "-U", "postgres", "-E",
                          "UTF8", "--no-locale", "--no-sync", "--no-instructions"},
                         s->as_postgres_user_, log)
                         .WithContext("initdb of the PostgreSQL test server"));
  // A free port can be taken by someone else before the server binds it: retry with another.
  for (int attempt = 0; attempt < 3; ++attempt) {
    EL_ASSIGN_OR_RETURN(s->port_, FreePort());
    const std::string opts = "-p " + std::to_string(s->port_) + " -k " + s->dir_ +
                             " -h 127.0.0.1 -c fsync=off -c synchronous_commit=off"
                             " -c full_page_writes=off -c shared_buffers=16MB"
                             " -c max_connections=200";
    std::filesystem::remove(server_log);
    EL_RETURN_IF_ERROR(
        Run({s->bin_ + "/pg_ctl", "-D", data, "-l", server_log, "-o", opts, "-W", "-s", "start"},
            s->as_postgres_user_, log));
    const std::string ping = "host=127.0.0.1 port=" + std::to_string(s->port_) +
                             " user=postgres dbname=postgres connect_timeout=2";
    const auto t_start = std::chrono::steady_clock::now();
    const auto deadline = t_start + kStartTimeout;
    bool bind_failed = false;
    while (std::chrono::steady_clock::now() < deadline) {
      if (PQping(ping.c_str()) == PQPING_OK) {
        s->start_seconds_ =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return s;
      }
      const std::string tail = ReadTail(server_log);
      if (tail.find("could not bind") != std::string::npos ||
          tail.find("could not create any TCP/IP sockets") != std::string::npos) {
        bind_failed = true;
        break;
      }
      // postmaster.pid exists while the server runs; gone after a second means it died.
      if (std::chrono::steady_clock::now() - t_start > std::chrono::seconds(1) &&
          !std::filesystem::exists(data + "/postmaster.pid")) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!bind_failed) {
      return Unavailable("PostgreSQL test server on port " + std::to_string(s->port_) +
                         " exited or did not accept connections within 30 s; server log:\n" +
                         ReadTail(server_log));
    }
  }
  return Unavailable("PostgreSQL test server could not bind a free port; server log:\n" +
                     ReadTail(server_log));
}

Result<std::unique_ptr<PostgresTestServer>> PostgresTestServer::FromState(
    const std::string& state_file) {
  std::ifstream in(state_file);
  if (!in) return NotFound("cannot read PostgreSQL test server state " + state_file);
  std::map<std::string, std::string> kv;
  for (std::string line; std::getline(in, line);) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) kv[line.substr(0, eq)] = line.substr(eq + 1);
  }
  std::unique_ptr<PostgresTestServer> s(new PostgresTestServer());
  s->bin_ = kv["bin"];
  s->dir_ = kv["dir"];
  s->port_ = std::atoi(kv["port"].c_str());
  s->as_postgres_user_ = kv["as_postgres"] == "1";
  if (s->bin_.empty() || s->dir_.empty() || s->port_ <= 0) {
    return InvalidArgument("malformed PostgreSQL test server state " + state_file);
  }
  return s;
}

Status PostgresTestServer::WriteState(const std::string& state_file) const {
  const std::string tmp = state_file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "url=" << Url() << "\nbin=" << bin_ << "\ndir=" << dir_ << "\nport=" << port_
        << "\nas_postgres=" << (as_postgres_user_ ? 1 : 0) << "\n";
    if (!out) return IoError("cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, state_file, ec);
  if (ec) return IoError("cannot rename " + tmp + ": " + ec.message());
  return Status::Ok();
}

PostgresTestServer::~PostgresTestServer() {
  if (!released_) (void)Stop();
}

Status PostgresTestServer::Stop() {
  if (stopped_) return Status::Ok();
  stopped_ = true;
  Status s = Run({bin_ + "/pg_ctl", "-D", dir_ + "/data", "-m", "fast", "-w", "-s", "stop"},
                 as_postgres_user_, dir_ + "/commands.log");
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  return s;
}

void PostgresTestServer::StopWhenProcessDies() {
  // A shell in its own session blocks reading a pipe whose only writer is this process; the
  // kernel closes it however we die, and the shell then stops the server and removes the folder.
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return;
  std::string stop = "read x; ";
  if (as_postgres_user_) stop += "runuser -u postgres -- ";
  stop +=
      bin_ + "/pg_ctl -D " + dir_ + "/data -m immediate -s stop >/dev/null 2>&1; rm -rf " + dir_;
  const pid_t pid = fork();
  if (pid == 0) {
    setsid();
    dup2(fds[0], 0);
    const int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    execl("/bin/sh", "sh", "-c", stop.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[0]);
  if (pid < 0) close(fds[1]);  // the write end otherwise stays open until exit, on purpose
}

Status PostgresTestServer::Kill() {
  // Immediate mode: SIGQUIT to every server process, no shutdown checkpoint -- what clients see
  // of a crashed server. The folder stays until Stop() (which then finds nothing to stop).
  return Run({bin_ + "/pg_ctl", "-D", dir_ + "/data", "-m", "immediate", "-w", "-s", "stop"},
             as_postgres_user_, dir_ + "/commands.log");
}

std::string PostgresTestServer::Url(std::string_view dbname) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + std::string(dbname);
}

Result<std::string> PostgresTestServer::CreateDatabase() {
  const std::string name = "db_" + std::to_string(next_db_++) + "_" + UniqueSuffix();
  EL_RETURN_IF_ERROR(RunSql(Url(), "CREATE DATABASE " + name));
  return Url(name);
}

Result<std::string> SharedTestServerUrl() {
  static std::mutex mu;
  static std::unique_ptr<PostgresTestServer> private_server;  // stopped at process exit
  std::lock_guard lock(mu);
  if (const char* url = std::getenv("EDGELOOP_TEST_POSTGRES_URL"); url && *url) {
    return std::string(url);
  }
  if (const char* state = std::getenv("EDGELOOP_TEST_POSTGRES_STATE"); state && *state) {
    std::ifstream in(state);
    std::string line;
    while (std::getline(in, line)) {
      if (line.starts_with("url=")) return line.substr(4);
    }
    return FailedPrecondition(std::string("EDGELOOP_TEST_POSTGRES_STATE=") + state +
                              " holds no server URL: did the ctest fixture hub_postgres_start "
                              "run and pass?");
  }
  if (!private_server) {
    EL_ASSIGN_OR_RETURN(private_server, PostgresTestServer::Start());
    private_server->StopWhenProcessDies();
    std::fprintf(stderr, "[postgres] private test server on port %d, started in %.2f s\n",
                 private_server->port(), private_server->start_seconds());
  }
  return private_server->Url();
}

Result<TestSchema> CreateTestSchema(const std::string& server_url) {
  TestSchema schema;
  schema.name = "t_" + UniqueSuffix();
  EL_RETURN_IF_ERROR(RunSql(server_url, "CREATE SCHEMA " + schema.name));
  // libpq decodes %3D; the server then starts the session with search_path=<schema>.
  schema.url = server_url + (server_url.find('?') == std::string::npos ? "?" : "&") +
               "options=-csearch_path%3D" + schema.name;
  return schema;
}

Status DropTestSchema(const std::string& server_url, const std::string& name) {
  return RunSql(server_url, "DROP SCHEMA IF EXISTS " + name + " CASCADE");
}

}  // namespace edgeloop::store::testing
