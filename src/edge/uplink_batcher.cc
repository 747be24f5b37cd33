#include "edge/uplink_batcher.h"

#include <cmath>

#include "edge/asset_pipeline.h"

namespace edgeloop::edge {
namespace {
nlohmann::json Number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

nlohmann::json FeatureObject(const std::vector<std::pair<std::string, double>>& features) {
  nlohmann::json o = nlohmann::json::object();
  for (const auto& [name, value] : features) o[name] = Number(value);
  return o;
}
}  // namespace

UplinkBatcher::UplinkBatcher(uplink::Outbox& outbox, const Clock& clock,
                             UplinkBatcherOptions options)
    : outbox_(outbox), clock_(clock), options_(std::move(options)) {}

void UplinkBatcher::Add(nlohmann::json record) {
  std::lock_guard lock(mu_);
  if (pending_.empty()) oldest_ = clock_.Now();
  pending_.push_back(std::move(record));
  ++stats_.records;
  if (pending_.size() >= options_.max_records) (void)FlushLocked();
}

Status UplinkBatcher::Flush() {
  std::lock_guard lock(mu_);
  return FlushLocked();
}

Status UplinkBatcher::FlushIfDue() {
  std::lock_guard lock(mu_);
  if (pending_.empty() || clock_.Now() - oldest_ < options_.max_delay) return Status::Ok();
  return FlushLocked();
}

Status UplinkBatcher::FlushLocked() {
  if (pending_.empty()) return Status::Ok();
  nlohmann::json batch = {{"v", kBatchFormatVersion},
                          {"node", options_.node_id},
                          {"created", FormatTimestamp(clock_.Now())},
                          {"records", std::move(pending_)}};
  pending_ = nlohmann::json::array();
  auto seq = outbox_.Append(batch.dump());
  if (!seq.ok()) {
    // The records stay in the local store; the hub misses this batch, which the stats report.
    ++stats_.append_errors;
    stats_.last_error = seq.status().ToString();
    return seq.status();
  }
  ++stats_.batches;
  return Status::Ok();
}

UplinkBatcherStats UplinkBatcher::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

nlohmann::json WindowRecordJson(const store::WindowRecord& w) {
  nlohmann::json j = {{"type", "window"},
                      {"asset", w.asset},
                      {"start", FormatTimestamp(w.start)},
                      {"end", FormatTimestamp(w.end)},
                      {"status", store::WindowStatusName(w.status)},
                      {"detector", w.detector},
                      {"features", FeatureObject(w.features)}};
  if (w.score) j["score"] = Number(*w.score);
  if (!w.top_feature.empty()) j["top_feature"] = w.top_feature;
  return j;
}

nlohmann::json AlertRecordJson(const store::AlertRecord& a, std::string_view event) {
  nlohmann::json j = {{"type", "alert"},
                      {"event", event},
                      {"id", a.id},
                      {"asset", a.asset},
                      {"opened", FormatTimestamp(a.opened)},
                      {"peak_score", Number(a.peak_score)},
                      {"top_feature", a.top_feature},
                      {"detector", a.detector},
                      {"diagnosis", a.diagnosis},
                      {"severity", a.severity},
                      {"evidence", FeatureObject(a.evidence)}};
  if (a.cleared) j["cleared"] = FormatTimestamp(*a.cleared);
  return j;
}

nlohmann::json QualityEventJson(const store::QualityEventRecord& e) {
  return {{"type", "quality_event"},
          {"asset", e.asset},
          {"channel", e.channel},
          {"rule", e.rule},
          {"start", FormatTimestamp(e.start)},
          {"end", FormatTimestamp(e.end)},
          {"ongoing", e.ongoing},
          {"detail", e.detail}};
}

nlohmann::json AlertChangeJson(const store::AlertRecord& a, AlertLogic::Decision decision) {
  using Decision = AlertLogic::Decision;
  const char* event = decision == Decision::kOpen       ? "opened"
                      : decision == Decision::kEscalate ? "escalated"
                                                        : "cleared";
  return AlertRecordJson(a, event);
}

void AddOutputRecords(UplinkBatcher& batcher, const PipelineOutput& out) {
  for (const store::WindowRecord& w : out.windows) batcher.Add(WindowRecordJson(w));
  for (const store::QualityEventRecord& e : out.quality_events) batcher.Add(QualityEventJson(e));
  for (const PipelineOutput::AlertChange& change : out.alert_changes) {
    batcher.Add(AlertChangeJson(change.alert, change.decision));
  }
}

}  // namespace edgeloop::edge
