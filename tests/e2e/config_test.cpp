// Agent presets from config files end to end: a preset committed in the repository's .orch.toml
// runs its own binary with its own arguments and environment (never stored), a [defaults] agent
// is used without --agent, and a broken config file is one clear line that writes nothing.
#include <sys/stat.h>

#include <algorithm>
#include <sstream>

#include "tests/e2e/fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

constexpr const char* kConfigScript = R"({
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
  // An executable `name` that appends each argument it got, one per line, to `argv_log`, then
  // becomes the real claude.
  fs::path claude_wrapper(const std::string& name, const fs::path& argv_log) {
    fs::path wrapper = tmp_->path() / "agent-bin" / name;
    write_file(wrapper, "#!/bin/sh\nprintf '%s\\n' \"$@\" >> '" + argv_log.string() +
                            "'\nexec '" ORCH_NPM_BIN_DIR "/claude' \"$@\"\n");
    EXPECT_EQ(chmod(wrapper.c_str(), 0755), 0);
    return wrapper;
  }
  std::vector<std::string> lines_of(const fs::path& file) {
    std::vector<std::string> lines;
    std::istringstream in(read_file(file));
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
  // Asserts that nothing was written: no registry rows, no worktree, no branch.
  void expect_nothing_written() {
    OrchRun j = orch({"agents", "--all", "--json"});
    EXPECT_EQ(j.out, "[]\n") << j.err;
    EXPECT_FALSE(fs::exists(home_ / "worktrees") && !fs::is_empty(home_ / "worktrees"));
    EXPECT_EQ(git(repo_, {"branch", "--list", "orch/*"}), "");
  }
};

TEST_F(Config, RepoPresetRunsItsOwnBinaryWithItsArgsAndEnvironment) {
  start_model(kConfigScript);
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
  ASSERT_EQ(orch({"trust", repo_.string()}).code, 0);  // it sets binary, args and env

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
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 10000))
      << left_running();
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
                       "env, model, permission, max_turns, inactivity_timeout, startup_timeout, "
                       "profile, tools)\n");
  write_file(repo_config, "[agents.fast]\nbackend = \"opencode\"\nmodel = \"unterminated\n");
  r = orch({"sling", "u1", repo_.string(), "-m", "work"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.rfind("orch: error: " + repo_config.string() + ":3:22: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  expect_nothing_written();
}

TEST_F(Config, RepoClaudePresetRunsItsBinaryWithItsArgsBeforeTheSeparator) {
  start_model(kConfigScript);
  fs::path argv_log = tmp_->path() / "my-claude.argv";
  fs::path wrapper = claude_wrapper("my-claude", argv_log);
  write_file(repo_ / ".orch.toml", "[agents.brief-claude]\nbackend = \"claude\"\nbinary = \"" +
                                       wrapper.string() +
                                       "\"\nargs = [\"--append-system-prompt\", \"Be brief.\"]\n");
  git(repo_, {"add", ".orch.toml"});
  git(repo_, {"commit", "-q", "-m", "orch presets"});
  ASSERT_EQ(orch({"trust", repo_.string()}).code, 0);  // it sets backend, binary and args

  OrchRun r = orch({"sling", "u1", repo_.string(), "--agent", "brief-claude", "-m",
                    "write-hello please", "--wait"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  json::Json s = session_json();
  EXPECT_EQ(s["state"], "done");
  EXPECT_EQ(s["agent"], "brief-claude");
  EXPECT_EQ(s["backend"], "claude");
  EXPECT_EQ(git(repo_, {"show", "orch/u1:HELLO.md"}), "hello from the fake model\n");

  // The wrapper ran once; the preset's arguments come after orch's own and before `--`, which
  // ends the arguments (the work goes in on stdin).
  std::vector<std::string> argv = lines_of(argv_log);
  ASSERT_FALSE(argv.empty()) << "the preset's binary did not run";
  EXPECT_EQ(std::count(argv.begin(), argv.end(), "-p"), 1) << read_file(argv_log);
  auto extra = std::find(argv.begin(), argv.end(), "--append-system-prompt");
  auto separator = std::find(argv.begin(), argv.end(), "--");
  ASSERT_NE(extra, argv.end()) << read_file(argv_log);
  ASSERT_NE(separator, argv.end()) << read_file(argv_log);
  EXPECT_LT(extra, separator);
  EXPECT_EQ(*(extra + 1), "Be brief.");
  EXPECT_EQ(separator + 1, argv.end()) << read_file(argv_log);
  EXPECT_LT(std::find(argv.begin(), argv.end(), "--session-id"), extra);
  // claude took it: the text is appended to the system prompt the model received.
  int briefed = 0;
  for (const std::string& line : model_requests()) {
    if (line.find("write-hello please") == std::string::npos) continue;
    EXPECT_NE(line.find("Be brief."), std::string::npos);
    ++briefed;
  }
  EXPECT_GE(briefed, 2);  // the Write turn and the final text turn
  // claude.log counts the extra arguments instead of showing them (they may hold secrets).
  std::string log = read_file(home_ / "sessions" / s["session"].get<std::string>() / "claude.log");
  EXPECT_NE(log.find("orch: starting " + wrapper.string() + " -p "), std::string::npos) << log;
  EXPECT_NE(log.find(" <2 extra argument(s)> --\n"), std::string::npos) << log;
  EXPECT_EQ(log.find("Be brief."), std::string::npos) << log;
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 10000))
      << left_running();
}

TEST_F(Config, BackendFlagOverridesThePresetsBackend) {
  start_model(kConfigScript);
  fs::path argv_log = tmp_->path() / "agent.argv";
  fs::path wrapper = claude_wrapper("some-agent", argv_log);
  write_file(home_ / "config.toml",
             "[agents.wrapped]\nbackend = \"opencode\"\nbinary = \"" + wrapper.string() + "\"\n");
  // An unknown backend is refused before anything is written.
  OrchRun bad = orch(
      {"sling", "u1", repo_.string(), "--agent", "wrapped", "--backend", "nope", "-m", "work"});
  EXPECT_EQ(bad.code, 2) << bad.err;
  EXPECT_EQ(bad.err, "orch: error: unknown backend 'nope': known backends: opencode, claude\n");
  expect_nothing_written();

  // The preset says opencode; --backend claude runs its binary as Claude Code.
  OrchRun r = orch({"sling", "u1", repo_.string(), "--agent", "wrapped", "--backend", "claude",
                    "-m", "write-hello please", "--wait"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  json::Json s = session_json();
  EXPECT_EQ(s["state"], "done");
  EXPECT_EQ(s["agent"], "wrapped");
  EXPECT_EQ(s["backend"], "claude");
  std::vector<std::string> argv = lines_of(argv_log);
  ASSERT_FALSE(argv.empty());
  EXPECT_EQ(argv[0], "-p") << read_file(argv_log);  // claude's argv, not `opencode serve`
  EXPECT_EQ(git(repo_, {"show", "orch/u1:HELLO.md"}), "hello from the fake model\n");
  EXPECT_TRUE(eventually([&] { return processes_with(home_.string()).empty(); }, 10000))
      << left_running();
}

}  // namespace
}  // namespace orch::test
