// What reaches a unit's worktree and branch of the repository's agent configuration (issue 11,
// items 9 and 10), and what prune does with a worktree's ignored files (item 17), end to end with
// the real orch binary, the real opencode and the fake model.
#include <filesystem>

#include "tests/e2e/fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

constexpr const char* kAgentFilesScript = R"({
  "scenarios": [
    {"match": "write-hello", "turns": [
      {"tool": "write", "path": "HELLO.md", "content": "hello\n"},
      {"text": "Done: wrote HELLO.md"}]}
  ],
  "default": [{"text": "no scenario"}]
})";

class AgentFiles : public E2E {
 protected:
  void SetUp() override {
    E2E::SetUp();
    start_model(kAgentFilesScript);
  }
};

// A repository whose opencode.json has no "$schema": opencode adds one at start-up in every
// worktree; the branch gets the agent's one file and nothing of that rewrite. The untracked agent
// configuration (CLAUDE.md) and the other untracked file are named in one warning at sling.
TEST_F(AgentFiles, OpencodeSchemaRewriteIsNotCommittedAndUncommittedConfigIsWarnedAbout) {
  const std::string config = "{\n  \"autoupdate\": false\n}\n";
  write_file(repo_ / "opencode.json", config);
  git(repo_, {"add", "opencode.json"});
  git(repo_, {"commit", "-q", "-m", "opencode.json without $schema"});
  const std::string base = git(repo_, {"rev-parse", "HEAD"}).substr(0, 40);
  write_file(repo_ / "CLAUDE.md", "Be brief.\n");
  write_file(repo_ / "scratch.txt", "notes\n");

  OrchRun r = orch({"sling", "one-file", repo_.string(), "-m", "write-hello please", "--wait"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const std::string warning =
      "orch: warning: " + repo_.string() +
      ": 2 uncommitted or untracked path(s) the worktree will not have (CLAUDE.md, scratch.txt), "
      "among them agent configuration (CLAUDE.md): the agent runs without it; commit them or list "
      "them in [workspace] copy for the agent to see them\n";
  EXPECT_EQ(r.err.rfind(warning, 0), 0u) << r.err;

  json::Json s = session_json();
  EXPECT_EQ(s["state"], "done");
  EXPECT_EQ(s["diffstat"], "1 file changed, 1 insertion(+)");
  EXPECT_EQ(git(repo_, {"diff", "--name-only", base, "orch/one-file"}), "HELLO.md\n");
  EXPECT_EQ(git(repo_, {"show", "orch/one-file:opencode.json"}), config);
  // The worktree is left as committed: nothing for prune to call uncommitted.
  EXPECT_EQ(git(s["worktree"].get<std::string>(), {"status", "--porcelain"}), "");
}

// A clean repository gets no warning.
TEST_F(AgentFiles, CleanRepositoryGetsNoWarning) {
  OrchRun r = orch({"sling", "clean", repo_.string(), "-m", "write-hello please", "--wait"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;
}

// Removing a worktree deletes its ignored files (a .env, build output): prune keeps it and says so
// unless --force, which deletes them and says so.
TEST_F(AgentFiles, PruneKeepsIgnoredFilesUnlessForced) {
  OrchRun r = orch({"sling", "env-1", repo_.string(), "-m", "write-hello please", "--wait"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  json::Json s = session_json();
  const std::string wt = s["worktree"], id = s["session"];
  write_file(repo_ / ".git" / "info" / "exclude", ".env\n");
  write_file(fs::path(wt) / ".env", "SECRET=1\n");

  OrchRun kept = orch({"prune"});
  ASSERT_EQ(kept.code, 0) << kept.err;
  EXPECT_NE(kept.out.find("kept  " + wt + "  (session " + id +
                          ", unit env-1): ignored files (.env) (--force deletes them)\n"),
            std::string::npos)
      << kept.out;
  EXPECT_TRUE(fs::exists(fs::path(wt) / ".env"));

  OrchRun forced = orch({"prune", "--force"});
  ASSERT_EQ(forced.code, 0) << forced.err;
  EXPECT_NE(
      forced.out.find("removed  " + wt + "  (session " + id +
                      ", unit env-1): session done; ignored files (.env) deleted (--force)\n"),
      std::string::npos)
      << forced.out;
  EXPECT_FALSE(fs::exists(wt));
}

}  // namespace
}  // namespace orch::test
