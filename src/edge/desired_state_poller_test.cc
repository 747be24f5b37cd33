// DesiredStatePoller and ArtifactCache against an in-process hub (httplib on a free port).
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "common/base64.h"
#include "edge/desired_state.h"
#include "edge/signing_key_test_util.h"

namespace edgeloop::edge {
namespace {

namespace fs = std::filesystem;

std::string Sha256Hex(const std::string& bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EXPECT_EQ(EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr), 1);
  std::string out;
  char buf[3];
  for (unsigned int i = 0; i < len; ++i) {
    snprintf(buf, sizeof(buf), "%02x", md[i]);
    out += buf;
  }
  return out;
}

// An Ed25519 key pair made by OpenSSL for the test.
// The hub side: serves one desired document (with ETag) and artifacts; records requests.
class FakeHub {
 public:
  FakeHub() {
    server_.Get("/v1/nodes/node-1/desired",
                [this](const httplib::Request& req, httplib::Response& res) {
                  std::lock_guard lock(mu_);
                  ++desired_requests_;
                  last_if_none_match_ = req.get_header_value("If-None-Match");
                  if (req.get_header_value("Authorization") != "Bearer tok") {
                    res.status = 401;
                    return;
                  }
                  if (!etag_.empty() && last_if_none_match_ == etag_) {
                    res.status = 304;
                    return;
                  }
                  res.set_header("ETag", etag_);
                  res.set_content(document_, "application/json");
                });
    server_.Get("/artifacts/(.*)", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      ++artifact_requests_;
      const auto it = artifacts_.find(req.matches[1]);
      if (it == artifacts_.end() || req.get_header_value("Authorization") != "Bearer tok") {
        res.status = 404;
        return;
      }
      res.set_content(it->second, "application/octet-stream");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~FakeHub() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  void Set(std::string document, std::string etag) {
    std::lock_guard lock(mu_);
    document_ = std::move(document);
    etag_ = std::move(etag);
  }
  void AddArtifact(const std::string& name, std::string bytes) {
    std::lock_guard lock(mu_);
    artifacts_[name] = std::move(bytes);
  }
  int desired_requests() {
    std::lock_guard lock(mu_);
    return desired_requests_;
  }
  int artifact_requests() {
    std::lock_guard lock(mu_);
    return artifact_requests_;
  }
  std::string last_if_none_match() {
    std::lock_guard lock(mu_);
    return last_if_none_match_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::string document_, etag_, last_if_none_match_;
  std::map<std::string, std::string> artifacts_;
  int desired_requests_ = 0, artifact_requests_ = 0;
};

std::string ModelJson(const std::string& group, const std::string& role, const std::string& sha,
                      const std::string& url, size_t size, const std::string& signature = "") {
  std::string json = R"({"group":")" + group + R"(","role":")" + role +
                     R"(","version":"v1","sha256":")" + sha + R"(","url":")" + url +
                     R"(","size":)" + std::to_string(size);
  if (!signature.empty()) json += R"(,"signature":")" + signature + "\"";
  return json + "}";
}

std::string Document(int revision, const std::vector<std::string>& models) {
  std::string json = R"({"revision":)" + std::to_string(revision) + R"(,"models":[)";
  for (size_t i = 0; i < models.size(); ++i) json += (i ? "," : "") + models[i];
  return json + "]}";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class PollerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/edgeloop_desired_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    model_bytes_ = "ONNX-bytes:";
    for (int i = 0; i < 5000; ++i) model_bytes_ += static_cast<char>(i * 7919 % 251);
    sha_ = Sha256Hex(model_bytes_);
    hub_.AddArtifact("m1", model_bytes_);
    client_ = MakeHttpHubClient({"127.0.0.1", hub_.port(), "tok", std::chrono::seconds(5)});
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<DesiredStatePoller> MakePoller(const std::string& key_pem = "") {
    auto cache = ArtifactCache::Create({dir_ + "/models", int64_t{1} << 20, key_pem});
    EXPECT_TRUE(cache.ok()) << cache.status().ToString();
    cache_ = std::move(cache).value();
    return std::make_unique<DesiredStatePoller>(
        DesiredStatePollerOptions{"node-1", std::chrono::seconds(30), {}}, *client_, *cache_,
        clock_, [this](const DesiredState& state, const std::map<std::string, std::string>& p) {
          ++applies_;
          applied_ = state;
          paths_ = p;
          return apply_result_;
        });
  }
  // Files in the models directory (a refused download must leave nothing behind).
  std::vector<std::string> ModelFiles() const {
    std::vector<std::string> out;
    for (const auto& entry : fs::directory_iterator(dir_ + "/models")) {
      out.push_back(entry.path().filename().string());
    }
    return out;
  }

  FakeHub hub_;
  std::string dir_, model_bytes_, sha_;
  std::unique_ptr<HubClient> client_;
  std::unique_ptr<ArtifactCache> cache_;
  SimulatedClock clock_{FromNanos(0)};
  int applies_ = 0;
  DesiredState applied_;
  std::map<std::string, std::string> paths_;
  Status apply_result_;
};

TEST_F(PollerTest, DownloadsVerifiesAppliesThenNotModified) {
  hub_.Set(Document(3, {ModelJson("pump", "production", sha_, "/artifacts/m1", model_bytes_.size()),
                        ModelJson("pump", "shadow", sha_, "/artifacts/m1", model_bytes_.size())}),
           "\"rev-3\"");
  auto poller = MakePoller();
  ASSERT_TRUE(poller->Step().ok()) << poller->stats().last_error;
  EXPECT_EQ(applies_, 1);
  EXPECT_EQ(applied_.revision, 3);
  ASSERT_EQ(paths_.size(), 1u);
  EXPECT_EQ(paths_.at(sha_), dir_ + "/models/" + sha_ + ".onnx");
  EXPECT_EQ(ReadFile(paths_.at(sha_)), model_bytes_);
  EXPECT_EQ(hub_.artifact_requests(), 1);  // one download for the two entries sharing it
  EXPECT_EQ(hub_.last_if_none_match(), "");

  ASSERT_TRUE(poller->Step().ok());
  EXPECT_EQ(hub_.last_if_none_match(), "\"rev-3\"");
  EXPECT_EQ(applies_, 1);
  auto stats = poller->stats();
  EXPECT_EQ(stats.applied_revision, 3);
  EXPECT_EQ(stats.etag, "\"rev-3\"");
  EXPECT_EQ(stats.polls, 2u);
  EXPECT_EQ(stats.not_modified, 1u);
  EXPECT_EQ(stats.downloads, 1u);
  EXPECT_EQ(stats.failures, 0u);

  // A new revision naming the same artifact does not download it again.
  hub_.Set(
      Document(4, {ModelJson("pump", "production", sha_, "/artifacts/m1", model_bytes_.size())}),
      "\"rev-4\"");
  ASSERT_TRUE(poller->Step().ok());
  EXPECT_EQ(applies_, 2);
  EXPECT_EQ(poller->stats().applied_revision, 4);
  EXPECT_EQ(poller->stats().downloads, 1u);
  EXPECT_EQ(hub_.artifact_requests(), 1);
  EXPECT_EQ(ModelFiles(), std::vector<std::string>{sha_ + ".onnx"});
}

TEST_F(PollerTest, WrongDigestIsRefusedAndLeavesNoFile) {
  const std::string wrong = Sha256Hex("something else");
  hub_.Set(
      Document(1, {ModelJson("pump", "production", wrong, "/artifacts/m1", model_bytes_.size())}),
      "\"e1\"");
  auto poller = MakePoller();
  const Status status = poller->Step();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("sha256 mismatch"), std::string::npos) << status.ToString();
  EXPECT_EQ(applies_, 0);
  EXPECT_TRUE(ModelFiles().empty());
  EXPECT_EQ(poller->stats().failures, 1u);
  EXPECT_EQ(poller->stats().applied_revision, -1);
  EXPECT_NE(poller->stats().last_error.find("sha256 mismatch"), std::string::npos);
}

TEST_F(PollerTest, SizeMismatchAndMissingArtifactAreRefused) {
  auto poller = MakePoller();
  for (const size_t size : {model_bytes_.size() - 1, model_bytes_.size() + 1}) {
    hub_.Set(Document(1, {ModelJson("pump", "production", sha_, "/artifacts/m1", size)}), "e");
    const Status status = poller->Step();
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.code(), StatusCode::kDataLoss) << status.ToString();
    EXPECT_TRUE(ModelFiles().empty());
  }
  hub_.Set(Document(1, {ModelJson("pump", "production", sha_, "/artifacts/nope", 10)}), "e");
  const Status status = poller->Step();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("HTTP 404"), std::string::npos) << status.ToString();
  EXPECT_EQ(applies_, 0);
  EXPECT_TRUE(ModelFiles().empty());
}

TEST_F(PollerTest, ApplyFailureKeepsTheEtagSoTheNextStepRetries) {
  hub_.Set(
      Document(5, {ModelJson("pump", "production", sha_, "/artifacts/m1", model_bytes_.size())}),
      "\"e5\"");
  auto poller = MakePoller();
  apply_result_ = FailedPrecondition("input schema mismatch: no channel vib_x");
  const Status status = poller->Step();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("input schema mismatch"), std::string::npos);
  EXPECT_NE(poller->stats().last_error.find("applying desired revision 5"), std::string::npos);
  EXPECT_EQ(poller->stats().etag, "");
  EXPECT_EQ(poller->stats().applied_revision, -1);

  apply_result_ = Status::Ok();
  ASSERT_TRUE(poller->Step().ok());
  EXPECT_EQ(hub_.last_if_none_match(), "");  // the retry asked for the full document
  EXPECT_EQ(applies_, 2);
  EXPECT_EQ(hub_.artifact_requests(), 1);  // the verified file was kept
  EXPECT_EQ(poller->stats().applied_revision, 5);
  EXPECT_EQ(poller->stats().last_error, "");
  EXPECT_EQ(poller->stats().failures, 1u);
}

TEST_F(PollerTest, SignaturesGoodBadAndMissing) {
  SigningKey key;
  SigningKey other;
  auto poller = MakePoller(key.PublicPem());
  const auto doc = [&](const std::string& signature) {
    return Document(1, {ModelJson("pump", "production", sha_, "/artifacts/m1", model_bytes_.size(),
                                  signature)});
  };
  hub_.Set(doc(""), "a");
  Status status = poller->Step();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("unsigned"), std::string::npos) << status.ToString();
  EXPECT_TRUE(ModelFiles().empty());

  hub_.Set(doc(other.SignBase64(model_bytes_)), "b");
  status = poller->Step();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("signature does not verify"), std::string::npos);
  EXPECT_TRUE(ModelFiles().empty());

  hub_.Set(doc("!!not-base64!!"), "c");
  EXPECT_FALSE(poller->Step().ok());
  EXPECT_TRUE(ModelFiles().empty());
  EXPECT_EQ(applies_, 0);

  hub_.Set(doc(key.SignBase64(model_bytes_)), "d");
  status = poller->Step();
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(applies_, 1);
  EXPECT_EQ(ReadFile(paths_.at(sha_)), model_bytes_);
}

TEST_F(PollerTest, TokenOnlyGoesToTheHubOrigin) {
  FakeHub elsewhere;  // another server that, like the hub, wants the token for artifacts
  elsewhere.AddArtifact("m1", model_bytes_);
  const std::string same = "http://127.0.0.1:" + std::to_string(hub_.port()) + "/artifacts/m1";
  hub_.Set(Document(1, {ModelJson("pump", "production", sha_, same, model_bytes_.size())}), "a");
  auto poller = MakePoller();
  ASSERT_TRUE(poller->Step().ok()) << poller->stats().last_error;
  fs::remove(paths_.at(sha_));
  const std::string other =
      "http://127.0.0.1:" + std::to_string(elsewhere.port()) + "/artifacts/m1";
  hub_.Set(Document(2, {ModelJson("pump", "production", sha_, other, model_bytes_.size())}), "b");
  const Status status = poller->Step();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("HTTP 404"), std::string::npos) << status.ToString();
  EXPECT_EQ(elsewhere.artifact_requests(), 1);
}

TEST_F(PollerTest, CreateRemovesLeftoverTempFiles) {
  fs::create_directories(dir_ + "/models");
  std::ofstream(dir_ + "/models/" + sha_ + ".onnx.tmp.1.2") << "partial";
  std::ofstream(dir_ + "/models/keep.txt") << "x";
  auto poller = MakePoller();
  EXPECT_EQ(ModelFiles(), std::vector<std::string>{"keep.txt"});
}

TEST_F(PollerTest, BadKeyIsRefused) {
  auto cache = ArtifactCache::Create({dir_ + "/models", 1 << 20, "not a pem"});
  ASSERT_FALSE(cache.ok());
  EXPECT_EQ(cache.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(PollerTest, MalformedDocumentIsRefusedWithReason) {
  hub_.Set(R"({"revision": 1, "models": [{"group": "pump"}]})", "x");
  auto poller = MakePoller();
  const Status status = poller->Step();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("models[0].role: missing"), std::string::npos)
      << status.ToString();
  EXPECT_EQ(applies_, 0);
}

TEST_F(PollerTest, WrongTokenIsAnError) {
  hub_.Set(Document(1, {}), "x");
  client_ = MakeHttpHubClient({"127.0.0.1", hub_.port(), "wrong", std::chrono::seconds(5)});
  auto poller = MakePoller();
  const Status status = poller->Step();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("HTTP 401"), std::string::npos) << status.ToString();
}

TEST_F(PollerTest, ServerDownIsUnavailable) {
  int dead_port = 0;
  {
    httplib::Server probe;
    dead_port = probe.bind_to_any_port("127.0.0.1");
  }  // closed again: nothing listens there now
  client_ = MakeHttpHubClient({"127.0.0.1", dead_port, "tok", std::chrono::seconds(2)});
  auto poller = MakePoller();
  const Status status = poller->Step();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.ToString();
  EXPECT_EQ(poller->stats().failures, 1u);
}

TEST_F(PollerTest, RunPollsEveryIntervalOnTheClock) {
  hub_.Set(Document(2, {}), "\"e2\"");
  auto poller = MakePoller();
  std::atomic<bool> stop{false};
  std::thread runner([&] { poller->Run(stop); });
  const auto wait_polls = [&](uint64_t n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (poller->stats().polls < n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return poller->stats().polls;
  };
  EXPECT_EQ(wait_polls(1), 1u);
  clock_.Advance(std::chrono::seconds(29));
  EXPECT_EQ(poller->stats().polls, 1u);  // not yet due (the poll itself is synchronous)
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(wait_polls(2), 2u);
  stop = true;
  clock_.Advance(std::chrono::seconds(1));  // wakes the sleeper so it sees the flag
  runner.join();
  EXPECT_EQ(poller->stats().applied_revision, 2);
  EXPECT_EQ(poller->stats().not_modified, 1u);
}

}  // namespace
}  // namespace edgeloop::edge
