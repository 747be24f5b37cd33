#include "edge/enrollment.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "edge/hub_url.h"

namespace edgeloop::edge {

Result<EnrollmentResult> EnrollWithHub(const std::string& hub_url,
                                       const std::string& enrollment_token,
                                       std::chrono::milliseconds timeout) {
  if (enrollment_token.empty()) return InvalidArgument("the enrollment token is empty");
  EL_ASSIGN_OR_RETURN(const HubAddress address, ParseHubUrl(hub_url));
  httplib::Client client(address.host, address.port);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  const std::string body = nlohmann::json{{"enrollment_token", enrollment_token}}.dump();
  httplib::Result res = client.Post("/v1/enroll", body, "application/json");
  if (!res) {
    return Unavailable("cannot reach the hub at " + hub_url + ": " +
                       httplib::to_string(res.error()));
  }
  const nlohmann::json answer = nlohmann::json::parse(res->body, nullptr, false);
  if (res->status != 200 && res->status != 201) {
    std::string message = res->body.substr(0, 300);
    if (answer.is_object() && answer.contains("error") && answer["error"].is_object() &&
        answer["error"].value("message", "") != "") {
      message = answer["error"]["message"].get<std::string>();
    }
    return FailedPrecondition("the hub refused the enrollment (HTTP " +
                              std::to_string(res->status) + "): " + message);
  }
  if (!answer.is_object() || !answer.contains("token") || !answer["token"].is_string() ||
      !answer.contains("node") || !answer["node"].is_string()) {
    return Unavailable("the hub's enrollment answer has no token/node: " +
                       res->body.substr(0, 200));
  }
  return EnrollmentResult{answer["node"].get<std::string>(), answer["token"].get<std::string>()};
}

}  // namespace edgeloop::edge
