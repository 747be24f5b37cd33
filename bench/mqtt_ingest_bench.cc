// MQTT ingest throughput: our MqttJsonSource (Paho + simdjson decoding) against mosquitto_sub
// (the broker project's own C client, which only prints payloads), both subscribed to the same
// topics on a local mosquitto while a Paho publisher sends N JSON sample-array messages at full
// speed. For each receiver: time from the first publish to its N-th message; 5 repetitions,
// medians, and the ratio ours / mosquitto_sub in messages per second (goal >= 0.9).
//
// Not a Google Benchmark: the reference is another process whose end we observe (mosquitto_sub
// -C N exits after N messages). Every wait has a deadline, so the bench always terminates.
//
// Usage: edgeloop_mqtt_ingest_bench [messages=20000] [samples_per_message=64] [qos=0]
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ingest/mqtt_client.h"
#include "ingest/mqtt_source.h"
#include "mosquitto_broker.h"

namespace edgeloop::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kRunDeadline = std::chrono::seconds(120);
constexpr const char* kMosquittoSub = "/usr/bin/mosquitto_sub";

struct RunResult {
  double ours_seconds = -1;  // < 0: did not receive all messages before the deadline
  double ref_seconds = -1;
  uint64_t ours_messages = 0;
};

// Starts `mosquitto_sub -C n` with client id `id`; its output goes to /dev/null.
pid_t StartMosquittoSub(int port, int n, int qos, const std::string& id) {
  const std::string port_s = std::to_string(port), n_s = std::to_string(n),
                    qos_s = std::to_string(qos);
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open("/dev/null", O_WRONLY);
    if (fd >= 0) ::dup2(fd, STDOUT_FILENO);
    ::execl(kMosquittoSub, kMosquittoSub, "-h", "127.0.0.1", "-p", port_s.c_str(), "-i", id.c_str(),
            "-q", qos_s.c_str(), "-t", "bench/#", "-C", n_s.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

// Waits until the broker's log shows `id` subscribed: with log_type subscribe, mosquitto logs
// "<client id> <qos> <filter>" for every subscription.
bool WaitForSubscription(const testing::MosquittoBroker& broker, const std::string& id) {
  const auto until = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < until) {
    const std::string log = broker.Log(size_t{1} << 24);
    for (const char* qos : {" 0 ", " 1 ", " 2 "}) {
      if (log.find(id + qos + "bench/#") != std::string::npos) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

int Run(int n, int samples, int qos) {
  testing::MosquittoBroker broker;
  broker.set_extra_config(
      "log_dest stderr\nlog_type error\nlog_type warning\nlog_type notice\nlog_type subscribe\n");
  if (Status s = broker.Start(); !s.ok()) {
    std::fprintf(stderr, "cannot start the broker: %s\n", s.ToString().c_str());
    return 1;
  }
  if (::access(kMosquittoSub, X_OK) != 0) {
    std::fprintf(stderr, "%s not found: install the 'mosquitto-clients' package\n", kMosquittoSub);
    return 1;
  }

  // Payloads are built before timing: seeded values, a distinct start time per message.
  std::mt19937 rng(42);
  std::normal_distribution<float> noise(0.0f, 0.5f);
  std::vector<std::string> topics, payloads;
  for (int i = 0; i < n; ++i) {
    topics.push_back("bench/pump-" + std::to_string(i % 8) + "/vib_de/vib");
    std::string p =
        "{\"start\": " + std::to_string(1767592800 + i) + ", \"rate_hz\": 25600, \"values\": [";
    char buf[32];
    for (int k = 0; k < samples; ++k) {
      std::snprintf(buf, sizeof(buf), k == 0 ? "%.4f" : ", %.4f", noise(rng));
      p += buf;
    }
    payloads.push_back(p + "]}");
  }

  auto topic_map = ingest::TopicMap::Create(
      {{"bench/{asset}/{channel}/vib", "", "", ChannelKind::kVibration, 25600}});
  ingest::MqttJsonSourceOptions options;
  options.mqtt.broker_uri = broker.uri();
  options.mqtt.client_id = "bench-ours";
  options.mqtt.subscribe_qos = qos;
  ingest::MqttJsonSource source(options, *topic_map);
  std::atomic<uint64_t> received{0};
  std::atomic<int64_t> target{0};
  std::atomic<int64_t> done_at{0};  // steady_clock ns when `received` reached `target`
  Status s = source.Start([&](std::vector<SampleBatch>) {
    const uint64_t r = received.fetch_add(1) + 1;
    if (static_cast<int64_t>(r) == target.load()) {
      done_at.store(Clock::now().time_since_epoch().count());
    }
    return true;
  });
  if (!s.ok()) {
    std::fprintf(stderr, "cannot start MqttJsonSource: %s\n", s.ToString().c_str());
    return 1;
  }
  ingest::MqttClientOptions pub_options;
  pub_options.broker_uri = broker.uri();
  pub_options.client_id = "bench-publisher";
  ingest::MqttClient publisher(pub_options);
  if (s = publisher.Connect(); !s.ok()) {
    std::fprintf(stderr, "cannot connect the publisher: %s\n", s.ToString().c_str());
    return 1;
  }

  std::printf("MQTT ingest: %d messages x %d samples (%zu bytes each), QoS %d, 5 runs\n", n,
              samples, payloads[0].size(), qos);
  std::vector<double> ours_rates, ref_rates;
  bool complete = true;
  for (int rep = 0; rep < 5; ++rep) {
    const std::string ref_id = "bench-ref-" + std::to_string(rep);
    const uint64_t before = received.load();
    target.store(static_cast<int64_t>(before) + n);
    done_at.store(0);
    pid_t ref = StartMosquittoSub(broker.port(), n, qos, ref_id);
    if (ref < 0 || !WaitForSubscription(broker, ref_id)) {
      std::fprintf(stderr, "mosquitto_sub did not subscribe in time; broker log:\n%s\n",
                   broker.Log().c_str());
      if (ref > 0) ::kill(ref, SIGKILL), ::waitpid(ref, nullptr, 0);
      return 1;
    }
    std::atomic<int64_t> ref_done_at{0};
    std::atomic<int> ref_status{-1};
    std::thread waiter([&] {
      int status = 0;
      ::waitpid(ref, &status, 0);
      ref_done_at.store(Clock::now().time_since_epoch().count());
      ref_status.store(status);
    });

    uint64_t publish_failures = 0;
    const auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) {
      // Paho refuses when its queue is full; retry rather than lose the message.
      while (!publisher.Publish(topics[i], payloads[i], qos).ok()) {
        ++publish_failures;
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
    }
    const auto t_published = Clock::now();
    const auto until = t0 + kRunDeadline;
    while (Clock::now() < until && (done_at.load() == 0 || ref_done_at.load() == 0)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (ref_done_at.load() == 0) ::kill(ref, SIGKILL);  // the waiter then returns
    waiter.join();

    RunResult r;
    const int64_t t0_ns = t0.time_since_epoch().count();
    if (done_at.load() != 0) r.ours_seconds = (done_at.load() - t0_ns) * 1e-9;
    if (ref_status.load() == 0 && ref_done_at.load() != 0) {
      r.ref_seconds = (ref_done_at.load() - t0_ns) * 1e-9;
    }
    r.ours_messages = received.load() - before;
    std::printf(
        "  run %d: publish %.3f s (%llu retries) | ours %s s (%llu msgs) | mosquitto_sub %s s\n",
        rep + 1, std::chrono::duration<double>(t_published - t0).count(),
        static_cast<unsigned long long>(publish_failures),
        r.ours_seconds < 0 ? "INCOMPLETE" : std::to_string(r.ours_seconds).c_str(),
        static_cast<unsigned long long>(r.ours_messages),
        r.ref_seconds < 0 ? "INCOMPLETE" : std::to_string(r.ref_seconds).c_str());
    if (r.ours_seconds < 0 || r.ref_seconds < 0) {
      complete = false;
      // Let stragglers arrive so the next run's count starts clean.
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      continue;
    }
    ours_rates.push_back(n / r.ours_seconds);
    ref_rates.push_back(n / r.ref_seconds);
  }

  const ingest::SourceCounters c = source.counters();
  source.Stop();
  if (Status d = publisher.Disconnect(); !d.ok()) std::fprintf(stderr, "%s\n", d.message().c_str());
  uint64_t rejected = 0;
  for (const auto& [reason, count] : c.rejected) rejected += count;
  std::printf("  ours decoded %llu values, %llu rejected messages\n",
              static_cast<unsigned long long>(c.values), static_cast<unsigned long long>(rejected));
  if (ours_rates.empty()) {
    std::printf("RESULT: no complete run (QoS %d dropped messages?); try qos=1\n", qos);
    return 1;
  }
  const double ours = Median(ours_rates), ref = Median(ref_rates);
  const double ratio = ours / ref;
  std::printf(
      "RESULT: median msgs/s ours %.0f, mosquitto_sub %.0f, ratio ours/mosquitto_sub %.2f"
      " (goal >= 0.9: %s)%s\n",
      ours, ref, ratio, ratio >= 0.9 ? "met" : "MISSED", complete ? "" : " [some runs incomplete]");
  return complete ? 0 : 1;
}

}  // namespace
}  // namespace edgeloop::bench

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 20000;
  const int samples = argc > 2 ? std::atoi(argv[2]) : 64;
  const int qos = argc > 3 ? std::atoi(argv[3]) : 0;
  if (n <= 0 || samples <= 0 || qos < 0 || qos > 2) {
    std::fprintf(stderr, "usage: %s [messages>0] [samples_per_message>0] [qos 0..2]\n", argv[0]);
    return 2;
  }
  return edgeloop::bench::Run(n, samples, qos);
}
