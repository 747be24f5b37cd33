// Test fixture of the store tests: a fresh directory per test and a store path inside it.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace edgeloop::store {

class TempStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::path(::testing::TempDir()) /
           (std::string(info->test_suite_name()) + "_" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "edge.db").string();
  }
  std::filesystem::path dir_;
  std::string path_;
};

}  // namespace edgeloop::store
