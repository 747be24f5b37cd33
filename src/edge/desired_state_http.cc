// MakeHttpHubClient (declared in edge/desired_state.h): the hub client over cpp-httplib. Kept in
// its own file because httplib.h must stay away from numeric code (see DESIGN.md pitfalls).
#include <httplib.h>

#include <exception>

#include "edge/desired_state.h"

namespace edgeloop::edge {
namespace {

class HttpHubClient final : public HubClient {
 public:
  explicit HttpHubClient(HubEndpoint endpoint)
      : endpoint_(std::move(endpoint)),
        origin_("http://" + endpoint_.host + ":" + std::to_string(endpoint_.port)),
        hub_(endpoint_.host, endpoint_.port) {
    Configure(hub_);
  }

  Result<HubResponse> Get(const std::string& url,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          const std::function<bool(const char*, size_t)>& sink) override {
    try {
      httplib::Headers h;
      for (const auto& [k, v] : headers) h.emplace(k, v);
      if (url.starts_with("/")) return Fetch(hub_, url, url, h, sink, true);
      // An absolute URL: split into origin and path. The token only goes to the hub itself.
      const size_t scheme_end = url.find("://");
      if (scheme_end == std::string::npos) return InvalidArgument("bad URL " + url);
      const size_t path_start = url.find('/', scheme_end + 3);
      const std::string origin = url.substr(0, path_start);
      const std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);
      if (origin == origin_) return Fetch(hub_, url, path, h, sink, true);
      httplib::Client other(origin);
      if (!other.is_valid()) return InvalidArgument("unsupported URL " + url);
      Configure(other);
      return Fetch(other, url, path, h, sink, false);
    } catch (const std::exception& e) {
      return Unavailable("GET " + url + ": " + e.what());
    }
  }

 private:
  void Configure(httplib::Client& client) const {
    client.set_connection_timeout(endpoint_.timeout);
    client.set_read_timeout(endpoint_.timeout);
    client.set_write_timeout(endpoint_.timeout);
    client.set_keep_alive(true);
    client.set_tcp_nodelay(true);  // no ~40 ms delayed-ACK stall per request
  }

  Result<HubResponse> Fetch(httplib::Client& client, const std::string& url,
                            const std::string& path, httplib::Headers headers,
                            const std::function<bool(const char*, size_t)>& sink, bool with_token) {
    if (with_token && !endpoint_.token.empty()) {
      headers.emplace("Authorization", "Bearer " + endpoint_.token);
    }
    HubResponse out;
    httplib::Result res = client.Get(
        path, headers,
        [&out](const httplib::Response& r) {
          out.status = r.status;
          out.etag = r.get_header_value("ETag");
          return true;
        },
        [&sink](const char* data, size_t size) { return sink(data, size); });
    if (!res) return Unavailable("GET " + url + " failed: " + httplib::to_string(res.error()));
    out.status = res->status;
    return out;
  }

  HubEndpoint endpoint_;
  std::string origin_;
  httplib::Client hub_;
};

}  // namespace

std::unique_ptr<HubClient> MakeHttpHubClient(HubEndpoint endpoint) {
  return std::make_unique<HttpHubClient>(std::move(endpoint));
}

}  // namespace edgeloop::edge
