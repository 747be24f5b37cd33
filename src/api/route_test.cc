#include "api/route.h"

#include <gtest/gtest.h>

#include "api/body_reader.h"
#include "api/roles.h"

namespace edgeloop::api {
namespace {

Handler Echo(std::string tag) {
  return [tag](const Request&) { return JsonResponse(200, {{"route", tag}}); };
}

Router MakeRouter() {
  Router r;
  r.Add({.method = "GET", .pattern = "/v1/models/{name}", .handler = Echo("param")});
  r.Add({.method = "GET", .pattern = "/v1/models/latest", .handler = Echo("literal")});
  r.Add({.method = "GET",
         .pattern = "/v1/models/{name}/versions/{version}",
         .roles = kReadRoles,
         .tag = "models",
         .summary = "one version",
         .query_params = {{"fields", "which fields"}},
         .handler = Echo("version")});
  r.Add({.method = "POST",
         .pattern = "/v1/models",
         .roles = kModelWriters,
         .tag = "models",
         .summary = "upload",
         .request_schema = {{"type", "object"}},
         .handler = Echo("upload")});
  return r;
}

TEST(RouterTest, LiteralBeatsParameterAndParamsAreDecoded) {
  Router r = MakeRouter();
  auto m = r.Find("GET", "/v1/models/latest");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/v1/models/latest");
  m = r.Find("GET", "/v1/models/pump%2Fpca%20x");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/v1/models/{name}");
  EXPECT_EQ(m.params.at("name"), "pump/pca x");
  m = r.Find("GET", "/v1/models/a/versions/3");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params.at("name"), "a");
  EXPECT_EQ(m.params.at("version"), "3");
}

TEST(RouterTest, EmptySegmentsBrokenEscapesAndWrongMethods) {
  Router r = MakeRouter();
  EXPECT_EQ(r.Find("GET", "/v1/models/").route, nullptr);
  EXPECT_EQ(r.Find("GET", "/v1/models//versions/1").route, nullptr);
  EXPECT_EQ(r.Find("GET", "/v1/models/%zz").route, nullptr);
  EXPECT_EQ(r.Find("GET", "/v1/models/%4").route, nullptr);
  EXPECT_EQ(r.Find("GET", "").route, nullptr);
  auto m = r.Find("DELETE", "/v1/models/x");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.path_known);  // 405, not 404
  m = r.Find("GET", "/v2/nothing");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_FALSE(m.path_known);
  m = r.Find("GET", "/v1/models");  // only POST exists
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.path_known);
}

TEST(RouterDeathTest, DuplicateRouteAborts) {
  Router r = MakeRouter();
  EXPECT_DEATH(r.Add({.method = "GET", .pattern = "/v1/models/latest", .handler = Echo("x")}),
               "duplicate route");
}

TEST(RouterTest, OpenApiDescribesEveryOperation) {
  Router r = MakeRouter();
  nlohmann::json doc = r.OpenApi("1.2.3");
  EXPECT_EQ(doc["openapi"], "3.0.3");
  EXPECT_EQ(doc["info"]["version"], "1.2.3");
  EXPECT_EQ(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
  EXPECT_TRUE(doc["components"]["schemas"].contains("Error"));
  size_t ops = 0;
  for (auto& [path, item] : doc["paths"].items()) ops += item.size();
  EXPECT_EQ(ops, r.routes().size());
  const auto& get = doc["paths"]["/v1/models/{name}/versions/{version}"]["get"];
  EXPECT_EQ(get["summary"], "one version");
  EXPECT_EQ(get["tags"][0], "models");
  EXPECT_EQ(get["x-edgeloop-roles"].size(), kReadRoles.size());
  std::set<std::string> params;
  for (const auto& p : get["parameters"])
    params.insert(p["in"].get<std::string>() + ":" + p["name"].get<std::string>());
  EXPECT_EQ(params, (std::set<std::string>{"path:name", "path:version", "query:fields"}));
  for (const char* code : {"200", "400", "401", "403", "404"}) {
    EXPECT_TRUE(get["responses"].contains(code)) << code;
  }
  const auto& post = doc["paths"]["/v1/models"]["post"];
  EXPECT_TRUE(post.contains("requestBody"));
  EXPECT_EQ(post["x-edgeloop-roles"], nlohmann::json({"admin", "ml-engineer"}));
  // Public operations carry an empty security list.
  EXPECT_EQ(doc["paths"]["/v1/models/latest"]["get"]["security"], nlohmann::json::array());
}

TEST(ResponseTest, StatusMappingAndErrorShape) {
  EXPECT_EQ(StatusResponse(InvalidArgument("x")).status, 400);
  EXPECT_EQ(StatusResponse(NotFound("x")).status, 404);
  EXPECT_EQ(StatusResponse(AlreadyExists("x")).status, 409);
  EXPECT_EQ(StatusResponse(FailedPrecondition("x")).status, 409);
  EXPECT_EQ(StatusResponse(OutOfRange("x")).status, 400);
  EXPECT_EQ(StatusResponse(Unavailable("x")).status, 503);
  Response internal = StatusResponse(Internal("SELECT secret FROM t"));
  EXPECT_EQ(internal.status, 500);
  EXPECT_EQ(internal.body.find("SELECT"), std::string::npos);  // details stay in the log
  auto j = nlohmann::json::parse(ErrorResponse(404, "not_found", "no \xff alert").body);
  EXPECT_EQ(j["error"]["code"], "not_found");
  EXPECT_TRUE(j["error"]["message"].is_string());
}

TEST(RequestTest, QueryAndHeader) {
  Request r;
  r.query.emplace("a", "1");
  r.query.emplace("a", "2");
  r.headers["x-y"] = "z";
  EXPECT_EQ(r.Query("a"), "1");
  EXPECT_EQ(r.Query("b"), std::nullopt);
  EXPECT_EQ(r.Header("x-y"), "z");
  EXPECT_EQ(r.Header("nope"), "");
}

TEST(BodyReaderTest, ParseErrors) {
  auto bad = BodyReader::Parse("{\"a\":");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("body: not valid JSON at byte"), std::string::npos);
  auto arr = BodyReader::Parse("[]");
  ASSERT_FALSE(arr.ok());
  EXPECT_EQ(arr.status().message(), "body: expected an object");
}

TEST(BodyReaderTest, CollectsEveryErrorAndUnknownFields) {
  auto r = BodyReader::Parse(
      R"({"name": 5, "n": 11, "role": "boss", "extra": 1, "list": ["a", 2], "f": 2.5})");
  ASSERT_TRUE(r.ok());
  BodyReader& b = *r;
  b.String("name");
  b.String("missing");
  b.OptInt("n", 0, 10);
  b.Enum("role", {"admin", "viewer"});
  b.OptStringList("list", 5);
  b.OptInt("f", 0, 10);
  Status s = b.Finish();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  for (const char* want : {"name: expected a string", "missing: required", "n: must be in [0, 10]",
                           "role: must be one of admin, viewer", "list[1]: expected a string",
                           "f: expected an integer", "unknown field(s): extra"}) {
    EXPECT_NE(s.message().find(want), std::string::npos) << want << " in " << s.message();
  }
}

TEST(BodyReaderTest, GoodBodyReadsValues) {
  auto r = BodyReader::Parse(R"({"name":"a","n":3.0,"ok":true,"d":0.5,"o":{"k":1}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->String("name", {.max_len = 1}), "a");
  EXPECT_EQ(r->OptInt("n", 0, 3), 3);
  EXPECT_EQ(r->OptBool("ok"), true);
  EXPECT_EQ(r->OptDouble("d", 0, 1), 0.5);
  EXPECT_TRUE(r->OptObject("o").has_value());
  EXPECT_TRUE(r->Finish().ok());
  auto long_name = BodyReader::Parse(R"({"name":"abc"})");
  long_name->String("name", {.max_len = 2});
  EXPECT_NE(long_name->Finish().message().find("name: longer than 2 bytes"), std::string::npos);
}

}  // namespace
}  // namespace edgeloop::api
