// `edgeloop ctl models ...` and `edgeloop ctl deploy ...`: the model registry and rollouts.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>

#include "cli/ctl_common.h"
#include "hub/api_client.h"

namespace edgeloop::cli {
namespace {

using nlohmann::json;

// ---- models ----

struct ModelArgs {
  std::string name, file, parent, signature, version;
};

int ModelsUpload(const CtlOptions& o, const ModelArgs& a) {
  std::ifstream in(a.file, std::ios::binary);
  if (!in) return CtlUsage("cannot read model file " + a.file);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return CtlUsage("cannot read model file " + a.file);
  if (bytes.empty()) return CtlUsage("model file " + a.file + " is empty");
  std::string path = "/v1/models/" + hub::UrlEncode(a.name) + "/versions";
  std::string query;
  if (!a.parent.empty()) query += "parent=" + hub::UrlEncode(a.parent);
  if (!a.signature.empty()) {
    query += (query.empty() ? "" : "&") + std::string("signature=") + hub::UrlEncode(a.signature);
  }
  if (!query.empty()) path += "?" + query;
  return CtlExchange(
      o,
      {.method = "POST",
       .path = path,
       .bytes = std::move(bytes),
       .content_type = "application/octet-stream"},
      [](const json& v) {
        std::printf("uploaded %s version %s (sha256 %s, %s bytes, trainer %s)\n",
                    CellText(JsonAt(v, "name")).c_str(), CellText(JsonAt(v, "version")).c_str(),
                    CellText(JsonAt(v, "sha256")).c_str(), CellText(JsonAt(v, "size")).c_str(),
                    CellText(JsonAt(v, "trainer")).c_str());
        return 0;
      });
}

const std::vector<CtlColumn>& VersionColumns() {
  static const std::vector<CtlColumn> kColumns = {
      {"NAME", "name"},
      {"VERSION", "version"},
      {"TRAINER", "trainer"},
      {"SIZE", "size"},
      {"SHA256", "sha256", ShortHash},
      {"PARENT", "parent_version"},
      {"SIGNED", "signature",
       [](const json& v) { return std::string(v.is_string() ? "yes" : "no"); }},
      {"CREATED", "created"},
      {"BY", "created_by"}};
  return kColumns;
}

int ModelsList(const CtlOptions& o) {
  return CtlExchange(o, {.path = "/v1/models"}, [](const json& reply) {
    PrintTable(ArrayOf(reply, "models"), VersionColumns(), "no models");
    return 0;
  });
}

int ModelsShow(const CtlOptions& o, const ModelArgs& a) {
  const std::string base = "/v1/models/" + hub::UrlEncode(a.name);
  if (a.version.empty()) {
    return CtlExchange(o, {.path = base}, [](const json& reply) {
      PrintTable(ArrayOf(reply, "versions"), VersionColumns(), "no versions");
      return 0;
    });
  }
  return CtlExchange(
      o, {.path = base + "/versions/" + hub::UrlEncode(a.version)}, [](const json& v) {
        PrintFields(v, {{"model", "name"},
                        {"version", "version"},
                        {"sha256", "sha256"},
                        {"size", "size"},
                        {"trainer", "trainer"},
                        {"parent", "parent_version"},
                        {"signature", "signature"},
                        {"created", "created"},
                        {"created by", "created_by"},
                        {"task", "task"},
                        {"threshold", "threshold"},
                        {"opset", "opset"},
                        {"producer", "producer"}});
        for (const char* io : {"inputs", "outputs"}) {
          std::string text;
          for (const json& t : ArrayOf(v, io)) {
            text += (text.empty() ? "" : "; ") + CellText(JsonAt(t, "name")) + " " +
                    CellText(JsonAt(t, "dtype")) + " " + CellText(JsonAt(t, "shape"));
          }
          if (!text.empty())
            std::printf("%-13s%s\n", (std::string(io) + ":").c_str(), text.c_str());
        }
        // Feature names, when the model carries edgeloop metadata.
        const json& features = JsonAt(v, "features");
        if (features.is_array() && !features.empty()) {
          std::string names;
          for (const json& f : features) {
            names += (names.empty() ? "" : ", ") + CellText(f.is_object() ? JsonAt(f, "name") : f);
          }
          std::printf("%-13s%zu : %s\n", "features:", features.size(), names.c_str());
        }
        return 0;
      });
}

// ---- deploy ----

struct DeployArgs {
  std::string model, group, nodes, node_group, role = "production", id;
  int64_t version = 0;
  int percent = 0;
  bool active = false;
};

std::string Targets(const json& d) {
  for (const char* key : {"target_nodes", "nodes"}) {
    const json& nodes = JsonAt(d, key);
    if (nodes.is_array() && !nodes.empty() && nodes[0].is_string()) return CellText(nodes);
  }
  for (const char* key : {"target_group", "node_group"}) {
    const json& group = JsonAt(d, key);
    if (group.is_string() && !group.get<std::string>().empty()) {
      return "group " + group.get<std::string>();
    }
  }
  return "-";
}

std::string RoleText(const json& d) {
  std::string role = CellText(JsonAt(d, "role"));
  const json& percent = JsonAt(d, "canary_percent");
  if (role == "canary" && percent.is_number()) role += " " + percent.dump() + "%";
  return role;
}

std::vector<std::string> SplitNodes(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

int DeployCreate(const CtlOptions& o, const DeployArgs& a) {
  if (a.nodes.empty() == a.node_group.empty()) {
    return CtlUsage("give exactly one of --nodes a,b and --node-group LABEL");
  }
  if (a.role == "canary" && a.percent == 0) return CtlUsage("--role canary needs --percent 1..100");
  if (a.role != "canary" && a.percent != 0) return CtlUsage("--percent is for --role canary");
  json body = {{"model", a.model}, {"version", a.version}, {"group", a.group}, {"role", a.role}};
  if (!a.nodes.empty()) {
    std::vector<std::string> nodes = SplitNodes(a.nodes);
    if (nodes.empty()) return CtlUsage("--nodes: no node ids in '" + a.nodes + "'");
    body["nodes"] = nodes;
  } else {
    body["node_group"] = a.node_group;
  }
  if (a.role == "canary") body["canary_percent"] = a.percent;
  return CtlExchange(
      o, {.method = "POST", .path = "/v1/deployments", .body = body}, [](const json& d) {
        std::printf("deployment %s: %s@%s as %s of group %s on %s\n",
                    CellText(JsonAt(d, "id")).c_str(), CellText(JsonAt(d, "model")).c_str(),
                    CellText(JsonAt(d, "version")).c_str(), RoleText(d).c_str(),
                    CellText(JsonAt(d, "group")).c_str(), Targets(d).c_str());
        if (!JsonAt(d, "replaces").is_null()) {
          std::printf("it supersedes deployment %s\n", CellText(JsonAt(d, "replaces")).c_str());
        }
        return 0;
      });
}

const std::vector<CtlColumn>& DeploymentColumns() {
  static const std::vector<CtlColumn> kColumns = {{"ID", "id"},           {"MODEL", "model"},
                                                  {"VERSION", "version"}, {"GROUP", "group"},
                                                  {"ROLE", "", RoleText}, {"TARGETS", "", Targets},
                                                  {"STATE", "state"},     {"REPLACES", "replaces"},
                                                  {"CREATED", "created"}, {"BY", "created_by"}};
  return kColumns;
}

int DeployList(const CtlOptions& o, bool active) {
  return CtlExchange(o, {.path = active ? "/v1/deployments?active=true" : "/v1/deployments"},
                     [](const json& reply) {
                       PrintTable(ArrayOf(reply, "deployments"), DeploymentColumns(),
                                  "no deployments");
                       return 0;
                     });
}

int DeployShow(const CtlOptions& o, const std::string& id) {
  return CtlExchange(o, {.path = "/v1/deployments/" + hub::UrlEncode(id)}, [](const json& d) {
    PrintFields(d, {{"deployment", "id"},
                    {"model", "model"},
                    {"version", "version"},
                    {"group", "group"},
                    {"state", "state"},
                    {"replaces", "replaces"},
                    {"created", "created"},
                    {"created by", "created_by"}});
    std::printf("role:        %s\ntargets:     %s\n\n", RoleText(d).c_str(), Targets(d).c_str());
    PrintTable(ArrayOf(d, "targets"),
               {{"NODE", "node"},
                {"SELECTED", "selected"},
                {"DESIRED", "desired"},
                {"REPORTED", "reported"},
                {"STATUS", "status"},
                {"LAST HEARTBEAT", "last_heartbeat"}},
               "no target nodes");
    return 0;
  });
}

// Promote answers with the new production deployment; rollback with the rolled back one and
// the one it restored (null when there was none to restore).
int DeployAction(const CtlOptions& o, const std::string& id, const std::string& verb) {
  return CtlExchange(
      o, {.method = "POST", .path = "/v1/deployments/" + hub::UrlEncode(id) + "/" + verb},
      [&](const json& reply) {
        if (verb == "promote") {
          std::printf("promoted %s: deployment %s runs %s@%s as %s on %s\n", id.c_str(),
                      CellText(JsonAt(reply, "id")).c_str(),
                      CellText(JsonAt(reply, "model")).c_str(),
                      CellText(JsonAt(reply, "version")).c_str(), RoleText(reply).c_str(),
                      Targets(reply).c_str());
          const json& superseded = JsonAt(reply, "superseded");
          if (superseded.is_array() && !superseded.empty()) {
            std::printf("superseded: %s\n", CellText(superseded).c_str());
          }
          return 0;
        }
        const json& rolled = JsonAt(reply, "rolled_back");
        std::printf("deployment %s (%s@%s) is %s\n", CellText(JsonAt(rolled, "id")).c_str(),
                    CellText(JsonAt(rolled, "model")).c_str(),
                    CellText(JsonAt(rolled, "version")).c_str(),
                    CellText(JsonAt(rolled, "state")).c_str());
        const json& restored = JsonAt(reply, "restored");
        if (restored.is_object()) {
          std::printf("restored deployment %s (%s@%s as %s) is %s again\n",
                      CellText(JsonAt(restored, "id")).c_str(),
                      CellText(JsonAt(restored, "model")).c_str(),
                      CellText(JsonAt(restored, "version")).c_str(), RoleText(restored).c_str(),
                      CellText(JsonAt(restored, "state")).c_str());
        } else {
          std::printf("no earlier deployment to restore: the targets have no model in this slot\n");
        }
        return 0;
      });
}

}  // namespace

void AddCtlRegistryCommands(CLI::App& ctl, CtlOptionsPtr options, int& exit_code) {
  auto m = std::make_shared<ModelArgs>();
  CLI::App* models = ctl.add_subcommand("models", "Model registry: ONNX versions");
  models->require_subcommand(1);
  CLI::App* upload = models->add_subcommand("upload", "Upload an ONNX file as a new version");
  upload->add_option("name", m->name, "model name, e.g. pump-bearing")->required();
  upload->add_option("file", m->file, "the .onnx file")->required();
  upload->add_option("--parent", m->parent, "version it was derived from");
  upload->add_option("--signature", m->signature,
                     "base64 Ed25519 signature (from `edgeloop model sign`)");
  upload->callback([options, m, &exit_code] { exit_code = ModelsUpload(*options, *m); });
  models->add_subcommand("list", "Latest version of every model")->callback([options, &exit_code] {
    exit_code = ModelsList(*options);
  });
  CLI::App* show = models->add_subcommand("show", "Versions of a model, or one version");
  show->add_option("name", m->name, "model name")->required();
  show->add_option("version", m->version, "version number (default: list them all)");
  show->callback([options, m, &exit_code] { exit_code = ModelsShow(*options, *m); });

  auto d = std::make_shared<DeployArgs>();
  CLI::App* deploy = ctl.add_subcommand("deploy", "Deployments: roll models out to nodes");
  deploy->require_subcommand(1);
  CLI::App* create = deploy->add_subcommand("create", "Deploy a model version to nodes");
  create->add_option("--model", d->model, "model name")->required();
  create->add_option("--version", d->version, "model version")
      ->required()
      ->check(CLI::PositiveNumber);
  create->add_option("--group", d->group, "edge model group it fills, e.g. pump-bearing")
      ->required();
  create->add_option("--nodes", d->nodes, "target node ids, comma-separated");
  create->add_option("--node-group", d->node_group, "every node enrolled with this group label");
  create->add_option("--role", d->role, "production, shadow or canary")
      ->check(CLI::IsMember({"production", "shadow", "canary"}))
      ->capture_default_str();
  create->add_option("--percent", d->percent, "canary share of the targets, 1..100")
      ->check(CLI::Range(1, 100));
  create->callback([options, d, &exit_code] { exit_code = DeployCreate(*options, *d); });
  CLI::App* list = deploy->add_subcommand("list", "List deployments, newest first");
  list->add_flag("--active", d->active, "only active ones");
  list->callback([options, d, &exit_code] { exit_code = DeployList(*options, d->active); });
  CLI::App* dshow = deploy->add_subcommand("show", "A deployment and its status per node");
  dshow->add_option("id", d->id, "deployment id")->required();
  dshow->callback([options, d, &exit_code] { exit_code = DeployShow(*options, d->id); });
  for (const char* verb : {"promote", "rollback"}) {
    CLI::App* action = deploy->add_subcommand(
        verb, std::string(verb) == "promote"
                  ? "Promote a canary or shadow to production on all its targets"
                  : "Roll back: the deployment it replaced becomes active again");
    action->add_option("id", d->id, "deployment id")->required();
    const std::string v = verb;
    action->callback([options, d, v, &exit_code] { exit_code = DeployAction(*options, d->id, v); });
  }
}

}  // namespace edgeloop::cli
