// head_branch and delete_branch on real repositories, checked with the git CLI.
#include "lib/git/git.h"
#include "lib/git/repository.h"
#include "tests/unit/git/git_fixture.h"

namespace orch::git::test {
namespace {

class DeleteBranch : public RepoTest {
 protected:
  bool has_branch(const std::string& b) const {
    return git_ok(repo_, {"rev-parse", "--verify", "-q", "refs/heads/" + b});
  }
};

TEST_F(DeleteBranch, DeletesTheBranchAndItsConfigAndReturnsItsCommit) {
  git(repo_, {"branch", "side"});
  git(repo_, {"config", "branch.side.description", "work"});
  std::string tip = rev("side");
  EXPECT_EQ(delete_branch(repo_, "side"), tip);
  EXPECT_FALSE(has_branch("side"));
  EXPECT_FALSE(git_ok(repo_, {"config", "branch.side.description"}));
  EXPECT_TRUE(has_branch("main"));
  EXPECT_EQ(rev("HEAD"), tip);  // the commit itself is untouched
}

TEST_F(DeleteBranch, DeletesABranchWithUnmergedCommits) {
  git(repo_, {"worktree", "add", "-q", "-b", "orch/u", (tmp_ / "wt").string()});
  std::string tip = commit_files(tmp_ / "wt", {{"u.txt", "u\n"}});
  git(repo_, {"worktree", "remove", (tmp_ / "wt").string()});
  EXPECT_EQ(delete_branch(repo_, "orch/u", tip), tip);
  EXPECT_FALSE(has_branch("orch/u"));
  EXPECT_EQ(trim(git(repo_, {"cat-file", "-t", tip})), "commit");  // recoverable by its id
}

TEST_F(DeleteBranch, WorksFromALinkedWorktreePath) {
  git(repo_, {"worktree", "add", "-q", "-b", "other", (tmp_ / "wt").string()});
  git(repo_, {"branch", "side"});
  delete_branch((tmp_ / "wt").string(), "side");
  EXPECT_FALSE(has_branch("side"));
}

TEST_F(DeleteBranch, RefusesWhenTheBranchMovedSinceItWasChecked) {
  git(repo_, {"branch", "side"});
  std::string old = rev("side");
  git(repo_, {"worktree", "add", "-q", (tmp_ / "wt").string(), "side"});
  std::string now = commit_files(tmp_ / "wt", {{"s.txt", "s\n"}});
  git(repo_, {"worktree", "remove", (tmp_ / "wt").string()});
  EXPECT_STREQ(
      expect_error([&] { delete_branch(repo_, "side", old); }).what(),
      ("branch 'side': moved to " + now.substr(0, 7) + " since it was checked; not deleting it")
          .c_str());
  EXPECT_TRUE(has_branch("side"));
}

TEST_F(DeleteBranch, RefusesTheMainWorkingTreesBranch) {
  EXPECT_STREQ(
      expect_error([&] { delete_branch(repo_, "main"); }).what(),
      ("branch 'main': is checked out in the main working tree " + repo_ + "; not deleting it")
          .c_str());
  EXPECT_TRUE(has_branch("main"));
}

TEST_F(DeleteBranch, RefusesABranchCheckedOutInALinkedWorktreeEvenIfItsFolderIsGone) {
  fs::path wt = tmp_ / "wt";
  git(repo_, {"worktree", "add", "-q", "-b", "side", wt.string()});
  std::string canon = fs::canonical(wt).string();
  EXPECT_STREQ(
      expect_error([&] { delete_branch(repo_, "side"); }).what(),
      ("branch 'side': is checked out in worktree " + canon + "; not deleting it").c_str());
  fs::remove_all(wt);
  std::string gone = expect_error([&] { delete_branch(repo_, "side"); }).what();
  EXPECT_NE(gone.find("is checked out in worktree " + canon + " (its folder is gone"),
            std::string::npos)
      << gone;
  EXPECT_TRUE(has_branch("side"));
  git(repo_, {"worktree", "prune"});
  delete_branch(repo_, "side");
  EXPECT_FALSE(has_branch("side"));
}

TEST_F(DeleteBranch, OtherWorktreesDoNotStandInTheWay) {
  git(repo_, {"worktree", "add", "-q", "-b", "a", (tmp_ / "a").string()});
  git(repo_, {"worktree", "add", "-q", "-b", "b", (tmp_ / "b").string()});
  git(repo_, {"worktree", "add", "-q", "--detach", (tmp_ / "c").string()});
  fs::remove_all(tmp_ / "b");  // a stale record of another branch
  git(repo_, {"branch", "side"});
  delete_branch(repo_, "side");
  EXPECT_FALSE(has_branch("side"));
  EXPECT_TRUE(has_branch("a"));
  EXPECT_TRUE(has_branch("b"));
}

TEST_F(DeleteBranch, MissingAndInvalidBranches) {
  EXPECT_STREQ(expect_error([&] { delete_branch(repo_, "nope"); }).what(),
               ("branch 'nope': no such branch in " + repo_).c_str());
  EXPECT_STREQ(expect_error([&] { delete_branch(repo_, "a..b"); }).what(),
               "branch 'a..b': is not a valid branch name");
  EXPECT_STREQ(expect_error([&] { delete_branch(repo_, ""); }).what(),
               "branch '': is not a valid branch name");
}

TEST_F(DeleteBranch, ABatchDeletesExactlyTheDeletableBranchesPackedAndLoose) {
  for (const char* b : {"orch/p1", "orch/p2", "orch/keep-packed"}) git(repo_, {"branch", b});
  git(repo_, {"pack-refs", "--all"});  // these three are in packed-refs only
  for (const char* b : {"orch/l1", "orch/l2", "orch/keep-loose"}) git(repo_, {"branch", b});
  git(repo_, {"config", "branch.orch/p1.description", "work"});
  git(repo_, {"config", "branch.orch/l1.description", "work"});
  git(repo_, {"worktree", "add", "-q", "-b", "orch/out", (tmp_ / "wt").string()});
  std::string tip = rev("main");
  git(repo_, {"branch", "orch/moved"});
  std::vector<BranchToDelete> batch = {{"orch/p1", tip},
                                       {"orch/l1", tip},
                                       {"orch/p2", ""},
                                       {"orch/out", ""},
                                       {"orch/moved", "0000000000000000000000000000000000000000"},
                                       {"nope", ""},
                                       {"orch/l2", tip},
                                       {"a..b", ""}};
  std::vector<BranchDeleted> done = delete_branches(Repository::main(repo_), batch);
  ASSERT_EQ(done.size(), batch.size());
  for (size_t i : {0, 1, 2, 6}) {
    EXPECT_EQ(done[i].branch, batch[i].branch);
    EXPECT_EQ(done[i].error, "") << batch[i].branch;
    EXPECT_EQ(done[i].was, tip) << batch[i].branch;
    EXPECT_FALSE(has_branch(batch[i].branch)) << batch[i].branch;
  }
  EXPECT_EQ(done[3].error, "branch 'orch/out': is checked out in worktree " +
                               fs::canonical(tmp_ / "wt").string() + "; not deleting it");
  EXPECT_EQ(done[4].error, "branch 'orch/moved': moved to " + tip.substr(0, 7) +
                               " since it was checked; not deleting it");
  EXPECT_EQ(done[5].error, "branch 'nope': no such branch in " + repo_);
  EXPECT_EQ(done[7].error, "branch 'a..b': is not a valid branch name");
  for (const char* b : {"orch/out", "orch/moved", "orch/keep-packed", "orch/keep-loose", "main"}) {
    EXPECT_TRUE(has_branch(b)) << b;
  }
  EXPECT_FALSE(git_ok(repo_, {"config", "branch.orch/p1.description"}));
  EXPECT_FALSE(git_ok(repo_, {"config", "branch.orch/l1.description"}));
  // git itself still reads the refs: the deleted ones are gone from packed-refs too.
  EXPECT_EQ(trim(git(repo_, {"for-each-ref", "--format=%(refname:short)", "refs/heads/orch/"})),
            "orch/keep-loose\norch/keep-packed\norch/moved\norch/out");
  EXPECT_TRUE(delete_branches(Repository::main(repo_), {}).empty());
}

class HeadBranch : public RepoTest {};

TEST_F(HeadBranch, NamesTheMainWorkingTreesBranchOrNothingWhenDetached) {
  EXPECT_EQ(head_branch(repo_), "main");
  git(repo_, {"worktree", "add", "-q", "-b", "side", (tmp_ / "wt").string()});
  EXPECT_EQ(head_branch((tmp_ / "wt").string()), "main");  // the main tree's, not the linked one's
  git(repo_, {"checkout", "-q", "--detach"});
  EXPECT_EQ(head_branch(repo_), "");
}

}  // namespace
}  // namespace orch::git::test
