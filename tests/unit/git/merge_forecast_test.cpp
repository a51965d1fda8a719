// The conflict forecast (lib/git/merge_forecast.h) against real repositories, with
// `git merge-tree --write-tree` (git 2.38+) as the oracle for what conflicts.
#include "lib/git/merge_forecast.h"

#include <sys/stat.h>

#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>

#include "tests/support/git_run.h"
#include "tests/unit/git/git_fixture.h"

namespace orch::git::test {
namespace {

class MergeForecast : public RepoTest {
 protected:
  /// Creates branch `name` from `from` with `files` written (text "" deletes the file).
  std::string branch(const std::string& name,
                     const std::vector<std::pair<std::string, std::string>>& files,
                     const std::string& from = "main") {
    git(repo_, {"checkout", "-q", "-b", name, from});
    for (const auto& [path, text] : files) {
      if (text.empty()) {
        git(repo_, {"rm", "-q", "--", path});
      } else {
        write_file(fs::path(repo_) / path, text);
      }
    }
    git(repo_, {"add", "-A"});
    git(repo_, {"commit", "-q", "--allow-empty", "-m", name});
    std::string id = rev("HEAD");
    git(repo_, {"checkout", "-q", "main"});
    return id;
  }

  /// What `git merge-tree --write-tree --name-only` says of a and b: nullopt when clean, else
  /// the conflicted paths.
  std::optional<std::set<std::string>> oracle(const std::string& a, const std::string& b) {
    std::string out;
    int code =
        orch::test::git_code(repo_, {"merge-tree", "--write-tree", "--name-only", a, b}, out);
    EXPECT_TRUE(code == 0 || code == 1) << out;
    if (code == 0) return std::nullopt;
    std::set<std::string> paths;
    std::istringstream lines(out);
    std::string line;
    std::getline(lines, line);  // the tree
    while (std::getline(lines, line) && !line.empty()) paths.insert(line);
    return paths;
  }

  size_t loose_objects() {
    size_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(fs::path(repo_) / ".git/objects")) {
      if (e.is_regular_file() && e.path().parent_path().filename().string().size() == 2) ++n;
    }
    return n;
  }
};

TEST_F(MergeForecast, SameFileChangedDifferentlyConflictsOnThatPath) {
  std::string base = rev("main");
  std::string a = branch("a", {{"shared.txt", "from a\n"}, {"a.txt", "a\n"}});
  std::string b = branch("b", {{"shared.txt", "from b\n"}, {"b.txt", "b\n"}});
  std::string c = branch("c", {{"c.txt", "c\n"}});
  Forecast f = forecast_conflicts(repo_, base, {{a, ""}, {b, ""}, {c, ""}});
  EXPECT_EQ(f.pairs, 3u);
  ASSERT_EQ(f.conflicts.size(), 1u);
  EXPECT_EQ(f.conflicts[0].a, 0u);
  EXPECT_EQ(f.conflicts[0].b, 1u);
  EXPECT_EQ(f.conflicts[0].paths, std::vector<std::string>{"shared.txt"});
  EXPECT_EQ(f.merged, 1u);  // a–c and b–c change disjoint paths: clean without merging
  EXPECT_EQ(oracle(a, b), std::set<std::string>{"shared.txt"});
  EXPECT_EQ(oracle(a, c), std::nullopt);
}

TEST_F(MergeForecast, SameChangeOnBothSidesAndDisjointLinesAreClean) {
  std::string base = rev("main");
  write_file(fs::path(repo_) / "long.txt", "1\n2\n3\n4\n5\n6\n7\n8\n9\n");
  std::string base2 = commit_files(repo_, {});
  std::string a = branch("a", {{"long.txt", "ONE\n2\n3\n4\n5\n6\n7\n8\n9\n"}, {"same", "x\n"}});
  std::string b = branch("b", {{"long.txt", "1\n2\n3\n4\n5\n6\n7\n8\nNINE\n"}, {"same", "x\n"}});
  Forecast f = forecast_conflicts(repo_, base2, {{a, ""}, {b, ""}});
  EXPECT_TRUE(f.conflicts.empty());
  EXPECT_EQ(f.merged, 1u);
  EXPECT_EQ(oracle(a, b), std::nullopt);
  (void)base;
}

TEST_F(MergeForecast, FileAgainstFolderConflictsAndIsNotPrefiltered) {
  std::string base = rev("main");
  std::string a = branch("a", {{"x", "a file\n"}});
  std::string b = branch("b", {{"x/y.txt", "in a folder\n"}});
  Forecast f = forecast_conflicts(repo_, base, {{a, ""}, {b, ""}});
  ASSERT_EQ(f.conflicts.size(), 1u);
  EXPECT_NE(oracle(a, b), std::nullopt);
}

TEST_F(MergeForecast, TheAncestorIsThePairsMergeBaseNotAMovedBase) {
  std::string fork = rev("main");
  std::string a = branch("a", {{"README.md", "a's readme\n"}});
  std::string b = branch("b", {{"other.txt", "b\n"}});
  // The base moves on after both forked, changing the file a changed: a conflicts with the base,
  // not with b.
  std::string moved = commit_files(repo_, {{"README.md", "main's readme\n"}});
  Forecast f = forecast_conflicts(repo_, moved, {{a, ""}, {b, ""}});
  EXPECT_TRUE(f.conflicts.empty());
  EXPECT_EQ(oracle(a, b), std::nullopt);
  (void)fork;
}

TEST_F(MergeForecast, TouchesNoRefIndexOrObject) {
  std::string base = commit_files(repo_, {{"auto.txt", "x\ny\nz\n"}});
  std::string a = branch("a", {{"shared.txt", "1\n2\n3\n"}, {"auto.txt", "A\nx\ny\nz\n"}});
  std::string b = branch("b", {{"shared.txt", "3\n2\n1\n"}, {"auto.txt", "x\ny\nz\nB\n"}});
  std::string refs = git(repo_, {"for-each-ref"});
  std::string index = read_file(fs::path(repo_) / ".git/index");
  size_t objects = loose_objects();
  Forecast f = forecast_conflicts(repo_, base, {{a, ""}, {b, ""}}, {false});
  ASSERT_EQ(f.conflicts.size(), 1u);
  EXPECT_EQ(f.conflicts[0].paths, std::vector<std::string>{"shared.txt"});
  EXPECT_EQ(git(repo_, {"for-each-ref"}), refs);
  EXPECT_EQ(read_file(fs::path(repo_) / ".git/index"), index);
  // auto.txt was merged line by line: its merged blob went to the in-memory store.
  EXPECT_EQ(loose_objects(), objects);
  EXPECT_EQ(git(repo_, {"status", "--porcelain"}), "");
}

TEST_F(MergeForecast, BadIdsAreErrors) {
  std::string base = rev("main");
  std::string msg = expect_error([&] { forecast_conflicts(repo_, "nope", {}); }).what();
  EXPECT_NE(msg.find("'nope'"), std::string::npos) << msg;
  msg = expect_error([&] {
          forecast_conflicts(repo_, base, {{std::string(40, 'a'), ""}, {base, ""}});
        }).what();
  EXPECT_NE(msg.find(std::string(40, 'a')), std::string::npos) << msg;
}

TEST_F(MergeForecast, BranchCommitsNamesMissingBranchesWithAnEmptyId) {
  std::string a = branch("orch/a", {{"a.txt", "a\n"}});
  EXPECT_EQ(branch_commits(repo_, {"orch/a", "orch/none", "main"}),
            (std::vector<std::string>{a, "", rev("main")}));
}

// A live session's worktree: its uncommitted and untracked files are part of its tip, read
// without writing the worktree's index file, HEAD or any ref.
TEST_F(MergeForecast, WorktreeContentIncludesUncommittedWorkAndWritesNoIndex) {
  std::string base = rev("main");
  std::string a = branch("a", {{"a.txt", "a\n"}});
  fs::path wt = tmp_ / "wt";
  git(repo_, {"worktree", "add", "-q", wt.string(), "a"});
  write_file(wt / "shared.txt", "uncommitted in a\n");  // untracked
  write_file(wt / "a.txt", "changed\n");                // modified, unstaged
  write_file(wt / "staged.txt", "staged\n");
  git(wt, {"add", "staged.txt"});
  std::string status = git(wt, {"status", "--porcelain"});
  std::string index_path = trim(git(wt, {"rev-parse", "--absolute-git-dir"})) + "/index";
  std::string index_bytes = read_file(index_path);
  struct stat before {};
  ASSERT_EQ(stat(index_path.c_str(), &before), 0);

  WorktreeContent w = worktree_content(wt.string());
  EXPECT_EQ(w.head, a);
  EXPECT_EQ(trim(git(repo_, {"show", w.tree + ":shared.txt"})), "uncommitted in a");
  EXPECT_EQ(trim(git(repo_, {"show", w.tree + ":a.txt"})), "changed");
  EXPECT_EQ(trim(git(repo_, {"show", w.tree + ":staged.txt"})), "staged");
  struct stat after {};
  ASSERT_EQ(stat(index_path.c_str(), &after), 0);
  EXPECT_EQ(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
  EXPECT_EQ(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
  EXPECT_EQ(read_file(index_path), index_bytes);
  EXPECT_EQ(git(wt, {"status", "--porcelain"}), status);  // (git status may refresh the index)
  EXPECT_EQ(rev("a"), a);

  std::string b = branch("b", {{"shared.txt", "committed in b\n"}});
  Forecast f = forecast_conflicts(repo_, base, {{w.head, w.tree}, {b, ""}});
  ASSERT_EQ(f.conflicts.size(), 1u);
  EXPECT_EQ(f.conflicts[0].paths, std::vector<std::string>{"shared.txt"});
  // Without the uncommitted work the two are clean.
  EXPECT_TRUE(forecast_conflicts(repo_, base, {{a, ""}, {b, ""}}).conflicts.empty());
}

// Random branches over a few files: the prefilter never changes the answer, and the answer is
// git merge-tree's (modify, add and delete; renames are compared with and without prefilter).
TEST_F(MergeForecast, PrefilterAgreesWithFullMergesAndWithGit) {
  std::vector<std::pair<std::string, std::string>> start;
  for (int i = 0; i < 8; ++i) {
    std::string text;
    for (int l = 0; l < 6; ++l)
      text += "f" + std::to_string(i) + " line " + std::to_string(l) + "\n";
    start.emplace_back("d" + std::to_string(i % 3) + "/f" + std::to_string(i) + ".txt", text);
  }
  std::string base = commit_files(repo_, start);
  std::mt19937 rng(20261206);
  std::vector<std::string> ids;
  std::vector<ForecastTip> tips;
  for (int n = 0; n < 10; ++n) {
    std::vector<std::pair<std::string, std::string>> edits;
    int changes = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < changes; ++k) {
      const auto& [path, text] = start[rng() % start.size()];
      switch (rng() % 4) {
        case 0:
          edits.emplace_back(path, text + "appended by " + std::to_string(n) + "\n");
          break;
        case 1:
          edits.emplace_back(path, "rewritten by " + std::to_string(n) + "\n" + text);
          break;
        case 2:
          edits.emplace_back("new" + std::to_string(rng() % 4) + ".txt",
                             "new by " + std::to_string(n) + "\n");
          break;
        default:
          edits.emplace_back(path, "");
          break;
      }
    }
    // One delete per path at most, and no write after a delete of the same path.
    std::map<std::string, std::string> last;
    for (const auto& [p, t] : edits) last[p] = t;
    ids.push_back(branch("r" + std::to_string(n), {last.begin(), last.end()}));
    tips.push_back({ids.back(), ""});
  }
  Forecast fast = forecast_conflicts(repo_, base, tips);
  Forecast full = forecast_conflicts(repo_, base, tips, {false});
  EXPECT_EQ(full.merged, 45u);
  EXPECT_LT(fast.merged, full.merged);
  ASSERT_EQ(fast.conflicts.size(), full.conflicts.size());
  std::map<std::pair<size_t, size_t>, std::vector<std::string>> found;
  for (size_t i = 0; i < full.conflicts.size(); ++i) {
    EXPECT_EQ(fast.conflicts[i].a, full.conflicts[i].a);
    EXPECT_EQ(fast.conflicts[i].b, full.conflicts[i].b);
    EXPECT_EQ(fast.conflicts[i].paths, full.conflicts[i].paths);
    found[{full.conflicts[i].a, full.conflicts[i].b}] = full.conflicts[i].paths;
  }
  EXPECT_GT(found.size(), 0u);
  for (size_t a = 0; a < ids.size(); ++a) {
    for (size_t b = a + 1; b < ids.size(); ++b) {
      SCOPED_TRACE("r" + std::to_string(a) + " r" + std::to_string(b));
      auto git_says = oracle(ids[a], ids[b]);
      auto it = found.find({a, b});
      ASSERT_EQ(git_says.has_value(), it != found.end());
      if (git_says) {
        EXPECT_EQ(*git_says, std::set<std::string>(it->second.begin(), it->second.end()));
      }
    }
  }
}

}  // namespace
}  // namespace orch::git::test
