// OpenCode sessions sharing `opencode serve` processes, end to end with the real opencode and the
// fake model: two sessions use one server, a killed shared server is restarted and its sessions
// carry on (never left `running`), per-session mode starts one server each, and a per-backend cap
// queues sessions over it.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <thread>

#include "tests/e2e/fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

constexpr const char* kSharedServerScript = R"({
  "scenarios": [
    {"match": "slow-write", "turns": [
      {"tool": "write", "path": "SLOW.md", "content": "slow\n", "delay_ms": 5000},
      {"text": "Done slowly"}]},
    {"match": "very-slow", "turns": [
      {"tool": "write", "path": "LATE.md", "content": "late\n", "delay_ms": 12000},
      {"text": "Done late"}]}
  ],
  "default": [{"text": "no scenario"}]
})";

class SharedServer : public E2E {
 protected:
  void SetUp() override {
    E2E::SetUp();
    start_model(kSharedServerScript);
  }
  void config(const std::string& toml) { write_file(home_ / "config.toml", toml); }
  // `opencode serve` processes: shared ones work in $ORCH_HOME/servers/, per-session ones in the
  // session's worktree. A server is the leader of its process group, and its parent is not a
  // server: what a server runs (`git init` for its snapshots, in a session of its own; a forked
  // copy of itself for a moment) is not taken for another server.
  std::vector<pid_t> servers_in(const fs::path& dir) {
    auto serving = [](pid_t pid) {
      return read_file(fs::path("/proc") / std::to_string(pid) / "cmdline")
                 .find(std::string("\0serve\0", 7)) != std::string::npos;
    };
    std::set<pid_t> out;
    for (pid_t pid : processes_with(dir.string())) {
      if (getpgid(pid) == pid && serving(pid) && !serving(getppid_of(pid))) out.insert(pid);
    }
    return {out.begin(), out.end()};
  }
  static pid_t getppid_of(pid_t pid) {
    std::string stat = read_file(fs::path("/proc") / std::to_string(pid) / "stat");
    size_t close = stat.rfind(')');
    int ppid = 0;
    char state = 0;
    if (close != std::string::npos) std::sscanf(stat.c_str() + close + 1, " %c %d", &state, &ppid);
    return ppid;
  }
  size_t shared_servers() { return servers_in(home_ / "servers").size(); }
  size_t per_session_servers() { return servers_in(home_ / "worktrees").size(); }
  // The one shared server's pid (its process group id).
  pid_t shared_server() { return servers_in(home_ / "servers").front(); }
  // "<pgid>/<pid> <command line>; ..." of the processes in $ORCH_HOME/servers, for failures.
  std::string servers_running() {
    std::string out = "server processes:";
    for (pid_t pid : processes_with((home_ / "servers").string())) {
      std::string cmdline = read_file(fs::path("/proc") / std::to_string(pid) / "cmdline");
      for (char& c : cmdline) {
        if (c == '\0') c = ' ';
      }
      out += " " + std::to_string(getpgid(pid)) + "/" + std::to_string(pid) + " " + cmdline + ";";
    }
    return out;
  }
  std::string state(const std::string& unit) {
    OrchRun r = orch({"agents", "--all", "--json", "--unit", unit});
    json::Parser parser;
    json::Json all = json::to_builder(parser.parse(r.out));
    return all.empty() ? "" : all[0]["state"].get<std::string>();
  }
  bool all_in(const std::vector<std::string>& units, const std::string& s) {
    for (const std::string& u : units) {
      if (state(u) != s) return false;
    }
    return true;
  }
  // Slings each unit with the long scenario and waits (60 s at most) until all run at once;
  // call it under ASSERT_NO_FATAL_FAILURE.
  void sling_until_all_run(const std::vector<std::string>& units) {
    for (const std::string& u : units) {
      OrchRun r = orch({"sling", u, repo_.string(), "-m", "very-slow please"});
      ASSERT_EQ(r.code, 0) << r.err;
    }
    ASSERT_TRUE(eventually([&] { return all_in(units, "running"); }, 60000)) << [&] {
      std::string seen = "states:";
      for (const std::string& u : units) seen += " " + u + "=" + state(u);
      return seen;
    }();
  }
};

TEST_F(SharedServer, TwoSessionsShareOneServerThatStopsAfterTheLast) {
  // The long turn leaves room for the second session to start on the server (a new directory
  // takes the server a few seconds on a loaded machine) while the first is still running.
  ASSERT_NO_FATAL_FAILURE(sling_until_all_run({"share-a", "share-b"}));
  EXPECT_EQ(shared_servers(), 1u) << servers_running();
  EXPECT_EQ(per_session_servers(), 0u);
  OrchRun doctor = orch({"doctor"});
  EXPECT_NE(doctor.out.find("2 session(s)"), std::string::npos) << doctor.out;

  OrchRun w = orch({"wait", "share-a", "share-b", "--timeout", "120s"}, 150000);
  EXPECT_EQ(w.code, 0) << w.out << w.err;
  EXPECT_EQ(git(repo_, {"show", "orch/share-a:LATE.md"}), "late\n");
  EXPECT_EQ(git(repo_, {"show", "orch/share-b:LATE.md"}), "late\n");
  // The supervisor of the last session stopped the server.
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 15000))
      << left_running();
  OrchRun after = orch({"doctor"});
  EXPECT_NE(after.out.find("no shared agent servers"), std::string::npos) << after.out;
}

TEST_F(SharedServer, AKilledServerIsRestartedAndItsSessionsCarryOn) {
  ASSERT_NO_FATAL_FAILURE(sling_until_all_run({"kill-a", "kill-b"}));
  ASSERT_EQ(shared_servers(), 1u) << servers_running();
  const pid_t server = shared_server();
  std::this_thread::sleep_for(std::chrono::seconds(2));  // mid-turn
  kill(-server, SIGKILL);

  OrchRun w = orch({"wait", "kill-a", "kill-b", "--timeout", "180s"}, 200000);
  EXPECT_EQ(w.code, 0) << w.out << w.err;
  for (const char* u : {"kill-a", "kill-b"}) {
    OrchRun logs = orch({"logs", u});
    EXPECT_NE(logs.out.find("re-attached opencode session"), std::string::npos) << logs.out;
    EXPECT_EQ(git(repo_, {"show", std::string("orch/") + u + ":LATE.md"}), "late\n");
  }
  // One server was restarted, not one per session.
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 15000))
      << left_running();
}

TEST_F(SharedServer, AServerThatCannotRestartFailsItsSessionsWithTheReason) {
  OrchRun r = orch({"sling", "gone-a", repo_.string(), "-m", "very-slow please"});
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_TRUE(eventually([&] { return state("gone-a") == "running"; }, 60000));
  // One server (a process group: setsid made the server its leader, so the group id is its pid).
  ASSERT_EQ(shared_servers(), 1u) << servers_running();
  const pid_t server = shared_server();
  // A restart needs the server's password file: make it unreadable (a folder in its place).
  for (const auto& e : fs::directory_iterator(home_ / "servers")) {
    if (!e.is_directory()) continue;
    fs::remove(e.path() / "password");
    fs::create_directories(e.path() / "password");
  }
  kill(server, SIGKILL);
  ASSERT_TRUE(eventually([&] { return state("gone-a") == "failed"; }, 90000)) << state("gone-a");
  json::Json s = session_json();
  EXPECT_NE(s["error"].get<std::string>().find("shared opencode server"), std::string::npos)
      << s["error"];
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 15000))
      << left_running();
}

TEST_F(SharedServer, StopForceStopsTheServerOfItsLastSession) {
  OrchRun r = orch({"sling", "force-a", repo_.string(), "-m", "very-slow please"});
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_TRUE(eventually([&] { return state("force-a") == "running"; }, 60000));
  ASSERT_EQ(shared_servers(), 1u) << servers_running();
  // The supervisor is killed and cannot release the server: orch stop does.
  EXPECT_EQ(orch({"stop", "force-a", "--force"}).code, 0);
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 10000))
      << left_running();
  EXPECT_EQ(state("force-a"), "stopped");
}

// Sessions whose supervisor was killed while another one uses the same server, one by
// orch stop --force, one by kill -9 (found lost by the next command): their turns are aborted on
// the server (nobody follows them any more), the other session finishes.
TEST_F(SharedServer, AKilledSupervisorsTurnIsAbortedOnAServerOthersStillUse) {
  const std::vector<std::string> units = {"abort-a", "abort-c", "abort-b"};
  ASSERT_NO_FATAL_FAILURE(sling_until_all_run(units));
  ASSERT_TRUE(eventually([&] { return model_requests().size() >= 3; }, 60000));
  ASSERT_EQ(shared_servers(), 1u) << servers_running();
  json::Parser parser;
  auto row = [&](const std::string& unit) {
    OrchRun r = orch({"agents", "--json", "--unit", unit});
    return json::to_builder(parser.parse(r.out))[0];
  };
  const std::string worktree_a = row("abort-a")["worktree"],
                    worktree_c = row("abort-c")["worktree"];
  const pid_t supervisor_c = row("abort-c")["pid"].get<pid_t>();

  EXPECT_EQ(orch({"stop", "abort-a", "--force"}).code, 0);
  EXPECT_EQ(state("abort-a"), "stopped");
  ASSERT_EQ(kill(supervisor_c, SIGKILL), 0);
  EXPECT_TRUE(eventually([&] { return state("abort-c") == "lost"; }, 10000));
  // abort-b's answer comes after the others' would have: by then their Write did not happen.
  EXPECT_EQ(orch({"wait", "abort-b", "--timeout", "90s"}, 120000).code, 0);
  EXPECT_EQ(git(repo_, {"show", "orch/abort-b:LATE.md"}), "late\n");
  EXPECT_FALSE(fs::exists(fs::path(worktree_a) / "LATE.md"));
  EXPECT_FALSE(fs::exists(fs::path(worktree_c) / "LATE.md"));
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 15000))
      << left_running();
}

TEST_F(SharedServer, PerSessionModeStartsOneServerPerSession) {
  config("[backends.opencode]\nserver = \"per-session\"\n");
  ASSERT_NO_FATAL_FAILURE(sling_until_all_run({"own-a", "own-b"}));
  EXPECT_EQ(shared_servers(), 0u) << servers_running();
  EXPECT_EQ(per_session_servers(), 2u);
  EXPECT_EQ(orch({"wait", "own-a", "own-b", "--timeout", "120s"}, 150000).code, 0);
}

TEST_F(SharedServer, ABackendCapQueuesSessionsOverIt) {
  config("[backends.opencode]\nmax_sessions = 1\n");
  OrchRun a =
      orch({"sling", "cap-a", repo_.string(), "-m", "slow-write please", "--max-sessions", "4"});
  ASSERT_EQ(a.code, 0) << a.err;
  OrchRun b =
      orch({"sling", "cap-b", repo_.string(), "-m", "slow-write please", "--max-sessions", "4"});
  ASSERT_EQ(b.code, 0) << b.err;
  EXPECT_EQ(state("cap-b"), "queued");
  OrchRun w = orch({"wait", "cap-a", "cap-b", "--timeout", "150s"}, 180000);
  EXPECT_EQ(w.code, 0) << w.out << w.err;
  // Never two at once: cap-b started after cap-a ended.
  OrchRun all = orch({"agents", "--all", "--json"});
  json::Parser parser;
  json::Json list = json::to_builder(parser.parse(all.out));
  ASSERT_EQ(list.size(), 2u);
  std::string a_end, b_start;  // ISO 8601 UTC with milliseconds: ordered as text
  for (const auto& s : list) {
    if (s["unit"] == "cap-a") a_end = s["ended_at"].get<std::string>();
    if (s["unit"] == "cap-b") b_start = s["started_at"].get<std::string>();
  }
  EXPECT_GE(b_start, a_end);
}

}  // namespace
}  // namespace orch::test
