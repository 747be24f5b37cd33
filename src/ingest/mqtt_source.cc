#include "ingest/mqtt_source.h"

#include <spdlog/spdlog.h>

#include <span>
#include <utility>

namespace edgeloop::ingest {

namespace source_internal {

void SourceStats::Accepted(uint64_t values) {
  std::lock_guard lock(mu_);
  ++counters_.messages;
  counters_.values += values;
}

void SourceStats::Rejected(std::string_view reason, std::string_view message, uint64_t count) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  auto it = counters_.rejected.find(std::string(reason));
  if (it == counters_.rejected.end()) it = counters_.rejected.emplace(reason, 0).first;
  it->second += count;
  counters_.last_error = std::string(reason) + ": " + std::string(message);
  auto log_it = log_.find(reason);
  if (log_it == log_.end()) log_it = log_.emplace(std::string(reason), LogState{}).first;
  LogState& state = log_it->second;
  if (state.logged && now - state.last < log_interval_) {
    state.suppressed += count;
    return;
  }
  if (state.suppressed > 0) {
    spdlog::warn("{}: rejected ({}): {} ({} more not logged)", name_, reason, message,
                 state.suppressed);
  } else {
    spdlog::warn("{}: rejected ({}): {}", name_, reason, message);
  }
  state.logged = true;
  state.last = now;
  state.suppressed = 0;
}

void SourceStats::SetError(std::string error) {
  std::lock_guard lock(mu_);
  counters_.last_error = std::move(error);
}

SourceCounters SourceStats::Snapshot() const {
  std::lock_guard lock(mu_);
  return counters_;
}

}  // namespace source_internal

namespace {

uint64_t CountValues(const std::vector<SampleBatch>& batches) {
  uint64_t n = 0;
  for (const SampleBatch& b : batches) n += b.values.size();
  return n;
}

// The connection's last error wins over an older rejection message when it is newer; we cannot
// order them, so a connection problem (the more urgent one) is reported when there is one.
SourceCounters Merge(SourceCounters counters, const MqttClientCounters& client) {
  if (client.state != MqttConnectionState::kConnected && !client.last_error.empty()) {
    counters.last_error = client.last_error;
  }
  return counters;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// MqttJsonSource

MqttJsonSource::MqttJsonSource(MqttJsonSourceOptions options, TopicMap topics, const Clock* clock)
    : options_(std::move(options)),
      clock_(clock != nullptr ? clock : &system_clock_),
      client_(options_.mqtt),
      stats_(options_.name, options_.log_interval),
      decoder_(std::move(topics), options_.limits) {
  client_.set_message_handler(
      [this](std::string_view topic, std::string_view payload) { OnMessage(topic, payload); });
}

MqttJsonSource::~MqttJsonSource() {
  Stop();
  // After this no Paho callback can reach our members, which are destroyed before client_.
  client_.set_message_handler(nullptr);
}

Status MqttJsonSource::Start(BatchSink sink) {
  {
    std::lock_guard lock(mu_);
    if (running_) return FailedPrecondition(options_.name + ": already started");
    sink_ = std::move(sink);
    running_ = true;
  }
  Status s = client_.Connect();
  if (s.ok()) s = client_.Subscribe(decoder_.topics().SubscriptionFilters());
  if (!s.ok()) {
    stats_.SetError(s.message());
    Stop();
    return s.WithContext(options_.name);
  }
  return Status::Ok();
}

void MqttJsonSource::Stop() {
  {
    // Waits for a callback inside the sink; afterwards OnMessage drops everything.
    std::lock_guard lock(mu_);
    running_ = false;
    sink_ = nullptr;
  }
  Status s = client_.Disconnect();
  if (!s.ok()) spdlog::warn("{}: {}", options_.name, s.message());
}

SourceCounters MqttJsonSource::counters() const {
  return Merge(stats_.Snapshot(), client_.counters());
}

void MqttJsonSource::OnMessage(std::string_view topic, std::string_view payload) {
  std::lock_guard lock(mu_);
  if (!running_) return;
  DecodeResult result = decoder_.Decode(topic, payload, clock_->Now());
  if (!result.ok()) {
    stats_.Rejected(RejectReasonName(result.rejection->reason), result.rejection->message);
    return;
  }
  // Counted before the sink runs, so whoever sees the batches also sees them counted.
  stats_.Accepted(CountValues(result.batches));
  if (!sink_(std::move(result.batches))) {
    // The consumer has stopped: deliver nothing more.
    running_ = false;
  }
}

// ---------------------------------------------------------------------------------------------
// MqttSparkplugSource

MqttSparkplugSource::MqttSparkplugSource(MqttSparkplugSourceOptions options, TopicMap metrics,
                                         const Clock* clock)
    : options_(std::move(options)),
      metrics_(std::move(metrics)),
      clock_(clock != nullptr ? clock : &system_clock_),
      client_(options_.mqtt),
      stats_(options_.name, options_.log_interval),
      host_(options_.limits) {
  client_.set_message_handler(
      [this](std::string_view topic, std::string_view payload) { OnMessage(topic, payload); });
}

MqttSparkplugSource::~MqttSparkplugSource() {
  Stop();
  client_.set_message_handler(nullptr);
}

Status MqttSparkplugSource::Start(BatchSink sink) {
  if (options_.groups.empty()) {
    return InvalidArgument(options_.name + ": no Sparkplug group configured");
  }
  std::vector<std::string> filters;
  for (const std::string& group : options_.groups) {
    if (group.empty() || group.find_first_of("/+#") != std::string::npos) {
      return InvalidArgument(options_.name + ": Sparkplug group '" + group +
                             "' must be non-empty and contain no '/', '+' or '#'");
    }
    filters.push_back(std::string(kSparkplugNamespace) + "/" + group + "/#");
  }
  {
    std::lock_guard lock(mu_);
    if (running_) return FailedPrecondition(options_.name + ": already started");
    sink_ = std::move(sink);
    running_ = true;
  }
  Status s = client_.Connect();
  if (s.ok()) s = client_.Subscribe(filters);
  if (!s.ok()) {
    stats_.SetError(s.message());
    Stop();
    return s.WithContext(options_.name);
  }
  return Status::Ok();
}

void MqttSparkplugSource::Stop() {
  {
    std::lock_guard lock(mu_);
    running_ = false;
    sink_ = nullptr;
  }
  Status s = client_.Disconnect();
  if (!s.ok()) spdlog::warn("{}: {}", options_.name, s.message());
}

SourceCounters MqttSparkplugSource::counters() const {
  return Merge(stats_.Snapshot(), client_.counters());
}

uint64_t MqttSparkplugSource::rebirth_requests() const { return rebirth_requests_.load(); }

void MqttSparkplugSource::MaybeRequestRebirth(const std::string& group,
                                              const std::string& edge_node, Timestamp now) {
  auto key = std::make_pair(group, edge_node);
  auto it = last_rebirth_.find(key);
  if (it != last_rebirth_.end() && now - it->second < options_.rebirth_min_interval) return;
  // The host caps its sessions at max_nodes; cap this map the same way (forgetting only means a
  // node may get its next rebirth request a little early).
  if (it == last_rebirth_.end() && last_rebirth_.size() >= options_.limits.max_nodes) {
    last_rebirth_.clear();
  }
  last_rebirth_[key] = now;
  Status s = client_.Publish(RebirthTopic(group, edge_node), BuildRebirthCommand(now), 0, false);
  if (!s.ok()) {
    stats_.SetError("cannot request rebirth of " + group + "/" + edge_node + ": " + s.message());
    return;
  }
  rebirth_requests_.fetch_add(1);
  spdlog::info("{}: requested rebirth of {}/{}", options_.name, group, edge_node);
}

void MqttSparkplugSource::OnMessage(std::string_view topic, std::string_view payload) {
  std::lock_guard lock(mu_);
  if (!running_) return;
  const Timestamp now = clock_->Now();
  SparkplugDecision decision = host_.Handle(
      topic, std::span(reinterpret_cast<const uint8_t*>(payload.data()), payload.size()), now);
  if (decision.rebirth_needed) MaybeRequestRebirth(decision.group, decision.edge_node, now);
  if (decision.reason != SparkplugReason::kOk) {
    stats_.Rejected(SparkplugReasonName(decision.reason), decision.detail);
    return;
  }

  // Group the samples by target, keeping the order in which targets first appear.
  std::vector<SampleBatch> batches;
  std::map<std::pair<std::string, std::string>, size_t> index;
  uint64_t unmapped = 0;
  std::string unmapped_key;
  for (const SparkplugSample& sample : decision.samples) {
    std::string key =
        sample.group + "/" + sample.edge_node + "/" + sample.device + "/" + sample.metric;
    std::optional<TopicTarget> target = metrics_.Resolve(key);
    if (!target) {
      ++unmapped;
      unmapped_key = std::move(key);
      continue;
    }
    auto [it, inserted] =
        index.emplace(std::make_pair(target->asset, target->channel), batches.size());
    if (inserted) {
      SampleBatch& b = batches.emplace_back();
      b.asset = target->asset;
      b.channel = target->channel;
      b.kind = target->kind;
      b.sample_rate_hz = target->nominal_rate_hz;
      b.start = sample.time;
      b.received = now;
    }
    SampleBatch& b = batches[it->second];
    b.values.push_back(static_cast<float>(sample.value));
    b.timestamps.push_back(sample.time);
  }
  if (unmapped > 0) {
    stats_.Rejected("unmapped_metric",
                    "no mapping for metric '" + unmapped_key.substr(0, 200) + "'", unmapped);
  }
  stats_.Accepted(CountValues(batches));
  if (!batches.empty() && !sink_(std::move(batches))) running_ = false;
}

}  // namespace edgeloop::ingest
