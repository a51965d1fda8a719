#include "lib/git/git.h"
#include "tests/unit/git/git_fixture.h"

namespace orch::git::test {
namespace {

class OpenRepo : public RepoTest {};

TEST_F(OpenRepo, ReturnsWorkdirCommonDirAndHead) {
  RepoInfo info = open_repo(repo_);
  EXPECT_EQ(info.workdir, repo_);
  EXPECT_EQ(info.common_dir, fs::canonical(fs::path(repo_) / ".git").string());
  EXPECT_EQ(info.head_commit, rev("HEAD"));
  EXPECT_EQ(info.head_commit.size(), 40u);
}

TEST_F(OpenRepo, FromASubfolderReturnsTheTopLevel) {
  fs::create_directories(fs::path(repo_) / "a/b");
  EXPECT_EQ(open_repo(repo_ + "/a/b").workdir, repo_);
}

TEST_F(OpenRepo, FromALinkedWorktreeReturnsTheMainWorkingTree) {
  std::string main_head = rev("HEAD");
  git(repo_, {"worktree", "add", "-q", "-b", "side", (tmp_ / "wt").string()});
  commit_files(tmp_ / "wt", {{"side.txt", "side\n"}});
  fs::create_directories(tmp_ / "wt/sub");
  for (const auto& p : {tmp_ / "wt", tmp_ / "wt/sub"}) {
    RepoInfo info = open_repo(p.string());
    EXPECT_EQ(info.workdir, repo_);
    EXPECT_EQ(info.common_dir, fs::canonical(fs::path(repo_) / ".git").string());
    EXPECT_EQ(info.head_commit, main_head);  // the main tree's HEAD, not the worktree's
  }
}

TEST_F(OpenRepo, ThroughASymlinkIsCanonical) {
  fs::create_directory_symlink(repo_, tmp_ / "link");
  EXPECT_EQ(open_repo((tmp_ / "link").string()).workdir, repo_);
}

TEST_F(OpenRepo, MissingDirectory) {
  std::string p = (tmp_ / "nope").string();
  EXPECT_STREQ(expect_error([&] { open_repo(p); }).what(), (p + ": no such directory").c_str());
}

TEST_F(OpenRepo, NotAGitRepository) {
  fs::create_directory(tmp_ / "plain");
  std::string p = (tmp_ / "plain").string();
  EXPECT_STREQ(expect_error([&] { open_repo(p); }).what(), (p + ": not a git repository").c_str());
}

TEST_F(OpenRepo, BareRepositoryRefused) {
  fs::create_directory(tmp_ / "bare.git");
  git(tmp_ / "bare.git", {"init", "-q", "--bare"});
  std::string p = (tmp_ / "bare.git").string();
  EXPECT_STREQ(expect_error([&] { open_repo(p); }).what(),
               (p + ": bare repositories are not supported").c_str());
}

TEST_F(OpenRepo, RepositoryWithoutCommitsRefused) {
  std::string p = make_repo(tmp_ / "empty", false).string();
  EXPECT_STREQ(expect_error([&] { open_repo(p); }).what(),
               (p + ": repository has no commits").c_str());
}

class ResolveCommit : public RepoTest {};

TEST_F(ResolveCommit, ResolvesBranchesTagsIdsAndAncestry) {
  std::string first = rev("HEAD");
  std::string second = commit_files(repo_, {{"a.txt", "a\n"}});
  git(repo_, {"tag", "-a", "v1", "-m", "annotated", first});
  git(repo_, {"branch", "other", first});
  EXPECT_EQ(resolve_commit(repo_, "HEAD"), second);
  EXPECT_EQ(resolve_commit(repo_, "main"), second);
  EXPECT_EQ(resolve_commit(repo_, "HEAD~1"), first);
  EXPECT_EQ(resolve_commit(repo_, "v1"), first);  // annotated tag peeled to its commit
  EXPECT_EQ(resolve_commit(repo_, "other"), first);
  EXPECT_EQ(resolve_commit(repo_, first.substr(0, 10)), first);
  EXPECT_EQ(resolve_commit(repo_, first), first);
}

TEST_F(ResolveCommit, UnknownOrNonCommitRefsFail) {
  for (std::string ref : {"nope", "HEAD~5", "HEAD^{tree}", ""}) {
    orch::Error e = expect_error([&] { resolve_commit(repo_, ref); });
    EXPECT_EQ(std::string(e.what()), "base '" + ref + "' does not resolve to a commit in " + repo_);
    EXPECT_EQ(e.code(), kExitError);
  }
}

TEST_F(ResolveCommit, BranchExists) {
  EXPECT_TRUE(branch_exists(repo_, "main"));
  EXPECT_FALSE(branch_exists(repo_, "orch/x"));
  git(repo_, {"branch", "orch/x"});
  EXPECT_TRUE(branch_exists(repo_, "orch/x"));
  EXPECT_FALSE(branch_exists(repo_, "orch"));
  EXPECT_FALSE(branch_exists(repo_, "bad..name"));
}

}  // namespace
}  // namespace orch::git::test
