#include "lib/git/git.h"
#include "tests/unit/git/git_fixture.h"

namespace orch::git::test {
namespace {

class AddWorktree : public RepoTest {
 protected:
  WorktreeRequest request(const std::string& unit, const std::string& base = "HEAD") {
    WorktreeRequest req;
    req.repo = repo_;
    req.branch = "orch/" + unit;
    req.base_commit = rev(base);
    req.path = (tmp_ / ("wt-" + unit)).string();
    req.name = "orch-" + unit;
    return req;
  }
  std::string porcelain() const { return git(repo_, {"worktree", "list", "--porcelain"}); }
  std::string branch_of(const fs::path& wt) const {
    return trim(git(wt, {"rev-parse", "--abbrev-ref", "HEAD"}));
  }
  /// Asserts a failed add left no branch (unless `branch_kept`), worktree entry or folder.
  void expect_nothing_left(const WorktreeRequest& req, bool branch_kept = false) const {
    EXPECT_EQ(branch_exists(repo_, req.branch), branch_kept);
    EXPECT_FALSE(fs::exists(entry(req.name)));
    EXPECT_EQ(porcelain().find(req.path), std::string::npos);
  }
};

TEST_F(AddWorktree, CreatesBranchAndWorktreeAtTheBaseCommit) {
  std::string base = rev("HEAD");
  commit_files(repo_, {{"README.md", "changed on main\n"}});
  WorktreeRequest req = request("issue-1", "HEAD~1");
  WorktreeResult res = add_worktree(req);

  EXPECT_TRUE(res.created_branch);
  EXPECT_EQ(res.path, req.path);
  EXPECT_EQ(res.head_commit, base);
  EXPECT_EQ(rev("refs/heads/orch/issue-1"), base);
  EXPECT_EQ(rev("HEAD", req.path), base);
  EXPECT_EQ(branch_of(req.path), "orch/issue-1");
  EXPECT_EQ(read_file(fs::path(req.path) / "README.md"), "# test repo\n");
  EXPECT_EQ(git(req.path, {"status", "--porcelain"}), "");
  std::string list = porcelain();
  EXPECT_NE(list.find("worktree " + req.path + "\n"), std::string::npos) << list;
  EXPECT_NE(list.find("branch refs/heads/orch/issue-1"), std::string::npos) << list;
  EXPECT_TRUE(fs::exists(entry("orch-issue-1")));
}

TEST_F(AddWorktree, LeavesTheMainCheckoutUntouched) {
  std::string old = rev("HEAD");
  commit_files(repo_, {{"other.txt", "other\n"}});
  write_file(fs::path(repo_) / "staged.txt", "staged\n");
  git(repo_, {"add", "staged.txt"});
  write_file(fs::path(repo_) / "README.md", "dirty, not staged\n");
  write_file(fs::path(repo_) / "untracked.txt", "untracked\n");
  auto snapshot = [&] {
    return std::vector<std::string>{rev("HEAD"),
                                    git(repo_, {"symbolic-ref", "HEAD"}),
                                    git(repo_, {"diff", "--cached"}),
                                    git(repo_, {"diff"}),
                                    git(repo_, {"status", "--porcelain"}),
                                    git(repo_, {"ls-files", "--stage"}),
                                    read_file(fs::path(repo_) / "README.md"),
                                    read_file(fs::path(repo_) / ".git/index")};
  };
  auto before = snapshot();

  add_worktree(request("u", old));

  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(read_file(fs::path(repo_) / "README.md"), "dirty, not staged\n");
  EXPECT_FALSE(fs::exists(tmp_ / "wt-u/other.txt"));  // checked out at the older base
}

TEST_F(AddWorktree, ReusesAnExistingBranchWithoutMovingIt) {
  std::string first = rev("HEAD");
  git(repo_, {"branch", "orch/u"});
  std::string second = commit_files(repo_, {{"a.txt", "a\n"}});
  WorktreeRequest req = request("u");
  req.base_commit = second;  // ignored: the branch exists
  WorktreeResult res = add_worktree(req);
  EXPECT_FALSE(res.created_branch);
  EXPECT_EQ(res.head_commit, first);
  EXPECT_EQ(rev("refs/heads/orch/u"), first);
  EXPECT_EQ(rev("HEAD", req.path), first);
}

TEST_F(AddWorktree, RefusesABranchCheckedOutInALiveWorktreeUntilItIsDetached) {
  WorktreeRequest first = request("u");
  add_worktree(first);
  std::string tip = commit_files(first.path, {{"work.txt", "work\n"}});

  WorktreeRequest second = request("u");
  second.path = (tmp_ / "wt-u-2").string();
  second.name = "orch-u-2";
  std::string msg = expect_error([&] { add_worktree(second); }).what();
  EXPECT_NE(msg.find("already checked out"), std::string::npos) << msg;
  EXPECT_NE(msg.find(first.path), std::string::npos) << msg;
  expect_nothing_left(second, /*branch_kept=*/true);

  detach_head(first.path);
  EXPECT_EQ(branch_of(first.path), "HEAD");
  EXPECT_EQ(rev("HEAD", first.path), tip);
  EXPECT_EQ(read_file(fs::path(first.path) / "work.txt"), "work\n");

  WorktreeResult res = add_worktree(second);
  EXPECT_FALSE(res.created_branch);
  EXPECT_EQ(res.head_commit, tip);
  EXPECT_EQ(branch_of(second.path), "orch/u");
  EXPECT_EQ(read_file(fs::path(second.path) / "work.txt"), "work\n");
}

TEST_F(AddWorktree, RefusesTheBranchOfTheMainCheckout) {
  WorktreeRequest req = request("u");
  req.branch = "main";
  std::string msg = expect_error([&] { add_worktree(req); }).what();
  EXPECT_NE(msg.find("main working tree"), std::string::npos) << msg;
  expect_nothing_left(req, /*branch_kept=*/true);
  EXPECT_FALSE(fs::exists(req.path));
}

TEST_F(AddWorktree, PrunesAStaleEntryWhoseFolderIsGone) {
  WorktreeRequest first = request("u");
  add_worktree(first);
  fs::remove_all(first.path);  // the folder vanished; the entry still claims the branch

  WorktreeRequest second = request("u");
  second.path = (tmp_ / "wt-u-2").string();
  second.name = "orch-u-2";
  add_worktree(second);
  EXPECT_EQ(branch_of(second.path), "orch/u");
  EXPECT_FALSE(fs::exists(entry(first.name)));
  EXPECT_EQ(porcelain().find(first.path + "\n"), std::string::npos);
}

TEST_F(AddWorktree, RollsBackWhenThePathExists) {
  WorktreeRequest req = request("u");
  write_file(fs::path(req.path) / "mine.txt", "keep me\n");
  std::string msg = expect_error([&] { add_worktree(req); }).what();
  EXPECT_EQ(msg, req.path + ": already exists");
  expect_nothing_left(req);
  EXPECT_EQ(read_file(fs::path(req.path) / "mine.txt"), "keep me\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(req.path), fs::directory_iterator()), 1);
}

TEST_F(AddWorktree, RollsBackWhenTheNameIsTaken) {
  WorktreeRequest first = request("a");
  add_worktree(first);
  WorktreeRequest req = request("b");
  req.name = first.name;
  std::string msg = expect_error([&] { add_worktree(req); }).what();
  EXPECT_NE(msg.find("already in use"), std::string::npos) << msg;
  EXPECT_FALSE(branch_exists(repo_, req.branch));
  EXPECT_FALSE(fs::exists(req.path));
  // The worktree that owns the name is intact.
  EXPECT_EQ(branch_of(first.path), "orch/a");
  EXPECT_NE(porcelain().find("worktree " + first.path + "\n"), std::string::npos);
}

TEST_F(AddWorktree, RollsBackWhenLibgit2FailsMidway) {
  // The parent of the path is a regular file: libgit2 has already created the branch-side
  // state and .git/worktrees/<name> when it fails to create the folder.
  write_file(tmp_ / "file", "not a folder\n");
  for (bool branch_existed : {false, true}) {
    SCOPED_TRACE(branch_existed ? "existing branch" : "new branch");
    WorktreeRequest req = request("u");
    req.path = (tmp_ / "file/wt").string();
    if (branch_existed) git(repo_, {"branch", "orch/u"});
    std::string tip = branch_existed ? rev("orch/u") : "";
    std::string msg = expect_error([&] { add_worktree(req); }).what();
    EXPECT_EQ(msg.rfind(req.path + ": cannot create worktree: ", 0), 0u) << msg;
    expect_nothing_left(req, branch_existed);
    if (branch_existed) {
      EXPECT_EQ(rev("orch/u"), tip);
    }
    EXPECT_FALSE(fs::exists(fs::path(repo_) / ".git/worktrees/orch-u"));
    EXPECT_EQ(read_file(tmp_ / "file"), "not a folder\n");
  }
}

TEST_F(AddWorktree, BadBaseFailsWithoutCreatingAnything) {
  WorktreeRequest req = request("u");
  req.base_commit = "0123456789012345678901234567890123456789";
  std::string msg = expect_error([&] { add_worktree(req); }).what();
  EXPECT_EQ(msg, "base '" + req.base_commit + "' does not resolve to a commit in " + repo_);
  expect_nothing_left(req);
  EXPECT_FALSE(fs::exists(req.path));
}

TEST_F(AddWorktree, RejectsUnsafeNamesAndRelativePaths) {
  for (std::string name : {"", "../escape", "a/b", ".hidden", "a b"}) {
    WorktreeRequest req = request("u");
    req.name = name;
    expect_error([&] { add_worktree(req); });
    EXPECT_FALSE(branch_exists(repo_, req.branch)) << name;
    EXPECT_FALSE(fs::exists(req.path)) << name;
  }
  WorktreeRequest req = request("u");
  req.path = "relative/wt";
  expect_error([&] { add_worktree(req); });
  EXPECT_FALSE(branch_exists(repo_, req.branch));
}

class DetachHead : public AddWorktree {};

TEST_F(DetachHead, IsANoOpWhenMissingOrAlreadyDetached) {
  EXPECT_NO_THROW(detach_head((tmp_ / "missing").string()));
  WorktreeRequest req = request("u");
  add_worktree(req);
  detach_head(req.path);
  detach_head(req.path);
  EXPECT_EQ(branch_of(req.path), "HEAD");
  EXPECT_EQ(rev("HEAD", req.path), rev("orch/u"));
}

TEST_F(DetachHead, RefusesTheMainWorkingTree) {
  expect_error([&] { detach_head(repo_); });
  EXPECT_EQ(trim(git(repo_, {"symbolic-ref", "HEAD"})), "refs/heads/main");
  fs::create_directories(fs::path(repo_) / "sub");
  expect_error([&] { detach_head(repo_ + "/sub"); });
  EXPECT_EQ(trim(git(repo_, {"symbolic-ref", "HEAD"})), "refs/heads/main");
}

}  // namespace
}  // namespace orch::git::test
