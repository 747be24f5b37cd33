// Helpers for integration tests that run the real `edgeloop` binary (EDGELOOP_CLI_PATH).
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>

namespace edgeloop::testing {

// Runs `edgeloop <args>` through the shell; returns its exit code (-1 if it did not exit
// normally) and everything it printed on stdout and stderr.
inline std::pair<int, std::string> RunEdgeloop(const std::string& args) {
  std::string output;
  FILE* pipe = popen((std::string(EDGELOOP_CLI_PATH) + " " + args + " 2>&1").c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, pipe)) output.append(buf, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

// An empty folder under the test's temporary directory.
inline std::filesystem::path FreshDir(const std::string& name) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / ("edgeloop_it_" + name);
  std::filesystem::remove_all(dir);
  return dir;
}

}  // namespace edgeloop::testing
