// A real mosquitto broker for integration tests and benchmarks: `/usr/sbin/mosquitto -c CONF`
// on a free loopback port, in its own temp directory, killed by the destructor. Header only.
//
//   edgeloop::testing::MosquittoBroker broker;
//   ASSERT_TRUE(broker.Start().ok()) << ...;   // or GTEST_SKIP when mosquitto is missing
//   client options: broker.uri() == "tcp://127.0.0.1:<port>"
//
// Restart() stops the broker and starts a new one on the same port (to test reconnects).
// Not thread-safe: one owner thread.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <utility>

#include "common/status.h"

namespace edgeloop::testing {

inline constexpr const char* kMosquittoPath = "/usr/sbin/mosquitto";

inline bool MosquittoAvailable() { return ::access(kMosquittoPath, X_OK) == 0; }

// A loopback port the OS says is free now (bind to port 0, read it back, close). Another process
// could take it before the broker binds; Start then fails clearly instead of hanging.
inline int FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

// Whether a TCP connect to 127.0.0.1:port succeeds now.
inline bool CanConnect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

class MosquittoBroker {
 public:
  MosquittoBroker() = default;
  ~MosquittoBroker() {
    Stop();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  MosquittoBroker(const MosquittoBroker&) = delete;
  MosquittoBroker& operator=(const MosquittoBroker&) = delete;

  // Starts the broker on `port` (0: a free one) and waits until it accepts TCP connections.
  // FailedPrecondition when mosquitto is not installed; Unavailable when it does not come up
  // (the message quotes its log).
  [[nodiscard]] Status Start(
      int port = 0, std::chrono::milliseconds deadline = std::chrono::milliseconds(10000)) {
    if (!MosquittoAvailable()) {
      return FailedPrecondition(std::string(kMosquittoPath) +
                                " not found: install the 'mosquitto' package");
    }
    if (pid_ > 0) return FailedPrecondition("mosquitto already running");
    if (dir_.empty()) {
      std::random_device rd;
      dir_ = std::filesystem::temp_directory_path() /
             ("edgeloop-mosquitto-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
      std::filesystem::create_directories(dir_);
    }
    port_ = port != 0 ? port : FreeLoopbackPort();
    if (port_ <= 0) return Unavailable("no free loopback port");
    const std::string conf = (dir_ / "mosquitto.conf").string();
    {
      std::ofstream out(conf);
      out << "listener " << port_ << " 127.0.0.1\n"
          << "allow_anonymous true\n"
          << "persistence false\n"
          << "max_queued_messages 100000\n"
          << extra_config_;
    }
    log_path_ = (dir_ / "mosquitto.log").string();
    pid_ = ::fork();
    if (pid_ < 0) return Unavailable("fork failed");
    if (pid_ == 0) {
      int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
      }
      ::execl(kMosquittoPath, kMosquittoPath, "-c", conf.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
      if (CanConnect(port_)) return Status::Ok();
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return Unavailable("mosquitto exited at start on port " + std::to_string(port_) + ": " +
                           Log());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    Stop();
    return Unavailable("mosquitto did not accept connections on port " + std::to_string(port_) +
                       " in time: " + Log());
  }

  // Kills the broker (SIGKILL: connected clients see a lost connection, no clean goodbye).
  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  // Stop, then Start on the same port.
  [[nodiscard]] Status Restart() {
    Stop();
    return Start(port_);
  }

  // Lines appended to the generated config on the next Start (e.g. "log_type subscribe\n").
  void set_extra_config(std::string lines) { extra_config_ = std::move(lines); }

  int port() const { return port_; }
  std::string uri() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
  bool running() const { return pid_ > 0; }

  // The broker's log so far (at most its last `max_bytes`).
  std::string Log(size_t max_bytes = 2000) const {
    std::ifstream in(log_path_);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.size() > max_bytes) text = text.substr(text.size() - max_bytes);
    return text;
  }

 private:
  std::filesystem::path dir_;
  std::string log_path_;
  std::string extra_config_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace edgeloop::testing
