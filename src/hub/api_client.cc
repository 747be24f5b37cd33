#include "hub/api_client.h"

#include <httplib.h>

#include <cctype>

namespace edgeloop::hub {
namespace {

Status ErrorFromReply(const ApiReply& reply) {
  std::string code = "error";
  std::string message = reply.body.substr(0, 300);
  if (reply.json.is_object() && reply.json.contains("error") && reply.json["error"].is_object()) {
    const nlohmann::json& e = reply.json["error"];
    if (e.contains("code") && e["code"].is_string()) code = e["code"].get<std::string>();
    if (e.contains("message") && e["message"].is_string())
      message = e["message"].get<std::string>();
  }
  std::string text = "HTTP " + std::to_string(reply.status) + " " + code + ": " + message;
  switch (reply.status) {
    case 400:
    case 413:
      return InvalidArgument(std::move(text));
    case 404:
      return NotFound(std::move(text));
    case 409:
      return AlreadyExists(std::move(text));
    case 401:
    case 403:
      return FailedPrecondition(std::move(text));
    default:
      return reply.status >= 500 ? Unavailable(std::move(text)) : Internal(std::move(text));
  }
}

}  // namespace

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

ApiClient::ApiClient(std::unique_ptr<httplib::Client> client, std::string token,
                     std::string base_url)
    : client_(std::move(client)), token_(std::move(token)), base_url_(std::move(base_url)) {}

ApiClient::~ApiClient() = default;

Result<std::unique_ptr<ApiClient>> ApiClient::Create(const std::string& base_url, std::string token,
                                                     std::chrono::milliseconds timeout) {
  if (base_url.rfind("http://", 0) != 0) {
    return InvalidArgument("hub URL '" + base_url + "': expected http://host:port");
  }
  std::string url = base_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  auto client = std::make_unique<httplib::Client>(url);
  if (!client->is_valid()) return InvalidArgument("hub URL '" + base_url + "' is not valid");
  client->set_connection_timeout(timeout);
  client->set_read_timeout(timeout);
  client->set_write_timeout(timeout);
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);  // no ~40 ms delayed-ACK stall per request
  return std::unique_ptr<ApiClient>(new ApiClient(std::move(client), std::move(token), url));
}

Result<ApiReply> ApiClient::Send(const std::string& method, const std::string& path,
                                 std::string_view body, const std::string& content_type,
                                 const std::vector<std::pair<std::string, std::string>>& headers) {
  httplib::Request req;
  req.method = method;
  req.path = path;
  if (!token_.empty()) req.set_header("Authorization", "Bearer " + token_);
  for (const auto& [name, value] : headers) req.set_header(name, value);
  if (!body.empty() || method == "POST" || method == "PUT") {
    req.body = std::string(body);
    req.set_header("Content-Type", content_type);
  }
  httplib::Result res = client_->send(req);
  if (!res) {
    return Unavailable("cannot reach the hub at " + base_url_ + ": " +
                       httplib::to_string(res.error()));
  }
  ApiReply reply;
  reply.status = res->status;
  reply.body = std::move(res->body);
  reply.etag = res->get_header_value("ETag");
  reply.json = nlohmann::json::parse(reply.body, nullptr, false);
  if (reply.json.is_discarded()) reply.json = nullptr;
  return reply;
}

Result<ApiReply> ApiClient::Checked(Result<ApiReply> reply) {
  if (!reply.ok()) return reply;
  if (reply->status >= 200 && reply->status < 300) return reply;
  return ErrorFromReply(*reply);
}

Result<ApiReply> ApiClient::Get(const std::string& path) {
  return Checked(Send("GET", path, "", ""));
}
Result<ApiReply> ApiClient::Post(const std::string& path, const nlohmann::json& body) {
  return Checked(Send("POST", path, body.dump(), "application/json"));
}
Result<ApiReply> ApiClient::Put(const std::string& path, const nlohmann::json& body) {
  return Checked(Send("PUT", path, body.dump(), "application/json"));
}
Result<ApiReply> ApiClient::Delete(const std::string& path) {
  return Checked(Send("DELETE", path, "", ""));
}
Result<ApiReply> ApiClient::PostBytes(const std::string& path, std::string_view bytes,
                                      const std::string& content_type) {
  return Checked(Send("POST", path, bytes, content_type));
}

}  // namespace edgeloop::hub
