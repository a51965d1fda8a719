// backends/claude/args: argv and environment of a headless Claude Code session
// (docs/agents/claude-code.md §1, §2, §3, §8).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "backends/claude/args.h"
#include "lib/error.h"

namespace orch::claude {
namespace {

using Argv = std::vector<std::string>;

bool contains(const Argv& argv, const std::string& arg) {
  return std::find(argv.begin(), argv.end(), arg) != argv.end();
}

// The value of `flag` (`--flag value` or `--flag=value`), or "" when the flag is absent.
std::string value_of(const Argv& argv, const std::string& flag) {
  for (size_t i = 0; i < argv.size(); ++i) {
    if (argv[i] == flag) return i + 1 < argv.size() ? argv[i + 1] : "";
    if (argv[i].rfind(flag + "=", 0) == 0) return argv[i].substr(flag.size() + 1);
  }
  return "";
}

TEST(ClaudeArgs, UuidIsVersion4AndRandom) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string u = new_uuid();
    ASSERT_TRUE(is_uuid(u)) << u;
    EXPECT_EQ(u[14], '4') << u;
    EXPECT_NE(std::string("89ab").find(u[19]), std::string::npos) << u;
    seen.insert(u);
  }
  EXPECT_EQ(seen.size(), 200u);
  EXPECT_FALSE(is_uuid("998d7e86-1c2f-4b7e-9d51-6a0e2c3b4f1"));
  EXPECT_FALSE(is_uuid("998d7e86x1c2f-4b7e-9d51-6a0e2c3b4f10"));
  EXPECT_FALSE(is_uuid("998d7e86-1c2f-4b7e-9d51-6a0e2c3b4g10"));
}

TEST(ClaudeArgs, DefaultSessionIsStreamJsonBothWaysWithOurSessionId) {
  SessionSpec spec;
  Argv argv = build_argv(spec, "/bin/claude", "11111111-2222-4333-8444-555555555555");
  Argv expected = {"/bin/claude",       "-p",           "--output-format",
                   "stream-json",       "--verbose",    "--input-format",
                   "stream-json",       "--session-id", "11111111-2222-4333-8444-555555555555",
                   "--permission-mode", "acceptEdits",  "--"};
  EXPECT_EQ(argv, expected);
}

TEST(ClaudeArgs, ResumeForksIntoTheNewSessionId) {
  SessionSpec spec;
  spec.resume_agent_session = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
  Argv argv = build_argv(spec, "claude", "11111111-2222-4333-8444-555555555555");
  EXPECT_EQ(value_of(argv, "--resume"), "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
  EXPECT_EQ(value_of(argv, "--session-id"), "11111111-2222-4333-8444-555555555555");
  EXPECT_TRUE(contains(argv, "--fork-session"));
  EXPECT_FALSE(contains(argv, "--continue"));

  // Whatever the registry holds, it cannot become a flag.
  spec.resume_agent_session = "--dangerously-skip-permissions";
  EXPECT_THROW(build_argv(spec, "claude", new_uuid()), Error);
}

TEST(ClaudeArgs, ModelAndMaxTurns) {
  SessionSpec spec;
  spec.model = "anthropic/claude-sonnet-5-5";
  spec.max_turns = 7;
  Argv argv = build_argv(spec, "claude", new_uuid());
  EXPECT_EQ(value_of(argv, "--model"), "claude-sonnet-5-5");
  EXPECT_EQ(value_of(argv, "--max-turns"), "7");

  EXPECT_TRUE(contains(argv, "--model=claude-sonnet-5-5"));  // never taken for a flag

  spec.model = "sonnet";
  spec.max_turns = 0;
  argv = build_argv(spec, "claude", new_uuid());
  EXPECT_EQ(value_of(argv, "--model"), "sonnet");
  EXPECT_FALSE(contains(argv, "--max-turns"));
}

TEST(ClaudeArgs, PolicyNeverBypassesPermissions) {
  for (PermissionPolicy p : {PermissionPolicy::kDeny, PermissionPolicy::kAllow}) {
    SessionSpec spec;
    spec.policy = p;
    Argv argv = build_argv(spec, "claude", new_uuid());
    EXPECT_EQ(value_of(argv, "--permission-mode"), "acceptEdits");
    EXPECT_FALSE(contains(argv, "--dangerously-skip-permissions"));
    EXPECT_FALSE(contains(argv, "bypassPermissions"));
    EXPECT_EQ(contains(argv, "--allowedTools"), p == PermissionPolicy::kAllow);
    if (p == PermissionPolicy::kAllow) {
      EXPECT_EQ(value_of(argv, "--allowedTools"), "Bash");
    }
  }
}

// orch's tools (docs/agents/mcp.md §3): the MCP server bound to the session, its tools allowed.
TEST(ClaudeArgs, OrchToolsAreAttachedAndAllowed) {
  for (PermissionPolicy p : {PermissionPolicy::kDeny, PermissionPolicy::kAllow}) {
    SessionSpec spec;
    spec.policy = p;
    spec.session_id = "ab12cd34";
    spec.mcp_command = {"/opt/orch", "--home", "/h", "mcp"};
    Argv argv = build_argv(spec, "claude", new_uuid());
    nlohmann::json config = nlohmann::json::parse(value_of(argv, "--mcp-config"));
    EXPECT_EQ(config["mcpServers"]["orch"]["command"], "/opt/orch");
    EXPECT_EQ(config["mcpServers"]["orch"]["args"],
              nlohmann::json({"--home", "/h", "mcp", "--session", "ab12cd34"}));
    EXPECT_EQ(value_of(argv, "--allowedTools"),
              p == PermissionPolicy::kAllow ? "Bash,mcp__orch" : "mcp__orch");
  }
}

TEST(ClaudeArgs, ExtraArgsComeLastBeforeTheDoubleDash) {
  SessionSpec spec;
  spec.extra_args = {"--allowedTools", "Bash(make *)", "Write"};
  Argv argv = build_argv(spec, "claude", new_uuid());
  ASSERT_GE(argv.size(), 4u);
  EXPECT_EQ(argv.back(), "--");
  Argv tail(argv.end() - 4, argv.end() - 1);
  EXPECT_EQ(tail, spec.extra_args);
  // Bypass only when the preset asks for it explicitly.
  spec.extra_args = {"--permission-mode", "bypassPermissions"};
  argv = build_argv(spec, "claude", new_uuid());
  EXPECT_EQ(argv[argv.size() - 2], "bypassPermissions");
}

TEST(ClaudeArgs, EnvironmentDefaultsMaxRetriesDisablesTheUpdaterAndMarksTheSession) {
  SessionSpec spec;
  spec.session_id = "s-42";
  auto env = build_env(spec, nullptr);
  EXPECT_EQ(env["CLAUDE_CODE_MAX_RETRIES"], kDefaultMaxRetries);
  EXPECT_EQ(env["DISABLE_AUTOUPDATER"], "1");
  EXPECT_EQ(env["ORCH_SESSION"], "s-42");

  // Set in orch's environment: inherited unchanged.
  env = build_env(spec, "7");
  EXPECT_EQ(env.count("CLAUDE_CODE_MAX_RETRIES"), 0u);

  // Set by the preset: the preset wins.
  spec.env = {{"CLAUDE_CODE_MAX_RETRIES", "5"}, {"FOO", "bar"}};
  env = build_env(spec, nullptr);
  EXPECT_EQ(env["CLAUDE_CODE_MAX_RETRIES"], "5");
  EXPECT_EQ(env["FOO"], "bar");
}

}  // namespace
}  // namespace orch::claude
