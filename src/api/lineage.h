// Lineage of hub records: the upstream graph that produced a record and the downstream graph
// that came from it, for GET /v1/lineage/{kind}/{id}.
//
// Node ids are "<kind>:<key>": alert:17, batch:gw-1:42, node:gw-1, asset:pump-1,
// model:bearing@3, deployment:5, annotation:9, site:plant-a. Edges point from producer to
// product (node -sent-> batch -reported-> alert -annotated-> annotation), so "upstream" is
// against the arrows. Each node carries the versions that produced it where the hub knows
// them (a node's agent_version, a model's sha256 and trainer, an alert's detector).
//
// Bounded: at most `max_nodes` graph nodes (then `truncated`), and every edge joins two nodes
// of the graph (no dangling ends). Reads only; thread-safe as the store is.
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/hub_store.h"

namespace edgeloop::api {

struct LineageNode {
  std::string id;
  std::string kind;
  std::string label;
  nlohmann::json attrs = nlohmann::json::object();
};

struct LineageEdge {
  std::string from;
  std::string to;
  std::string relation;
};

struct LineageGraph {
  std::string root;
  std::vector<LineageNode> nodes;
  std::vector<LineageEdge> edges;
  bool truncated = false;

  // {"root","nodes":[{"id","kind","label","attrs"}],"edges":[{"from","to","relation"}],
  //  "truncated"}
  nlohmann::json ToJson() const;
};

// The kinds GET /v1/lineage/{kind}/{id} accepts.
bool IsLineageKind(std::string_view kind);

// Builds the graph of the record `kind`/`id` of `tenant`. Ids: alert and deployment by number,
// batch "node:seq", model "name@version", node and asset by their id.
// kInvalidArgument for an unknown kind or a malformed id; kNotFound for an unknown record.
Result<LineageGraph> BuildLineage(store::HubStore& store, int64_t tenant, std::string_view kind,
                                  std::string_view id, size_t max_nodes = 500);

}  // namespace edgeloop::api
