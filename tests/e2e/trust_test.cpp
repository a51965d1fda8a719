// A repository's committed .orch.toml through the real binary: keys that run something (binary,
// args, env, ...) are refused until `orch trust` recorded the file's exact content, again after
// an edit, and for one run with --trust-repo-config; plain defaults need no trust.
#include <sys/stat.h>

#include <sstream>

#include "tests/e2e/fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

constexpr const char* kTrustScript = R"({
  "scenarios": [
    {"match": "write-hello", "turns": [
      {"tool": "write", "path": "HELLO.md", "content": "hello from the fake model\n"},
      {"text": "Done: wrote HELLO.md"}]},
    {"match": "slow-write", "turns": [
      {"tool": "write", "path": "SLOW.md", "content": "slow\n", "delay_ms": 5000},
      {"text": "Done slowly"}]}
  ],
  "default": [{"text": "no scenario"}]
})";

constexpr const char* kToken = "tok-trust-e2e";

class Trust : public E2E {
 protected:
  void SetUp() override {
    E2E::SetUp();
    repo_ = fs::canonical(repo_);
    config_ = repo_ / ".orch.toml";
    argv_log_ = tmp_->path() / "agent.argv";
    env_log_ = tmp_->path() / "agent.env";
    // What the repository ships: a script that records how it ran, then becomes claude.
    wrapper_ = repo_ / "tools" / "agent.sh";
    write_file(wrapper_, "#!/bin/sh\nprintf '%s\\n' \"$@\" >> '" + argv_log_.string() +
                             "'\nprintf '%s' \"$ORCH_TEST_TOKEN\" > '" + env_log_.string() +
                             "'\nexec '" ORCH_NPM_BIN_DIR "/claude' \"$@\"\n");
    EXPECT_EQ(chmod(wrapper_.c_str(), 0755), 0);
  }
  // Commits .orch.toml with `text` (and the agent script).
  void commit_config(const std::string& text) {
    write_file(config_, text);
    git(repo_, {"add", "-A"});
    git(repo_, {"commit", "-q", "-m", "orch config"});
  }
  std::string refusal(const std::string& key, int line, const std::string& what,
                      bool changed = false) {
    return "orch: error: " + config_.string() + ":" + std::to_string(line) + ": key '" + key +
           "' " + what +
           (changed ? "; the file changed since it was trusted: review it" : "; review the file") +
           " and run 'orch trust " + repo_.string() + "' (or pass --trust-repo-config)\n";
  }
  void expect_nothing_written() {
    OrchRun j = orch({"agents", "--all", "--json"});
    EXPECT_EQ(j.out, "[]\n") << j.err;
    EXPECT_FALSE(fs::exists(home_ / "worktrees") && !fs::is_empty(home_ / "worktrees"));
    EXPECT_EQ(git(repo_, {"branch", "--list", "orch/*"}), "");
  }
  OrchRun sling(const std::string& unit, const std::vector<std::string>& extra = {},
                bool trust_flag = false) {
    std::vector<std::string> args;
    if (trust_flag) args.push_back("--trust-repo-config");
    std::vector<std::string> rest = {"sling",  unit, repo_.string(),       "--agent",
                                     "claude", "-m", "write-hello please", "--wait"};
    args.insert(args.end(), rest.begin(), rest.end());
    args.insert(args.end(), extra.begin(), extra.end());
    return orch(args);
  }
  // `orch trust ARGS...` run from inside the repository (REPO defaults to it).
  OrchRun orch_in_repo(const std::vector<std::string>& args) {
    process::SpawnOptions so;
    so.argv = {ORCH_BIN, "--home", home_.string()};
    so.argv.insert(so.argv.end(), args.begin(), args.end());
    so.env_set = env_;
    so.cwd = (repo_ / "tools").string();
    process::RunResult r = process::run(so, 30000);
    return OrchRun{r.exit_code, r.out, r.err};
  }

  fs::path config_, argv_log_, env_log_, wrapper_;
};

const std::string kRunsEverything = std::string(
                                        "[agents.claude]\n"
                                        "binary = \"tools/agent.sh\"\n"
                                        "args = [\"--append-system-prompt\", \"Be brief.\"]\n"
                                        "env = { ORCH_TEST_TOKEN = \"") +
                                    kToken + "\" }\n";

TEST_F(Trust, UntrustedKeysThatRunSomethingAreRefusedAndNothingIsWritten) {
  struct Case {
    std::string text, key, what;
  };
  std::vector<Case> cases = {
      {"[agents.claude]\nbinary = \"tools/agent.sh\"\n", "agents.claude.binary", "runs a program"},
      {"[agents.claude]\nargs = [\"--dangerously-skip-permissions\"]\n", "agents.claude.args",
       "passes arguments to the agent"},
      {"[agents.claude]\nenv = { ANTHROPIC_BASE_URL = \"http://127.0.0.1:9\" }\n",
       "agents.claude.env", "sets the agent's environment"}};
  for (const Case& c : cases) {
    commit_config(c.text);
    OrchRun r = sling("u1");
    EXPECT_EQ(r.code, 9) << r.err;
    EXPECT_EQ(r.err, refusal(c.key, 2, c.what));
    EXPECT_EQ(r.out, "");
    expect_nothing_written();
    // Every command that reads the file: convoys too.
    OrchRun convoy = orch({"convoy", "create", "c1", "--repo", repo_.string(), "--agent", "claude",
                           "u2", "--prompt", "work"});
    EXPECT_EQ(convoy.code, 9) << convoy.err;
    EXPECT_EQ(convoy.err, refusal(c.key, 2, c.what));
    EXPECT_EQ(orch({"convoy", "list", "--json"}).out, "[]\n");
    expect_nothing_written();
  }
  EXPECT_FALSE(fs::exists(argv_log_)) << "the repository's program ran";
}

TEST_F(Trust, TrustedContentRunsAnEditIsRefusedAgainAndTheFlagTrustsOneRun) {
  start_model(kTrustScript);
  commit_config(kRunsEverything);
  ASSERT_EQ(sling("u1").code, 9);

  // `orch trust` with no REPO: the current directory's repository.
  OrchRun t = orch_in_repo({"trust"});
  ASSERT_EQ(t.code, 0) << t.err;
  EXPECT_EQ(t.out.rfind("trusted " + config_.string() + " (sha256 ", 0), 0u) << t.out;
  EXPECT_NE(t.out.find("): agents.claude.binary, agents.claude.args, agents.claude.env\n"),
            std::string::npos)
      << t.out;
  struct stat st;
  ASSERT_EQ(stat((home_ / "trusted-configs.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  OrchRun r = sling("u1");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(session_json()["state"], "done");
  EXPECT_EQ(git(repo_, {"show", "orch/u1:HELLO.md"}), "hello from the fake model\n");
  // The repository's program ran, with its arguments and environment.
  std::string argv = read_file(argv_log_);
  EXPECT_NE(argv.find("--append-system-prompt\nBe brief.\n"), std::string::npos) << argv;
  EXPECT_EQ(read_file(env_log_), kToken);

  // An edit needs trusting again: refused, nothing new written.
  commit_config(kRunsEverything + "max_turns = 5\n");
  fs::remove(argv_log_);
  fs::remove(env_log_);
  OrchRun edited = sling("u2");
  EXPECT_EQ(edited.code, 9);
  EXPECT_EQ(edited.err, refusal("agents.claude.binary", 2, "runs a program", true));
  EXPECT_EQ(git(repo_, {"branch", "--list", "orch/u2"}), "");
  EXPECT_EQ(orch({"agents", "--all", "--json", "--unit", "u2"}).out, "[]\n");
  auto listed = words_per_line(orch({"trust", "--list"}).out);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[1][0], "changed");
  EXPECT_EQ(listed[1].back(), config_.string());

  // --trust-repo-config: this run only (its supervisor re-reads the file it accepted).
  OrchRun flagged = sling("u2", {}, true);
  ASSERT_EQ(flagged.code, 0) << flagged.out << flagged.err;
  EXPECT_EQ(read_file(env_log_), kToken);
  EXPECT_EQ(sling("u3").code, 9);

  // Revoked: refused again, also for the content trusted before.
  commit_config(kRunsEverything);
  ASSERT_EQ(orch({"trust", repo_.string()}).code, 0);
  OrchRun revoke = orch({"trust", "--revoke", repo_.string()});
  EXPECT_EQ(revoke.out, "revoked " + config_.string() + "\n");
  EXPECT_EQ(sling("u3").code, 9);
  EXPECT_EQ(orch({"trust", "--list", "--json"}).out, "[]\n");
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 10000))
      << left_running();
}

TEST_F(Trust, AFileChangedWhileASessionWasQueuedIsRefusedByItsSupervisor) {
  start_model(kTrustScript);
  commit_config(kRunsEverything);
  ASSERT_EQ(orch({"trust", repo_.string()}).code, 0);
  // u1 holds the only slot for a few seconds; u2 waits in the queue.
  OrchRun first = orch({"sling", "u1", repo_.string(), "--agent", "claude", "-m", "slow-write",
                        "--max-sessions", "1"});
  ASSERT_EQ(first.code, 0) << first.err;
  OrchRun second = orch({"sling", "u2", repo_.string(), "--agent", "claude", "-m",
                         "write-hello please", "--max-sessions", "1", "--json"});
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_EQ(json::Json::parse(second.out)["state"], "queued") << second.out;
  // The file changes before u2's supervisor reads it.
  write_file(config_, "[agents.claude]\nbinary = \"/bin/true\"\n");
  OrchRun waited = orch({"wait", "u1", "u2", "--timeout", "90s"});
  EXPECT_EQ(waited.code, 3) << waited.out << waited.err;
  json::Json u2 = json::Json::parse(orch({"show", "u2", "--json"}).out);
  EXPECT_EQ(u2["state"], "failed");
  EXPECT_NE(u2["error"].get<std::string>().find("key 'agents.claude.binary' runs a program"),
            std::string::npos)
      << u2["error"];
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 10000))
      << left_running();
}

TEST_F(Trust, PlainDefaultsWorkWithoutTrust) {
  start_model(kTrustScript);
  commit_config(
      "[defaults]\nagent = \"claude\"\nmax_sessions = 3\n\n[agents.claude]\nmax_turns = 20\n"
      "inactivity_timeout = \"5m\"\npermission = \"deny\"\n");
  OrchRun r = orch({"sling", "u1", repo_.string(), "-m", "write-hello please", "--wait"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  json::Json s = session_json();
  EXPECT_EQ(s["state"], "done");
  EXPECT_EQ(s["agent"], "claude");  // the repository's [defaults] agent
  EXPECT_FALSE(fs::exists(home_ / "trusted-configs.json"));
  OrchRun t = orch({"trust", repo_.string()});
  EXPECT_NE(t.out.find("): it sets nothing that runs a program\n"), std::string::npos) << t.out;
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 10000))
      << left_running();
}

}  // namespace
}  // namespace orch::test
