// Several hosts, simulated honestly (issue 18): each host is a network namespace
// (tests/support/netns.h) with its own loopback, its own $ORCH_HOME and agent state, and its own
// fake model on its own 127.0.0.1. The hosts reach two servers only over their veth links, on
// the NetHub address: a real PostgreSQL (the registry, over TCP) and `git daemon` serving the
// repository (git://, push enabled). Nothing but those links is shared between the hosts'
// processes. Needs root, iproute2 and PostgreSQL 15; skips otherwise.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/e2e/fixture.h"
#include "tests/support/netns.h"
#include "tests/support/pg_server.h"

namespace orch::test {

/// One simulated host.
struct Host {
  std::unique_ptr<NetNs> ns;
  std::filesystem::path home;              ///< its $ORCH_HOME
  std::map<std::string, std::string> env;  ///< PATH, agent state, ORCH_REGISTRY_URL, its model
  process::Child model;                    ///< its fake model, inside its namespace
  int model_port = 0;
};

class MultiHost : public E2E {
 protected:
  /// Makes `hosts` hosts, the hub, PostgreSQL on TCP, the git daemon serving repo_ as
  /// git://HUB:PORT/repo.git, and a fake model with `script` in each host.
  void start_hosts(int hosts, const std::string& script);
  void TearDown() override;

  /// Runs `orch args...` on host `h` (inside its namespace, its home and environment).
  OrchRun orch_on(int h, const std::vector<std::string>& args, int timeout_ms = 120000);
  /// Starts `orch args...` on host `h` in the background (output in <tmp>/host<h>-<n>.log).
  process::Child start_on(int h, const std::vector<std::string>& args);
  /// How orch runs on host `h`: argv wrapped into its namespace, its environment, its folder.
  process::SpawnOptions orch_options(int h, const std::vector<std::string>& args);
  /// Rows of `sql` on the registry (psql, unaligned: "a|b" per row).
  std::vector<std::string> rows(const std::string& sql);
  /// The branches of the served repository (refs/heads/..., without the prefix).
  std::vector<std::string> served_branches();

  std::unique_ptr<NetHub> hub_;
  std::unique_ptr<PgServer> pg_;
  std::string db_, registry_url_, repo_url_;
  std::filesystem::path served_;  ///< the bare repository git daemon serves
  process::Child daemon_;
  std::vector<Host> hosts_;
  int started_ = 0;
};

}  // namespace orch::test
