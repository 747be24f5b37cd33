#include "hub/hub.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "hub/api_client.h"

namespace edgeloop::hub {
namespace {

namespace fs = std::filesystem;

class HubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("hub_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    config_.listen_port = 0;
    config_.db_url = "sqlite:" + (dir_ / "hub.db").string();
    config_.admin_token_file = (dir_ / "admin.token").string();
    config_.tenant = "plant";
    config_.threads = 8;
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string ReadFirstLine(const fs::path& p) {
    std::ifstream in(p);
    std::string line;
    std::getline(in, line);
    return line;
  }

  fs::path dir_;
  HubConfig config_;
  SystemClock clock_;
};

TEST_F(HubTest, FirstStartCreatesTheTenantAndAnAdminTokenFileOnlyItsOwnerReads) {
  auto hub = Hub::Start(config_, clock_);
  ASSERT_TRUE(hub.ok()) << hub.status().ToString();
  ASSERT_GT((*hub)->port(), 0);
  const std::string token = ReadFirstLine(dir_ / "admin.token");
  EXPECT_EQ(token, (*hub)->new_admin_token());
  EXPECT_EQ(token.rfind("elp_", 0), 0u);
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "admin.token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);

  // The token works over HTTP, as admin of the new tenant.
  auto client = ApiClient::Create((*hub)->url(), token);
  ASSERT_TRUE(client.ok());
  auto tokens = (*client)->Get("/v1/tokens");
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
  auto health = (*client)->Get("/healthz");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->json["status"], "ok");
}

TEST_F(HubTest, RestartKeepsTheTenantAndNeverOverwritesTheTokenFile) {
  std::string first;
  {
    auto hub = Hub::Start(config_, clock_);
    ASSERT_TRUE(hub.ok()) << hub.status().ToString();
    first = (*hub)->new_admin_token();
  }
  auto again = Hub::Start(config_, clock_);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE((*again)->new_admin_token().empty());
  EXPECT_EQ(ReadFirstLine(dir_ / "admin.token"), first);
  auto client = ApiClient::Create((*again)->url(), first);
  ASSERT_TRUE(client.ok());
  EXPECT_TRUE((*client)->Get("/v1/nodes").ok()) << "the old admin token still works";
}

TEST_F(HubTest, BusyPortAndBadDatabaseAreClearErrors) {
  auto hub = Hub::Start(config_, clock_);
  ASSERT_TRUE(hub.ok());
  HubConfig second = config_;
  second.listen_port = (*hub)->port();
  second.db_url = "sqlite:" + (dir_ / "other.db").string();
  second.admin_token_file = (dir_ / "other.token").string();
  auto clash = Hub::Start(second, clock_);
  ASSERT_FALSE(clash.ok());
  EXPECT_NE(clash.status().message().find(std::to_string(second.listen_port)), std::string::npos)
      << clash.status().message();

  HubConfig bad = config_;
  bad.db_url = "mysql://nope";
  auto refused = Hub::Start(bad, clock_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("mysql://nope"), std::string::npos)
      << refused.status().message();

  std::ofstream(dir_ / "garbage.db") << "this is not a database, just text that goes on and on";
  HubConfig garbage = config_;
  garbage.db_url = "sqlite:" + (dir_ / "garbage.db").string();
  auto corrupt = Hub::Start(garbage, clock_);
  ASSERT_FALSE(corrupt.ok());
  EXPECT_NE(corrupt.status().message().find("garbage.db"), std::string::npos)
      << corrupt.status().message();
}

TEST_F(HubTest, BootstrapTenantCreatesOnceAndReturnsNothingTheSecondTime) {
  auto store = store::OpenHubStore(config_.db_url, 2);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto first = BootstrapTenant(**store, "north", 1000);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(first->has_value());
  auto second = BootstrapTenant(**store, "north", 2000);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->has_value());
}

}  // namespace
}  // namespace edgeloop::hub
