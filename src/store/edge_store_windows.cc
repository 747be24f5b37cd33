// EdgeStore::ForEachWindow: reading feature windows back (export for training, inspection).
#include <limits>
#include <nlohmann/json.hpp>

#include "store/edge_store.h"

namespace edgeloop::store {
namespace {

Result<WindowStatus> ParseStatus(const std::string& s) {
  for (WindowStatus w : {WindowStatus::kLearning, WindowStatus::kScored, WindowStatus::kRejected}) {
    if (WindowStatusName(w) == s) return w;
  }
  return DataLoss("feature_windows: unknown status '" + s + "'");
}

}  // namespace

Result<int64_t> EdgeStore::ForEachWindow(std::optional<std::string> asset,
                                         const std::function<Status(const WindowRecord&)>& fn) {
  EL_ASSIGN_OR_RETURN(
      Statement q,
      db_.Prepare("SELECT asset, t_start_ns, t_end_ns, status, score, top_feature, detector, "
                  "features FROM feature_windows WHERE (?1 IS NULL OR asset = ?1) AND "
                  "status != 'rejected' ORDER BY t_end_ns, id"));
  if (asset) {
    q.Bind(1, std::string_view(*asset));
  } else {
    q.BindNull(1);
  }
  int64_t rows = 0;
  WindowRecord w;
  while (true) {
    EL_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    w.asset = q.ColumnText(0);
    w.start = FromNanos(q.ColumnInt(1));
    w.end = FromNanos(q.ColumnInt(2));
    EL_ASSIGN_OR_RETURN(w.status, ParseStatus(q.ColumnText(3)));
    w.score = q.ColumnIsNull(4) ? std::nullopt : std::optional<double>(q.ColumnDouble(4));
    w.top_feature = q.ColumnText(5);
    w.detector = q.ColumnText(6);
    const nlohmann::json features = nlohmann::json::parse(q.ColumnText(7), nullptr, false);
    if (!features.is_object()) {
      return DataLoss("feature_windows: features of a window of " + w.asset + " are not JSON");
    }
    w.features.clear();
    for (const auto& [name, value] : features.items()) {
      w.features.emplace_back(
          name, value.is_number() ? value.get<double>() : std::numeric_limits<double>::quiet_NaN());
    }
    ++rows;
    EL_RETURN_IF_ERROR(fn(w));
  }
  return rows;
}

}  // namespace edgeloop::store
