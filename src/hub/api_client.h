// ApiClient: a small client of the hub's REST API for `edgeloop ctl`, the demo and tests.
// JSON in, JSON out; a hub error {"error":{"code","message"}} becomes a Status carrying the HTTP
// status and the hub's message, e.g. "HTTP 403 forbidden: role viewer may not ...".
// Threads: one ApiClient per thread (it keeps one keep-alive connection).
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace httplib {
class Client;
}

namespace edgeloop::hub {

struct ApiReply {
  int status = 0;
  nlohmann::json json;  // null when the body is not JSON
  std::string body;
  std::string etag;
};

class ApiClient {
 public:
  // `base_url` "http://host:port"; `token` may be empty (public routes only).
  static Result<std::unique_ptr<ApiClient>> Create(
      const std::string& base_url, std::string token,
      std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~ApiClient();

  // Any 2xx -> the reply; 4xx/5xx -> an error Status (kInvalidArgument 400, kNotFound 404,
  // kAlreadyExists/kFailedPrecondition 409, kFailedPrecondition 401/403, kUnavailable 5xx and
  // transport errors) whose message starts with "HTTP <status> <code>: <message>".
  Result<ApiReply> Get(const std::string& path);
  Result<ApiReply> Post(const std::string& path, const nlohmann::json& body);
  Result<ApiReply> Put(const std::string& path, const nlohmann::json& body);
  Result<ApiReply> Delete(const std::string& path);
  // Raw bytes body (e.g. an ONNX upload).
  Result<ApiReply> PostBytes(const std::string& path, std::string_view bytes,
                             const std::string& content_type);

  // The raw exchange without turning error statuses into Status (for tests and callers that
  // inspect 304/4xx themselves). Transport failures are still kUnavailable.
  Result<ApiReply> Send(const std::string& method, const std::string& path, std::string_view body,
                        const std::string& content_type,
                        const std::vector<std::pair<std::string, std::string>>& headers = {});

 private:
  ApiClient(std::unique_ptr<httplib::Client> client, std::string token, std::string base_url);
  Result<ApiReply> Checked(Result<ApiReply> reply);

  std::unique_ptr<httplib::Client> client_;
  std::string token_;
  std::string base_url_;
};

// "a b/c" -> "a%20b%2Fc" for a path segment or query value.
std::string UrlEncode(std::string_view text);

}  // namespace edgeloop::hub
