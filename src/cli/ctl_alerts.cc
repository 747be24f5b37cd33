// `edgeloop ctl alerts ...`: list and filter, show, acknowledge, resolve, annotate.
#include <cstdio>
#include <memory>

#include "cli/ctl_common.h"
#include "hub/api_client.h"

namespace edgeloop::cli {
namespace {

using nlohmann::json;

struct AlertArgs {
  std::string id, state, asset, node, label, fault_type, comment;
  int64_t limit = 0;
  int64_t before = 0;
  double downtime_h = -1;  // < 0: not given
};

int AlertsList(const CtlOptions& o, const AlertArgs& a) {
  std::string query;
  const auto add = [&query](const std::string& key, const std::string& value) {
    if (value.empty()) return;
    query += (query.empty() ? "?" : "&") + key + "=" + hub::UrlEncode(value);
  };
  add("state", a.state);
  add("asset", a.asset);
  add("node", a.node);
  if (a.limit > 0) add("limit", std::to_string(a.limit));
  if (a.before > 0) add("before", std::to_string(a.before));
  return CtlExchange(o, {.path = "/v1/alerts" + query}, [](const json& reply) {
    PrintTable(ArrayOf(reply, "alerts"),
               {{"ID", "id"},
                {"OPENED", "opened"},
                {"NODE", "node"},
                {"ASSET", "asset"},
                {"SEVERITY", "severity"},
                {"SCORE", "peak_score"},
                {"STATE", "state"},
                {"DIAGNOSIS", "diagnosis"}},
               "no alerts");
    const json& next = JsonAt(reply, "next_before");
    if (next.is_number()) std::printf("(more: add --before %s)\n", next.dump().c_str());
    return 0;
  });
}

void PrintAlert(const json& alert) {
  PrintFields(alert, {{"alert", "id"},
                      {"state", "state"},
                      {"severity", "severity"},
                      {"node", "node"},
                      {"asset", "asset"},
                      {"opened", "opened"},
                      {"cleared", "cleared"},
                      {"peak score", "peak_score"},
                      {"detector", "detector"},
                      {"diagnosis", "diagnosis"},
                      {"top feature", "top_feature"},
                      {"acknowledged", "acknowledged"},
                      {"acknowledged by", "acknowledged_by"},
                      {"resolved", "resolved"},
                      {"resolved by", "resolved_by"},
                      {"batch", "batch"},
                      {"lineage", "lineage"}});
}

int AlertsShow(const CtlOptions& o, const std::string& id) {
  return CtlExchange(o, {.path = "/v1/alerts/" + hub::UrlEncode(id)}, [](const json& alert) {
    PrintAlert(alert);
    const json& annotations = ArrayOf(alert, "annotations");
    std::printf("\n");
    PrintTable(annotations,
               {{"ANNOTATION", "id"},
                {"LABEL", "label"},
                {"FAULT TYPE", "fault_type"},
                {"DOWNTIME H", "downtime_avoided_h"},
                {"AUTHOR", "author"},
                {"CREATED", "created"},
                {"COMMENT", "comment"}},
               "no annotations");
    return 0;
  });
}

int AlertsChange(const CtlOptions& o, const std::string& id, const std::string& verb) {
  return CtlExchange(
      o, {.method = "POST", .path = "/v1/alerts/" + hub::UrlEncode(id) + "/" + verb},
      [](const json& alert) {
        const bool resolved = CellText(JsonAt(alert, "state")) == "resolved";
        std::printf("alert %s is %s (by %s)\n", CellText(JsonAt(alert, "id")).c_str(),
                    CellText(JsonAt(alert, "state")).c_str(),
                    CellText(JsonAt(alert, resolved ? "resolved_by" : "acknowledged_by")).c_str());
        return 0;
      });
}

int AlertsAnnotate(const CtlOptions& o, const AlertArgs& a) {
  json body = {{"label", a.label}};
  if (!a.fault_type.empty()) body["fault_type"] = a.fault_type;
  if (a.downtime_h >= 0) body["downtime_avoided_h"] = a.downtime_h;
  if (!a.comment.empty()) body["comment"] = a.comment;
  return CtlExchange(
      o,
      {.method = "POST",
       .path = "/v1/alerts/" + hub::UrlEncode(a.id) + "/annotations",
       .body = body},
      [](const json& an) {
        std::printf("annotation %s on alert %s: %s", CellText(JsonAt(an, "id")).c_str(),
                    CellText(JsonAt(an, "alert")).c_str(), CellText(JsonAt(an, "label")).c_str());
        const json& type = JsonAt(an, "fault_type");
        if (type.is_string() && !type.get<std::string>().empty()) {
          std::printf(" (%s)", type.get<std::string>().c_str());
        }
        std::printf(" by %s\n", CellText(JsonAt(an, "author")).c_str());
        return 0;
      });
}

}  // namespace

void AddCtlAlertCommands(CLI::App& ctl, CtlOptionsPtr options, int& exit_code) {
  auto a = std::make_shared<AlertArgs>();
  CLI::App* alerts = ctl.add_subcommand("alerts", "Alerts: list, show, acknowledge, annotate");
  alerts->require_subcommand(1);
  CLI::App* list = alerts->add_subcommand("list", "List alerts, newest first");
  list->add_option("--state", a->state, "open, acknowledged or resolved")
      ->check(CLI::IsMember({"open", "acknowledged", "resolved"}));
  list->add_option("--asset", a->asset, "only this asset");
  list->add_option("--node", a->node, "only this node");
  list->add_option("--limit", a->limit, "at most this many, 1..1000 (hub default 100)")
      ->check(CLI::Range(1, 1000));
  list->add_option("--before", a->before, "only ids below this (next page)")
      ->check(CLI::PositiveNumber);
  list->callback([options, a, &exit_code] { exit_code = AlertsList(*options, *a); });

  CLI::App* show = alerts->add_subcommand("show", "An alert with its annotations");
  show->add_option("id", a->id, "alert id")->required();
  show->callback([options, a, &exit_code] { exit_code = AlertsShow(*options, a->id); });

  for (const char* verb : {"ack", "resolve"}) {
    CLI::App* change = alerts->add_subcommand(
        verb, std::string(verb) == "ack" ? "Acknowledge an alert" : "Resolve an alert");
    change->add_option("id", a->id, "alert id")->required();
    const std::string v = verb;
    change->callback([options, a, v, &exit_code] { exit_code = AlertsChange(*options, a->id, v); });
  }

  CLI::App* annotate = alerts->add_subcommand(
      "annotate", "Record a technician's verdict: confirmed fault, false positive or unsure");
  annotate->add_option("id", a->id, "alert id")->required();
  annotate->add_option("--label", a->label, "confirmed_fault, false_positive or unsure")
      ->required()
      ->check(CLI::IsMember({"confirmed_fault", "false_positive", "unsure"}));
  annotate->add_option("--fault-type", a->fault_type,
                       "with confirmed_fault, e.g. outer_race, imbalance");
  annotate->add_option("--downtime-h", a->downtime_h, "downtime avoided, hours")
      ->check(CLI::NonNegativeNumber);
  annotate->add_option("--comment", a->comment, "free text");
  annotate->callback([options, a, &exit_code] { exit_code = AlertsAnnotate(*options, *a); });
}

}  // namespace edgeloop::cli
