// Issue 16 §1, shell completion and the man page: `orch completion bash|zsh|fish` prints scripts
// generated from the CLI11 definitions; the bash one is valid bash and completes commands,
// options, and unit, session and convoy names from the registry (bash runs it with COMP_WORDS
// set, as readline would); `orch __manpage` prints orch(1) with every command.
#include "tests/e2e/convoy_fixture.h"

namespace orch::test {
namespace {

bool completion_has(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

class Completion : public Convoy {
 protected:
  // What bash's _orch puts in COMPREPLY (one a line) for the command line `words` (after orch),
  // the cursor on the last word.
  std::string complete(const std::vector<std::string>& words) {
    process::SpawnOptions so;
    so.argv = {"bash",
               "-c",
               "source \"$1\"; shift; COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); _orch; "
               "printf '%s\\n' \"${COMPREPLY[@]}\"",
               "bash",
               script_.string(),
               ORCH_BIN,
               "--home",
               home_.string()};
    so.argv.insert(so.argv.end(), words.begin(), words.end());
    so.env_set = env_;
    process::RunResult r = process::run(so, 30000);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
  std::filesystem::path script_;
};

TEST_F(Completion, BashCompletesCommandsOptionsAndRegistryNames) {
  OrchRun bash = orch({"completion", "bash"});
  ASSERT_EQ(bash.code, 0) << bash.err;
  script_ = tmp_->path() / "orch.bash";
  write_file(script_, bash.out);
  process::SpawnOptions check;
  check.argv = {"bash", "-n", script_.string()};
  process::RunResult syntax = process::run(check, 30000);
  ASSERT_EQ(syntax.exit_code, 0) << syntax.err;

  stand_in("fails", "exit 1");
  ASSERT_EQ(
      orch({"sling", "alpha-unit", repo_.string(), "--agent", "fails", "-m", "x", "--wait"}).code,
      3);
  ASSERT_EQ(orch({"convoy", "create", "beta-convoy", "--repo", repo_.string()}).code, 0);
  std::string session = session_json()["session"].get<std::string>();

  EXPECT_EQ(complete({"logs", "al"}), "alpha-unit\n");
  EXPECT_EQ(complete({"stop", session.substr(0, 6)}), session + "\n");
  EXPECT_EQ(complete({"agents", "--unit", "a"}), "alpha-unit\n");
  EXPECT_EQ(complete({"convoy", "show", "b"}), "beta-convoy\n");
  EXPECT_EQ(complete({"agents", "--con"}), "--convoy\n");
  std::string commands = complete({""});
  for (const char* c : {"sling", "agents", "convoy", "completion", "logs", "stop"}) {
    EXPECT_TRUE(completion_has(commands, std::string(c) + "\n")) << c << " in " << commands;
  }
  EXPECT_FALSE(completion_has(commands, "__complete")) << commands;
  EXPECT_EQ(complete({"convoy", "cr"}), "create\n");
  // A global option's value is skipped: the word after it is still the command.
  EXPECT_EQ(complete({"--color", "never", "ag"}), "agents\n");
  // A unit name is data: a $(...) in it (valid in a git branch name) is never run by completion.
  // (bash runs in this process's folder; a unit id holds no '/').
  const std::filesystem::path pwned = std::filesystem::current_path() / "pwned-by-completion";
  std::filesystem::remove(pwned);
  const std::string hostile = "x$(touch${IFS}pwned-by-completion)";
  ASSERT_EQ(orch({"sling", hostile, repo_.string(), "--agent", "fails", "-m", "x", "--wait"}).code,
            3);
  EXPECT_EQ(complete({"logs", "x"}), hostile + "\n");
  EXPECT_FALSE(std::filesystem::exists(pwned)) << "completion ran a command from a unit name";
}

TEST_F(Completion, ZshAndFishScriptsAndTheManPage) {
  OrchRun zsh = orch({"completion", "zsh"});
  ASSERT_EQ(zsh.code, 0) << zsh.err;
  EXPECT_EQ(zsh.out.rfind("#compdef orch\n", 0), 0u) << zsh.out;
  EXPECT_TRUE(completion_has(zsh.out, "complete -F _orch orch")) << zsh.out;
  OrchRun fish = orch({"completion", "fish"});
  ASSERT_EQ(fish.code, 0) << fish.err;
  EXPECT_TRUE(completion_has(fish.out, "-a 'agents'")) << fish.out;
  EXPECT_TRUE(completion_has(fish.out, "-l unit -r -f -a '(orch __complete units 2>/dev/null)'"))
      << fish.out;
  EXPECT_EQ(orch({"completion", "tcsh"}).code, 2);

  OrchRun man = orch({"__manpage"});
  ASSERT_EQ(man.code, 0) << man.err;
  for (const char* want : {".TH ORCH 1", ".SS \"orch sling\"", ".SS \"orch convoy show\"",
                           ".SS \"orch completion\"", "\\fB\\-\\-unit\\fR"}) {
    EXPECT_TRUE(completion_has(man.out, want)) << want;
  }
  EXPECT_FALSE(completion_has(orch({"--help"}).out, "__manpage"));
}

}  // namespace
}  // namespace orch::test
