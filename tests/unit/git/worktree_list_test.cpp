#include <algorithm>

#include "lib/git/git.h"
#include "tests/unit/git/git_fixture.h"

namespace orch::git::test {
namespace {

class Worktrees : public RepoTest {
 protected:
  std::string add(const std::string& unit) {
    WorktreeRequest req{repo_, "orch/" + unit, rev("HEAD"), (tmp_ / ("wt-" + unit)).string(),
                        "orch-" + unit};
    return add_worktree(req).path;
  }
  const WorktreeInfo* find(const std::vector<WorktreeInfo>& list, const std::string& name) {
    auto it = std::find_if(list.begin(), list.end(), [&](auto& w) { return w.name == name; });
    return it == list.end() ? nullptr : &*it;
  }
  std::string porcelain() const { return git(repo_, {"worktree", "list", "--porcelain"}); }
};

TEST_F(Worktrees, ListReportsNamePathBranchLockAndPrunable) {
  EXPECT_TRUE(list_worktrees(repo_).empty());
  std::string a = add("a");
  std::string b = add("b");
  std::string c = add("c");
  std::string d = add("d");
  detach_head(b);
  git(repo_, {"worktree", "lock", c});
  fs::remove_all(d);

  auto list = list_worktrees(repo_);
  ASSERT_EQ(list.size(), 4u);
  const WorktreeInfo* wa = find(list, "orch-a");
  const WorktreeInfo* wb = find(list, "orch-b");
  const WorktreeInfo* wc = find(list, "orch-c");
  const WorktreeInfo* wd = find(list, "orch-d");
  ASSERT_TRUE(wa && wb && wc && wd);
  EXPECT_EQ(wa->path, a);
  EXPECT_EQ(wa->branch, "orch/a");
  EXPECT_FALSE(wa->locked);
  EXPECT_FALSE(wa->prunable);
  EXPECT_EQ(wb->branch, "");
  EXPECT_TRUE(wc->locked);
  EXPECT_EQ(wc->branch, "orch/c");
  EXPECT_TRUE(wd->prunable);
  EXPECT_EQ(wd->path, d);
  EXPECT_EQ(wd->branch, "orch/d");
  // Same answer from inside a linked worktree.
  EXPECT_EQ(list_worktrees(a).size(), 4u);
}

TEST_F(Worktrees, RemoveDeletesFolderAndEntryButKeepsTheBranch) {
  std::string a = add("a");
  commit_files(a, {{"work.txt", "work\n"}});
  std::string tip = rev("orch/a");
  remove_worktree(repo_, "orch-a", false);
  EXPECT_FALSE(fs::exists(a));
  EXPECT_FALSE(fs::exists(entry("orch-a")));
  EXPECT_EQ(porcelain().find(a), std::string::npos);
  EXPECT_EQ(rev("orch/a"), tip);
  EXPECT_TRUE(list_worktrees(repo_).empty());
}

TEST_F(Worktrees, RemoveRefusesDirtyWorktreesUnlessForced) {
  std::string a = add("a");
  write_file(fs::path(a) / "README.md", "modified\n");
  std::string msg = expect_error([&] { remove_worktree(repo_, "orch-a", false); }).what();
  EXPECT_NE(msg.find("uncommitted changes"), std::string::npos) << msg;
  EXPECT_EQ(read_file(fs::path(a) / "README.md"), "modified\n");
  EXPECT_TRUE(fs::exists(entry("orch-a")));

  git(a, {"checkout", "--", "README.md"});
  write_file(fs::path(a) / "new.txt", "untracked\n");
  expect_error([&] { remove_worktree(repo_, "orch-a", false); });
  EXPECT_TRUE(fs::exists(fs::path(a) / "new.txt"));

  remove_worktree(repo_, "orch-a", true);
  EXPECT_FALSE(fs::exists(a));
  EXPECT_FALSE(fs::exists(entry("orch-a")));
  EXPECT_TRUE(branch_exists(repo_, "orch/a"));
}

TEST_F(Worktrees, RemoveRefusesLockedWorktreesUnlessForced) {
  std::string a = add("a");
  git(repo_, {"worktree", "lock", a});
  expect_error([&] { remove_worktree(repo_, "orch-a", false); });
  EXPECT_TRUE(fs::exists(a));
  remove_worktree(repo_, "orch-a", true);
  EXPECT_FALSE(fs::exists(a));
  EXPECT_FALSE(fs::exists(entry("orch-a")));
}

TEST_F(Worktrees, RemovePrunesAnEntryWhoseFolderIsGone) {
  std::string a = add("a");
  fs::remove_all(a);
  remove_worktree(repo_, "orch-a", false);
  EXPECT_FALSE(fs::exists(entry("orch-a")));
  EXPECT_EQ(porcelain().find(a), std::string::npos);
}

TEST_F(Worktrees, RemoveUnknownNameFails) {
  std::string msg = expect_error([&] { remove_worktree(repo_, "orch-nope", true); }).what();
  EXPECT_EQ(msg, repo_ + ": no worktree named 'orch-nope'");
}

}  // namespace
}  // namespace orch::git::test
