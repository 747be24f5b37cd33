// uplink_test_agent: the child process of the kill -9 test (kill9_test.cc). It appends batches
// "batch-<seq>" (with a NUL byte, to prove payloads are binary-safe) to an outbox and sends them
// to a TestHub, interleaving the two, until `total` batches exist and all are acknowledged.
// Restarted after SIGKILL, it resumes from whatever the outbox file says.
//
// Usage: uplink_test_agent <outbox.db> <port> <node> <token> <total>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "common/clock.h"
#include "uplink/uplink.h"

using namespace edgeloop;
using namespace edgeloop::uplink;

std::string PayloadFor(int64_t seq) {
  return "batch-" + std::to_string(seq) + std::string(1, '\0');
}

int main(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: uplink_test_agent <outbox.db> <port> <node> <token> <total>\n";
    return 2;
  }
  const int64_t total = std::atoll(argv[5]);
  auto outbox = Outbox::Open({.path = argv[1]});
  if (!outbox.ok()) {
    std::cerr << outbox.status().message() << "\n";
    return 3;
  }
  SystemClock clock;
  UplinkOptions options{.node_id = argv[3],
                        .token = argv[4],
                        .max_batches_per_request = 4,
                        .initial_backoff = std::chrono::milliseconds(2),
                        .max_backoff = std::chrono::milliseconds(50),
                        .idle_poll = std::chrono::milliseconds(5),
                        .seed = static_cast<uint64_t>(getpid())};
  Uplink uplink(**outbox,
                MakeHttpTransport("127.0.0.1", std::atoi(argv[2]), std::chrono::seconds(2)), clock,
                options);
  while (true) {
    auto stats = (*outbox)->Stats();
    if (!stats.ok()) return 4;
    if (stats->last_seq < total) {
      const int64_t want = stats->last_seq + 1;
      auto seq = (*outbox)->Append(PayloadFor(want));
      if (!seq.ok() || *seq != want) {
        std::cerr << "append gave an unexpected sequence number\n";
        return 5;
      }
    } else if (stats->pending == 0) {
      return stats->parked == 0 ? 0 : 6;
    }
    auto wait = uplink.Step();
    if (!wait.ok()) return 7;
    if (stats->last_seq >= total && *wait > Duration::zero()) clock.SleepFor(*wait);
  }
}
