// Logging through spdlog. Logs go to stderr so that stdout stays for results and summaries.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

#include "common/status.h"

namespace edgeloop {

// Sets up the process-wide default logger once, from the main thread, before workers start.
// `level` is one of trace, debug, info, warn, error, off.
Status InitLogging(std::string_view level);

}  // namespace edgeloop
