// Secrets on disk (bearer tokens): written with mode 0600, atomically.
#pragma once

#include <string>

#include "common/status.h"

namespace edgeloop {

// Writes `secret` plus a newline to `path` with mode 0600 through a temp file, fsync and rename,
// so a crash leaves either the old file or the new one. Refuses to overwrite an existing file
// unless `replace` (kAlreadyExists).
Status WriteSecretFile(const std::string& path, const std::string& secret, bool replace);

}  // namespace edgeloop
