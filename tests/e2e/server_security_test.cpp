// The shared `opencode serve` and what its agents' tools do, end to end with the real opencode on
// the fake model: a tool that dumps its environment does not get orch's server password onto the
// unit's branch, a tool's child left working in the worktree ends with the session, and a server
// whose process group ignores SIGTERM is gone after `orch stop --force` and after its session was
// found lost.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/e2e/fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

constexpr const char* kServerSecurityScript = R"({
  "scenarios": [
    {"match": "dump-env", "turns": [
      {"tool": "bash", "command": "env > env.txt; echo work > WORK.md"},
      {"text": "Dumped the environment"}]},
    {"match": "leave-behind", "turns": [
      {"tool": "bash", "command": "setsid sleep 300 > /dev/null 2>&1 < /dev/null & echo started > BG.md"},
      {"text": "Left a process behind"}]},
    {"match": "very-slow", "turns": [
      {"tool": "write", "path": "LATE.md", "content": "late\n", "delay_ms": 60000},
      {"text": "Done late"}]}
  ],
  "default": [{"text": "no scenario"}]
})";

// `opencode` whose server leaves a member in its process group that ignores SIGTERM, as opencode
// itself sometimes does right after a turn was aborted.
constexpr const char* kStubbornOpencode = R"SH(#!/bin/sh
if [ "$1" = serve ]; then (trap '' TERM; exec sleep 600) & fi
exec opencode "$@"
)SH";

class ServerSecurity : public E2E {
 protected:
  void SetUp() override {
    E2E::SetUp();
    start_model(kServerSecurityScript);
  }
  std::string state(const std::string& unit) {
    OrchRun r = orch({"agents", "--all", "--json", "--unit", unit});
    json::Parser parser;
    json::Json all = json::to_builder(parser.parse(r.out));
    return all.empty() ? "" : all[0]["state"].get<std::string>();
  }
  // Every password file of the shared servers this test started.
  std::vector<std::string> passwords() {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(home_ / "servers", ec)) {
      std::string pw = read_file(e.path() / "password");
      while (!pw.empty() && pw.back() == '\n') pw.pop_back();
      if (!pw.empty()) out.push_back(pw);
    }
    return out;
  }
};

TEST_F(ServerSecurity, AnEnvDumpNeverPutsTheServerPasswordOnTheBranch) {
  // `own-config` sets OPENCODE_CONFIG_CONTENT itself, which orch does not override: its tools see
  // the password, and only the auto-commit guard keeps it off the branch.
  write_file(home_ / "config.toml",
             "[agents.own-config]\nbackend = \"opencode\"\nbinary = \"opencode\"\n"
             "env = { OPENCODE_CONFIG_CONTENT = \"{}\" }\n");
  for (const std::string agent : {"opencode", "own-config"}) {
    const std::string unit = "env-" + agent;
    OrchRun r =
        orch({"sling", unit, repo_.string(), "--agent", agent, "-m", "dump-env please", "--wait"},
             180000);
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    json::Json s;
    OrchRun all = orch({"agents", "--all", "--json", "--unit", unit});
    json::Parser parser;
    for (const auto& row : json::to_builder(parser.parse(all.out))) s = row;
    fs::path wt = s["worktree"].get<std::string>();
    EXPECT_EQ(git(repo_, {"show", "orch/" + unit + ":WORK.md"}), "work\n");  // the rest committed

    std::string dumped = read_file(wt / "env.txt");
    ASSERT_NE(dumped.find("OPENCODE_CONFIG="), std::string::npos) << dumped;  // the tool ran
    std::vector<std::string> pws = passwords();
    ASSERT_FALSE(pws.empty());
    bool seen = false;
    for (const std::string& pw : pws) seen |= dumped.find(pw) != std::string::npos;
    std::string history = git(repo_, {"log", "-p", "--all", "--format=%H %s"});
    for (const std::string& pw : pws) {
      ASSERT_GE(pw.size(), 32u);
      EXPECT_EQ(history.find(pw), std::string::npos) << "a server password is on a branch";
    }
    OrchRun logs = orch({"logs", unit});
    const std::string warning =
        "env.txt was not committed: it holds a password of orch's agent server";
    if (agent == "opencode") {
      // orch's shell.env plugin blanked the password in the tool's environment.
      EXPECT_NE(dumped.find("\nOPENCODE_SERVER_PASSWORD=\n"), std::string::npos) << dumped;
      EXPECT_FALSE(seen);
      EXPECT_EQ(git(repo_, {"show", "orch/" + unit + ":env.txt"}), dumped);
    } else {
      // The file holds the password: it stays in the worktree, uncommitted, and the log says so.
      EXPECT_TRUE(seen) << dumped;
      EXPECT_ANY_THROW(git(repo_, {"cat-file", "-e", "orch/" + unit + ":env.txt"}));
      EXPECT_NE(logs.out.find(warning), std::string::npos) << logs.out;
    }
  }
  // The password files are the user's alone.
  for (const auto& e : fs::directory_iterator(home_ / "servers")) {
    if (!e.is_directory()) continue;
    struct stat st {};
    ASSERT_EQ(::stat((e.path() / "password").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0077, 0u);
  }
}

TEST_F(ServerSecurity, AToolsChildLeftInTheWorktreeEndsWithTheSession) {
  OrchRun r =
      orch({"sling", "bg-1", repo_.string(), "-m", "leave-behind please", "--wait"}, 180000);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  json::Json s = session_json();
  const std::string wt = s["worktree"].get<std::string>();
  EXPECT_EQ(git(repo_, {"show", "orch/bg-1:BG.md"}), "started\n");  // the tool did run
  // The `sleep 300` left its server's group and session (setsid) and carries no mark of the
  // session: only its working directory tells. It was gone before the work was committed.
  EXPECT_TRUE(processes_with(wt).empty()) << left_running();
  OrchRun logs = orch({"logs", "bg-1"});
  EXPECT_NE(logs.out.find("still working in the worktree"), std::string::npos) << logs.out;
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 15000))
      << left_running();
}

TEST_F(ServerSecurity, AServerIgnoringSigtermIsGoneAfterStopForceAndAfterALostSession) {
  fs::path wrapper = tmp_->path() / "stubborn-opencode";
  write_file(wrapper, kStubbornOpencode);
  fs::permissions(wrapper, fs::perms::owner_all);
  write_file(home_ / "config.toml",
             "[agents.stubborn]\nbackend = \"opencode\"\nbinary = \"" + wrapper.string() + "\"\n");

  // orch stop --force kills the supervisor, so the CLI releases the server.
  OrchRun r =
      orch({"sling", "stub-1", repo_.string(), "--agent", "stubborn", "-m", "very-slow please"});
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_TRUE(eventually([&] { return state("stub-1") == "running"; }, 60000));
  EXPECT_EQ(orch({"stop", "stub-1", "--force"}).code, 0);
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 12000))
      << left_running();

  // A supervisor that died: the next orch command finds the session lost and releases it.
  r = orch({"sling", "stub-2", repo_.string(), "--agent", "stubborn", "-m", "very-slow please"});
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_TRUE(eventually([&] { return state("stub-2") == "running"; }, 60000));
  json::Json s = session_json();
  for (const auto& row : [&] {
         OrchRun all = orch({"agents", "--all", "--json", "--unit", "stub-2"});
         json::Parser parser;
         return json::to_builder(parser.parse(all.out));
       }()) {
    s = row;
  }
  ASSERT_EQ(kill(s["pid"].get<pid_t>(), SIGKILL), 0);
  EXPECT_TRUE(eventually([&] { return state("stub-2") == "lost"; }, 10000));
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 12000))
      << left_running();
}

}  // namespace
}  // namespace orch::test
