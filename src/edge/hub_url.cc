#include "edge/hub_url.h"

#include <charconv>

namespace edgeloop::edge {

Result<HubAddress> ParseHubUrl(std::string_view url) {
  constexpr std::string_view kHttp = "http://";
  if (url.substr(0, 8) == "https://") {
    return InvalidArgument("hub url '" + std::string(url) +
                           "': https is not supported by the uplink yet; use http:// behind a "
                           "TLS-terminating proxy on the gateway");
  }
  if (url.substr(0, kHttp.size()) != kHttp) {
    return InvalidArgument("hub url '" + std::string(url) + "' must start with http://");
  }
  std::string_view rest = url.substr(kHttp.size());
  if (const size_t slash = rest.find('/'); slash != std::string_view::npos) {
    if (rest.substr(slash) != "/") {
      return InvalidArgument("hub url '" + std::string(url) + "' must not have a path");
    }
    rest = rest.substr(0, slash);
  }
  HubAddress a;
  const size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) {
    a.host = std::string(rest);
  } else {
    a.host = std::string(rest.substr(0, colon));
    const std::string_view port = rest.substr(colon + 1);
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), a.port);
    if (ec != std::errc() || p != port.data() + port.size() || a.port < 1 || a.port > 65535) {
      return InvalidArgument("hub url '" + std::string(url) + "' has a bad port");
    }
  }
  if (a.host.empty()) return InvalidArgument("hub url '" + std::string(url) + "' has no host");
  return a;
}

}  // namespace edgeloop::edge
