#include "api/lineage.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <utility>

#include "api/data_views.h"

namespace edgeloop::api {
namespace {

using nlohmann::json;

constexpr int64_t kDownstreamAlerts = 200;  // per expansion; the node cap bounds the rest

std::string AlertId(int64_t id) { return "alert:" + std::to_string(id); }
std::string BatchId(const std::string& node, int64_t seq) {
  return "batch:" + node + ":" + std::to_string(seq);
}
std::string NodeId(const std::string& node) { return "node:" + node; }
std::string AssetId(const std::string& asset) { return "asset:" + asset; }
std::string SiteId(const std::string& site) { return "site:" + site; }
std::string ModelId(const std::string& name, int64_t version) {
  return "model:" + name + "@" + std::to_string(version);
}
std::string DeploymentId(int64_t id) { return "deployment:" + std::to_string(id); }
std::string AnnotationId(int64_t id) { return "annotation:" + std::to_string(id); }

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < 1) return std::nullopt;
  return value;
}

// A lookup whose record may legitimately be gone (e.g. an alert's asset): kNotFound becomes
// nullopt, other errors stay errors.
template <typename T>
Result<std::optional<T>> Maybe(Result<T> result) {
  if (result.ok()) return std::optional<T>(std::move(result).value());
  if (result.status().code() == StatusCode::kNotFound) return std::optional<T>();
  return result.status();
}

// The model sha prefix of an edge detector "name@sha12"; nullopt for baseline detectors.
std::optional<std::string> DetectorSha(const std::string& detector) {
  size_t at = detector.rfind('@');
  if (at == std::string::npos) return std::nullopt;
  std::string sha = detector.substr(at + 1);
  if (sha.size() < 8 || sha.size() > 64) return std::nullopt;
  if (sha.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) return std::nullopt;
  return sha;
}

class Builder {
 public:
  Builder(store::HubStore& store, int64_t tenant, size_t max_nodes)
      : store_(store), tenant_(tenant), max_nodes_(max_nodes) {}

  LineageGraph Take(std::string root) {
    graph_.root = std::move(root);
    return std::move(graph_);
  }

  bool Has(const std::string& id) const { return index_.count(id) > 0; }

  // True when `node` is in the graph afterwards; false (and truncated) when the graph is full.
  bool AddNode(LineageNode node) {
    if (Has(node.id)) return true;
    if (graph_.nodes.size() >= max_nodes_) {
      graph_.truncated = true;
      return false;
    }
    index_.emplace(node.id, graph_.nodes.size());
    graph_.nodes.push_back(std::move(node));
    return true;
  }

  // Only between nodes of the graph, once.
  void AddEdge(const std::string& from, const std::string& to, const std::string& relation) {
    if (!Has(from) || !Has(to)) return;
    if (!edge_keys_.insert(from + "\n" + to + "\n" + relation).second) return;
    graph_.edges.push_back({from, to, relation});
  }

  // ---- Nodes of each kind ----

  std::string AddAlert(const store::Alert& a) {
    std::string id = AlertId(a.id);
    AddNode({id,
             "alert",
             "alert " + std::to_string(a.id) + " on " + a.asset + " (" + a.severity + ")",
             {{"node", a.node},
              {"asset", a.asset},
              {"opened", TimeJson(a.opened)},
              {"severity", a.severity},
              {"state", std::string(store::AlertStateName(a.state))},
              {"peak_score", a.peak_score},
              {"detector", a.detector},
              {"diagnosis", a.diagnosis},
              {"top_feature", a.top_feature}}});
    return id;
  }

  std::string AddBatch(const store::BatchInfo& b) {
    std::string id = BatchId(b.node, b.seq);
    AddNode({id,
             "batch",
             b.node + " #" + std::to_string(b.seq),
             {{"node", b.node},
              {"seq", b.seq},
              {"received", TimeJson(b.received)},
              {"created", TimeJson(b.created)},
              {"payload_bytes", b.payload_bytes},
              {"windows", b.windows},
              {"alerts", b.alerts},
              {"quality", b.quality},
              {"drift", b.drift},
              {"shadow_stats", b.shadow_stats},
              {"heartbeats", b.heartbeats}}});
    return id;
  }

  std::string AddNodeRecord(const store::NodeRecord& n) {
    std::string id = NodeId(n.id);
    json models = StoredJson(n.models_json);
    AddNode({id,
             "node",
             n.id,
             {{"site", n.site},
              {"group", n.group},
              {"agent_version", n.agent_version},
              {"last_heartbeat", TimeJson(n.last_heartbeat)},
              {"models", models.is_object() ? models : json::object()},
              {"desired_revision", n.desired_revision}}});
    return id;
  }

  std::string AddAsset(const store::Asset& a) {
    std::string id = AssetId(a.id);
    AddNode({id,
             "asset",
             a.name.empty() ? a.id : a.name,
             {{"site", a.site}, {"name", a.name}, {"kind", a.kind}}});
    return id;
  }

  std::string AddModel(const store::ModelVersion& m) {
    std::string id = ModelId(m.name, m.version);
    AddNode({id,
             "model",
             m.name + " v" + std::to_string(m.version),
             {{"name", m.name},
              {"version", m.version},
              {"sha256", m.sha256},
              {"trainer", m.trainer},
              {"size", m.size},
              {"signed", !m.signature.empty()},
              {"parent_version", m.parent_version ? json(*m.parent_version) : json(nullptr)},
              {"created", TimeJson(m.created)},
              {"created_by", m.created_by}}});
    return id;
  }

  std::string AddDeployment(const store::Deployment& d) {
    std::string id = DeploymentId(d.id);
    std::string role(store::DeploymentRoleName(d.role));
    AddNode({id,
             "deployment",
             "deployment " + std::to_string(d.id) + " (" + role + ")",
             {{"model", d.model},
              {"version", d.version},
              {"group", d.group},
              {"role", role},
              {"canary_percent", d.canary_percent},
              {"state", std::string(store::DeploymentStateName(d.state))},
              {"target_nodes", d.target_nodes},
              {"target_group", d.target_group},
              {"replaces", d.replaces ? json(*d.replaces) : json(nullptr)},
              {"created", TimeJson(d.created)},
              {"created_by", d.created_by}}});
    return id;
  }

  std::string AddAnnotation(const store::Annotation& a) {
    std::string id = AnnotationId(a.id);
    AddNode({id,
             "annotation",
             a.label + " by " + a.author,
             {{"label", a.label},
              {"fault_type", a.fault_type},
              {"downtime_avoided_h", a.downtime_avoided_h},
              {"comment", a.comment},
              {"author", a.author},
              {"created", TimeJson(a.created)}}});
    return id;
  }

  // ---- Expansions ----

  // node -sent-> batch; returns the batch's id ("" when the batch is unknown).
  Result<std::string> AddBatchFromNode(const std::string& node, int64_t seq) {
    // Many alerts of one batch: look it up once.
    if (std::string id = BatchId(node, seq); Has(id)) return id;
    EL_ASSIGN_OR_RETURN(std::optional<store::BatchInfo> batch,
                        Maybe(store_.GetBatch(tenant_, node, seq)));
    if (!batch) return std::string();
    std::string batch_id = AddBatch(*batch);
    EL_RETURN_IF_ERROR(AddNodeById(node));
    AddEdge(NodeId(node), batch_id, "sent");
    return batch_id;
  }

  Status AddNodeById(const std::string& node) {
    if (Has(NodeId(node))) return Status::Ok();
    EL_ASSIGN_OR_RETURN(std::optional<store::NodeRecord> record,
                        Maybe(store_.GetNode(tenant_, node)));
    if (record) AddNodeRecord(*record);
    return Status::Ok();
  }

  // Upstream of an alert: batch <- node, asset, model version <- parents, deployments.
  Status AlertUpstream(const store::Alert& alert) {
    std::string alert_id = AlertId(alert.id);
    EL_ASSIGN_OR_RETURN(std::string batch_id, AddBatchFromNode(alert.node, alert.batch_seq));
    if (!batch_id.empty()) {
      AddEdge(batch_id, alert_id, "reported");
    } else {
      EL_RETURN_IF_ERROR(AddNodeById(alert.node));
      AddEdge(NodeId(alert.node), alert_id, "reported");
    }
    EL_ASSIGN_OR_RETURN(std::optional<store::Asset> asset,
                        Maybe(store_.GetAsset(tenant_, alert.asset)));
    if (asset) AddEdge(AddAsset(*asset), alert_id, "raised");

    std::optional<std::string> sha = DetectorSha(alert.detector);
    if (!sha) return Status::Ok();  // a baseline detector: no model version behind it
    EL_ASSIGN_OR_RETURN(std::optional<store::ModelVersion> model,
                        Maybe(store_.FindModelVersionBySha(tenant_, *sha)));
    if (!model) return Status::Ok();
    std::string model_id = AddModel(*model);
    AddEdge(model_id, alert_id, "detected");
    EL_RETURN_IF_ERROR(ModelParents(*model));
    // The deployments that put this version on nodes; each targets the alert's node or not.
    return Deployments(*model, /*add_targets=*/false);
  }

  Status AlertDownstream(const store::Alert& alert) {
    for (const store::Annotation& a : alert.annotations) {
      AddEdge(AlertId(alert.id), AddAnnotation(a), "annotated");
    }
    return Status::Ok();
  }

  // parent -parent_of-> child, up the chain (bounded by the node cap and by cycles).
  Status ModelParents(store::ModelVersion model) {
    while (model.parent_version && !graph_.truncated) {
      std::string child_id = ModelId(model.name, model.version);
      std::string parent_id = ModelId(model.name, *model.parent_version);
      if (Has(parent_id)) {
        AddEdge(parent_id, child_id, "parent_of");
        break;
      }
      EL_ASSIGN_OR_RETURN(
          std::optional<store::ModelVersion> parent,
          Maybe(store_.GetModelVersion(tenant_, model.name, *model.parent_version)));
      if (!parent) break;
      AddModel(*parent);
      AddEdge(parent_id, child_id, "parent_of");
      model = *parent;
    }
    return Status::Ok();
  }

  // Versions whose parent is `model`: model -parent_of-> child.
  Status ModelChildren(const store::ModelVersion& model) {
    EL_ASSIGN_OR_RETURN(std::vector<store::ModelVersion> versions,
                        store_.ListModelVersions(tenant_, model.name));
    for (const store::ModelVersion& v : versions) {
      if (v.parent_version == model.version) {
        AddEdge(ModelId(model.name, model.version), AddModel(v), "parent_of");
      }
    }
    return Status::Ok();
  }

  // model -deployed_as-> deployment for every deployment of `model`; deployment -targets->
  // node for its target nodes (all of them with `add_targets`, else those already shown).
  Status Deployments(const store::ModelVersion& model, bool add_targets) {
    EL_ASSIGN_OR_RETURN(std::vector<store::Deployment> deployments,
                        store_.ListDeployments(tenant_, /*active_only=*/false));
    for (const store::Deployment& d : deployments) {
      if (d.model != model.name || d.version != model.version) continue;
      AddEdge(ModelId(model.name, model.version), AddDeployment(d), "deployed_as");
      EL_RETURN_IF_ERROR(DeploymentTargets(d, add_targets));
    }
    return Status::Ok();
  }

  Status DeploymentTargets(const store::Deployment& d, bool add_targets) {
    EL_ASSIGN_OR_RETURN(const std::vector<store::NodeRecord>* nodes, Nodes());
    for (const store::NodeRecord& n : *nodes) {
      bool targeted = d.target_group.empty()
                          ? std::find(d.target_nodes.begin(), d.target_nodes.end(), n.id) !=
                                d.target_nodes.end()
                          : n.group == d.target_group;
      if (!targeted) continue;
      if (add_targets) AddNodeRecord(n);
      AddEdge(DeploymentId(d.id), NodeId(n.id), "targets");
    }
    return Status::Ok();
  }

  // Deployment -> its model version (and that version's parents).
  Status DeploymentModel(const store::Deployment& d) {
    EL_ASSIGN_OR_RETURN(std::optional<store::ModelVersion> model,
                        Maybe(store_.GetModelVersion(tenant_, d.model, d.version)));
    if (!model) return Status::Ok();
    AddEdge(AddModel(*model), DeploymentId(d.id), "deployed_as");
    return ModelParents(*model);
  }

  // Alerts matching `filter` with their batches (node -sent-> batch -reported-> alert), or
  // linked from `from` with `relation` when `via_batches` is false.
  Status Alerts(store::AlertFilter filter, bool via_batches, const std::string& from,
                const std::string& relation) {
    filter.limit = kDownstreamAlerts;
    EL_ASSIGN_OR_RETURN(std::vector<store::Alert> alerts, store_.ListAlerts(tenant_, filter));
    if (static_cast<int64_t>(alerts.size()) >= kDownstreamAlerts) graph_.truncated = true;
    for (const store::Alert& a : alerts) {
      if (graph_.nodes.size() >= max_nodes_) {
        graph_.truncated = true;
        break;
      }
      std::string alert_id = AddAlert(a);
      if (!via_batches) {
        AddEdge(from, alert_id, relation);
        continue;
      }
      EL_ASSIGN_OR_RETURN(std::string batch_id, AddBatchFromNode(a.node, a.batch_seq));
      AddEdge(batch_id.empty() ? NodeId(a.node) : batch_id, alert_id, "reported");
    }
    return Status::Ok();
  }

  Result<const std::vector<store::NodeRecord>*> Nodes() {
    if (!nodes_) {
      EL_ASSIGN_OR_RETURN(std::vector<store::NodeRecord> nodes, store_.ListNodes(tenant_));
      nodes_ = std::move(nodes);
    }
    return &*nodes_;
  }

  store::HubStore& store() { return store_; }
  int64_t tenant() const { return tenant_; }

 private:
  store::HubStore& store_;
  int64_t tenant_;
  size_t max_nodes_;
  LineageGraph graph_;
  std::map<std::string, size_t> index_;
  std::set<std::string> edge_keys_;
  std::optional<std::vector<store::NodeRecord>> nodes_;
};

Result<std::string> AlertRoot(Builder& b, std::string_view id) {
  std::optional<int64_t> alert_id = ParseInt(id);
  if (!alert_id) return InvalidArgument("id: an alert id is a positive integer");
  EL_ASSIGN_OR_RETURN(store::Alert alert, b.store().GetAlert(b.tenant(), *alert_id));
  std::string root = b.AddAlert(alert);
  EL_RETURN_IF_ERROR(b.AlertUpstream(alert));
  EL_RETURN_IF_ERROR(b.AlertDownstream(alert));
  return root;
}

Result<std::string> BatchRoot(Builder& b, std::string_view id) {
  size_t colon = id.rfind(':');
  std::optional<int64_t> seq =
      colon == std::string_view::npos ? std::nullopt : ParseInt(id.substr(colon + 1));
  if (!seq || colon == 0) return InvalidArgument("id: a batch id is \"node:seq\"");
  std::string node(id.substr(0, colon));
  EL_ASSIGN_OR_RETURN(std::string root, b.AddBatchFromNode(node, *seq));
  if (root.empty()) return NotFound("no such batch");
  store::AlertFilter filter;
  filter.node = node;
  filter.batch_seq = *seq;
  EL_RETURN_IF_ERROR(b.Alerts(filter, /*via_batches=*/false, root, "reported"));
  return root;
}

Result<std::string> ModelRoot(Builder& b, std::string_view id) {
  size_t at = id.rfind('@');
  std::optional<int64_t> version =
      at == std::string_view::npos ? std::nullopt : ParseInt(id.substr(at + 1));
  if (!version || at == 0) return InvalidArgument("id: a model id is \"name@version\"");
  EL_ASSIGN_OR_RETURN(
      store::ModelVersion model,
      b.store().GetModelVersion(b.tenant(), std::string(id.substr(0, at)), *version));
  std::string root = b.AddModel(model);
  EL_RETURN_IF_ERROR(b.ModelParents(model));
  EL_RETURN_IF_ERROR(b.ModelChildren(model));
  EL_RETURN_IF_ERROR(b.Deployments(model, /*add_targets=*/true));
  return root;
}

Result<std::string> DeploymentRoot(Builder& b, std::string_view id) {
  std::optional<int64_t> deployment_id = ParseInt(id);
  if (!deployment_id) return InvalidArgument("id: a deployment id is a positive integer");
  EL_ASSIGN_OR_RETURN(store::Deployment d, b.store().GetDeployment(b.tenant(), *deployment_id));
  std::string root = b.AddDeployment(d);
  EL_RETURN_IF_ERROR(b.DeploymentModel(d));
  if (d.replaces) {
    EL_ASSIGN_OR_RETURN(std::optional<store::Deployment> replaced,
                        Maybe(b.store().GetDeployment(b.tenant(), *d.replaces)));
    if (replaced) b.AddEdge(b.AddDeployment(*replaced), root, "replaced_by");
  }
  EL_RETURN_IF_ERROR(b.DeploymentTargets(d, /*add_targets=*/true));
  return root;
}

Result<std::string> NodeRoot(Builder& b, std::string_view id) {
  EL_ASSIGN_OR_RETURN(store::NodeRecord node, b.store().GetNode(b.tenant(), std::string(id)));
  std::string root = b.AddNodeRecord(node);
  // Upstream: what runs on it now (active deployments that target it, and their models).
  EL_ASSIGN_OR_RETURN(std::vector<store::Deployment> active,
                      b.store().ListDeployments(b.tenant(), /*active_only=*/true));
  for (const store::Deployment& d : active) {
    bool targeted = d.target_group.empty() ? std::find(d.target_nodes.begin(), d.target_nodes.end(),
                                                       node.id) != d.target_nodes.end()
                                           : node.group == d.target_group;
    if (!targeted) continue;
    b.AddEdge(b.AddDeployment(d), root, "targets");
    EL_RETURN_IF_ERROR(b.DeploymentModel(d));
  }
  // Downstream: its latest alerts, through the batches that reported them.
  store::AlertFilter filter;
  filter.node = node.id;
  EL_RETURN_IF_ERROR(b.Alerts(filter, /*via_batches=*/true, root, "reported"));
  return root;
}

Result<std::string> AssetRoot(Builder& b, std::string_view id) {
  EL_ASSIGN_OR_RETURN(store::Asset asset, b.store().GetAsset(b.tenant(), std::string(id)));
  std::string root = b.AddAsset(asset);
  EL_ASSIGN_OR_RETURN(std::vector<store::Site> sites, b.store().ListSites(b.tenant()));
  for (const store::Site& s : sites) {
    if (s.id != asset.site) continue;
    std::string site_id = SiteId(s.id);
    b.AddNode({site_id,
               "site",
               s.name.empty() ? s.id : s.name,
               {{"name", s.name}, {"location", s.location}}});
    b.AddEdge(site_id, root, "contains");
  }
  store::AlertFilter filter;
  filter.asset = asset.id;
  EL_RETURN_IF_ERROR(b.Alerts(filter, /*via_batches=*/false, root, "raised"));
  return root;
}

}  // namespace

json LineageGraph::ToJson() const {
  json nodes_json = json::array();
  for (const LineageNode& n : nodes) {
    nodes_json.push_back({{"id", n.id}, {"kind", n.kind}, {"label", n.label}, {"attrs", n.attrs}});
  }
  json edges_json = json::array();
  for (const LineageEdge& e : edges) {
    edges_json.push_back({{"from", e.from}, {"to", e.to}, {"relation", e.relation}});
  }
  return {{"root", root}, {"nodes", nodes_json}, {"edges", edges_json}, {"truncated", truncated}};
}

bool IsLineageKind(std::string_view kind) {
  return kind == "alert" || kind == "batch" || kind == "model" || kind == "deployment" ||
         kind == "node" || kind == "asset";
}

Result<LineageGraph> BuildLineage(store::HubStore& store, int64_t tenant, std::string_view kind,
                                  std::string_view id, size_t max_nodes) {
  if (!IsLineageKind(kind)) {
    return InvalidArgument("kind: expected alert, batch, model, deployment, node or asset");
  }
  if (id.empty()) return InvalidArgument("id: empty");
  Builder builder(store, tenant, std::max<size_t>(max_nodes, 1));
  Result<std::string> root = InvalidArgument("unreachable");
  if (kind == "alert") root = AlertRoot(builder, id);
  if (kind == "batch") root = BatchRoot(builder, id);
  if (kind == "model") root = ModelRoot(builder, id);
  if (kind == "deployment") root = DeploymentRoot(builder, id);
  if (kind == "node") root = NodeRoot(builder, id);
  if (kind == "asset") root = AssetRoot(builder, id);
  if (!root.ok()) return root.status();
  return builder.Take(*root);
}

}  // namespace edgeloop::api
