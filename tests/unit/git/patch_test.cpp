// git::diff_patch (lib/git/patch.h): the dashboard's diff view of a branch against its base.
#include "lib/git/patch.h"
#include "tests/unit/git/git_fixture.h"

namespace orch::git::test {
namespace {

class PatchTest : public RepoTest {};

TEST_F(PatchTest, FilesHunksAndLinesOfTwoCommits) {
  commit_files(repo_, {{"a.txt", "one\ntwo\nthree\n"}, {"gone.txt", "x\n"}});
  std::string c1 = rev("HEAD");
  git(repo_, {"rm", "-q", "gone.txt"});
  commit_files(repo_, {{"a.txt", "one\n2\nthree\n"},
                       {"bad.txt", std::string("caf\xe9\n")},
                       {"bin.dat", std::string("\0\x01\x02", 3)}});
  std::string c2 = rev("HEAD");

  Patch p = diff_patch(repo_, c1, c2, 1000);
  ASSERT_EQ(p.files.size(), 4u);
  EXPECT_FALSE(p.truncated);
  const PatchFile& a = p.files[0];
  EXPECT_EQ(a.path, "a.txt");
  EXPECT_EQ(a.status, "modified");
  EXPECT_EQ(a.additions, 1);
  EXPECT_EQ(a.deletions, 1);
  ASSERT_EQ(a.hunks.size(), 1u);
  EXPECT_EQ(a.hunks[0].header, "@@ -1,3 +1,3 @@");
  std::string lines;
  for (const PatchLine& l : a.hunks[0].lines) lines += std::string(1, l.origin) + l.text + "|";
  EXPECT_EQ(lines, " one|-two|+2| three|");
  EXPECT_EQ(p.files[1].path, "bad.txt");
  EXPECT_EQ(p.files[1].hunks.at(0).lines.at(0).text, "caf\xe9");  // bytes as they are
  EXPECT_EQ(p.files[2].path, "bin.dat");
  EXPECT_TRUE(p.files[2].binary);
  EXPECT_TRUE(p.files[2].hunks.empty());
  EXPECT_EQ(p.files[3].path, "gone.txt");
  EXPECT_EQ(p.files[3].status, "deleted");
}

TEST_F(PatchTest, CutAtTheLineLimitAndTheWorktreeWhenNoCommit) {
  std::string base = rev("HEAD");
  std::string text;
  for (int i = 0; i < 50; ++i) text += "line " + std::to_string(i) + "\n";
  commit_files(repo_, {{"long.txt", text}, {"short.txt", "s\n"}});
  Patch p = diff_patch(repo_, base, rev("HEAD"), 10);
  EXPECT_TRUE(p.truncated);
  ASSERT_EQ(p.files.size(), 2u);
  EXPECT_TRUE(p.files[0].hunks.empty());
  EXPECT_EQ(p.files[0].additions, 50);
  EXPECT_EQ(p.files[1].hunks.size(), 1u);

  write_file(fs::path(repo_) / "new.txt", "fresh\n");  // untracked, uncommitted
  Patch w = diff_patch(repo_, rev("HEAD"), "", 100);
  ASSERT_EQ(w.files.size(), 1u);
  EXPECT_EQ(w.files[0].path, "new.txt");
  EXPECT_EQ(w.files[0].status, "added");
  EXPECT_EQ(w.files[0].hunks.at(0).lines.at(0).text, "fresh");
}

TEST_F(PatchTest, AHugeUntrackedOrCommittedFileIsNotReadButMarkedTooLarge) {
  std::string base = rev("HEAD");
  // 3 MiB of text lines (over kPatchMaxFileBytes), and a 2 MiB binary file.
  std::string big;
  while (big.size() < (3u << 20)) big += "a line of an agent's huge log file\n";
  std::string blob(2u << 20, '\0');
  write_file(fs::path(repo_) / "huge.log", big);  // untracked, uncommitted
  write_file(fs::path(repo_) / "huge.bin", blob);
  write_file(fs::path(repo_) / "small.txt", "s\n");
  Patch w = diff_patch(repo_, base, "", 1u << 30);
  ASSERT_EQ(w.files.size(), 3u);
  for (const PatchFile& f : w.files) {
    SCOPED_TRACE(f.path);
    bool huge = f.path != "small.txt";
    EXPECT_EQ(f.too_large, huge);
    EXPECT_EQ(f.hunks.empty(), huge);
    EXPECT_FALSE(f.binary);
  }
  EXPECT_FALSE(w.truncated);
  commit_files(repo_, {{"huge.log", big}});  // the same once committed
  Patch c = diff_patch(repo_, base, rev("HEAD"), 1u << 30);
  ASSERT_EQ(c.files.size(), 3u);
  EXPECT_TRUE(c.files[1].too_large) << c.files[1].path;
  EXPECT_TRUE(c.files[1].hunks.empty());
}

TEST_F(PatchTest, UnknownCommitFails) {
  std::string msg = expect_error([&] { diff_patch(repo_, "HEAD", "nope", 10); }).what();
  EXPECT_NE(msg.find("'nope' does not resolve to a commit"), std::string::npos) << msg;
}

}  // namespace
}  // namespace orch::git::test
