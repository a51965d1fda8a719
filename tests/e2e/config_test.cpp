// Agent presets from config files end to end: a preset committed in the repository's .orch.toml
// runs its own binary with its own arguments and environment (never stored), a [defaults] agent
// is used without --agent, and a broken config file is one clear line that writes nothing.
#include <sys/stat.h>

#include "tests/e2e/fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

constexpr const char* kScript = R"({
  "scenarios": [
    {"match": "write-hello", "turns": [
      {"tool": "write", "path": "HELLO.md", "content": "hello from the fake model\n"},
      {"text": "Done: wrote HELLO.md"}]}
  ],
  "default": [{"text": "no scenario"}]
})";

constexpr const char* kSecret = "tok-7f3a9c-not-for-the-registry";

class Config : public E2E {
 protected:
  // Asserts that nothing was written: no registry rows, no worktree, no branch.
  void expect_nothing_written() {
    OrchRun j = orch({"agents", "--all", "--json"});
    EXPECT_EQ(j.out, "[]\n") << j.err;
    EXPECT_FALSE(fs::exists(home_ / "worktrees") && !fs::is_empty(home_ / "worktrees"));
    EXPECT_EQ(git(repo_, {"branch", "--list", "orch/*"}), "");
  }
};

TEST_F(Config, RepoPresetRunsItsOwnBinaryWithItsArgsAndEnvironment) {
  start_model(kScript);
  // The preset's binary: a wrapper named my-opencode that records how it was run, then becomes
  // the real opencode.
  fs::path wrapper = tmp_->path() / "agent-bin" / "my-opencode";
  fs::path argv_log = tmp_->path() / "my-opencode.argv";
  fs::path env_log = tmp_->path() / "my-opencode.env";
  write_file(wrapper, "#!/bin/sh\nprintf '%s\\n' \"$0 $*\" >> '" + argv_log.string() +
                          "'\nprintf '%s' \"$ORCH_TEST_TOKEN\" > '" + env_log.string() +
                          "'\nexec '" ORCH_NPM_BIN_DIR "/opencode' \"$@\"\n");
  ASSERT_EQ(chmod(wrapper.c_str(), 0755), 0);
  write_file(repo_ / ".orch.toml", std::string("[agents.my-preset]\n") +
                                       "backend = \"opencode\"\n"
                                       "binary = \"" +
                                       wrapper.string() +
                                       "\"\n"
                                       "args = [\"--log-level\", \"DEBUG\"]\n"
                                       "env = { ORCH_TEST_TOKEN = \"" +
                                       kSecret + "\" }\n");
  git(repo_, {"add", ".orch.toml"});
  git(repo_, {"commit", "-q", "-m", "orch presets"});

  OrchRun r = orch({"sling", "u1", repo_.string(), "--agent", "my-preset", "-m",
                    "write-hello please", "--wait"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;

  json::Json s = session_json();
  EXPECT_EQ(s["state"], "done");
  EXPECT_EQ(s["agent"], "my-preset");
  EXPECT_EQ(s["backend"], "opencode");
  auto table = words_per_line(orch({"agents", "--all"}).out);
  ASSERT_EQ(table.size(), 2u);
  EXPECT_EQ(table[0][2] + " " + table[0][3], "AGENT BACKEND");
  EXPECT_EQ(table[1][2] + " " + table[1][3], "my-preset opencode");
  EXPECT_EQ(git(repo_, {"show", "orch/u1:HELLO.md"}), "hello from the fake model\n");

  // The custom binary served the session, with the preset's arguments after orch's own.
  std::string argv = read_file(argv_log);
  EXPECT_NE(argv.find(wrapper.string() + " serve --hostname 127.0.0.1 --port "), std::string::npos)
      << argv;
  EXPECT_NE(argv.find(" --log-level DEBUG\n"), std::string::npos) << argv;
  fs::path session_dir = home_ / "sessions" / s["session"].get<std::string>();
  std::string log = read_file(session_dir / "supervisor.log");
  EXPECT_NE(log.find("agent my-preset runs " + wrapper.string()), std::string::npos) << log;

  // The preset's environment reached the agent (the supervisor re-read it) but is stored and
  // printed nowhere.
  EXPECT_EQ(read_file(env_log), kSecret);
  OrchRun all = orch({"agents", "--all", "--json"});
  for (const std::string& text : {r.out, r.err, all.out, log}) {
    EXPECT_EQ(text.find(kSecret), std::string::npos) << text;
  }
  for (const fs::path& f : {home_ / "orch.db", home_ / "orch.db-wal", session_dir / "events.jsonl",
                            session_dir / "supervisor.out"}) {
    EXPECT_EQ(read_file(f).find(kSecret), std::string::npos) << f;
  }
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 10000));
}

TEST_F(Config, DefaultAgentFromConfigIsUsedWithoutAgentFlag) {
  std::string missing = (tmp_->path() / "nowhere" / "agent").string();
  write_file(home_ / "config.toml",
             "[defaults]\nagent = \"mine\"\n\n[agents.mine]\n"
             "backend = \"opencode\"\nbinary = \"" +
                 missing + "\"\n");
  OrchRun r = orch({"sling", "u1", repo_.string(), "-m", "work"});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(r.err, "orch: error: agent 'mine': executable '" + missing +
                       "' not found or not executable\n");
  // --agent still picks a preset explicitly.
  OrchRun unknown = orch({"sling", "u1", repo_.string(), "-m", "work", "--agent", "nope"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_EQ(unknown.err,
            "orch: error: unknown agent 'nope': known agents: opencode, claude, mine\n");
  expect_nothing_written();
}

TEST_F(Config, BrokenConfigIsOneLineNamingFileLineAndKeyAndWritesNothing) {
  fs::path home_config = home_ / "config.toml";
  write_file(home_config,
             "[defaults]\nmax_sessions = 4\n\n[agents.opencode]\npermission = \"maybe\"\n");
  OrchRun r = orch({"sling", "u1", repo_.string(), "-m", "work"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "orch: error: " + home_config.string() +
                       ":5: agents.opencode.permission: expected \"deny\" or \"allow\", got "
                       "\"maybe\"\n");
  expect_nothing_written();

  // The repository's file is checked too, even when --agent names a built-in.
  fs::remove(home_config);
  fs::path repo_config = repo_ / ".orch.toml";
  write_file(repo_config, "[agents.fast]\nbackend = \"opencode\"\nmax_turn = 3\n");
  r = orch({"sling", "u1", repo_.string(), "-m", "work", "--agent", "opencode"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "orch: error: " + repo_config.string() +
                       ":3: agents.fast.max_turn: unknown key (known keys: backend, binary, args, "
                       "env, model, permission, max_turns, inactivity_timeout, startup_timeout)\n");
  write_file(repo_config, "[agents.fast]\nbackend = \"opencode\"\nmodel = \"unterminated\n");
  r = orch({"sling", "u1", repo_.string(), "-m", "work"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.rfind("orch: error: " + repo_config.string() + ":3:22: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  expect_nothing_written();
}

}  // namespace
}  // namespace orch::test
