// Transport: how the uplink sender delivers one request; HttpTransport is the real one.
//
// The interface keeps cpp-httplib (whose <resolv.h> breaks Eigen, see DESIGN.md pitfalls) out of
// every header, and lets tests swap in a fake.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace edgeloop::uplink {

struct HttpResponse {
  int status = 0;
  std::string body;
  // Retry-After of a 429/503 answer in seconds (RFC 9110 delay-seconds form); nullopt if absent
  // or in the HTTP-date form, which a hub of ours does not send.
  std::optional<int64_t> retry_after_s;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends one POST. A transport failure (refused, timeout, reset) is Unavailable; an HTTP answer
  // of any status is a value.
  [[nodiscard]] virtual Result<HttpResponse> Post(
      const std::string& path, const std::vector<std::pair<std::string, std::string>>& headers,
      const std::string& body, const std::string& content_type) = 0;
};

// Plain HTTP to host:port, one keep-alive connection. Used by one thread at a time.
[[nodiscard]] std::unique_ptr<Transport> MakeHttpTransport(const std::string& host, int port,
                                                           std::chrono::milliseconds timeout);

}  // namespace edgeloop::uplink
