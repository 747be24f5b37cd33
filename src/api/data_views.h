// JSON views of the store's catalog and alert records, shared by the data routes and the
// lineage graph so a record looks the same wherever the API shows it. Times are RFC 3339 UTC
// strings. JSON text stored by the hub (asset attrs, alert evidence) is embedded as JSON; text
// that does not parse (it came from a node) is shown as null rather than failing the request.
// Pure functions, thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "store/hub_types.h"

namespace edgeloop::api {

nlohmann::json TimeJson(store::TimeMs ms);
nlohmann::json TimeJson(const std::optional<store::TimeMs>& ms);  // null when absent
// Parsed stored JSON text, or null when it is not valid JSON.
nlohmann::json StoredJson(std::string_view text);

nlohmann::json SiteJson(const store::Site& site);
nlohmann::json AssetJson(const store::Asset& asset);
nlohmann::json ChannelJson(const store::Channel& channel);
nlohmann::json AnnotationJson(const store::Annotation& annotation);
// With "annotations" when `with_annotations` (GetAlert fills them, ListAlerts does not).
nlohmann::json AlertJson(const store::Alert& alert, bool with_annotations);

// OpenAPI schemas of the objects above.
nlohmann::json SiteSchema();
nlohmann::json AssetSchema();
nlohmann::json ChannelSchema();
nlohmann::json AnnotationSchema();
nlohmann::json AlertSchema();

}  // namespace edgeloop::api
