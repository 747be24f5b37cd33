#include "train/dataset.h"

#include <algorithm>
#include <cmath>

namespace edgeloop::train {
namespace {

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string ColumnList(const ingest::SignalTable& t) {
  std::string out;
  for (const auto& c : t.columns) out += (out.empty() ? "" : ", ") + c.name;
  return out;
}

}  // namespace

Dataset Dataset::Slice(size_t begin, size_t end) const {
  Dataset d;
  d.source = source;
  d.features = features;
  end = std::min(end, rows());
  begin = std::min(begin, end);
  d.x.assign(x.begin() + static_cast<ptrdiff_t>(begin * cols()),
             x.begin() + static_cast<ptrdiff_t>(end * cols()));
  if (!labels.empty()) {
    d.labels.assign(labels.begin() + static_cast<ptrdiff_t>(begin),
                    labels.begin() + static_cast<ptrdiff_t>(end));
  }
  if (!times.empty()) {
    d.times.assign(times.begin() + static_cast<ptrdiff_t>(begin),
                   times.begin() + static_cast<ptrdiff_t>(end));
  }
  return d;
}

model::TrainingWindow Dataset::Window() const {
  model::TrainingWindow w;
  w.source = source;
  w.rows = static_cast<int64_t>(rows());
  if (!times.empty()) {
    w.first = FormatTimestamp(times.front());
    w.last = FormatTimestamp(times.back());
  }
  return w;
}

Result<Dataset> DatasetFromTable(const ingest::SignalTable& table, const DatasetOptions& options) {
  std::vector<const ingest::SignalColumn*> cols;
  const ingest::SignalColumn* label = nullptr;
  if (!options.label.empty()) {
    label = table.Find(options.label);
    if (label == nullptr) {
      return InvalidArgument(table.source + ": no label column '" + options.label +
                             "' (columns: " + ColumnList(table) + ")");
    }
  }
  for (const auto& name : options.exclude) {
    if (table.Find(name) == nullptr) {
      return InvalidArgument(table.source + ": no column '" + name +
                             "' to exclude (columns: " + ColumnList(table) + ")");
    }
  }
  if (!options.features.empty()) {
    for (const auto& name : options.features) {
      const auto* c = table.Find(name);
      if (c == nullptr) {
        return InvalidArgument(table.source + ": no feature column '" + name +
                               "' (columns: " + ColumnList(table) + ")");
      }
      cols.push_back(c);
    }
  } else {
    for (const auto& c : table.columns) {
      if (c.name == options.label || Contains(options.exclude, c.name)) continue;
      cols.push_back(&c);
    }
  }
  if (cols.empty()) return InvalidArgument(table.source + ": no feature columns");
  const size_t n = cols.front()->values.size();
  for (const auto* c : cols) {
    if (c->values.size() != n) {
      return InvalidArgument(table.source + ": column '" + c->name + "' has " +
                             std::to_string(c->values.size()) + " rows, expected " +
                             std::to_string(n));
    }
  }
  Dataset d;
  d.source = table.source;
  for (const auto* c : cols) d.features.push_back(c->name);
  d.x.reserve(n * cols.size());
  for (size_t i = 0; i < n; ++i) {
    bool finite = true;
    for (const auto* c : cols) finite = finite && std::isfinite(c->values[i]);
    if (label != nullptr) finite = finite && std::isfinite(label->values[i]);
    if (!finite) {
      ++d.dropped_rows;
      continue;
    }
    for (const auto* c : cols) d.x.push_back(c->values[i]);
    if (label != nullptr) d.labels.push_back(label->values[i]);
    if (table.timestamps.size() == n) d.times.push_back(table.timestamps[i]);
  }
  return d;
}

Result<Dataset> ReadDataset(const std::string& path, const DatasetOptions& options) {
  EL_ASSIGN_OR_RETURN(auto table, ingest::ReadSignalFile(path));
  return DatasetFromTable(table, options);
}

Result<Dataset> Concat(const std::vector<Dataset>& parts) {
  if (parts.empty()) return InvalidArgument("no datasets to concatenate");
  Dataset out;
  out.source = parts.front().source;
  out.features = parts.front().features;
  bool labelled = !parts.front().labels.empty() || parts.front().rows() == 0;
  bool timed = !parts.front().times.empty() || parts.front().rows() == 0;
  for (const auto& p : parts) {
    if (p.features != out.features) {
      return InvalidArgument(p.source + ": its feature columns differ from " + out.source + "'s");
    }
    out.x.insert(out.x.end(), p.x.begin(), p.x.end());
    labelled = labelled && p.labels.size() == p.rows();
    timed = timed && p.times.size() == p.rows();
    out.labels.insert(out.labels.end(), p.labels.begin(), p.labels.end());
    out.times.insert(out.times.end(), p.times.begin(), p.times.end());
    out.dropped_rows += p.dropped_rows;
  }
  if (parts.size() > 1) out.source += " (+" + std::to_string(parts.size() - 1) + " more)";
  if (!labelled) out.labels.clear();
  if (!timed) out.times.clear();
  return out;
}

}  // namespace edgeloop::train
