// `orch sling` refuses bad input with one line and a non-zero exit, and writes nothing: no
// registry rows, no worktree, no branch.
#include "tests/e2e/fixture.h"

namespace orch::test {
namespace {

class SlingInput : public E2E {
 protected:
  // Asserts that nothing was written anywhere.
  void expect_nothing_written() {
    OrchRun j = orch({"agents", "--all", "--json"});
    EXPECT_EQ(j.out, "[]\n");
    EXPECT_FALSE(std::filesystem::exists(home_ / "worktrees") &&
                 !std::filesystem::is_empty(home_ / "worktrees"));
    EXPECT_EQ(git(repo_, {"branch", "--list", "orch/*"}), "");
    // Only the main working tree: no linked worktree was added.
    std::string worktrees = git(repo_, {"worktree", "list", "--porcelain"});
    size_t entries = 0;
    for (size_t at = 0; (at = worktrees.find("worktree ", at)) != std::string::npos; ++at)
      ++entries;
    EXPECT_EQ(entries, 1u) << worktrees;
  }
  void expect_one_line_error(const OrchRun& r, int code, const std::string& starts_with) {
    EXPECT_EQ(r.code, code) << r.err;
    EXPECT_EQ(r.err.rfind(starts_with, 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
};

TEST_F(SlingInput, RefusesUnitIdsThatAreNotBranchNameComponents) {
  for (const std::string unit : {"a..b", "has space", "-lead", "a/b", "x.lock", "tab\there"}) {
    OrchRun r = orch({"sling", "-m", "work", "--", unit, repo_.string()});
    expect_one_line_error(r, 2, "orch: error: invalid unit id '");  // control chars shown as \xNN
  }
  expect_nothing_written();
}

TEST_F(SlingInput, RefusesAMissingRepository) {
  std::string missing = (tmp_->path() / "nope").string();
  OrchRun r = orch({"sling", "u1", missing, "-m", "work"});
  expect_one_line_error(r, 1, "orch: error: " + missing + ": no such directory");
  expect_nothing_written();
}

TEST_F(SlingInput, RefusesAFolderThatIsNotARepository) {
  std::filesystem::create_directories(tmp_->path() / "plain");
  std::string plain = (tmp_->path() / "plain").string();
  OrchRun r = orch({"sling", "u1", plain, "-m", "work"});
  expect_one_line_error(r, 1, "orch: error: " + plain + ": not a git repository");
  expect_nothing_written();
}

TEST_F(SlingInput, RefusesARepositoryWithNoCommits) {
  auto empty = make_repo(tmp_->path() / "empty", false);
  OrchRun r = orch({"sling", "u1", empty.string(), "-m", "work"});
  expect_one_line_error(r, 1, "orch: error: " + empty.string() + ": repository has no commits");
  OrchRun j = orch({"agents", "--all", "--json"});
  EXPECT_EQ(j.out, "[]\n");
}

TEST_F(SlingInput, RefusesABaseThatDoesNotResolve) {
  OrchRun r = orch({"sling", "u1", repo_.string(), "-m", "work", "--base", "no-such-ref"});
  expect_one_line_error(r, 1, "orch: error: base 'no-such-ref' does not resolve to a commit");
  expect_nothing_written();
}

TEST_F(SlingInput, RefusesAMissingAgentBinaryNamingHowToInstallIt) {
  env_["PATH"] = "/usr/bin:/bin";
  OrchRun r = orch({"sling", "u1", repo_.string(), "-m", "work"});
  expect_one_line_error(r, 1,
                        "orch: error: agent 'opencode': executable 'opencode' not found in PATH; "
                        "install it with: npm install -g opencode-ai@1.18.33");
  expect_nothing_written();
}

TEST_F(SlingInput, RefusesAnUnknownAgent) {
  OrchRun r = orch({"sling", "u1", repo_.string(), "-m", "work", "--agent", "nope"});
  expect_one_line_error(r, 2, "orch: error: unknown agent 'nope': known agents: ");
  expect_nothing_written();
}

TEST_F(SlingInput, RequiresTheWork) {
  OrchRun r = orch({"sling", "u1", repo_.string()});
  expect_one_line_error(r, 2, "orch: error: no work given: ");
  expect_nothing_written();
}

}  // namespace
}  // namespace orch::test
