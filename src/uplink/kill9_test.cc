// The kill -9 test: an agent child (uplink_test_agent) appends and sends batches; the test
// SIGKILLs it at seeded points mid-stream (right after the hub stored a batch but before the
// delayed answer reaches the child, so the resend + dedupe path is exercised), restarts it, and
// finally checks the hub holds every seq 1..N exactly once with the right payload.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <thread>

#include "uplink/test_hub.h"

namespace edgeloop::uplink {
namespace {

constexpr int64_t kTotal = 60;

pid_t StartAgent(const std::string& db, int port) {
  const std::string port_s = std::to_string(port), total_s = std::to_string(kTotal);
  pid_t pid = fork();
  if (pid == 0) {
    execl(UPLINK_TEST_AGENT, UPLINK_TEST_AGENT, db.c_str(), port_s.c_str(), "gw-kill", "tok",
          total_s.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

TEST(Kill9Test, NoBatchLostNoDuplicateAfterDedupe) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("uplink_kill9_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string db = (dir / "outbox.db").string();

  TestHub hub("tok");
  hub.set_answer_delay(std::chrono::milliseconds(30));
  std::mt19937 rng(20261123);
  int64_t kill_at = 0;
  for (int round = 0; round < 3; ++round) {
    kill_at += std::uniform_int_distribution<int64_t>(5, 15)(rng);
    const pid_t pid = StartAgent(db, hub.port());
    ASSERT_GT(pid, 0);
    ASSERT_TRUE(hub.WaitForDistinct("gw-kill", kill_at, std::chrono::seconds(20)))
        << "round " << round << " stalled at " << hub.distinct("gw-kill");
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status));
  }
  const pid_t pid = StartAgent(db, hub.port());
  ASSERT_GT(pid, 0);
  // Bounded wait: a stalled agent fails the test instead of hanging it.
  int status = 0;
  pid_t done = 0;
  for (int i = 0; i < 3000 && done == 0; ++i) {
    done = waitpid(pid, &status, WNOHANG);
    if (done == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (done == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    FAIL() << "agent did not finish within 30 s; hub has " << hub.distinct("gw-kill");
  }
  ASSERT_EQ(done, pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);

  EXPECT_EQ(hub.distinct("gw-kill"), kTotal);
  for (int64_t seq = 1; seq <= kTotal; ++seq) {
    EXPECT_EQ(hub.payload("gw-kill", seq), "batch-" + std::to_string(seq) + std::string(1, '\0'))
        << "seq " << seq;
  }
  // Each kill landed while an answer was in flight, so the restarted agent resent batches the
  // hub already had: they were deduplicated, not stored twice.
  EXPECT_GE(hub.duplicates(), 1);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace edgeloop::uplink
