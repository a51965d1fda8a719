#include "lib/git/git.h"
#include "tests/unit/git/git_fixture.h"

namespace orch::git::test {
namespace {

class Diff : public RepoTest {
 protected:
  std::string shortstat(const std::string& a, const std::string& b) const {
    return trim(git(repo_, {"diff", "--shortstat", a, b}));
  }
};

TEST_F(Diff, DiffstatMatchesGitShortstat) {
  std::string c0 = rev("HEAD");
  std::string c1 = commit_files(repo_, {{"a.txt", "one\n"}});
  std::string c2 = commit_files(
      repo_, {{"a.txt", "one\ntwo\nthree\n"}, {"b.txt", "b\nb\n"}, {"README.md", "rewritten\n"}});
  git(repo_, {"rm", "-q", "b.txt"});
  git(repo_, {"commit", "-q", "-m", "delete"});
  std::string c3 = rev("HEAD");
  std::string long_text;
  for (int i = 0; i < 50; ++i) long_text += "line " + std::to_string(i) + "\n";
  std::string c4 = commit_files(repo_, {{"long.txt", long_text}});
  git(repo_, {"mv", "long.txt", "moved.txt"});
  git(repo_, {"commit", "-q", "-m", "rename"});
  std::string c5 = rev("HEAD");
  std::string c6 = commit_files(repo_, {{"bin.dat", std::string("\0\x01\x02binary", 9)}});

  EXPECT_EQ(diffstat(repo_, c0, c1), "1 file changed, 1 insertion(+)");
  EXPECT_EQ(diffstat(repo_, c0, c1), shortstat(c0, c1));
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {c0, c1}, {c1, c2}, {c2, c3}, {c0, c3}, {c3, c0}, {c4, c5}, {c5, c6}, {c0, c6}, {c2, c2}};
  for (const auto& [a, b] : pairs) {
    SCOPED_TRACE(a + ".." + b);
    EXPECT_EQ(diffstat(repo_, a, b), shortstat(a, b));
  }
  EXPECT_EQ(diffstat(repo_, c2, c2), "");
  EXPECT_EQ(diffstat(repo_, "main~1", "main"), shortstat("main~1", "main"));
}

TEST_F(Diff, DiffstatOfAnUnknownCommitFails) {
  std::string msg = expect_error([&] { diffstat(repo_, "HEAD", "nope"); }).what();
  EXPECT_NE(msg.find("'nope'"), std::string::npos) << msg;
}

TEST_F(Diff, CountCommitsMatchesRevList) {
  std::string c0 = rev("HEAD");
  commit_files(repo_, {{"a.txt", "1\n"}});
  commit_files(repo_, {{"a.txt", "2\n"}});
  std::string c3 = commit_files(repo_, {{"a.txt", "3\n"}});
  git(repo_, {"checkout", "-q", "-b", "side", c0});
  std::string s1 = commit_files(repo_, {{"s.txt", "s\n"}});
  git(repo_, {"checkout", "-q", "main"});
  git(repo_, {"merge", "-q", "--no-edit", "side"});
  std::string merged = rev("HEAD");

  EXPECT_EQ(count_commits(repo_, c0, c3), 3);
  EXPECT_EQ(count_commits(repo_, c3, c0), 0);
  EXPECT_EQ(count_commits(repo_, c3, c3), 0);
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {c0, merged}, {c3, merged}, {s1, merged}, {s1, c3}, {c3, s1}};
  for (const auto& [a, b] : pairs) {
    SCOPED_TRACE(a + ".." + b);
    int64_t expected = std::stoll(trim(git(repo_, {"rev-list", "--count", a + ".." + b})));
    EXPECT_EQ(count_commits(repo_, a, b), expected);
  }
  EXPECT_EQ(count_commits(repo_, "side", "main"), 4);
  expect_error([&] { count_commits(repo_, "nope", "main"); });
}

TEST_F(Diff, CommitLinesMatchGitLogOneline) {
  std::string c0 = rev("HEAD");
  commit_files(repo_, {{"a.txt", "1\n"}}, "first change\n\nwith a body");
  commit_files(repo_, {{"a.txt", "2\n"}}, "second change");
  std::string c2 = commit_files(repo_, {{"a.txt", "3\n"}}, "third change");
  std::vector<std::string> want;
  std::string log = git(repo_, {"log", "--oneline", "--abbrev=7", "--no-decorate", c0 + ".." + c2});
  for (std::size_t b = 0, e; (e = log.find('\n', b)) != std::string::npos; b = e + 1) {
    want.push_back(log.substr(b, e - b));
  }
  ASSERT_EQ(want.size(), 3u);
  EXPECT_EQ(commit_lines(repo_, c0, c2, 10), want);
  EXPECT_EQ(commit_lines(repo_, c0, c2, 2),
            std::vector<std::string>(want.begin(), want.begin() + 2));
  EXPECT_TRUE(commit_lines(repo_, c2, c2, 10).empty());
  expect_error([&] { commit_lines(repo_, "nope", c2, 10); });
}

}  // namespace
}  // namespace orch::git::test
