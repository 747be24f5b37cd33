// TestHub: an in-process stand-in for the hub's `POST /v1/ingest` (docs/protocol.md) until the
// real hub exists. Listens on 127.0.0.1 on a free port, checks the bearer token, stores batches
// keyed by node + seq (deduplicating), and can be told to fail the next N requests or to delay
// its answers. Test-only; all methods are thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace edgeloop::uplink {

class TestHub {
 public:
  explicit TestHub(std::string token);
  ~TestHub();
  TestHub(const TestHub&) = delete;
  TestHub& operator=(const TestHub&) = delete;

  int port() const { return port_; }

  // The next `n` authorised requests get `status` (e.g. 503, 429, 400) and store nothing.
  // With retry_after_s >= 0 those answers carry `Retry-After: <retry_after_s>`.
  void FailNext(int n, int status, int retry_after_s = -1);
  // Answer 409 instead of 200 when every batch of a request was already stored.
  void set_conflict_on_duplicates(bool on);
  // Sleep this long after storing, before answering (widens the "stored but not acked" window).
  void set_answer_delay(std::chrono::milliseconds delay);

  int64_t distinct(const std::string& node) const;
  int64_t duplicates() const;  // batches received again after they were stored
  int64_t requests() const;
  int64_t last_dropped_report(const std::string& node) const;
  std::optional<std::string> payload(const std::string& node, int64_t seq) const;
  // Every stored payload of `node`, by sequence number.
  std::map<int64_t, std::string> payloads(const std::string& node) const;
  // Desired state (docs/protocol.md "Desired state"): serves `body` at
  // GET /v1/nodes/{node}/desired with an ETag derived from it, answering 304 to a matching
  // If-None-Match. Artifacts are served at GET `path`, which must start with "/artifacts/".
  void SetDesired(const std::string& node, std::string body);
  void AddArtifact(const std::string& path, std::string bytes);
  int64_t desired_polls() const;
  // Blocks until `node` has at least `n` distinct batches or `timeout` passes; true if reached.
  bool WaitForDistinct(const std::string& node, int64_t n, std::chrono::milliseconds timeout);

 private:
  struct Answer {
    int status;
    std::string body;
    bool injected = false;  // a FailNext answer
  };
  Answer Handle(const std::string& auth, const std::string& node_header, const std::string& body);

  const std::string token_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;

  mutable std::mutex mu_;
  std::condition_variable stored_cv_;
  std::map<std::string, std::map<int64_t, std::string>> stored_;
  std::map<std::string, int64_t> dropped_reports_;
  std::map<std::string, std::string> desired_;    // by node
  std::map<std::string, std::string> artifacts_;  // by path
  int64_t desired_polls_ = 0;
  int64_t duplicates_ = 0;
  int64_t requests_ = 0;
  int fail_remaining_ = 0;
  int fail_status_ = 503;
  int fail_retry_after_s_ = -1;
  bool conflict_on_duplicates_ = false;
  std::chrono::milliseconds answer_delay_{0};
};

}  // namespace edgeloop::uplink
