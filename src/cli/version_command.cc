#include <fmt/format.h>
#include <sqlite3.h>

#include "cli/commands.h"

namespace edgeloop::cli {

void AddVersionCommand(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand("version", "Print the Edgeloop version and build details");
  cmd->callback([&exit_code] {
    fmt::print("edgeloop {}\n", kVersion);
    fmt::print("built with: C++{} ({}), SQLite {}\n", __cplusplus / 100 % 100, __VERSION__,
               sqlite3_libversion());
    exit_code = 0;
  });
}

}  // namespace edgeloop::cli
