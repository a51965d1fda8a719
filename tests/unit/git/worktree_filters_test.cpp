// add_worktree skips libgit2's filters only when none could apply: the checked-out bytes must be
// the same as with them (line endings converted wherever attributes or core.autocrlf ask).
#include "lib/git/git.h"
#include "tests/unit/git/git_fixture.h"

namespace orch::git::test {
namespace {

class WorktreeFilters : public RepoTest {
 protected:
  /// Adds a worktree for `unit` at the repository's HEAD; returns its path.
  fs::path add(const std::string& unit) {
    WorktreeRequest req;
    req.repo = repo_;
    req.branch = "orch/" + unit;
    req.base_commit = rev("HEAD");
    req.path = (tmp_ / ("wt-" + unit)).string();
    req.name = "orch-" + unit;
    return add_worktree(req).path;
  }
};

TEST_F(WorktreeFilters, WithoutAttributesFilesAreWrittenAsStored) {
  commit_files(repo_, {{"a.txt", "one\ntwo\n"}, {"b.bin", std::string("x\r\ny\0z", 6)}});
  fs::path wt = add("plain");
  EXPECT_EQ(read_file(wt / "a.txt"), "one\ntwo\n");
  EXPECT_EQ(read_file(wt / "b.bin"), std::string("x\r\ny\0z", 6));
  EXPECT_EQ(git(wt, {"status", "--porcelain"}), "");
}

TEST_F(WorktreeFilters, GitattributesInASubfolderStillConvert) {
  commit_files(repo_, {{"sub/.gitattributes", "*.txt eol=crlf\n"}, {"sub/a.txt", "one\ntwo\n"}});
  fs::path wt = add("attrs");
  EXPECT_EQ(read_file(wt / "sub/a.txt"), "one\r\ntwo\r\n");
  EXPECT_EQ(git(wt, {"status", "--porcelain"}), "");
}

TEST_F(WorktreeFilters, InfoAttributesStillConvert) {
  commit_files(repo_, {{"a.txt", "one\ntwo\n"}});
  write_file(fs::path(repo_) / ".git/info/attributes", "*.txt eol=crlf\n");
  fs::path wt = add("info");
  EXPECT_EQ(read_file(wt / "a.txt"), "one\r\ntwo\r\n");
}

TEST_F(WorktreeFilters, AutocrlfStillConverts) {
  commit_files(repo_, {{"a.txt", "one\ntwo\n"}});
  git(repo_, {"config", "core.autocrlf", "true"});
  fs::path wt = add("autocrlf");
  EXPECT_EQ(read_file(wt / "a.txt"), "one\r\ntwo\r\n");
}

}  // namespace
}  // namespace orch::git::test
