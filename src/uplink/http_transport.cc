#include "uplink/http_transport.h"

#include <httplib.h>

#include <charconv>

namespace edgeloop::uplink {
namespace {

class HttpTransport final : public Transport {
 public:
  HttpTransport(const std::string& host, int port, std::chrono::milliseconds timeout)
      : client_(host, port) {
    client_.set_connection_timeout(timeout);
    client_.set_read_timeout(timeout);
    client_.set_write_timeout(timeout);
    client_.set_keep_alive(true);
    // Headers and body go out in separate writes; with Nagle on, the second waits for the
    // server's delayed ACK (~40 ms per request).
    client_.set_tcp_nodelay(true);
  }

  Result<HttpResponse> Post(const std::string& path,
                            const std::vector<std::pair<std::string, std::string>>& headers,
                            const std::string& body, const std::string& content_type) override {
    httplib::Headers h;
    for (const auto& [k, v] : headers) h.emplace(k, v);
    httplib::Result res = client_.Post(path, h, body, content_type);
    if (!res) {
      return Unavailable("POST " + path + " failed: " + httplib::to_string(res.error()));
    }
    HttpResponse response{res->status, res->body, std::nullopt};
    if (res->has_header("Retry-After")) {
      const std::string v = res->get_header_value("Retry-After");
      int64_t seconds = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
      if (ec == std::errc() && end == v.data() + v.size() && seconds >= 0) {
        response.retry_after_s = seconds;
      }
    }
    return response;
  }

 private:
  httplib::Client client_;
};

}  // namespace

std::unique_ptr<Transport> MakeHttpTransport(const std::string& host, int port,
                                             std::chrono::milliseconds timeout) {
  return std::make_unique<HttpTransport>(host, port, timeout);
}

}  // namespace edgeloop::uplink
