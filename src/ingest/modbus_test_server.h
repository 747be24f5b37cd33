// A real libmodbus TCP server for tests: listens on 127.0.0.1 (port 0 picks a free port, or a
// given port to come back after Stop), answers from a modbus_mapping_t with 200 holding and 200
// input registers at addresses 0..199 (anything beyond is an illegal-address exception, as
// libmodbus's modbus_reply decides) and counts the requests it received.
//
// Tests only. The server thread owns the sockets; the setters and counters may be called from any
// thread (the register map is guarded by a mutex).
#pragma once

#include <modbus.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace edgeloop::ingest {

class ModbusTestServer {
 public:
  static constexpr int kRegisters = 200;

  ModbusTestServer() : mapping_(modbus_mapping_new(0, 0, kRegisters, kRegisters)) {}
  ~ModbusTestServer() {
    Stop();
    modbus_mapping_free(mapping_);
  }
  ModbusTestServer(const ModbusTestServer&) = delete;
  ModbusTestServer& operator=(const ModbusTestServer&) = delete;

  // Starts listening; returns the port, or -1 when the port could not be bound.
  int Start(int port = 0) {
    ctx_ = modbus_new_tcp("127.0.0.1", port);
    listen_fd_ = modbus_tcp_listen(ctx_, 4);
    if (listen_fd_ < 0) {
      modbus_free(ctx_);
      ctx_ = nullptr;
      return -1;
    }
    sockaddr_in addr{};
    socklen_t len = sizeof(addr);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    stop_ = false;
    thread_ = std::thread([this] { Serve(); });
    return port_;
  }

  // Closes the listener and every client connection (the device "goes down").
  void Stop() {
    if (!thread_.joinable()) return;
    stop_ = true;
    thread_.join();
    for (int fd : clients_) close(fd);
    clients_.clear();
    close(listen_fd_);
    modbus_free(ctx_);
    ctx_ = nullptr;
  }

  void SetHolding(int address, uint16_t value) {
    std::lock_guard lock(mu_);
    mapping_->tab_registers[address] = value;
  }
  void SetInput(int address, uint16_t value) {
    std::lock_guard lock(mu_);
    mapping_->tab_input_registers[address] = value;
  }
  // While muted the server reads requests but never answers (the client times out).
  void SetMuted(bool muted) { muted_ = muted; }
  int requests() const { return requests_; }
  int port() const { return port_; }

 private:
  void Serve() {
    uint8_t query[MODBUS_TCP_MAX_ADU_LENGTH];
    while (!stop_) {
      std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
      for (int fd : clients_) fds.push_back({fd, POLLIN, 0});
      // A short timeout lets Stop() end the thread promptly.
      if (poll(fds.data(), fds.size(), 20) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        const int fd = accept(listen_fd_, nullptr, nullptr);
        if (fd >= 0) clients_.push_back(fd);
      }
      for (size_t i = 1; i < fds.size(); ++i) {
        if (fds[i].revents == 0) continue;
        modbus_set_socket(ctx_, fds[i].fd);
        const int n = modbus_receive(ctx_, query);
        if (n > 0) {
          ++requests_;
          if (!muted_) {
            std::lock_guard lock(mu_);
            modbus_reply(ctx_, query, n, mapping_);
          }
        } else if (n < 0) {  // the client hung up
          close(fds[i].fd);
          std::erase(clients_, fds[i].fd);
        }
      }
    }
  }

  modbus_mapping_t* mapping_;
  modbus_t* ctx_ = nullptr;
  int listen_fd_ = -1;
  int port_ = 0;
  std::vector<int> clients_;
  std::thread thread_;
  std::mutex mu_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> muted_{false};
  std::atomic<int> requests_{0};
};

}  // namespace edgeloop::ingest
