#include "hub/hub_config.h"

#include <gtest/gtest.h>

namespace edgeloop::hub {
namespace {

TEST(HubConfigTest, DefaultsWithoutAFile) {
  auto c = ParseHubConfig("", "hub.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->listen_host, "127.0.0.1");
  EXPECT_EQ(c->listen_port, 8080);
  EXPECT_EQ(c->db_url, "sqlite:edgeloop-hub.db");
  EXPECT_EQ(c->tenant, "default");
}

TEST(HubConfigTest, EveryKeyIsReadAndRelativePathsFollowTheConfigFolder) {
  auto c = ParseHubConfig(R"(
[server]
listen = "0.0.0.0:9090"
threads = 128
[store]
url = "sqlite:data/hub.db"
pool_size = 4
[bootstrap]
tenant = "acme"
admin_token_file = "secrets/admin.token"
[limits]
max_model_mb = 16
max_ingest_mb = 8
enrollment_ttl_s = 3600
)",
                          "hub.toml", "/etc/edgeloop");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->listen_host, "0.0.0.0");
  EXPECT_EQ(c->listen_port, 9090);
  EXPECT_EQ(c->threads, 128);
  EXPECT_EQ(c->db_url, "sqlite:/etc/edgeloop/data/hub.db");
  EXPECT_EQ(c->pool_size, 4);
  EXPECT_EQ(c->tenant, "acme");
  EXPECT_EQ(c->admin_token_file, "/etc/edgeloop/secrets/admin.token");
  EXPECT_EQ(c->max_model_bytes, 16 << 20);
  EXPECT_EQ(c->max_ingest_bytes, 8 << 20);
  EXPECT_EQ(c->enrollment_ttl_s, 3600);
}

TEST(HubConfigTest, PostgresUrlsAreKeptAsGiven) {
  auto c =
      ParseHubConfig("[store]\nurl = \"postgres://hub@db.plant/edgeloop\"\n", "hub.toml", "/x");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->db_url, "postgres://hub@db.plant/edgeloop");
}

TEST(HubConfigTest, MistakesNameFileLineAndKey) {
  struct Case {
    const char* toml;
    const char* expected;
  } cases[] = {
      {"[server]\nlisten = \"localhost:99999\"\n", "hub.toml:2:10: 'server.listen'"},
      {"[server]\nthreads = 2\n", "'server.threads'"},
      {"[store]\npool_size = \"eight\"\n", "'store.pool_size' must be an integer"},
      {"[bootstrap]\ntenant = \"\"\n", "'bootstrap.tenant' must be 1 to 64 characters"},
      {"[limits]\nmax_model_mb = 4096\n", "'limits.max_model_mb'"},
      {"[server]\nlisen = \"1\"\n", "unknown key 'server.lisen' (did you mean 'listen'?)"},
      {"[sever]\n", "unknown key 'sever'"},
  };
  for (const Case& c : cases) {
    auto r = ParseHubConfig(c.toml, "hub.toml");
    ASSERT_FALSE(r.ok()) << c.toml;
    EXPECT_NE(r.status().message().find(c.expected), std::string::npos)
        << c.toml << " -> " << r.status().message();
  }
}

TEST(HubConfigTest, ListenAddressForms) {
  std::string host = "127.0.0.1";
  int port = 0;
  ASSERT_TRUE(ParseListen("8081", host, port).ok());
  EXPECT_EQ(port, 8081);
  ASSERT_TRUE(ParseListen(":0", host, port).ok());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 0);
  ASSERT_TRUE(ParseListen("10.0.0.5:80", host, port).ok());
  EXPECT_EQ(host, "10.0.0.5");
  for (const char* bad : {"", "host:", "host:-1", "host:65536", "abc", "1.2.3.4:80x"}) {
    EXPECT_FALSE(ParseListen(bad, host, port).ok()) << bad;
  }
}

TEST(HubConfigTest, MissingFileIsAClearError) {
  auto c = LoadHubConfig("/nonexistent/hub.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("/nonexistent/hub.toml"), std::string::npos);
}

}  // namespace
}  // namespace edgeloop::hub
