// Several processes (and threads) adding worktrees for different units of one repository at once.
#include <atomic>
#include <thread>

#include "lib/git/git.h"
#include "tests/support/child.h"
#include "tests/unit/git/git_fixture.h"

// args: repo, unit, base, path
ORCH_TEST_CHILD(add_worktree) {
  try {
    orch::git::WorktreeRequest req;
    req.repo = args.at(0);
    req.branch = "orch/" + args.at(1);
    req.base_commit = args.at(2);
    req.path = args.at(3);
    req.name = "orch-" + args.at(1);
    orch::git::add_worktree(req);
    return 0;
  } catch (const std::exception& e) {
    fprintf(stderr, "child %s: %s\n", args.at(1).c_str(), e.what());
    return 1;
  }
}

namespace orch::git::test {
namespace {

constexpr int kUnits = 8;

class ConcurrentAdd : public RepoTest {
 protected:
  void expect_all_added(const std::string& base) {
    std::string list = git(repo_, {"worktree", "list", "--porcelain"});
    for (int i = 0; i < kUnits; ++i) {
      std::string unit = "unit-" + std::to_string(i);
      fs::path wt = tmp_ / ("wt-" + unit);
      SCOPED_TRACE(unit);
      EXPECT_NE(list.find("worktree " + wt.string() + "\n"), std::string::npos) << list;
      EXPECT_EQ(rev("refs/heads/orch/" + unit), base);
      EXPECT_EQ(trim(git(wt, {"rev-parse", "--abbrev-ref", "HEAD"})), "orch/" + unit);
      EXPECT_EQ(git(wt, {"status", "--porcelain"}), "");
      EXPECT_EQ(read_file(wt / "README.md"), "# test repo\n");
    }
    EXPECT_EQ(list_worktrees(repo_).size(), static_cast<std::size_t>(kUnits));
    EXPECT_TRUE(git_ok(repo_, {"fsck", "--no-progress"}));
  }
};

TEST_F(ConcurrentAdd, FromEightProcesses) {
  // No .git/worktrees yet: every child races to create it.
  ASSERT_FALSE(fs::exists(fs::path(repo_) / ".git/worktrees"));
  std::string base = rev("HEAD");
  std::vector<pid_t> pids;
  for (int i = 0; i < kUnits; ++i) {
    std::string unit = "unit-" + std::to_string(i);
    pids.push_back(orch::test::spawn_child("add_worktree",
                                           {repo_, unit, base, (tmp_ / ("wt-" + unit)).string()}));
  }
  for (pid_t pid : pids) EXPECT_EQ(orch::test::wait_child(pid), 0);
  expect_all_added(base);
}

TEST_F(ConcurrentAdd, FromEightThreads) {
  ASSERT_FALSE(fs::exists(fs::path(repo_) / ".git/worktrees"));
  std::string base = rev("HEAD");
  std::atomic<int> failures{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kUnits; ++i) {
    threads.emplace_back([&, i] {
      std::string unit = "unit-" + std::to_string(i);
      WorktreeRequest req{repo_, "orch/" + unit, base, (tmp_ / ("wt-" + unit)).string(),
                          "orch-" + unit};
      while (!go.load()) std::this_thread::yield();
      try {
        add_worktree(req);
      } catch (const std::exception& e) {
        ADD_FAILURE() << unit << ": " << e.what();
        ++failures;
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  expect_all_added(base);
}

}  // namespace
}  // namespace orch::git::test
