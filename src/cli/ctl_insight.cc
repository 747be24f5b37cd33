// `edgeloop ctl lineage KIND ID`, `ctl slo`, `ctl quality`: where a figure came from, and how
// the fleet is doing.
#include <cstdio>
#include <memory>

#include "cli/ctl_common.h"
#include "hub/api_client.h"

namespace edgeloop::cli {
namespace {

using nlohmann::json;

struct InsightArgs {
  std::string kind, id, from, to;
};

std::string RangeQuery(const InsightArgs& a) {
  std::string query;
  if (!a.from.empty()) query += "?from=" + hub::UrlEncode(a.from);
  if (!a.to.empty())
    query += (query.empty() ? "?" : "&") + std::string("to=") + hub::UrlEncode(a.to);
  return query;
}

void PrintPeriod(const json& reply) {
  std::printf("period: %s .. %s\n\n", CellText(JsonAt(reply, "from")).c_str(),
              CellText(JsonAt(reply, "to")).c_str());
}

int Lineage(const CtlOptions& o, const InsightArgs& a) {
  const std::string path = "/v1/lineage/" + hub::UrlEncode(a.kind) + "/" + hub::UrlEncode(a.id);
  return CtlExchange(o, {.path = path}, [](const json& graph) {
    std::printf("root: %s%s\n\n", CellText(JsonAt(graph, "root")).c_str(),
                JsonAt(graph, "truncated") == true ? " (graph truncated)" : "");
    PrintTable(ArrayOf(graph, "nodes"), {{"ID", "id"}, {"KIND", "kind"}, {"LABEL", "label"}},
               "no nodes");
    std::printf("\n");
    PrintTable(ArrayOf(graph, "edges"), {{"FROM", "from"}, {"RELATION", "relation"}, {"TO", "to"}},
               "no edges");
    return 0;
  });
}

int Slo(const CtlOptions& o, const InsightArgs& a) {
  return CtlExchange(o, {.path = "/v1/slo" + RangeQuery(a)}, [](const json& reply) {
    PrintPeriod(reply);
    std::printf("edge inference uptime per node:\n");
    PrintTable(ArrayOf(reply, "inference_uptime"),
               {{"NODE", "node"},
                {"UPTIME", "uptime", Percent},
                {"TARGET", "target", Percent},
                {"MET", "met"},
                {"HEARTBEATS", "heartbeats"}},
               "no heartbeats in the period");
    std::printf("\nalert to acknowledge latency:\n");
    PrintFields(JsonAt(reply, "alert_ack_latency"),
                {{"alerts", "alerts"},
                 {"acknowledged", "acknowledged"},
                 {"p50 s", "p50_s"},
                 {"p90 s", "p90_s"},
                 {"max s", "max_s"},
                 {"target s", "target_s"},
                 {"open over target", "open_over_target"}},
                /*keep_null=*/true);
    return 0;
  });
}

int Quality(const CtlOptions& o, const InsightArgs& a) {
  return CtlExchange(o, {.path = "/v1/quality" + RangeQuery(a)}, [](const json& reply) {
    PrintPeriod(reply);
    PrintTable(ArrayOf(reply, "events"),
               {{"ASSET", "asset"},
                {"CHANNEL", "channel"},
                {"RULE", "rule"},
                {"EVENTS", "events"},
                {"ONGOING", "ongoing"},
                {"LAST", "last"}},
               "no quality events in the period");
    std::printf("\nsource rejections (last heartbeat of each node):\n");
    PrintTable(ArrayOf(reply, "nodes"),
               {{"NODE", "node"}, {"LAST HEARTBEAT", "last_heartbeat"}, {"SOURCES", "sources"}},
               "no nodes");
    return 0;
  });
}

}  // namespace

void AddCtlInsightCommands(CLI::App& ctl, CtlOptionsPtr options, int& exit_code) {
  auto a = std::make_shared<InsightArgs>();
  CLI::App* lineage =
      ctl.add_subcommand("lineage", "Upstream and downstream lineage graph of a record");
  lineage->add_option("kind", a->kind, "alert, batch, model, deployment, node or asset")
      ->required()
      ->check(CLI::IsMember({"alert", "batch", "model", "deployment", "node", "asset"}));
  lineage->add_option("id", a->id, "its id: 42, gw-1:17 (batch), pump-bearing@3 (model)")
      ->required();
  lineage->callback([options, a, &exit_code] { exit_code = Lineage(*options, *a); });

  for (const char* name : {"slo", "quality"}) {
    const bool slo = std::string(name) == "slo";
    CLI::App* cmd = ctl.add_subcommand(
        name, slo ? "SLOs: edge inference uptime per node, alert-to-acknowledge latency"
                  : "Data quality events per asset, channel and rule");
    cmd->add_option("--from", a->from, "RFC 3339 or Unix ms (default: 24 h before --to)");
    cmd->add_option("--to", a->to, "RFC 3339 or Unix ms (default: now)");
    cmd->callback([options, a, slo, &exit_code] {
      exit_code = slo ? Slo(*options, *a) : Quality(*options, *a);
    });
  }
}

}  // namespace edgeloop::cli
