#include <algorithm>
#include <cstdlib>

#include "lib/git/git.h"
#include "tests/support/child.h"
#include "tests/unit/git/git_fixture.h"

// args: home, worktree; commits with no user.name/user.email anywhere in reach.
ORCH_TEST_CHILD(commit_without_identity) {
  setenv("HOME", args.at(0).c_str(), 1);
  setenv("XDG_CONFIG_HOME", args.at(0).c_str(), 1);
  try {
    auto res = orch::git::commit_all(args.at(1), "anonymous");
    return res.commit_id.empty() ? 2 : 0;
  } catch (const std::exception& e) {
    fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}

namespace orch::git::test {
namespace {

class CommitAll : public RepoTest {
 protected:
  void SetUp() override {
    commit_files(repo_, {{".gitignore", "*.log\n"}, {"old.txt", "old\n"}});
    WorktreeRequest req{repo_, "orch/u", rev("HEAD"), (tmp_ / "wt").string(), "orch-u"};
    wt_ = add_worktree(req).path;
  }
  std::string wt_;
};

TEST_F(CommitAll, IsDirtySeesStagedUnstagedUntrackedAndDeletedButNotIgnored) {
  fs::path wt = wt_;
  EXPECT_FALSE(is_dirty(wt_));
  write_file(wt / "debug.log", "ignored\n");
  fs::create_directories(wt / "empty-dir");
  EXPECT_FALSE(is_dirty(wt_));

  write_file(wt / "README.md", "modified\n");
  EXPECT_TRUE(is_dirty(wt_));
  git(wt, {"checkout", "--", "README.md"});
  EXPECT_FALSE(is_dirty(wt_));

  write_file(wt / "deep/new.txt", "untracked\n");
  EXPECT_TRUE(is_dirty(wt_));
  git(wt, {"add", "deep/new.txt"});
  EXPECT_TRUE(is_dirty(wt_));  // staged
  git(wt, {"reset", "-q", "--hard"});
  EXPECT_FALSE(is_dirty(wt_));

  fs::remove(wt / "old.txt");
  EXPECT_TRUE(is_dirty(wt_));
}

TEST_F(CommitAll, IsDirtyOfAMissingPathFails) {
  expect_error([&] { is_dirty((tmp_ / "missing").string()); });
}

TEST_F(CommitAll, CommitsNewModifiedAndDeletedFiles) {
  fs::path wt = wt_;
  std::string parent = rev("HEAD", wt);
  std::string main_head = rev("main");
  write_file(wt / "README.md", "modified\n");
  write_file(wt / "sub/dir/new.txt", "new\n");
  write_file(wt / ".hidden", "dotfile\n");
  write_file(wt / "build.log", "ignored\n");
  fs::remove(wt / "old.txt");

  CommitResult res = commit_all(wt_, "agent work\n\nbody   \n\n");
  ASSERT_EQ(res.commit_id.size(), 40u);
  EXPECT_EQ(res.head, res.commit_id);
  EXPECT_EQ(rev("HEAD", wt), res.commit_id);
  EXPECT_EQ(rev("orch/u"), res.commit_id);
  EXPECT_EQ(rev(res.commit_id + "^"), parent);
  EXPECT_EQ(trim(git(wt, {"rev-parse", "--abbrev-ref", "HEAD"})), "orch/u");
  EXPECT_EQ(git(wt, {"show", "--name-status", "--format=", "HEAD"}),
            "A\t.hidden\nM\tREADME.md\nD\told.txt\nA\tsub/dir/new.txt\n");
  EXPECT_EQ(git(wt, {"log", "-1", "--format=%B"}), "agent work\n\nbody\n\n");
  EXPECT_EQ(trim(git(wt, {"log", "-1", "--format=%an <%ae>|%cn <%ce>"})),
            "Test <test@example.com>|Test <test@example.com>");
  EXPECT_EQ(git(wt, {"status", "--porcelain"}), "");  // index written too
  EXPECT_FALSE(is_dirty(wt_));
  EXPECT_TRUE(fs::exists(wt / "build.log"));
  EXPECT_EQ(rev("main"), main_head);  // the main branch did not move
}

TEST_F(CommitAll, FilesHoldingASecretAreWithheldAndEverythingElseCommitted) {
  fs::path wt = wt_;
  const std::string secret = "0123456789abcdef0123456789abcdef";
  write_file(wt / "env.txt", "PATH=/bin\nOPENCODE_SERVER_PASSWORD=" + secret + "\n");  // new
  write_file(wt / "README.md", "now with " + secret + " inside\n");  // tracked, modified
  write_file(wt / "staged.txt", "x" + secret + "y\n");
  git(wt, {"add", "staged.txt"});  // the agent staged it itself
  write_file(wt / "clean.txt", "nothing secret\n");
  const std::string readme_before = git(wt, {"show", "HEAD:README.md"});

  CommitResult res = commit_all(wt_, "agent work", {"", "unrelated-secret", secret});
  ASSERT_EQ(res.commit_id.size(), 40u);
  std::vector<std::string> withheld = res.withheld;
  std::sort(withheld.begin(), withheld.end());
  EXPECT_EQ(withheld, (std::vector<std::string>{"README.md", "env.txt", "staged.txt"}));
  EXPECT_EQ(git(wt, {"show", "--name-status", "--format=", "HEAD"}), "A\tclean.txt\n");
  EXPECT_EQ(git(wt, {"show", "HEAD:README.md"}), readme_before);
  EXPECT_EQ(git(wt, {"log", "-p", "--all"}).find(secret), std::string::npos);
  // The files stay in the worktree as the agent left them, outside the index.
  EXPECT_EQ(read_file(wt / "staged.txt"), "x" + secret + "y\n");
  EXPECT_EQ(git(wt, {"status", "--porcelain"}), " M README.md\n?? env.txt\n?? staged.txt\n");

  // Without secrets everything is committed, as before.
  CommitResult all = commit_all(wt_, "the rest");
  EXPECT_TRUE(all.withheld.empty());
  EXPECT_EQ(git(wt, {"status", "--porcelain"}), "");
}

TEST_F(CommitAll, ReturnsEmptyWhenThereIsNothingToCommit) {
  std::string head = rev("HEAD", wt_);
  write_file(fs::path(wt_) / "x.log", "ignored only\n");
  CommitResult res = commit_all(wt_, "nothing");
  EXPECT_EQ(res.commit_id, "");
  EXPECT_EQ(res.head, head);
  EXPECT_EQ(rev("HEAD", wt_), head);
}

TEST_F(CommitAll, CommitsOnADetachedHeadWithoutMovingTheBranch) {
  detach_head(wt_);
  std::string branch_tip = rev("orch/u");
  write_file(fs::path(wt_) / "a.txt", "a\n");
  CommitResult res = commit_all(wt_, "detached");
  ASSERT_FALSE(res.commit_id.empty());
  EXPECT_EQ(rev("HEAD", wt_), res.commit_id);
  EXPECT_EQ(rev("orch/u"), branch_tip);
}

TEST_F(CommitAll, FallsBackToOrchIdentity) {
  git(repo_, {"config", "--unset", "user.name"});
  git(repo_, {"config", "--unset", "user.email"});
  TempDir home;
  write_file(fs::path(wt_) / "a.txt", "a\n");
  pid_t pid = orch::test::spawn_child("commit_without_identity", {home.path().string(), wt_});
  ASSERT_EQ(orch::test::wait_child(pid), 0);
  EXPECT_EQ(trim(git(wt_, {"log", "-1", "--format=%an <%ae>|%cn <%ce>|%s"})),
            "orch <orch@localhost>|orch <orch@localhost>|anonymous");
}

TEST_F(CommitAll, RefusesAPathThatIsNotAWorktreeTop) {
  fs::create_directories(fs::path(wt_) / "sub");
  write_file(fs::path(wt_) / "sub/f.txt", "f\n");
  expect_error([&] { commit_all(wt_ + "/sub", "no"); });
  EXPECT_TRUE(is_dirty(wt_));
}

}  // namespace
}  // namespace orch::git::test
