// `edgeloop edge` through the real binary: config errors, --check, and the kill -9 test of the
// whole daemon (simulated machines -> pipeline -> outbox -> HTTP uplink to a test hub): the
// daemon is SIGKILLed three times mid-stream and restarted; in the end the hub holds every
// sequence number the node ever assigned exactly once (no batch lost, none duplicated after
// dedupe) and the outbox is empty.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/sha256.h"
#include "edge/signature.h"
#include "edge/signing_key_test_util.h"
#include "uplink/outbox.h"
#include "uplink/test_hub.h"

namespace edgeloop {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

struct CliRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

CliRun RunCli(const std::string& args) {
  CliRun r;
  const std::string cmd = std::string(EDGELOOP_CLI_PATH) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::array<char, 4096> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), p)) r.output.append(buf.data(), n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class EdgeCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("edge_cli_test_{}_{}", getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) const {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  static std::string Config(int hub_port) {
    return fmt::format(R"([node]
id = "gw-cli"
[hub]
url = "http://127.0.0.1:{}"
token = "tok"
heartbeat = "300ms"
[store]
path = "data/edge.db"
[http]
listen = "127.0.0.1:0"
[pipeline]
workers = 2
[pipeline.detector]
warmup_windows = 5
[[asset]]
id = "pump-1"
kind = "pump"
shaft_rpm = 2970
[[asset]]
id = "fan-1"
kind = "fan"
shaft_rpm = 990
[[source]]
name = "sim"
type = "sim"
assets = ["pump-1", "fan-1"]
speed = 10
)",
                       hub_port);
  }

  fs::path dir_;
};

TEST_F(EdgeCliTest, BadConfigIsRefusedWithFileLineAndKey) {
  const std::string path = Write("edge.toml",
                                 "[node]\nid = \"gw\"\n[store]\npath = \"x.db\"\n"
                                 "[pipeline]\nworkers = \"two\"\n");
  CliRun r = RunCli("edge --config " + path);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("edge.toml:6"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("pipeline.workers"), std::string::npos) << r.output;

  CliRun missing = RunCli("edge --config " + (dir_ / "nope.toml").string());
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find("nope.toml"), std::string::npos) << missing.output;
}

TEST_F(EdgeCliTest, CheckLoadsEverythingWithoutRunning) {
  const std::string path = Write("edge.toml", Config(1));
  CliRun r = RunCli("edge --config " + path + " --check");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("is valid"), std::string::npos) << r.output;
}

TEST_F(EdgeCliTest, ModelSignPrintsWhatADesiredStateEntryNeeds) {
  edge::SigningKey key;
  const std::string model = Write("m.onnx", std::string("not really onnx \0\1\2", 19));
  const std::string pem = Write("key.pem", key.PrivatePem());
  CliRun r = RunCli("model sign " + model + " --key " + pem);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json out = nlohmann::json::parse(r.output);
  const std::string bytes(std::string("not really onnx \0\1\2", 19));
  const std::span<const uint8_t> span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  EXPECT_EQ(out["sha256"], Sha256Hex(span));
  EXPECT_EQ(out["size"], bytes.size());
  auto verifier = edge::Ed25519Verifier::FromPem(key.PublicPem());
  ASSERT_TRUE(verifier.ok());
  EXPECT_TRUE(verifier->Verify(span, out["signature"].get<std::string>()).ok());

  CliRun bad = RunCli("model sign " + model + " --key " + model);
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("not a PEM private key"), std::string::npos) << bad.output;
}

// The loop from the edge to a model and back: a gateway runs on its baseline detector, its
// stored windows are exported, a PCA model is trained on them, and a config that deploys that
// model to the asset passes --check (sha256, metadata and input schema against the pipeline).
TEST_F(EdgeCliTest, ExportedWindowsTrainAModelTheGatewayAccepts) {
  std::string config = Config(1);
  config.erase(config.find("[hub]"), config.find("[store]") - config.find("[hub]"));
  config.replace(config.find("speed = 10"), 10, "speed = 40");
  const std::string path = Write("edge.toml", config);
  CliRun run = RunCli("edge --config " + path + " --duration 12s --status-every 0s");
  ASSERT_EQ(run.exit_code, 0) << run.output;

  const std::string csv = (dir_ / "fan.csv").string();
  CliRun exported = RunCli("edge export --store " + (dir_ / "data/edge.db").string() +
                           " --asset fan-1 --out " + csv);
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  std::ifstream in(csv);
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header.rfind("time,", 0), 0u) << header;
  EXPECT_NE(header.find("kurtosis"), std::string::npos) << header;
  int rows = 0;
  for (std::string line; std::getline(in, line);) ++rows;
  ASSERT_GE(rows, 100) << exported.output;

  const std::string model = (dir_ / "fan.onnx").string();
  CliRun trained =
      RunCli("model train --trainer pca --data " + csv + " --exclude temp_c --out " + model);
  ASSERT_EQ(trained.exit_code, 0) << trained.output;

  const std::string deployed = Write("edge2.toml", config + R"(
[[models]]
group = "fans"
assets = ["fan-1"]
production = "fan.onnx"
)");
  CliRun check = RunCli("edge --config " + deployed + " --check");
  EXPECT_EQ(check.exit_code, 0) << check.output;

  CliRun no_store = RunCli("edge export --store " + (dir_ / "nope.db").string() + " --out " + csv);
  EXPECT_EQ(no_store.exit_code, 1) << no_store.output;
  EXPECT_NE(no_store.output.find("no edge store"), std::string::npos) << no_store.output;
  EXPECT_FALSE(fs::exists(dir_ / "nope.db"));
}

pid_t StartDaemon(const std::string& config, const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    FILE* out = freopen(log.c_str(), "a", stdout);
    (void)out;
    dup2(fileno(stdout), STDERR_FILENO);
    execl(EDGELOOP_CLI_PATH, EDGELOOP_CLI_PATH, "edge", "--config", config.c_str(),
          "--status-every", "0s", static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

TEST_F(EdgeCliTest, Kill9LosesNoBatchAndTheHubSeesNoDuplicateAfterDedupe) {
  uplink::TestHub hub("tok");
  // A delayed answer widens the window in which a batch is stored on the hub but not yet
  // acknowledged on the node, so the kills also exercise resend + dedupe.
  hub.set_answer_delay(milliseconds(40));
  const std::string config = Write("edge.toml", Config(hub.port()));
  const std::string log = (dir_ / "daemon.log").string();

  int64_t target = 0;
  for (int round = 0; round < 3; ++round) {
    pid_t pid = StartDaemon(config, log);
    ASSERT_GT(pid, 0);
    target = hub.distinct("gw-cli") + 4;
    const bool reached = hub.WaitForDistinct("gw-cli", target, seconds(90));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(reached) << "round " << round << ": hub has " << hub.distinct("gw-cli")
                         << " batches; daemon log: " << log;
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  }

  // A last run that is stopped in order: it resends what the killed runs left in the outbox,
  // then drains what it produced itself before exiting.
  pid_t pid = StartDaemon(config, log);
  ASSERT_TRUE(hub.WaitForDistinct("gw-cli", target + 3, seconds(90)));
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "daemon did not exit on SIGTERM";
  EXPECT_EQ(WEXITSTATUS(status), 0);

  auto outbox = uplink::Outbox::Open({(dir_ / "data/edge.db.outbox").string()});
  ASSERT_TRUE(outbox.ok()) << outbox.status().ToString();
  auto stats = (*outbox)->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->pending, 0);
  EXPECT_EQ(stats->parked, 0);
  EXPECT_EQ(stats->dropped_batches, 0);
  // Every sequence number ever assigned is on the hub exactly once.
  const auto payloads = hub.payloads("gw-cli");
  ASSERT_EQ(static_cast<int64_t>(payloads.size()), stats->last_seq);
  int64_t expected = 1;
  for (const auto& [seq, payload] : payloads) {
    EXPECT_EQ(seq, expected++);
    EXPECT_NE(payload.find("\"node\":\"gw-cli\""), std::string::npos);
  }
  std::printf("kill -9 test: %lld batches, %lld resends deduplicated by the hub\n",
              static_cast<long long>(stats->last_seq), static_cast<long long>(hub.duplicates()));
}

}  // namespace
}  // namespace edgeloop
