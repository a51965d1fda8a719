// The CLI frame through the real binary: help, version, usage errors, exit codes.
#include "tests/e2e/fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

using Cli = E2E;

TEST_F(Cli, VersionPrintsNameAndVersion) {
  OrchRun r = orch({"--version"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, std::string("orch ") + ORCH_VERSION + "\n");
}

TEST_F(Cli, HelpListsCommandsAndExitCodesAndOpensNothing) {
  OrchRun r = orch({"--help"});
  EXPECT_EQ(r.code, 0);
  for (const char* word :
       {"sling", "agents", "Exit codes:", "8  the unit already has a live session"}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word << " missing from:\n" << r.out;
  }
  EXPECT_EQ(r.out.find("__supervise"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(home_)) << "--help must not create or open the registry";
}

TEST_F(Cli, UnknownCommandSuggestsTheNearestOne) {
  OrchRun r = orch({"slign", "x", "y"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "orch: error: unknown command 'slign': did you mean 'sling'?\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(Cli, UnknownCommandWithNothingCloseSaysWhereToLook) {
  OrchRun r = orch({"frobnicate"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(
      r.err,
      "orch: error: unknown command 'frobnicate': run 'orch --help' for the list of commands\n");
}

TEST_F(Cli, MissingArgumentsAreUsageErrors) {
  OrchRun r = orch({"sling"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "orch: error: sling: UNIT is required (see 'orch sling --help')\n");
  OrchRun c = orch({"convoy", "create", "--repo", repo_.string()});
  EXPECT_EQ(c.code, 2);
  EXPECT_EQ(c.err,
            "orch: error: convoy create: NAME is required (see 'orch convoy create --help')\n");
  OrchRun flag = orch({"agents", "--bogus"});
  EXPECT_EQ(flag.code, 2);
  EXPECT_EQ(flag.err.rfind("orch: error: agents: ", 0), 0u) << flag.err;
  EXPECT_EQ(std::count(flag.err.begin(), flag.err.end(), '\n'), 1) << flag.err;
}

TEST_F(Cli, VerboseLogsWhatOrchDoesOnStderr) {
  OrchRun v = orch({"-v", "agents"});
  EXPECT_EQ(v.code, 0) << v.err;
  EXPECT_NE(v.err.find("orch: debug: registry " + (home_ / "orch.db").string() +
                       ": applying migration 0001_init"),
            std::string::npos)
      << v.err;
  EXPECT_NE(v.err.find(": schema version "), std::string::npos) << v.err;
  // Without -v only what the command itself says.
  OrchRun quiet = orch({"agents"});
  EXPECT_EQ(quiet.err, "no live sessions (use --all to list ended ones)\n");
}

TEST_F(Cli, BadDurationIsAUsageError) {
  OrchRun r = orch({"sling", "u1", repo_.string(), "-m", "x", "--inactivity-timeout", "soon"});
  EXPECT_EQ(r.code, 2);
  // Named by its option, with where the command's help is, like every usage error (issue 11
  // item 15; it used to be the bare "orch: error: invalid duration 'soon': ...").
  EXPECT_EQ(r.err,
            "orch: error: sling: --inactivity-timeout: invalid duration 'soon': expected e.g. 30s, "
            "15m, 2h or 500ms (see 'orch sling --help')\n");
}

// Issue 11 item 15: numbers that mean nothing are usage errors, not "the default".
TEST_F(Cli, MeaninglessNumbersAreUsageErrors) {
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  const std::string repo = repo_.string();
  const std::vector<Case> cases = {
      {{"sling", "u1", repo, "-m", "x", "--max-sessions", "0"},
       "orch: error: sling: --max-sessions: expected an integer from 1 to 1000, got '0' (see "
       "'orch sling --help')\n"},
      {{"sling", "u1", repo, "-m", "x", "--retries", "-1"},
       "orch: error: sling: --retries: expected an integer from 0 to 100, got '-1' (see 'orch "
       "sling --help')\n"},
      {{"sling", "u1", repo, "-m", "x", "--priority", "1e3"},
       "orch: error: sling: --priority: expected an integer from -1000000 to 1000000, got '1e3' "
       "(see 'orch sling --help')\n"},
      {{"sling", "u1", repo, "-m", "x", "--inactivity-timeout", "0"},
       "orch: error: sling: --inactivity-timeout: expected a duration above 0 (e.g. 30s), got '0' "
       "(see 'orch sling --help')\n"},
      {{"wait", "u1", "--timeout", "18446744073709552s"},
       "orch: error: wait: --timeout: invalid duration '18446744073709552s': too long (at most "
       "36500d) (see 'orch wait --help')\n"},
      {{"convoy", "run", "c1", "--repo", repo, "--prompt", "x", "u1", "--max-sessions", "0"},
       "orch: error: convoy run: --max-sessions: expected an integer from 1 to 1000, got '0' (see "
       "'orch convoy run --help')\n"},
      {{"convoy", "create", "c1", "--repo", repo, "--retries", "101"},
       "orch: error: convoy create: --retries: expected an integer from 0 to 100, got '101' (see "
       "'orch convoy create --help')\n"},
      {{"stop", "u1", "--grace", "5 min"},
       "orch: error: stop: --grace: invalid duration '5 min': expected e.g. 30s, 15m, 2h or 500ms "
       "(see 'orch stop --help')\n"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = c.args;
    OrchRun r = orch(args);
    std::string joined;
    for (const std::string& a : args) joined += " " + a;
    EXPECT_EQ(r.code, 2) << joined << "\n" << r.err;
    EXPECT_EQ(r.err, c.err) << joined;
    EXPECT_EQ(r.out, "") << joined;
  }
  EXPECT_EQ(git(repo_, {"branch", "--list", "orch/*"}), "");  // nothing was slung
}

// Issue 11 item 15: `--home ""` is no folder (it used to mean the default one).
TEST_F(Cli, EmptyHomeIsAUsageError) {
  process::SpawnOptions so;
  so.argv = {ORCH_BIN, "--home", "", "agents"};  // orch() passes a --home of its own
  so.env_set = env_;
  process::RunResult r = process::run(so, 30000);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "orch: error: --home: expected a folder, got an empty string (see 'orch --help')\n");
}

// Issue 11 item 15: a mistyped nested command or option gets a suggestion, and a mistyped global
// option is named as an option, not as a command.
TEST_F(Cli, MistypedCommandsAndOptionsGetSuggestions) {
  OrchRun nested = orch({"convoy", "lsit"});
  EXPECT_EQ(nested.code, 2);
  EXPECT_EQ(nested.err, "orch: error: convoy: unknown command 'lsit': did you mean 'list'?\n");
  OrchRun nothing = orch({"convoy", "frobnicate"});
  EXPECT_EQ(nothing.code, 2);
  EXPECT_EQ(nothing.err,
            "orch: error: convoy: unknown command 'frobnicate': run 'orch convoy --help' for the "
            "list of commands\n");
  OrchRun option = orch({"agents", "--al"});
  EXPECT_EQ(option.code, 2);
  EXPECT_EQ(option.err,
            "orch: error: agents: unknown option '--al': did you mean '--all'? (see 'orch agents "
            "--help')\n");
  OrchRun global = orch({"--hom", "/x", "agents"});
  EXPECT_EQ(global.code, 2);
  EXPECT_EQ(global.err,
            "orch: error: unknown option '--hom': did you mean '--home'? (see 'orch --help')\n");
  OrchRun value = orch({"convoy", "create", "c1", "--repo", repo_.string(), "--agnet", "x"});
  EXPECT_EQ(value.code, 2);
  EXPECT_EQ(value.err,
            "orch: error: convoy create: unknown option '--agnet': did you mean '--agent'? (see "
            "'orch convoy create --help')\n");
  // Values that look like commands or options are values: no false alarm.
  OrchRun ok = orch({"agents", "--unit", "convoy"});
  EXPECT_EQ(ok.code, 0) << ok.err;
  OrchRun value_like_command = orch({"logs", "--json", "sling"});
  EXPECT_EQ(value_like_command.code, 7) << value_like_command.err;
}

// Issue 11 item 15 and item 17: a folder where a file is expected, and a prompt over 1 MiB, are
// refused before anything is written.
TEST_F(Cli, FoldersAndOversizedPromptsAreRefused) {
  const std::string dir = tmp_->path().string();
  OrchRun from = orch({"convoy", "create", "c1", "--repo", repo_.string(), "--from", dir});
  EXPECT_EQ(from.code, 2);
  EXPECT_EQ(from.err,
            "orch: error: --from " + dir + ": is a directory, expected a JSON Lines file\n");
  OrchRun listed = orch({"convoy", "list", "--json"});
  EXPECT_EQ(listed.out, "[]\n") << "no convoy may be created";
  fs::path empty = tmp_->path() / "empty.jsonl";
  write_file(empty, "\n");
  OrchRun none =
      orch({"convoy", "create", "c1", "--repo", repo_.string(), "--from", empty.string()});
  EXPECT_EQ(none.code, 2);
  EXPECT_EQ(none.err, "orch: error: --from " + empty.string() +
                          ": no units in it (one JSON object per line: {\"unit\": ..., "
                          "\"prompt\": ...})\n");

  OrchRun prompt_dir = orch({"sling", "u1", repo_.string(), "--prompt-file", dir});
  EXPECT_EQ(prompt_dir.code, 2);
  EXPECT_EQ(prompt_dir.err,
            "orch: error: --prompt-file " + dir + ": is a directory, expected a file\n");

  fs::path big = tmp_->path() / "big.md";
  write_file(big, std::string((1 << 20) + 1, 'x'));
  OrchRun too_big = orch({"sling", "u1", repo_.string(), "--prompt-file", big.string()});
  EXPECT_EQ(too_big.code, 2);
  EXPECT_EQ(too_big.err, "orch: error: --prompt-file " + big.string() +
                             ": more than 1048576 bytes, over the 1 MiB limit of a prompt\n");
  fs::path units = tmp_->path() / "units.jsonl";
  write_file(units,
             "{\"unit\": \"u2\", \"prompt\": \"" + std::string((1 << 20) + 1, 'y') + "\"}\n");
  OrchRun big_unit =
      orch({"convoy", "create", "c2", "--repo", repo_.string(), "--from", units.string()});
  EXPECT_EQ(big_unit.code, 1);
  EXPECT_EQ(big_unit.err, "orch: error: 1 bad unit, nothing was created\n" + units.string() +
                              ":1: \"prompt\": 1048577 bytes, over the 1 MiB limit of a prompt\n");
  EXPECT_EQ(git(repo_, {"branch", "--list", "orch/*"}), "");
}

// Issue 11 item 17: a preset whose env cannot be exec'd fails the sling before any branch or
// worktree is made.
TEST_F(Cli, PresetEnvTooLargeToExecIsRefusedUpFront) {
  fs::create_directories(home_);
  write_file(home_ / "config.toml",
             "[agents.big]\nbackend = \"opencode\"\nbinary = \"/bin/true\"\n"
             "env = { BIG = \"" +
                 std::string(200000, 'z') + "\" }\n");
  OrchRun r = orch({"sling", "u1", repo_.string(), "-m", "x", "--agent", "big"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err,
            "orch: error: agent preset 'big': env BIG is 200005 bytes; one environment variable "
            "can hold at most 131072 bytes (Linux MAX_ARG_STRLEN)\n");
  EXPECT_EQ(git(repo_, {"branch", "--list", "orch/*"}), "");
  EXPECT_FALSE(fs::exists(home_ / "worktrees") && !fs::is_empty(home_ / "worktrees"));
}

TEST_F(Cli, AgentsOnAnEmptyRegistry) {
  OrchRun r = orch({"agents"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "no live sessions (use --all to list ended ones)\n");
  OrchRun j = orch({"agents", "--all", "--json"});
  EXPECT_EQ(j.code, 0);
  EXPECT_EQ(j.out, "[]\n");
  EXPECT_TRUE(std::filesystem::exists(home_ / "orch.db"));
}

}  // namespace
}  // namespace orch::test
