#include "api/data_views.h"

#include <string>

#include "fleet/batch_decoder.h"

namespace edgeloop::api {

using nlohmann::json;

json TimeJson(store::TimeMs ms) { return fleet::FormatRfc3339Ms(ms); }

json TimeJson(const std::optional<store::TimeMs>& ms) { return ms ? TimeJson(*ms) : json(nullptr); }

json StoredJson(std::string_view text) {
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? json(nullptr) : parsed;
}

json SiteJson(const store::Site& site) {
  return {{"id", site.id}, {"name", site.name}, {"location", site.location}};
}

json AssetJson(const store::Asset& asset) {
  json attrs = StoredJson(asset.attrs_json);
  return {{"id", asset.id},
          {"site", asset.site},
          {"name", asset.name},
          {"kind", asset.kind},
          {"attrs", attrs.is_object() ? attrs : json::object()},
          {"created", TimeJson(asset.created)}};
}

json ChannelJson(const store::Channel& channel) {
  return {{"asset", channel.asset},
          {"id", channel.id},
          {"kind", channel.kind},
          {"unit", channel.unit},
          {"rate_hz", channel.rate_hz}};
}

json AnnotationJson(const store::Annotation& a) {
  return {{"id", a.id},
          {"alert", a.alert},
          {"label", a.label},
          {"fault_type", a.fault_type},
          {"downtime_avoided_h", a.downtime_avoided_h},
          {"comment", a.comment},
          {"author", a.author},
          {"created", TimeJson(a.created)}};
}

json AlertJson(const store::Alert& alert, bool with_annotations) {
  json out = {{"id", alert.id},
              {"node", alert.node},
              {"node_alert_id", alert.node_alert_id},
              {"asset", alert.asset},
              {"opened", TimeJson(alert.opened)},
              {"cleared", TimeJson(alert.cleared)},
              {"peak_score", alert.peak_score},
              {"severity", alert.severity},
              {"detector", alert.detector},
              {"diagnosis", alert.diagnosis},
              {"top_feature", alert.top_feature},
              {"evidence", StoredJson(alert.evidence_json)},
              {"state", std::string(store::AlertStateName(alert.state))},
              {"acknowledged", TimeJson(alert.acknowledged)},
              {"acknowledged_by", alert.acknowledged_by},
              {"resolved", TimeJson(alert.resolved)},
              {"resolved_by", alert.resolved_by},
              {"batch", alert.node + ":" + std::to_string(alert.batch_seq)},
              {"lineage", "/v1/lineage/alert/" + std::to_string(alert.id)}};
  if (with_annotations) {
    json annotations = json::array();
    for (const store::Annotation& a : alert.annotations) annotations.push_back(AnnotationJson(a));
    out["annotations"] = std::move(annotations);
  }
  return out;
}

namespace {

json Str() { return {{"type", "string"}}; }
json Time() { return {{"type", "string"}, {"format", "date-time"}}; }
json NullableTime() { return {{"type", "string"}, {"format", "date-time"}, {"nullable", true}}; }
json Int() { return {{"type", "integer"}}; }
json Num() { return {{"type", "number"}}; }

}  // namespace

json SiteSchema() {
  return {{"type", "object"},
          {"properties", {{"id", Str()}, {"name", Str()}, {"location", Str()}}}};
}

json AssetSchema() {
  return {{"type", "object"},
          {"properties",
           {{"id", Str()},
            {"site", Str()},
            {"name", Str()},
            {"kind", Str()},
            {"attrs", {{"type", "object"}}},
            {"created", Time()}}}};
}

json ChannelSchema() {
  return {{"type", "object"},
          {"properties",
           {{"asset", Str()},
            {"id", Str()},
            {"kind", {{"type", "string"}, {"enum", {"waveform", "scalar"}}}},
            {"unit", Str()},
            {"rate_hz", Num()}}}};
}

json AnnotationSchema() {
  return {
      {"type", "object"},
      {"properties",
       {{"id", Int()},
        {"alert", Int()},
        {"label", {{"type", "string"}, {"enum", {"confirmed_fault", "false_positive", "unsure"}}}},
        {"fault_type", Str()},
        {"downtime_avoided_h", Num()},
        {"comment", Str()},
        {"author", Str()},
        {"created", Time()}}}};
}

json AlertSchema() {
  return {{"type", "object"},
          {"properties",
           {{"id", Int()},
            {"node", Str()},
            {"node_alert_id", Int()},
            {"asset", Str()},
            {"opened", Time()},
            {"cleared", NullableTime()},
            {"peak_score", Num()},
            {"severity", {{"type", "string"}, {"enum", {"warning", "critical"}}}},
            {"detector", Str()},
            {"diagnosis", Str()},
            {"top_feature", Str()},
            {"evidence", {{"type", "object"}, {"nullable", true}}},
            {"state", {{"type", "string"}, {"enum", {"open", "acknowledged", "resolved"}}}},
            {"acknowledged", NullableTime()},
            {"acknowledged_by", Str()},
            {"resolved", NullableTime()},
            {"resolved_by", Str()},
            {"batch", Str()},
            {"lineage", Str()},
            {"annotations", {{"type", "array"}, {"items", AnnotationSchema()}}}}}};
}

}  // namespace edgeloop::api
