// Agent presets: built-ins overlaid by $ORCH_HOME/config.toml and then <repo>/.orch.toml, key by
// key; every config error is one line naming the file, the line and the key.
#include "orchestrator/config/presets.h"

#include <gtest/gtest.h>

#include <functional>

#include "lib/error.h"
#include "tests/support/tmp.h"

namespace orch {
namespace {
namespace fs = std::filesystem;

class Presets : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = tmp_ / "home";
    repo_ = tmp_ / "repo";
    fs::create_directories(home_);
    fs::create_directories(repo_);
  }
  void write_home(const std::string& text) { test::write_file(home_ / "config.toml", text); }
  void write_repo(const std::string& text) { test::write_file(repo_ / ".orch.toml", text); }
  std::string home_file() const { return (home_ / "config.toml").string(); }
  std::string repo_file() const { return (repo_ / ".orch.toml").string(); }
  // The repository's file is trusted here: these tests are about overlaying (trust:
  // presets_trust_test.cpp).
  AgentConfig load() { return load_agent_config(home_, repo_, RepoTrust{true, ""}); }
  // The message of the orch::Error loading throws; checks the exit code is 1.
  std::string load_error() {
    try {
      load();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), kExitError) << e.what();
      return e.what();
    }
    ADD_FAILURE() << "loading succeeded";
    return "";
  }

  test::TempDir tmp_;
  fs::path home_, repo_;
};

// "a", "a or b", "a, b or c" with each choice double-quoted, as config errors list choices.
std::string choices(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += "\"" + names[i] + "\"";
  }
  return out;
}

TEST_F(Presets, BuiltinsWhenNoFileExists) {
  AgentConfig c = load_agent_config(tmp_ / "no-home", "");
  ASSERT_EQ(c.presets.size(), 2u);
  EXPECT_TRUE(c.files.empty());
  EXPECT_EQ(c.default_agent, "opencode");
  EXPECT_EQ(c.max_sessions, 0);
  const Preset& opencode = c.find("");
  EXPECT_EQ(opencode.name, "opencode");
  EXPECT_EQ(opencode.backend, "opencode");
  EXPECT_EQ(opencode.binary, "opencode");
  EXPECT_EQ(opencode.install_hint, "npm install -g opencode-ai@1.18.33");
  EXPECT_EQ(c.find("claude").backend, "claude");
  EXPECT_EQ(load().presets.size(), 2u);  // an existing home and repository without files

  EXPECT_EQ(find_preset("claude").binary, "claude");
  try {
    c.find("nope");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), kExitUsage);
    EXPECT_STREQ(e.what(), "unknown agent 'nope': known agents: opencode, claude");
  }
}

TEST_F(Presets, ConfigTomlAddsAPreset) {
  write_home(R"(
[defaults]
agent = "fast"
max_sessions = 4

[agents.fast]
backend = "opencode"
binary = "/opt/agent/bin/opencode"
args = ["--print-logs", "--log-level", "DEBUG"]
env = { API_TOKEN = "t0ken", OTHER = "x" }
model = "fake/fake-model"
permission = "allow"
max_turns = 40
inactivity_timeout = "10m"
startup_timeout = 90
)");
  AgentConfig c = load();
  EXPECT_EQ(c.files, (std::vector<std::string>{home_file()}));
  ASSERT_EQ(c.presets.size(), 3u);
  EXPECT_EQ(c.default_agent, "fast");
  EXPECT_EQ(c.max_sessions, 4);
  const Preset& p = c.find("");
  EXPECT_EQ(p.name, "fast");
  EXPECT_EQ(p.backend, "opencode");
  EXPECT_EQ(p.binary, "/opt/agent/bin/opencode");
  EXPECT_EQ(p.install_hint, "");
  EXPECT_EQ(p.extra_args, (std::vector<std::string>{"--print-logs", "--log-level", "DEBUG"}));
  EXPECT_EQ(p.env, (std::map<std::string, std::string>{{"API_TOKEN", "t0ken"}, {"OTHER", "x"}}));
  EXPECT_EQ(p.model, "fake/fake-model");
  EXPECT_EQ(p.policy, PermissionPolicy::kAllow);
  EXPECT_EQ(p.max_turns, 40);
  EXPECT_EQ(p.inactivity_timeout_ms, 600000);
  EXPECT_EQ(p.startup_timeout_ms, 90000);
  // The built-ins are untouched.
  EXPECT_EQ(c.find("opencode").binary, "opencode");
  EXPECT_EQ(c.find("opencode").policy, PermissionPolicy::kDeny);
}

TEST_F(Presets, NewPresetDefaultsItsBinaryToItsNameAndKeepsDefaults) {
  write_home("[agents.my-tool]\nbackend = \"opencode\"\n");
  const Preset p = load().find("my-tool");
  EXPECT_EQ(p.binary, "my-tool");
  EXPECT_EQ(p.policy, PermissionPolicy::kDeny);
  EXPECT_EQ(p.inactivity_timeout_ms, 600000);
  EXPECT_EQ(p.startup_timeout_ms, 60000);
  EXPECT_TRUE(p.env.empty());
}

TEST_F(Presets, RepoFileOverridesConfigTomlKeyByKey) {
  write_home(R"(
[defaults]
agent = "fast"
max_sessions = 4

[agents.fast]
backend = "opencode"
binary = "/home/bin/agent"
args = ["--a"]
env = { KEEP = "1", REPLACE = "old" }
model = "m1"
max_turns = 10
)");
  write_repo(R"(
[defaults]
max_sessions = 8

[agents.fast]
model = "m2"
args = ["--b", "--c"]
env = { REPLACE = "new", ADDED = "2" }
permission = "allow"
)");
  AgentConfig c = load();
  EXPECT_EQ(c.files, (std::vector<std::string>{home_file(), repo_file()}));
  EXPECT_EQ(c.default_agent, "fast");
  EXPECT_EQ(c.max_sessions, 8);
  const Preset& p = c.find("fast");
  EXPECT_EQ(p.backend, "opencode");
  EXPECT_EQ(p.binary, "/home/bin/agent");
  EXPECT_EQ(p.model, "m2");
  EXPECT_EQ(p.max_turns, 10);
  EXPECT_EQ(p.policy, PermissionPolicy::kAllow);
  EXPECT_EQ(p.extra_args, (std::vector<std::string>{"--b", "--c"}));  // arrays are replaced
  EXPECT_EQ(p.env, (std::map<std::string, std::string>{
                       {"KEEP", "1"}, {"REPLACE", "new"}, {"ADDED", "2"}}));  // merged per variable
}

TEST_F(Presets, RepoFileMayDefineTheDefaultAgentAndItsOwnPresets) {
  write_home("[defaults]\nagent = \"repo-agent\"\n");
  write_repo("[agents.repo-agent]\nbackend = \"opencode\"\nbinary = \"tools/agent\"\n");
  AgentConfig c = load();
  EXPECT_EQ(c.find("").name, "repo-agent");
  // A relative path is relative to the file's folder; a bare name stays a PATH lookup.
  EXPECT_EQ(c.find("").binary, (repo_ / "tools/agent").string());
  EXPECT_EQ(c.find("").backend, "opencode");
}

TEST_F(Presets, OverridingABuiltinsBinaryKeepsItsBackend) {
  write_home("[agents.claude]\nbinary = \"/opt/claude/bin/claude\"\n");
  write_repo("[agents.opencode]\nbinary = \"/usr/local/bin/opencode\"\nmax_turns = 3\n");
  AgentConfig c = load();
  ASSERT_EQ(c.presets.size(), 2u);
  EXPECT_EQ(c.find("claude").backend, "claude");
  EXPECT_EQ(c.find("claude").binary, "/opt/claude/bin/claude");
  EXPECT_EQ(c.find("claude").install_hint, "npm install -g @anthropic-ai/claude-code@2.1.328");
  EXPECT_EQ(c.find("opencode").backend, "opencode");
  EXPECT_EQ(c.find("opencode").binary, "/usr/local/bin/opencode");
  EXPECT_EQ(c.find("opencode").max_turns, 3);
  EXPECT_EQ(c.default_agent, "opencode");
}

TEST_F(Presets, SyntaxErrorNamesFileLineAndColumn) {
  write_repo("[agents.fast]\nbackend = \"opencode\nmodel = \"x\"\n");
  EXPECT_EQ(load_error(), repo_file() +
                              ":2:20: Error while parsing string: unescaped control characters "
                              "other than TAB (U+0009) are explicitly prohibited");
}

TEST_F(Presets, UnknownKeysAreErrors) {
  write_repo("[agents.fast]\nbackend = \"opencode\"\npermision = \"allow\"\n");
  EXPECT_EQ(load_error(), repo_file() +
                              ":3: agents.fast.permision: unknown key (known keys: backend, "
                              "binary, args, env, model, permission, max_turns, "
                              "inactivity_timeout, startup_timeout, profile, tools)");
  write_repo("[default]\nagent = \"claude\"\n");
  EXPECT_EQ(load_error(), repo_file() +
                              ":1: default: unknown key (known keys: defaults, agents, backends, "
                              "checks, workspace, hooks, registry)");
  // A repository does not choose where the registry lives.
  write_repo("[registry]\nurl = \"postgresql://evil.example/db\"\n");
  EXPECT_EQ(load_error(),
            repo_file() + ":1: registry: only in config.toml, not in a repository's file");
  write_home("[defaults]\nagent = \"claude\"\nmax_session = 2\n");
  EXPECT_EQ(load_error(),
            home_file() +
                ":3: defaults.max_session: unknown key (known keys: agent, "
                "max_sessions, fix_attempts, require_changes, max_cost, max_tokens, max_duration, "
                "max_depth)");
}

TEST_F(Presets, RequireChangesIsADefaultsBoolean) {
  EXPECT_FALSE(load_agent_config(tmp_ / "no-home", "").require_changes);
  write_home("[defaults]\nrequire_changes = true\n");
  EXPECT_TRUE(load().require_changes);
  write_home("[defaults]\nrequire_changes = 1\n");
  EXPECT_EQ(load_error(),
            home_file() + ":2: defaults.require_changes: expected a boolean, got an integer");
}

TEST_F(Presets, WrongTypesAreErrorsThatNeverShowEnvValues) {
  write_home("[agents.opencode]\nmax_turns = \"40\"\n");
  EXPECT_EQ(load_error(),
            home_file() + ":2: agents.opencode.max_turns: expected an integer, got a string");
  write_home("[agents.opencode]\nargs = \"--print-logs\"\n");
  EXPECT_EQ(load_error(),
            home_file() + ":2: agents.opencode.args: expected an array, got a string");
  write_home("[agents.opencode]\nenv = { TOKEN = 12345 }\n");
  EXPECT_EQ(load_error(),
            home_file() + ":2: agents.opencode.env.TOKEN: expected a string, got an integer");
  write_home("[agents.opencode]\nenv = \"TOKEN=s3cret\"\n");
  std::string e = load_error();
  EXPECT_EQ(e, home_file() + ":2: agents.opencode.env: expected a table, got a string");
  EXPECT_EQ(e.find("s3cret"), std::string::npos);
  write_home("agents = [\"fast\"]\n");
  EXPECT_EQ(load_error(), home_file() + ":1: agents: expected a table, got an array");
  write_home("[agents]\nfast = \"opencode\"\n");
  EXPECT_EQ(load_error(), home_file() + ":2: agents.fast: expected a table, got a string");
}

TEST_F(Presets, BadEnumValuesAreErrors) {
  write_repo("\n[agents.opencode]\n\n\n\n\npermission = \"maybe\"\n");
  EXPECT_EQ(load_error(), repo_file() +
                              ":7: agents.opencode.permission: expected \"deny\" or \"allow\", "
                              "got \"maybe\"");
}

TEST_F(Presets, BadDurationsAreErrors) {
  write_repo("[agents.opencode]\ninactivity_timeout = \"ten minutes\"\n");
  EXPECT_EQ(load_error(), repo_file() +
                              ":2: agents.opencode.inactivity_timeout: expected a duration such as "
                              "\"90s\", \"15m\", \"2h\" or \"500ms\", got \"ten minutes\"");
  write_repo("[agents.opencode]\nstartup_timeout = \"0s\"\n");
  EXPECT_EQ(load_error(), repo_file() +
                              ":2: agents.opencode.startup_timeout: expected a positive duration, "
                              "got \"0s\"");
}

TEST_F(Presets, ANewPresetNeedsABackend) {
  write_home("[agents.opencode]\nmax_turns = 2\n\n[agents.fast-claude]\nbinary = \"claude\"\n");
  EXPECT_EQ(load_error(), home_file() +
                              ":4: agents.fast-claude: missing \"backend\" (required for a new "
                              "preset)");
  // Defined with its backend in config.toml, the repository file may override it without one.
  write_home("[agents.fast]\nbackend = \"opencode\"\n");
  write_repo("[agents.fast]\nmodel = \"m\"\n");
  EXPECT_EQ(load().find("fast").backend, "opencode");
}

TEST_F(Presets, BackendTablesSetCapsAndTheServerMode) {
  AgentConfig none = load();
  EXPECT_EQ(none.backend("opencode").max_sessions, 0);
  EXPECT_EQ(none.backend("opencode").server, ServerMode::kShared);
  EXPECT_EQ(none.backend("opencode").sessions_per_server, kDefaultSessionsPerServer);
  write_home(
      "[backends.opencode]\nmax_sessions = 3\nserver = \"per-session\"\n"
      "[backends.claude]\nmax_sessions = 2\n");
  write_repo("[backends.opencode]\nsessions_per_server = 5\n");
  AgentConfig c = load();
  EXPECT_EQ(c.backend("opencode").max_sessions, 3);
  EXPECT_EQ(c.backend("opencode").server, ServerMode::kPerSession);
  EXPECT_EQ(c.backend("opencode").sessions_per_server, 5);  // the repository's file adds it
  EXPECT_EQ(c.backend("claude").max_sessions, 2);
  EXPECT_STREQ(to_string(ServerMode::kPerSession), "per-session");
}

TEST_F(Presets, BackendTableMistakesAreErrors) {
  write_home("[backends.codex]\nmax_sessions = 2\n");
  EXPECT_EQ(load_error(),
            home_file() + ":1: backends.codex: unknown backend (known: opencode, claude)");
  write_home("[backends.claude]\nserver = \"shared\"\n");
  EXPECT_EQ(load_error(), home_file() +
                              ":2: backends.claude.server: only the opencode backend has this "
                              "setting");
  write_home("[backends.opencode]\nserver = \"one\"\n");
  EXPECT_EQ(load_error(), home_file() +
                              ":2: backends.opencode.server: expected \"shared\" or "
                              "\"per-session\", got \"one\"");
  write_home("[backends.opencode]\nmax_session = 2\n");
  EXPECT_EQ(load_error(), home_file() +
                              ":2: backends.opencode.max_session: unknown key (known keys: "
                              "max_sessions, server, sessions_per_server)");
  write_home("[backends]\nopencode = 3\n");
  EXPECT_EQ(load_error(), home_file() + ":2: backends.opencode: expected a table");
}

TEST_F(Presets, UnknownBackendsAreErrors) {
  write_home("[agents.fast]\nbackend = \"codex\"\n");
  EXPECT_EQ(load_error(), home_file() + ":2: agents.fast.backend: expected " +
                              choices(backend_names()) + ", got \"codex\"");
}

TEST_F(Presets, OtherValuesAreChecked) {
  write_home("[defaults]\nagent = \"nope\"\n");
  EXPECT_EQ(load_error(), home_file() +
                              ":2: defaults.agent: expected \"opencode\" or \"claude\", got "
                              "\"nope\"");
  write_home("[defaults]\nmax_sessions = 0\n");
  EXPECT_EQ(load_error(),
            home_file() + ":2: defaults.max_sessions: expected an integer from 1 to 1000, got 0");
  write_home("[agents.opencode]\nmax_turns = -1\n");
  EXPECT_EQ(load_error(), home_file() +
                              ":2: agents.opencode.max_turns: expected an integer from 0 to "
                              "100000, got -1");
  write_home("[agents.opencode]\nbinary = \"\"\n");
  EXPECT_EQ(load_error(), home_file() +
                              ":2: agents.opencode.binary: expected a program name or path, got "
                              "\"\"");
  write_home("[agents.\"my agent\"]\nbackend = \"opencode\"\n");
  EXPECT_EQ(load_error(), home_file() +
                              ":1: agents.\"my agent\": invalid preset name (use letters, digits, "
                              "'-', '_' and '.')");
  write_home("[agents.opencode]\nenv = { \"A=B\" = \"x\" }\n");
  EXPECT_EQ(load_error(),
            home_file() + ":2: agents.opencode.env.\"A=B\": invalid environment variable name");
}

TEST(PresetBinary, ResolvesNamesAndPathsOrSaysWhatIsMissing) {
  test::TempDir tmp;
  Preset p;
  p.name = "fast";
  p.binary = "sh";
  EXPECT_FALSE(resolve_binary(p).empty());
  p.binary = (tmp / "missing").string();
  try {
    resolve_binary(p);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "agent 'fast': executable '" + p.binary + "' not found or not executable");
  }
  p.binary = "orch-no-such-agent";
  try {
    resolve_binary(p);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "agent 'fast': executable 'orch-no-such-agent' not found in PATH");
  }
  p.install_hint = "npm install -g x";
  try {
    resolve_binary(p);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "agent 'fast': executable 'orch-no-such-agent' not found in PATH; install it "
                 "with: npm install -g x");
  }
}

TEST_F(Presets, ChecksAndFixAttempts_TheRepositorysListReplacesTheUsers) {
  AgentConfig none = load();
  EXPECT_TRUE(none.checks.empty());
  EXPECT_EQ(none.fix_attempts, kDefaultFixAttempts);
  write_home(
      "[defaults]\nfix_attempts = 0\n[[checks]]\nname = \"unit\"\nrun = \"make unit\"\n"
      "[[checks]]\nname = \"lint\"\nrun = \"make lint\"\ntimeout = \"2m\"\n");
  AgentConfig home = load();
  ASSERT_EQ(home.checks.size(), 2u);
  EXPECT_EQ(home.checks[1].name, "lint");
  EXPECT_EQ(home.checks[1].timeout_ms, 120000);
  EXPECT_EQ(home.fix_attempts, 0);
  write_repo("[[checks]]\nname = \"tests\"\nrun = \"make test\"\n");
  AgentConfig both = load();
  ASSERT_EQ(both.checks.size(), 1u);
  EXPECT_EQ(both.checks[0].name, "tests");
  EXPECT_EQ(both.fix_attempts, 0);
}

TEST_F(Presets, BadFixAttemptsAndChecks) {
  write_home("[defaults]\nfix_attempts = -1\n");
  EXPECT_EQ(load_error(),
            home_file() + ":2: defaults.fix_attempts: expected an integer from 0 to 100, got -1");
  write_home("[defaults]\nfix_attempts = \"two\"\n");
  EXPECT_EQ(load_error(),
            home_file() + ":2: defaults.fix_attempts: expected an integer, got a string");
  write_home("[[checks]]\nrun = \"make\"\ntimeout = \"forever\"\n");
  EXPECT_EQ(load_error(),
            home_file() +
                ":3: checks[0].timeout: expected a duration such as \"90s\", \"15m\", "
                "\"2h\" or \"500ms\", got \"forever\"");
}

}  // namespace
}  // namespace orch
