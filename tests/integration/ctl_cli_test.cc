// `edgeloop ctl` against a real `edgeloop hub` over real HTTP: both are the real binary, run in a
// fresh folder with a SQLite store and a port the kernel picks (--listen 127.0.0.1:0; the hub
// prints its URL). Covers tokens and roles, enrollment through `edgeloop edge enroll`, the model
// registry with a model trained by `edgeloop model train`, deployments, alerts, --json, exit
// codes, and a clean SIGTERM shutdown of the hub.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>

namespace edgeloop::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct CmdResult {
  int code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
  std::string all() const {
    return "exit " + std::to_string(code) + "\nstdout:\n" + out + "\nstderr:\n" + err;
  }
};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class CtlCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The caller's environment must not leak into the client under test.
    unsetenv("EDGELOOP_HUB");
    unsetenv("EDGELOOP_TOKEN");
    dir_ = fs::path(::testing::TempDir()) /
           ("edgeloop_ctl_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    StartHub();
  }

  void TearDown() override {
    if (hub_pid_ <= 0) return;
    // SIGTERM: the hub finishes in-flight requests and exits 0.
    ASSERT_EQ(kill(hub_pid_, SIGTERM), 0);
    int status = 0;
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    pid_t done = 0;
    while ((done = waitpid(hub_pid_, &status, WNOHANG)) == 0 && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (done == 0) {
      kill(hub_pid_, SIGKILL);
      waitpid(hub_pid_, &status, 0);
      FAIL() << "the hub did not stop within 30 s of SIGTERM\n" << ReadFile(dir_ / "hub.log");
    }
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "hub status " << status << "\n"
                                                               << ReadFile(dir_ / "hub.log");
    EXPECT_TRUE(Contains(ReadFile(dir_ / "hub.log"), "edgeloop hub: stopped"));
  }

  // Starts `edgeloop hub` with the test folder as working directory (admin.token lands there)
  // and waits for its URL on stdout and for /healthz.
  void StartHub() {
    const std::string log = (dir_ / "hub.log").string();
    const std::string db = "sqlite:" + (dir_ / "hub.db").string();
    hub_pid_ = fork();
    ASSERT_GE(hub_pid_, 0);
    if (hub_pid_ == 0) {
      const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0 || chdir(dir_.c_str()) != 0) _exit(127);
      dup2(fd, 1);
      dup2(fd, 2);
      execl(EDGELOOP_CLI_PATH, EDGELOOP_CLI_PATH, "hub", "--listen", "127.0.0.1:0", "--db",
            db.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    const std::string marker = "serving on ";
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (url_.empty() && Clock::now() < deadline) {
      const std::string text = ReadFile(log);
      if (size_t at = text.find(marker); at != std::string::npos) {
        const size_t end = text.find(' ', at + marker.size());
        if (end != std::string::npos)
          url_ = text.substr(at + marker.size(), end - at - marker.size());
      }
      int status = 0;
      if (url_.empty() && waitpid(hub_pid_, &status, WNOHANG) == hub_pid_) {
        hub_pid_ = -1;
        FAIL() << "the hub exited early:\n" << text;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_FALSE(url_.empty()) << ReadFile(log);
    httplib::Client client(url_);
    bool healthy = false;
    while (!healthy && Clock::now() < deadline) {
      auto res = client.Get("/healthz");
      healthy = res && res->status == 200;
      if (!healthy) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(healthy) << ReadFile(log);
    admin_token_file_ = (dir_ / "admin.token").string();
    ASSERT_TRUE(fs::exists(admin_token_file_)) << ReadFile(log);
  }

  // Runs `edgeloop <args>` with stdout and stderr kept apart; `env` is prepended (VAR=x ...).
  CmdResult Edgeloop(const std::string& args, const std::string& env = "") {
    const fs::path err = dir_ / "stderr.txt";
    const std::string command = (env.empty() ? "" : "env " + env + " ") +
                                std::string(EDGELOOP_CLI_PATH) + " " + args + " 2>" + err.string();
    CmdResult run;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return run;
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof buf, pipe)) run.out.append(buf, n);
    const int status = pclose(pipe);
    run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.err = ReadFile(err);
    return run;
  }

  // `edgeloop ctl --hub URL --token-file admin.token <args>`.
  CmdResult Ctl(const std::string& args) {
    return Edgeloop("ctl --hub " + url_ + " --token-file " + admin_token_file_ + " " + args);
  }
  CmdResult CtlAs(const std::string& token, const std::string& args) {
    return Edgeloop("ctl --hub " + url_ + " --token " + token + " " + args);
  }

  json ParseJson(const CmdResult& run) {
    json j = json::parse(run.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << run.all();
    return j.is_discarded() ? json() : j;
  }

  std::string P(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
  pid_t hub_pid_ = -1;
  std::string url_;
  std::string admin_token_file_;
};

TEST_F(CtlCliTest, TokensRolesAndRevocation) {
  const std::string admin_secret = ReadFile(admin_token_file_);

  CmdResult created = Ctl("tokens create bob --role viewer --json");
  ASSERT_EQ(created.code, 0) << created.all();
  const json bob = ParseJson(created);
  ASSERT_TRUE(bob["token"].is_string()) << created.out;
  EXPECT_EQ(bob["role"], "viewer");
  const std::string bob_secret = bob["token"];
  const std::string bob_id = std::to_string(bob["id"].get<int64_t>());

  // Human output shows the secret once, on its own line.
  CmdResult human = Ctl("tokens create carol --role technician --expires 30d");
  ASSERT_EQ(human.code, 0) << human.all();
  EXPECT_TRUE(Contains(human.out, "'carol' (role technician")) << human.out;
  EXPECT_TRUE(Contains(human.out, "shown only now")) << human.out;

  CmdResult list = Ctl("tokens list");
  ASSERT_EQ(list.code, 0) << list.all();
  EXPECT_TRUE(Contains(list.out, "ID")) << list.out;
  EXPECT_TRUE(Contains(list.out, "ROLE")) << list.out;
  EXPECT_TRUE(Contains(list.out, "bob")) << list.out;
  EXPECT_TRUE(Contains(list.out, "carol")) << list.out;
  EXPECT_TRUE(Contains(list.out, "technician")) << list.out;
  // A list never shows a secret.
  EXPECT_FALSE(Contains(list.out, bob_secret)) << list.out;
  EXPECT_FALSE(Contains(list.out + list.err, admin_secret.substr(0, 20))) << list.out;
  CmdResult list_json = Ctl("--json tokens list");
  ASSERT_EQ(list_json.code, 0) << list_json.all();
  EXPECT_GE(ParseJson(list_json)["tokens"].size(), 3u);

  // The viewer can read but not administer.
  CmdResult read = CtlAs(bob_secret, "nodes list");
  EXPECT_EQ(read.code, 0) << read.all();
  CmdResult forbidden = CtlAs(bob_secret, "tokens create mallory --role admin");
  EXPECT_EQ(forbidden.code, 1) << forbidden.all();
  EXPECT_TRUE(Contains(forbidden.err, "HTTP 403")) << forbidden.all();
  EXPECT_TRUE(forbidden.out.empty()) << forbidden.all();

  // The hub refuses a role it does not know: its message, exit 1.
  CmdResult bad_role = Ctl("tokens create x --role wizard");
  EXPECT_EQ(bad_role.code, 1) << bad_role.all();
  EXPECT_TRUE(Contains(bad_role.err, "HTTP 400")) << bad_role.all();

  CmdResult revoked = Ctl("tokens revoke " + bob_id);
  ASSERT_EQ(revoked.code, 0) << revoked.all();
  EXPECT_TRUE(Contains(revoked.out, "token " + bob_id + " revoked")) << revoked.out;
  // Revocation takes effect within the hub's auth cache age (2 s).
  CmdResult after;
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  do {
    after = CtlAs(bob_secret, "nodes list");
    if (after.code == 0) std::this_thread::sleep_for(std::chrono::milliseconds(250));
  } while (after.code == 0 && Clock::now() < deadline);
  EXPECT_EQ(after.code, 1) << after.all();
  EXPECT_TRUE(Contains(after.err, "HTTP 401")) << after.all();
  CmdResult revoked_list = Ctl("--json tokens list");
  bool found = false;
  const json revoked_tokens = ParseJson(revoked_list);
  for (const json& t : revoked_tokens["tokens"]) {
    if (t["name"] == "bob") found = t["revoked"] == true;
  }
  EXPECT_TRUE(found) << revoked_list.out;

  CmdResult unknown = Ctl("tokens revoke 99999");
  EXPECT_EQ(unknown.code, 1) << unknown.all();
  EXPECT_TRUE(Contains(unknown.err, "HTTP 404")) << unknown.all();
}

TEST_F(CtlCliTest, EnrollNodesModelsDeploymentsAlerts) {
  // Enrollment: ctl prints the one-time token and the exact command for the gateway.
  const std::string node_token = P("node.token");
  CmdResult enroll = Ctl("enroll gw-1 --group line-1 --ttl 1h --node-token-file " + node_token);
  ASSERT_EQ(enroll.code, 0) << enroll.all();
  const std::string prefix = "  edgeloop edge enroll ";
  const size_t at = enroll.out.find(prefix);
  ASSERT_NE(at, std::string::npos) << enroll.out;
  const std::string line = enroll.out.substr(at + 2, enroll.out.find('\n', at) - at - 2);
  EXPECT_TRUE(Contains(line, "--hub " + url_)) << line;
  EXPECT_TRUE(Contains(line, "--token-file " + node_token)) << line;
  CmdResult edge = Edgeloop(line.substr(std::string("edgeloop ").size()));
  ASSERT_EQ(edge.code, 0) << edge.all();
  struct stat st {};
  ASSERT_EQ(stat(node_token.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_GT(ReadFile(node_token).size(), 16u);
  // The enrollment token is one-time.
  CmdResult again = Edgeloop(line.substr(std::string("edgeloop ").size()) + " --replace");
  EXPECT_EQ(again.code, 1) << again.all();

  CmdResult nodes = Ctl("nodes list");
  ASSERT_EQ(nodes.code, 0) << nodes.all();
  EXPECT_TRUE(Contains(nodes.out, "NODE")) << nodes.out;
  EXPECT_TRUE(Contains(nodes.out, "gw-1")) << nodes.out;
  EXPECT_TRUE(Contains(nodes.out, "line-1")) << nodes.out;
  const json nodes_json = ParseJson(Ctl("nodes list --json"));  // --json after the verb too
  ASSERT_EQ(nodes_json["nodes"].size(), 1u) << nodes_json.dump();
  EXPECT_EQ(nodes_json["nodes"][0]["id"], "gw-1");
  CmdResult node = Ctl("nodes show gw-1");
  ASSERT_EQ(node.code, 0) << node.all();
  EXPECT_TRUE(Contains(node.out, "group:")) << node.out;
  EXPECT_TRUE(Contains(node.out, "status:")) << node.out;
  CmdResult missing = Ctl("nodes show gw-404");
  EXPECT_EQ(missing.code, 1) << missing.all();
  EXPECT_TRUE(Contains(missing.err, "HTTP 404")) << missing.all();

  // A real model, trained by the same binary on a small CSV.
  {
    std::mt19937 rng(7);
    std::normal_distribution<double> g(0.0, 1.0);
    std::ofstream f(P("normal.csv"));
    f << "timestamp,flow,load,pressure,current\n";
    for (int i = 0; i < 600; ++i) {
      const double flow = 10 + 2 * std::sin(i / 40.0) + 0.5 * g(rng);
      const double load = 5 + g(rng);
      f << 1600000000 + i << ',' << flow << ',' << load << ',' << 0.3 * flow + 0.1 * g(rng) << ','
        << 2 * load + 0.5 * flow + 0.2 * g(rng) << '\n';
    }
  }
  CmdResult train =
      Edgeloop("model train --trainer pca --data " + P("normal.csv") + " --out " + P("pca.onnx"));
  ASSERT_EQ(train.code, 0) << train.all();
  CmdResult upload = Ctl("models upload pump-bearing " + P("pca.onnx"));
  ASSERT_EQ(upload.code, 0) << upload.all();
  EXPECT_TRUE(Contains(upload.out, "uploaded pump-bearing version 1")) << upload.out;
  CmdResult duplicate = Ctl("models upload pump-bearing " + P("pca.onnx"));
  EXPECT_EQ(duplicate.code, 1) << duplicate.all();
  EXPECT_TRUE(Contains(duplicate.err, "HTTP 409")) << duplicate.all();
  CmdResult models = Ctl("models list");
  ASSERT_EQ(models.code, 0) << models.all();
  EXPECT_TRUE(Contains(models.out, "pump-bearing")) << models.out;
  EXPECT_TRUE(Contains(models.out, "pca")) << models.out;
  CmdResult versions = Ctl("models show pump-bearing");
  ASSERT_EQ(versions.code, 0) << versions.all();
  EXPECT_TRUE(Contains(versions.out, "VERSION")) << versions.out;
  CmdResult version = Ctl("models show pump-bearing 1");
  ASSERT_EQ(version.code, 0) << version.all();
  EXPECT_TRUE(Contains(version.out, "sha256:")) << version.out;
  EXPECT_TRUE(Contains(version.out, "flow, load, pressure, current")) << version.out;
  const json version_json = ParseJson(Ctl("--json models show pump-bearing 1"));
  EXPECT_EQ(version_json["version"], 1) << version_json.dump();

  // Deployments: create, per-node status, roll back (once).
  CmdResult deploy =
      Ctl("deploy create --model pump-bearing --version 1 --group pump --nodes gw-1");
  ASSERT_EQ(deploy.code, 0) << deploy.all();
  EXPECT_TRUE(Contains(deploy.out, "pump-bearing@1 as production")) << deploy.out;
  const json deployments = ParseJson(Ctl("--json deploy list --active"));
  ASSERT_EQ(deployments["deployments"].size(), 1u) << deployments.dump();
  const std::string id = std::to_string(deployments["deployments"][0]["id"].get<int64_t>());
  CmdResult show = Ctl("deploy show " + id);
  ASSERT_EQ(show.code, 0) << show.all();
  EXPECT_TRUE(Contains(show.out, "NODE")) << show.out;
  EXPECT_TRUE(Contains(show.out, "gw-1")) << show.out;
  EXPECT_TRUE(Contains(show.out, "state:")) << show.out;
  CmdResult rollback = Ctl("deploy rollback " + id);
  ASSERT_EQ(rollback.code, 0) << rollback.all();
  EXPECT_TRUE(Contains(rollback.out, "rolled_back")) << rollback.out;
  CmdResult twice = Ctl("deploy rollback " + id);
  EXPECT_EQ(twice.code, 1) << twice.all();
  EXPECT_TRUE(Contains(twice.err, "HTTP 409")) << twice.all();
  const json active = ParseJson(Ctl("--json deploy list --active"));
  EXPECT_TRUE(active["deployments"].empty()) << active.dump();

  // No alerts yet: an empty table, not an error.
  CmdResult alerts = Ctl("alerts list --state open");
  ASSERT_EQ(alerts.code, 0) << alerts.all();
  EXPECT_TRUE(Contains(alerts.out, "SEVERITY")) << alerts.out;
  EXPECT_TRUE(Contains(alerts.out, "(no alerts)")) << alerts.out;
  EXPECT_TRUE(ParseJson(Ctl("--json alerts list"))["alerts"].empty());
  CmdResult no_alert = Ctl("alerts ack 12345");
  EXPECT_EQ(no_alert.code, 1) << no_alert.all();
  EXPECT_TRUE(Contains(no_alert.err, "HTTP 404")) << no_alert.all();

  CmdResult slo = Ctl("slo");
  EXPECT_EQ(slo.code, 0) << slo.all();
  EXPECT_TRUE(Contains(slo.out, "alert to acknowledge latency")) << slo.out;
  CmdResult lineage = Ctl("lineage node gw-1");
  EXPECT_EQ(lineage.code, 0) << lineage.all();
  EXPECT_TRUE(Contains(lineage.out, "root:")) << lineage.out;
}

TEST_F(CtlCliTest, ExitCodesAndMessages) {
  // Nothing listens on port 1: exit 1 with the URL in the message.
  CmdResult unreachable =
      Edgeloop("ctl --hub http://127.0.0.1:1 --token-file " + admin_token_file_ + " nodes list");
  EXPECT_EQ(unreachable.code, 1) << unreachable.all();
  EXPECT_TRUE(Contains(unreachable.err, "cannot reach the hub at http://127.0.0.1:1"))
      << unreachable.all();

  CmdResult malformed = Edgeloop("ctl --hub 127.0.0.1:8080 nodes list");
  EXPECT_EQ(malformed.code, 2) << malformed.all();
  EXPECT_TRUE(Contains(malformed.err, "http://host:port")) << malformed.all();

  CmdResult no_file =
      Edgeloop("ctl --hub " + url_ + " --token-file " + P("nope.token") + " nodes list");
  EXPECT_EQ(no_file.code, 2) << no_file.all();
  EXPECT_TRUE(Contains(no_file.err, "nope.token")) << no_file.all();

  CmdResult no_model = Ctl("models upload m " + P("nope.onnx"));
  EXPECT_EQ(no_model.code, 2) << no_model.all();
  EXPECT_TRUE(Contains(no_model.err, "nope.onnx")) << no_model.all();

  // Usage errors found by the parser or by ctl itself: exit 2, nothing sent.
  CmdResult no_role = Ctl("tokens create dave");
  EXPECT_EQ(no_role.code, 2) << no_role.all();
  EXPECT_TRUE(Contains(no_role.err, "--role")) << no_role.all();
  CmdResult no_target = Ctl("deploy create --model m --version 1 --group g");
  EXPECT_EQ(no_target.code, 2) << no_target.all();
  CmdResult bad_label = Ctl("alerts annotate 1 --label maybe");
  EXPECT_EQ(bad_label.code, 2) << bad_label.all();
  CmdResult bad_ttl = Ctl("enroll gw-2 --ttl soon");
  EXPECT_EQ(bad_ttl.code, 2) << bad_ttl.all();
  EXPECT_TRUE(Contains(bad_ttl.err, "--ttl")) << bad_ttl.all();
  CmdResult both = Edgeloop("ctl --token a --token-file b nodes list");
  EXPECT_EQ(both.code, 2) << both.all();

  // No token: the hub's 401 plus a hint; the environment variables work like the flags.
  CmdResult anonymous = Edgeloop("ctl --hub " + url_ + " nodes list");
  EXPECT_EQ(anonymous.code, 1) << anonymous.all();
  EXPECT_TRUE(Contains(anonymous.err, "HTTP 401")) << anonymous.all();
  EXPECT_TRUE(Contains(anonymous.err, "--token-file")) << anonymous.all();
  const std::string secret = ReadFile(admin_token_file_);
  CmdResult by_env =
      Edgeloop("ctl --json tokens list",
               "EDGELOOP_HUB=" + url_ + " EDGELOOP_TOKEN=" + secret.substr(0, secret.find('\n')));
  ASSERT_EQ(by_env.code, 0) << by_env.all();
  EXPECT_EQ(ParseJson(by_env)["tokens"].size(), 1u) << by_env.out;
}

}  // namespace
}  // namespace edgeloop::testing
