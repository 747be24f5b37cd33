// SHA-256 of model files and byte buffers, as lowercase hex: the edge checks a model artifact
// against the hash the hub signed off before it scores anything with it.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "common/status.h"

namespace edgeloop {

// Lowercase hex digest (64 characters) of `bytes`; "" only if OpenSSL itself fails.
std::string Sha256Hex(std::span<const uint8_t> bytes);

// Digest of the whole file at `path`; NotFound / Internal errors name the file.
Result<std::string> Sha256File(const std::string& path);

}  // namespace edgeloop
