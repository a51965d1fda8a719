// The agents' configuration files: which paths count, and OpenCode's start-up "$schema" rewrite
// told apart from an edit (issue 11, items 9 and 10).
#include "orchestrator/session/agent_files.h"

#include <gtest/gtest.h>

#include "tests/support/tmp.h"

namespace orch {
namespace {
namespace fs = std::filesystem;

// What opencode 1.18.33 writes into a config without "$schema".
std::string rewritten(const std::string& body) {
  return "{\n  \"$schema\": \"https://opencode.ai/config.json\"," + body;
}

TEST(AgentFiles, TellsOpencodesSchemaRewriteFromAnEdit) {
  const std::string committed = "{\n  \"autoupdate\": false\n}\n";
  EXPECT_TRUE(is_opencode_schema_rewrite(committed, rewritten("\n  \"autoupdate\": false\n}\n")));
  // Leading whitespace before the brace goes with it, as opencode's /^\s*\{/ replaces it.
  EXPECT_TRUE(
      is_opencode_schema_rewrite("\n  " + committed, rewritten("\n  \"autoupdate\": false\n}\n")));
  // The same content reformatted, with the key added: still only the rewrite.
  EXPECT_TRUE(is_opencode_schema_rewrite(
      committed, "{\"$schema\":\"https://opencode.ai/config.json\",\"autoupdate\":false}"));
  // An edit by the agent, with or without the key, is work.
  EXPECT_FALSE(is_opencode_schema_rewrite(committed, rewritten("\n  \"autoupdate\": true\n}\n")));
  EXPECT_FALSE(is_opencode_schema_rewrite(committed, "{\n  \"autoupdate\": true\n}\n"));
  EXPECT_FALSE(is_opencode_schema_rewrite(
      committed, "{\"$schema\":\"https://example.com/other.json\",\"autoupdate\":false}"));
  // A config that had a $schema, or no change at all, is never taken for the rewrite.
  const std::string with = "{\"$schema\":\"https://opencode.ai/config.json\"}";
  EXPECT_FALSE(is_opencode_schema_rewrite(with, rewritten(with.substr(1))));
  EXPECT_FALSE(is_opencode_schema_rewrite(committed, committed));
}

TEST(AgentFiles, NamesAgentConfigPaths) {
  for (const char* p : {"opencode.json", "opencode.jsonc", "CLAUDE.md", ".mcp.json", ".opencode/",
                        ".opencode/agent/x.md", ".claude/", ".claude/settings.json"}) {
    EXPECT_TRUE(is_agent_config_path(p)) << p;
  }
  for (const char* p : {"README.md", "src/opencode.json", "docs/CLAUDE.md", ".opencodex"}) {
    EXPECT_FALSE(is_agent_config_path(p)) << p;
  }
}

TEST(AgentFiles, UndoesOnlyTheRewriteInAWorktree) {
  test::TempDir tmp;
  fs::path repo = test::make_repo(tmp.path() / "repo");
  const std::string committed = "{\n  \"autoupdate\": false\n}\n";
  test::write_file(repo / "opencode.json", committed);
  test::write_file(repo / "CLAUDE.md", "committed\n");
  test::git(repo, {"add", "opencode.json", "CLAUDE.md"});
  test::git(repo, {"commit", "-q", "-m", "configs"});
  test::write_file(repo / "opencode.json", rewritten("\n  \"autoupdate\": false\n}\n"));
  test::write_file(repo / "CLAUDE.md", "edited\n");
  EXPECT_EQ(undo_agent_config_rewrites(repo.string()), std::vector<std::string>{"opencode.json"});
  EXPECT_EQ(test::read_file(repo / "opencode.json"), committed);
  EXPECT_EQ(test::read_file(repo / "CLAUDE.md"), "edited\n");  // not a rewrite: left as is
  // An edit is left for the commit.
  test::write_file(repo / "opencode.json", rewritten("\n  \"autoupdate\": true\n}\n"));
  EXPECT_TRUE(undo_agent_config_rewrites(repo.string()).empty());
}

TEST(AgentFiles, WarnsAboutUncommittedWorkNamingAgentConfig) {
  test::TempDir tmp;
  fs::path repo = test::make_repo(tmp.path() / "repo");
  EXPECT_TRUE(sling_warnings(repo.string()).empty());
  test::write_file(repo / "opencode.json", "{}\n");
  fs::create_directories(repo / ".claude");
  test::write_file(repo / ".claude" / "settings.json", "{}\n");
  std::vector<std::string> w = sling_warnings(repo.string());
  ASSERT_EQ(w.size(), 1u);
  const std::string top = fs::canonical(repo).string();
  EXPECT_EQ(w[0],
            top +
                ": 2 uncommitted or untracked path(s) the worktree will not have (.claude/, "
                "opencode.json), among them agent configuration (.claude/, opencode.json): "
                "the agent runs without it; commit them or list them in [workspace] copy for the "
                "agent to see them");
  EXPECT_TRUE(sling_warnings((tmp.path() / "nothing-here").string()).empty());
}

}  // namespace
}  // namespace orch
