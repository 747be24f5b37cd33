// postgres_test_server_ctl start|stop STATEFILE: the ctest fixture "hub_postgres". `start` runs
// a PostgresTestServer that outlives this process and writes its URL and folder to STATEFILE;
// `stop` stops it and removes the folder and the file. Tests read STATEFILE through
// EDGELOOP_TEST_POSTGRES_STATE (postgres_test_server.h).
#include <cstdio>
#include <filesystem>
#include <string>

#include "store/postgres_test_server.h"

using edgeloop::store::testing::PostgresTestServer;

int main(int argc, char** argv) {
  const std::string cmd = argc == 3 ? argv[1] : "";
  if (cmd != "start" && cmd != "stop") {
    std::fprintf(stderr, "usage: %s start|stop STATEFILE\n", argv[0]);
    return 2;
  }
  const std::string state = argv[2];
  if (cmd == "start") {
    // A server left by an interrupted run would leak its port and folder: stop it first.
    if (auto old = PostgresTestServer::FromState(state); old.ok()) (void)(*old)->Stop();
    auto server = PostgresTestServer::Start();
    if (!server.ok()) {
      std::fprintf(stderr, "%s\n", server.status().ToString().c_str());
      return 1;
    }
    if (auto s = (*server)->WriteState(state); !s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
    (*server)->Release();
    std::printf("PostgreSQL test server %s started in %.2f s (folder %s)\n",
                (*server)->Url().c_str(), (*server)->start_seconds(), (*server)->dir().c_str());
    return 0;
  }
  auto server = PostgresTestServer::FromState(state);
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", server.status().ToString().c_str());
    return 1;
  }
  const auto status = (*server)->Stop();
  std::filesystem::remove(state);
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    return 1;
  }
  std::printf("PostgreSQL test server stopped\n");
  return 0;
}
