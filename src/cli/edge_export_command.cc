// `edgeloop edge export --store edge.db [--asset A] --out features.csv`: the feature windows a
// gateway stored, as a CSV that `edgeloop model train` reads (a `time` column, then one column per
// feature, NaN for a missing value). This closes the loop from the edge to a model: run the
// gateway on the baseline detector, export its healthy windows, train, deploy the model.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>

#include "cli/commands.h"
#include "store/edge_store.h"

namespace edgeloop::cli {
namespace {

struct ExportArgs {
  std::string store;
  std::string asset;
  std::string out;
};

int RunExport(const ExportArgs& args) {
  // Opening would create an empty store: a mistyped path must be an error, not a new file.
  if (!std::filesystem::exists(args.store)) return Fail(NotFound("no edge store at " + args.store));
  auto store = store::EdgeStore::Open(args.store, "export");
  if (!store.ok()) return Fail(store.status());
  std::unique_ptr<FILE, int (*)(FILE*)> out(std::fopen(args.out.c_str(), "w"), std::fclose);
  if (!out) return Fail(IoError("cannot write " + args.out));
  std::vector<std::string> columns;  // the first window's features fix the columns
  std::map<std::string, size_t> index;
  std::vector<double> row;
  int64_t skipped_other_schema = 0;
  auto rows = store->ForEachWindow(
      args.asset.empty() ? std::nullopt : std::optional<std::string>(args.asset),
      [&](const store::WindowRecord& w) -> Status {
        if (columns.empty()) {
          std::fputs("time", out.get());
          for (const auto& [name, value] : w.features) {
            index[name] = columns.size();
            columns.push_back(name);
            std::fprintf(out.get(), ",%s", name.c_str());
          }
          std::fputs(args.asset.empty() ? ",asset\n" : "\n", out.get());
        }
        if (w.features.size() != columns.size()) {
          ++skipped_other_schema;  // a window of another pipeline configuration
          return Status::Ok();
        }
        row.assign(columns.size(), std::nan(""));
        for (const auto& [name, value] : w.features) {
          auto it = index.find(name);
          if (it == index.end()) {
            ++skipped_other_schema;
            return Status::Ok();
          }
          row[it->second] = value;
        }
        std::fputs(FormatTimestamp(w.end).c_str(), out.get());
        for (double v : row) {
          if (std::isfinite(v)) {
            std::fprintf(out.get(), ",%.9g", v);
          } else {
            std::fputs(",NaN", out.get());
          }
        }
        if (args.asset.empty()) std::fprintf(out.get(), ",%s", w.asset.c_str());
        std::fputc('\n', out.get());
        return Status::Ok();
      });
  if (!rows.ok()) return Fail(rows.status());
  if (std::ferror(out.get())) return Fail(IoError("writing " + args.out + " failed"));
  std::fprintf(stderr, "edgeloop edge export: %lld windows, %zu features -> %s%s\n",
               static_cast<long long>(*rows - skipped_other_schema), columns.size(),
               args.out.c_str(),
               skipped_other_schema > 0 ? (" (" + std::to_string(skipped_other_schema) +
                                           " windows with another feature set skipped)")
                                              .c_str()
                                        : "");
  if (*rows == 0) {
    std::fprintf(stderr, "edgeloop edge export: no windows%s in %s\n",
                 args.asset.empty() ? "" : (" of asset " + args.asset).c_str(), args.store.c_str());
    return 1;
  }
  return 0;
}

}  // namespace

CLI::App* AddEdgeExportCommand(CLI::App& edge_cmd, int& exit_code) {
  auto args = std::make_shared<ExportArgs>();
  CLI::App* cmd = edge_cmd.add_subcommand(
      "export", "Write a gateway's stored feature windows as CSV (for `edgeloop model train`)");
  cmd->add_option("--store", args->store, "the edge store (store.path in edge.toml)")->required();
  cmd->add_option("--asset", args->asset, "only this asset (default: all, with an asset column)");
  cmd->add_option("--out", args->out, "CSV file to write")->required();
  cmd->callback([args, &exit_code] { exit_code = RunExport(*args); });
  return cmd;
}

}  // namespace edgeloop::cli
