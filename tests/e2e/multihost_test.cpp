// Several hosts (network namespaces: tests/e2e/multihost_fixture.h) sharing one registry on
// PostgreSQL and one repository served by git daemon.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/e2e/multihost_fixture.h"

namespace orch::test {
namespace {

constexpr const char* kMultiHostScript = R"({
  "scenarios": [
    {"match": "write-unit", "turns": [
      {"tool": "write", "path": "UNIT.md", "content": "done by an agent\n"},
      {"text": "Done: wrote UNIT.md"}]}
  ],
  "default": [{"text": "no scenario"}]
})";

// True when a TCP connection to 127.0.0.1:`port` of the test's own namespace succeeds.
bool multihost_loopback_connects(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  if (fd >= 0) ::close(fd);
  return ok;
}

TEST_F(MultiHost, HostsReachTheRegistryAndTheRepositoryOnlyOverTheirLinks) {
  start_hosts(2, kMultiHostScript);
  // Each host reads the registry over TCP (migrating it on first use) ...
  for (int h = 0; h < 2; ++h) {
    OrchRun r = orch_on(h, {"agents", "--all", "--json"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "[]\n");
  }
  EXPECT_FALSE(std::filesystem::exists(hosts_[0].home / "orch.db"));
  // ... its fake model listens on its own loopback, which the test's namespace does not have ...
  EXPECT_FALSE(multihost_loopback_connects(hosts_[0].model_port));
  // ... and a host that is cut off reaches nothing.
  hosts_[1].ns->set_link(false);
  OrchRun cut = orch_on(1, {"agents", "--all", "--json"}, 30000);
  EXPECT_EQ(cut.code, 1);
  EXPECT_NE(cut.err.find("orch: error: registry postgresql://orch@" + hub_->address()),
            std::string::npos)
      << cut.err;
  hosts_[1].ns->set_link(true);
  EXPECT_EQ(orch_on(1, {"agents", "--all", "--json"}).code, 0);
}

}  // namespace
}  // namespace orch::test
