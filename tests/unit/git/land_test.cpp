// build_landing, advance_branch and the checked-out tree's side of landing, on real repositories
// checked with the git CLI.
#include "lib/git/land.h"
#include "tests/unit/git/git_fixture.h"

namespace orch::git::test {
namespace {

class Landing : public RepoTest {
 protected:
  // A branch `name` off main with `files` committed on it (in a throwaway worktree).
  std::string branch_with(const std::string& name,
                          const std::vector<std::pair<std::string, std::string>>& files) {
    fs::path wt = tmp_ / ("wt-" + name);
    git(repo_, {"worktree", "add", "-q", "-b", name, wt.string(), "main"});
    std::string tip = commit_files(wt, files, "work on " + name);
    git(repo_, {"worktree", "remove", wt.string()});
    return tip;
  }
  std::string parents(const std::string& c) {
    return trim(git(repo_, {"log", "-1", "--format=%P", c}));
  }
  std::string show(const std::string& c, const std::string& path) {
    return git(repo_, {"show", c + ":" + path});
  }
};

TEST_F(Landing, MergeMakesATwoParentCommitAndTouchesNoRef) {
  std::string main = rev("main"), tip = branch_with("u", {{"u.txt", "u\n"}});
  git::Landing l = build_landing(repo_, main, tip, LandStrategy::kMerge, {"Merge unit u", "body"});
  ASSERT_FALSE(l.commit.empty());
  EXPECT_EQ(parents(l.commit), main + " " + tip);
  EXPECT_EQ(show(l.commit, "u.txt"), "u\n");
  EXPECT_EQ(trim(git(repo_, {"log", "-1", "--format=%B", l.commit})), "Merge unit u\n\nbody");
  EXPECT_EQ(rev("main"), main);
  EXPECT_EQ(git(repo_, {"status", "--porcelain"}), "");
}

TEST_F(Landing, SquashMakesOneParentAndRebaseReplaysEachCommit) {
  std::string main = rev("main");
  fs::path wt = tmp_ / "wt";
  git(repo_, {"worktree", "add", "-q", "-b", "r", wt.string(), "main"});
  commit_files(wt, {{"a.txt", "a\n"}}, "first");
  std::string tip = commit_files(wt, {{"b.txt", "b\n"}}, "second");
  git::Landing sq = build_landing(repo_, main, tip, LandStrategy::kSquash, {"r: squash", ""});
  EXPECT_EQ(parents(sq.commit), main);
  EXPECT_EQ(show(sq.commit, "b.txt"), "b\n");
  git(repo_, {"commit", "-q", "--allow-empty", "-m", "moved"});
  std::string moved = rev("main");
  git::Landing rb = build_landing(repo_, moved, tip, LandStrategy::kRebase, {"", ""});
  EXPECT_EQ(trim(git(repo_, {"log", "--format=%s", moved + ".." + rb.commit})), "second\nfirst");
  EXPECT_EQ(trim(git(repo_, {"rev-list", "--merges", "--count", moved + ".." + rb.commit})), "0");
  EXPECT_EQ(show(rb.commit, "a.txt"), "a\n");
}

TEST_F(Landing, ConflictsNameThePathsAndAContainedOrEmptyBranchIsSaid) {
  std::string main = rev("main");
  std::string a = branch_with("a", {{"same.txt", "a\n"}, {"only-a.txt", "x\n"}});
  std::string b = branch_with("b", {{"same.txt", "b\n"}});
  git::Landing first = build_landing(repo_, main, a, LandStrategy::kMerge, {"m", ""});
  for (LandStrategy s : {LandStrategy::kMerge, LandStrategy::kSquash, LandStrategy::kRebase}) {
    git::Landing l = build_landing(repo_, first.commit, b, s, {"m", ""});
    EXPECT_TRUE(l.commit.empty()) << to_string(s);
    EXPECT_EQ(l.conflicts, std::vector<std::string>{"same.txt"}) << to_string(s);
  }
  EXPECT_TRUE(
      build_landing(repo_, first.commit, a, LandStrategy::kMerge, {"m", ""}).already_contained);
  // The same change made on main by another commit: landing it changes nothing.
  std::string dup = branch_with("dup", {{"dup.txt", "d\n"}});
  std::string on_main = commit_files(repo_, {{"dup.txt", "d\n"}}, "same change");
  git::Landing none = build_landing(repo_, on_main, dup, LandStrategy::kMerge, {"m", ""});
  EXPECT_TRUE(none.no_changes);
  EXPECT_TRUE(none.commit.empty());
}

TEST_F(Landing, AdvanceBranchIsACompareAndSwap) {
  std::string main = rev("main"), tip = branch_with("u", {{"u.txt", "u\n"}});
  git(repo_, {"branch", "target", "main"});
  git::Landing l = build_landing(repo_, main, tip, LandStrategy::kMerge, {"m", ""});
  git(repo_, {"branch", "-f", "target", tip});  // someone moved it
  EXPECT_FALSE(advance_branch(repo_, "target", main, l.commit, "test"));
  EXPECT_EQ(rev("target"), tip);
  EXPECT_TRUE(advance_branch(repo_, "target", tip, l.commit, "test"));
  EXPECT_EQ(rev("target"), l.commit);
}

TEST_F(Landing, TheCheckedOutTreeFollowsAndItsChangesAreFound) {
  std::string main = rev("main"), tip = branch_with("u", {{"u.txt", "u\n"}});
  EXPECT_EQ(worktree_with_branch(repo_, "main"), fs::canonical(repo_).string());
  EXPECT_EQ(worktree_with_branch(repo_, "u"), "");
  write_file(fs::path(repo_) / "untracked.txt", "mine\n");
  EXPECT_TRUE(tracked_changes(repo_).empty());
  git::Landing l = build_landing(repo_, main, tip, LandStrategy::kMerge, {"m", ""});
  ASSERT_TRUE(advance_branch(repo_, "main", main, l.commit, "test"));
  follow_fast_forward(repo_, main);
  EXPECT_EQ(read_file(fs::path(repo_) / "u.txt"), "u\n");
  EXPECT_EQ(read_file(fs::path(repo_) / "untracked.txt"), "mine\n");
  EXPECT_EQ(git(repo_, {"status", "--porcelain"}), "?? untracked.txt\n");
  write_file(fs::path(repo_) / "README.md", "edited\n");
  EXPECT_EQ(tracked_changes(repo_), std::vector<std::string>{"README.md"});
  EXPECT_TRUE(remote_exists(repo_, "origin") == false);
}

TEST_F(Landing, UnitBranchesPushedToAUrlAreFetchedIntoACloneAsFastForwardsOnly) {
  // The "URL": a bare repository with three unit branches, as workers leave it.
  branch_with("orch/a", {{"a.txt", "a\n"}});
  branch_with("orch/b", {{"b.txt", "b\n"}});
  branch_with("orch/c", {{"c.txt", "c\n"}});
  fs::path bare = tmp_ / "served.git";
  git(tmp_ / "", {"clone", "-q", "--bare", repo_, bare.string()});
  const std::string url = "file://" + bare.string();
  fs::path clone = tmp_ / "clone";
  git(tmp_ / "", {"clone", "-q", url, clone.string()});
  git(clone, {"remote", "add", "mirror", "file:///elsewhere.git"});
  EXPECT_EQ(remote_with_url(clone.string(), url), "origin");
  EXPECT_EQ(remote_with_url(clone.string(), "file:///nowhere.git"), "");
  // The clone's own orch/b has a commit of its own: it stays; orch/a is behind: fast-forwarded.
  git(clone, {"branch", "orch/a", "main"});
  git(clone, {"checkout", "-q", "-b", "orch/b", "main"});
  commit_files(clone, {{"mine.txt", "mine\n"}}, "local work");
  const std::string mine = trim(git(clone, {"rev-parse", "orch/b"}));
  git(clone, {"checkout", "-q", "main"});
  std::vector<std::string> missing =
      fetch_unit_branches(clone.string(), "origin", {"orch/a", "orch/b", "orch/c", "orch/gone"});
  EXPECT_EQ(missing, std::vector<std::string>{"orch/gone"});
  EXPECT_EQ(trim(git(clone, {"rev-parse", "orch/a"})), rev("orch/a"));
  EXPECT_EQ(trim(git(clone, {"rev-parse", "orch/b"})), mine);
  EXPECT_EQ(trim(git(clone, {"rev-parse", "orch/c"})), rev("orch/c"));
  EXPECT_THROW(fetch_unit_branches(clone.string(), "mirror", {"orch/a"}), Error);
}

}  // namespace
}  // namespace orch::git::test
