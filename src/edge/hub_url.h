// The daemon's hub address: URL parsing.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace edgeloop::edge {

struct HubAddress {
  std::string host;
  int port = 80;
};

// "http://host[:port][/]" -> host and port. https is refused with a clear message: the uplink's
// transport speaks plain HTTP (put a TLS-terminating proxy on the gateway, or wait for TLS).
Result<HubAddress> ParseHubUrl(std::string_view url);

}  // namespace edgeloop::edge
