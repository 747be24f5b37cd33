#include "edge/health_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <nlohmann/json.hpp>

namespace edgeloop::edge {
namespace {

TEST(HealthServerTest, HealthyAndUnhealthy) {
  std::atomic<bool> healthy{true};
  HealthServerOptions options;
  options.health = [&] {
    if (healthy) return HealthReport{};
    return HealthReport{false, {"no window scored for 42 s", "store: disk full"}};
  };
  HealthServer server(options);
  ASSERT_TRUE(server.Start().ok());
  ASSERT_GT(server.port(), 0);
  httplib::Client client("127.0.0.1", server.port());

  auto res = client.Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  auto body = nlohmann::json::parse(res->body);
  EXPECT_EQ(body["status"], "ok");
  EXPECT_TRUE(body["reasons"].empty());

  healthy = false;
  res = client.Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  body = nlohmann::json::parse(res->body);
  EXPECT_EQ(body["status"], "unhealthy");
  ASSERT_EQ(body["reasons"].size(), 2u);
  EXPECT_EQ(body["reasons"][0], "no window scored for 42 s");
  server.Stop();
  EXPECT_EQ(server.port(), 0);
}

TEST(HealthServerTest, MetricsUseTheTextFormat) {
  std::atomic<int> calls{0};
  HealthServerOptions options;
  options.metrics = [&] {
    ++calls;
    return std::vector<MetricFamily>{
        {"edgeloop_polls_total", "Polls.", MetricType::kCounter, {{{}, double(calls.load())}}}};
  };
  HealthServer server(options);
  ASSERT_TRUE(server.Start().ok());
  httplib::Client client("127.0.0.1", server.port());
  auto res = client.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; version=0.0.4");
  EXPECT_EQ(res->body,
            "# HELP edgeloop_polls_total Polls.\n"
            "# TYPE edgeloop_polls_total counter\n"
            "edgeloop_polls_total 1\n");
  res = client.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_NE(res->body.find("edgeloop_polls_total 2\n"), std::string::npos);
}

TEST(HealthServerTest, UnknownPathsAndMethods) {
  HealthServer server(HealthServerOptions{});
  ASSERT_TRUE(server.Start().ok());
  httplib::Client client("127.0.0.1", server.port());
  auto res = client.Get("/nope");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  res = client.Post("/healthz", "x", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  EXPECT_EQ(res->get_header_value("Allow"), "GET, HEAD");
  res = client.Delete("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  res = client.Post("/other", "x", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  // Without callbacks the node reports healthy and no metrics.
  res = client.Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  res = client.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "");
}

TEST(HealthServerTest, ThrowingCallbacksAnswerErrors) {
  HealthServerOptions options;
  options.health = []() -> HealthReport { throw std::runtime_error("boom"); };
  options.metrics = []() -> std::vector<MetricFamily> { throw std::runtime_error("bang"); };
  HealthServer server(options);
  ASSERT_TRUE(server.Start().ok());
  httplib::Client client("127.0.0.1", server.port());
  auto res = client.Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_NE(res->body.find("boom"), std::string::npos);
  res = client.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
}

TEST(HealthServerTest, BindFailureNamesTheAddress) {
  HealthServer first(HealthServerOptions{});
  ASSERT_TRUE(first.Start().ok());
  HealthServerOptions options;
  options.port = first.port();
  HealthServer second(options);
  const Status status = second.Start();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("127.0.0.1:" + std::to_string(first.port())), std::string::npos)
      << status.ToString();
  EXPECT_FALSE(first.Start().ok());  // already started
}

TEST(HealthServerTest, StopRightAfterStartAndTwice) {
  HealthServer server(HealthServerOptions{});
  ASSERT_TRUE(server.Start().ok());
  server.Stop();
  server.Stop();
  EXPECT_FALSE(server.Start().ok());  // httplib servers are single-use
}

}  // namespace
}  // namespace edgeloop::edge
