#include "uplink/test_hub.h"

#include <httplib.h>

#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "uplink/uplink.h"

namespace edgeloop::uplink {

TestHub::TestHub(std::string token)
    : token_(std::move(token)), server_(std::make_unique<httplib::Server>()) {
  server_->Post(kIngestPath, [this](const httplib::Request& req, httplib::Response& res) {
    Answer a = Handle(req.get_header_value("Authorization"),
                      req.get_header_value("X-Edgeloop-Node"), req.body);
    res.status = a.status;
    res.set_content(a.body, "application/json");
    std::lock_guard lock(mu_);
    if (a.injected && fail_retry_after_s_ >= 0) {
      res.set_header("Retry-After", std::to_string(fail_retry_after_s_));
    }
  });
  server_->Get(R"(/v1/nodes/([A-Za-z0-9._-]+)/desired)", [this](const httplib::Request& req,
                                                                httplib::Response& res) {
    if (req.get_header_value("Authorization") != "Bearer " + token_) {
      res.status = 401;
      return;
    }
    std::lock_guard lock(mu_);
    ++desired_polls_;
    auto it = desired_.find(req.matches[1].str());
    if (it == desired_.end()) {
      res.status = 404;
      return;
    }
    const std::string etag = "\"" + std::to_string(std::hash<std::string>{}(it->second)) + "\"";
    res.set_header("ETag", etag);
    if (req.get_header_value("If-None-Match") == etag) {
      res.status = 304;
      return;
    }
    res.set_content(it->second, "application/json");
  });
  server_->Get(R"(/artifacts/.*)", [this](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Authorization") != "Bearer " + token_) {
      res.status = 401;
      return;
    }
    std::lock_guard lock(mu_);
    auto it = artifacts_.find(req.path);
    if (it == artifacts_.end()) {
      res.status = 404;
      return;
    }
    res.set_content(it->second, "application/octet-stream");
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) {
    std::cerr << "TestHub: cannot bind a port on 127.0.0.1\n";
    std::abort();
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // Requests before the accept loop runs would still queue in the backlog; waiting makes
  // shutdown ordering simple.
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

TestHub::~TestHub() {
  server_->stop();
  thread_.join();
}

void TestHub::FailNext(int n, int status, int retry_after_s) {
  std::lock_guard lock(mu_);
  fail_remaining_ = n;
  fail_status_ = status;
  fail_retry_after_s_ = retry_after_s;
}
void TestHub::set_conflict_on_duplicates(bool on) {
  std::lock_guard lock(mu_);
  conflict_on_duplicates_ = on;
}
void TestHub::set_answer_delay(std::chrono::milliseconds delay) {
  std::lock_guard lock(mu_);
  answer_delay_ = delay;
}

int64_t TestHub::distinct(const std::string& node) const {
  std::lock_guard lock(mu_);
  auto it = stored_.find(node);
  return it == stored_.end() ? 0 : static_cast<int64_t>(it->second.size());
}
int64_t TestHub::duplicates() const {
  std::lock_guard lock(mu_);
  return duplicates_;
}
int64_t TestHub::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}
int64_t TestHub::last_dropped_report(const std::string& node) const {
  std::lock_guard lock(mu_);
  auto it = dropped_reports_.find(node);
  return it == dropped_reports_.end() ? -1 : it->second;
}
std::optional<std::string> TestHub::payload(const std::string& node, int64_t seq) const {
  std::lock_guard lock(mu_);
  auto it = stored_.find(node);
  if (it == stored_.end()) return std::nullopt;
  auto jt = it->second.find(seq);
  if (jt == it->second.end()) return std::nullopt;
  return jt->second;
}

std::map<int64_t, std::string> TestHub::payloads(const std::string& node) const {
  std::lock_guard lock(mu_);
  auto it = stored_.find(node);
  return it == stored_.end() ? std::map<int64_t, std::string>{} : it->second;
}

void TestHub::SetDesired(const std::string& node, std::string body) {
  std::lock_guard lock(mu_);
  desired_[node] = std::move(body);
}

void TestHub::AddArtifact(const std::string& path, std::string bytes) {
  std::lock_guard lock(mu_);
  artifacts_[path] = std::move(bytes);
}

int64_t TestHub::desired_polls() const {
  std::lock_guard lock(mu_);
  return desired_polls_;
}

bool TestHub::WaitForDistinct(const std::string& node, int64_t n,
                              std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return stored_cv_.wait_for(lock, timeout, [&] {
    auto it = stored_.find(node);
    return it != stored_.end() && static_cast<int64_t>(it->second.size()) >= n;
  });
}

TestHub::Answer TestHub::Handle(const std::string& auth, const std::string& node_header,
                                const std::string& body) {
  std::chrono::milliseconds delay{0};
  Answer answer;
  {
    std::lock_guard lock(mu_);
    ++requests_;
    if (auth != "Bearer " + token_) return {401, R"({"error":"bad or missing bearer token"})"};
    if (fail_remaining_ > 0) {
      --fail_remaining_;
      return {fail_status_, R"({"error":"injected failure"})", true};
    }
    const nlohmann::json req = nlohmann::json::parse(body, nullptr, false);
    if (req.is_discarded() || !req.is_object() || !req.contains("v") || req["v"] != 1 ||
        !req.contains("node") || !req["node"].is_string() || !req.contains("batches") ||
        !req["batches"].is_array()) {
      return {400, R"({"error":"malformed envelope"})"};
    }
    const std::string node = req["node"].get<std::string>();
    if (node != node_header) return {400, R"({"error":"node header and body differ"})"};
    // Validate the whole request before storing any of it: all or nothing.
    std::map<int64_t, std::string> batch;
    for (const auto& b : req["batches"]) {
      if (!b.is_object() || !b.contains("seq") || !b["seq"].is_number_integer() ||
          b["seq"].get<int64_t>() < 1 || !b.contains("payload") || !b["payload"].is_string()) {
        return {400, R"({"error":"malformed batch"})"};
      }
      auto bytes = Base64Decode(b["payload"].get<std::string>());
      if (!bytes.ok()) return {400, R"({"error":"payload is not base64"})"};
      batch[b["seq"].get<int64_t>()] = std::move(bytes).value();
    }
    if (req.contains("dropped_batches") && req["dropped_batches"].is_number_integer()) {
      dropped_reports_[node] = req["dropped_batches"].get<int64_t>();
    }
    auto& mine = stored_[node];
    nlohmann::json acked = nlohmann::json::array();
    int64_t fresh = 0;
    for (auto& [seq, bytes] : batch) {
      if (mine.contains(seq)) {
        ++duplicates_;
      } else {
        mine.emplace(seq, std::move(bytes));
        ++fresh;
      }
      acked.push_back(seq);
    }
    stored_cv_.notify_all();
    delay = answer_delay_;
    if (fresh == 0 && !batch.empty() && conflict_on_duplicates_) {
      answer = {409, R"({"error":"duplicate"})"};
    } else {
      answer = {200, nlohmann::json{{"acked", acked}}.dump()};
    }
  }
  if (delay.count() > 0) std::this_thread::sleep_for(delay);
  return answer;
}

}  // namespace edgeloop::uplink
