// Standard base64 (RFC 4648, with padding) for carrying binary batch payloads in JSON and in
// SQLite TEXT columns. Decoding untrusted text returns an error instead of guessing.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace edgeloop {

std::string Base64Encode(std::string_view bytes);
[[nodiscard]] Result<std::string> Base64Decode(std::string_view text);

}  // namespace edgeloop
