// Enrollment of a gateway with its hub: exchanges a one-time enrollment token (made by an admin
// or edge engineer with `edgeloop ctl enroll NODE`) for the node's own bearer token, and keeps
// that token in a file only the gateway's user can read.
#pragma once

#include <chrono>
#include <string>

#include "common/status.h"

namespace edgeloop::edge {

struct EnrollmentResult {
  std::string node;   // the node id the hub assigned with the enrollment
  std::string token;  // the node token: the secret for hub.token_file
};

// POST {hub_url}/v1/enroll {"enrollment_token": ...}. Unavailable when the hub cannot be reached;
// PermissionDenied-like refusals (unknown, used or expired enrollment token) are
// FailedPrecondition with the hub's message.
Result<EnrollmentResult> EnrollWithHub(
    const std::string& hub_url, const std::string& enrollment_token,
    std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace edgeloop::edge
