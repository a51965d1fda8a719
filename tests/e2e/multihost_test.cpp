// Several hosts (network namespaces: tests/e2e/multihost_fixture.h) sharing one registry on
// PostgreSQL and one repository served by git daemon.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <thread>

#include "tests/e2e/multihost_fixture.h"

namespace orch::test {
namespace {

constexpr const char* kMultiHostScript = R"({
  "scenarios": [
    {"match": "write-unit", "turns": [
      {"tool": "write", "path": "UNIT.md", "content": "done by an agent\n"},
      {"text": "Done: wrote UNIT.md"}]},
    {"match": "slow-unit", "turns": [
      {"tool": "write", "path": "UNIT.md", "content": "done slowly\n", "delay_ms": 30000},
      {"text": "Done: wrote UNIT.md slowly"}]}
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

#define multihost_dump()                                                      \
  ::testing::PrintToString(                                                   \
      rows("SELECT s.id, u.name, s.state, s.host, w.name, s.error FROM "      \
           "sessions s JOIN units u ON u.id = s.unit_id LEFT JOIN workers w " \
           "ON w.id = s.worker ORDER BY s.seq")) +                            \
      ::testing::PrintToString(rows("SELECT name, state, heartbeat_at FROM workers"))

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

// Issue 18 asks for 60 units; CI runs 24 (the 60-unit run takes about 4 minutes of both cores:
// ORCH_MULTIHOST_UNITS=60 runs it, as the resolution note's figures did).
TEST_F(MultiHost, SixtyUnitsRunOnThreeHostsOnceEachUnderOneCapAndEveryBranchIsPushed) {
  start_hosts(3, kMultiHostScript);
  const char* units_env = std::getenv("ORCH_MULTIHOST_UNITS");
  const int kUnits = units_env ? std::max(4, std::atoi(units_env)) : 24;
  std::string jsonl;
  for (int i = 0; i < kUnits; ++i) {
    jsonl += R"({"unit": "u-)" + std::to_string(i) + R"(", "prompt": "write-unit )" +
             std::to_string(i) + "\"}\n";
  }
  write_file(tmp_->path() / "units.jsonl", jsonl);
  OrchRun created =
      orch({"convoy", "create", "wide", "--repo", repo_url_, "--from",
            (tmp_->path() / "units.jsonl").string(), "--agent", "claude", "--max-sessions", "4"});
  ASSERT_EQ(created.code, 0) << created.err;
  std::vector<process::Child> workers;
  for (int h = 0; h < 3; ++h) {
    workers.push_back(start_on(
        h, {"worker", "--name", "host" + std::to_string(h), "--convoy", "wide", "--drain"}));
  }
  for (int h = 0; h < 3; ++h) {
    std::optional<int> code = workers[h].wait(300000);
    ASSERT_TRUE(code.has_value()) << "worker " << h << " did not drain";
    EXPECT_EQ(*code, 0) << "worker " << h;
  }
  // Every unit done exactly once, and by no other session.
  std::vector<std::string> per_unit = rows(
      "SELECT u.name, COUNT(*) FILTER (WHERE s.state = 'done'), COUNT(*) FROM units u "
      "JOIN sessions s ON s.unit_id = u.id GROUP BY u.name ORDER BY u.name");
  ASSERT_EQ(per_unit.size(), static_cast<size_t>(kUnits));
  for (const auto& row : per_unit) EXPECT_EQ(row.substr(row.find('|')), "|1|1") << row;
  // The cap held over all hosts, in the registry's own timeline; the hosts shared the work.
  const int peak =
      slot_holders_peak(pg_->psql(db_, "SELECT session_id, state FROM session_states ORDER BY id"));
  EXPECT_LE(peak, 4);
  EXPECT_GE(peak, 2);
  EXPECT_EQ(rows("SELECT COUNT(DISTINCT host) FROM sessions")[0], "3");
  std::cout << "[ figures  ] " << kUnits << " units, peak " << peak << " slot holders; per host:";
  for (const auto& row : rows("SELECT COUNT(*) FROM sessions GROUP BY host ORDER BY 1"))
    std::cout << " " << row;
  std::cout << " sessions\n";
  // Every branch reached the served repository with the agent's work on it.
  std::vector<std::string> branches = served_branches();
  for (int i = 0; i < kUnits; ++i) {
    const std::string branch = "orch/u-" + std::to_string(i);
    ASSERT_NE(std::find(branches.begin(), branches.end(), branch), branches.end())
        << branch << "\n"
        << multihost_dump();
  }
  EXPECT_EQ(git(served_ / "repo.git", {"show", "orch/u-3:UNIT.md"}), "done by an agent\n");
}

// Issue 18's faults: a worker killed with SIGKILL and a worker cut off from the network both lose
// their sessions to the others within 15 s; the cut-off one, back on the network, writes nothing
// over what happened meanwhile.
TEST_F(MultiHost, AKilledAndACutOffWorkerLoseTheirSessionsWhichRunAgainElsewhere) {
  start_hosts(3, kMultiHostScript);
  std::string jsonl;
  for (int i = 0; i < 4; ++i) {
    jsonl += R"({"unit": "f-)" + std::to_string(i) + R"(", "prompt": "slow-unit )" +
             std::to_string(i) + "\"}\n";
  }
  write_file(tmp_->path() / "units.jsonl", jsonl);
  ASSERT_EQ(orch({"convoy", "create", "faults", "--repo", repo_url_, "--from",
                  (tmp_->path() / "units.jsonl").string(), "--agent", "claude", "--max-sessions",
                  "4", "--retries", "1"})
                .code,
            0);
  process::Child w0 = start_on(0, {"worker", "--name", "w0", "--max-sessions", "2"});
  process::Child w1 = start_on(1, {"worker", "--name", "w1", "--max-sessions", "2"});
  auto running_on = [&](const std::string& worker) {
    return rows(
        "SELECT COUNT(*) FROM sessions s JOIN workers w ON w.id = s.worker WHERE w.name = '" +
        worker + "' AND s.state IN ('running', 'waiting')")[0];
  };
  ASSERT_TRUE(
      eventually([&] { return running_on("w0") == "2" && running_on("w1") == "2"; }, 90000));
  // Host 0's worker dies; host 1 is cut off. Host 2's worker drains what is left.
  ::kill(w0.pid(), SIGKILL);
  hosts_[1].ns->set_link(false);
  const auto cut_at = std::chrono::steady_clock::now();
  process::Child w2 = start_on(2, {"worker", "--name", "w2", "--drain"});
  ASSERT_TRUE(eventually(
      [&] { return rows("SELECT COUNT(*) FROM sessions WHERE state = 'lost'")[0] == "4"; }, 20000))
      << multihost_dump();
  EXPECT_LE(std::chrono::steady_clock::now() - cut_at, std::chrono::seconds(15));
  std::optional<int> drained = w2.wait(120000);
  ASSERT_TRUE(drained.has_value());
  EXPECT_EQ(*drained, 0);
  // Back on the network: host 1's worker finds itself lost and stops what it still ran.
  hosts_[1].ns->set_link(true);
  ASSERT_TRUE(eventually(
      [&] {
        return rows("SELECT COUNT(*) FROM workers WHERE name = 'w1' AND state = 'running'")[0] ==
               "1";
      },
      30000));
  std::this_thread::sleep_for(std::chrono::seconds(15));  // its old agents' turns would end now
  EXPECT_EQ(rows("SELECT u.name, s.state FROM sessions s JOIN units u ON u.id = s.unit_id "
                 "JOIN workers w ON w.id = s.worker WHERE w.name IN ('w0', 'w1') ORDER BY 1"),
            (std::vector<std::string>{"f-0|lost", "f-1|lost", "f-2|lost", "f-3|lost"}));
  for (int i = 0; i < 4; ++i) {
    const std::string unit = "f-" + std::to_string(i);
    std::vector<std::string> done = rows(
        "SELECT s.commit_id FROM sessions s JOIN units u ON u.id = s.unit_id WHERE u.name = '" +
        unit + "' AND s.state = 'done'");
    ASSERT_EQ(done.size(), 1u) << unit;
    EXPECT_EQ(git(served_ / "repo.git", {"rev-parse", "orch/" + unit}), done[0] + "\n") << unit;
  }
  w1.terminate(20000);
}

}  // namespace
}  // namespace orch::test
