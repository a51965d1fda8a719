// `orch prune` and the scratch worktrees of `orch land` end to end: a land killed with SIGKILL
// while a slow check runs leaves its scratch worktree under $ORCH_HOME/land; prune keeps it while
// a land still owns it, removes it (folder, git's record, lock file) once none does, and leaves
// the user's repository as it was. The real orch binary, real opencode on the fake model, real
// git.
#include <signal.h>

#include "tests/e2e/convoy_fixture.h"

namespace orch::test {
namespace {
namespace fs = std::filesystem;

constexpr const char* kFaninPruneScript = R"({
  "scenarios": [
    {"match": "prune-land-unit", "turns": [
      {"tool": "write", "path": "P.md", "content": "p\n"}, {"text": "Done: p"}]}
  ],
  "default": [{"text": "no scenario"}]
})";

class FaninPrune : public Convoy {
 protected:
  // The scratch worktrees' folders under $ORCH_HOME/land.
  std::vector<fs::path> scratch_dirs() {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(home_ / "land", ec)) {
      if (e.is_directory() && e.path().filename().string().rfind("orch-land-", 0) == 0)
        out.push_back(e.path());
    }
    return out;
  }
};

TEST_F(FaninPrune, AKilledLandsScratchWorktreeIsKeptWhileOwnedThenRemovedWithGitsRecord) {
  start_model(kFaninPruneScript);
  OrchRun sling = orch({"sling", "pu", repo_.string(), "-m", "prune-land-unit", "--wait"});
  ASSERT_EQ(sling.code, 0) << sling.out << sling.err;
  const std::string main_before = git(repo_, {"rev-parse", "main"});

  process::SpawnOptions so;
  so.argv = {ORCH_BIN, "--home", home_.string(), "land", "pu", "--check", "sleep 61"};
  so.env_set = env_;
  so.stdout_path = so.stderr_path = (tmp_->path() / "land-out").string();
  process::Child land = process::spawn(so);
  // The check runs (`sh -c sleep 61`; the land's own command line names it too, so match sh's).
  ASSERT_TRUE(eventually([&] { return !processes_with("sh -c sleep 61").empty(); }, 60000))
      << read_file(tmp_->path() / "land-out");
  std::vector<fs::path> dirs = scratch_dirs();
  ASSERT_EQ(dirs.size(), 1u);
  const std::string name = dirs[0].filename().string();

  // A running land owns it: prune keeps it.
  OrchRun kept = orch({"prune"});
  EXPECT_EQ(kept.code, 0) << kept.out << kept.err;
  EXPECT_NE(kept.out.find("kept  " + dirs[0].string() + ": in use by a running orch land"),
            std::string::npos)
      << kept.out;
  EXPECT_TRUE(fs::exists(dirs[0]));

  ASSERT_EQ(kill(land.pid(), SIGKILL), 0);
  land.wait(10000);
  for (pid_t pid : processes_with("sleep 61")) kill(pid, SIGKILL);  // the check land left
  ASSERT_TRUE(eventually([&] { return processes_with("sleep 61").empty(); }, 10000));
  ASSERT_TRUE(fs::exists(dirs[0]));  // what the killed land left
  ASSERT_NE(git(repo_, {"worktree", "list"}).find(name), std::string::npos);

  OrchRun dry = orch({"prune", "--dry-run"});
  EXPECT_NE(dry.out.find("would remove  " + dirs[0].string()), std::string::npos) << dry.out;
  EXPECT_TRUE(fs::exists(dirs[0]));

  OrchRun pruned = orch({"prune"});
  EXPECT_EQ(pruned.code, 0) << pruned.out << pruned.err;
  EXPECT_NE(pruned.out.find("removed  " + dirs[0].string() +
                            ": scratch worktree of an orch land that was killed"),
            std::string::npos)
      << pruned.out;
  EXPECT_FALSE(fs::exists(dirs[0]));
  EXPECT_FALSE(fs::exists(dirs[0].string() + ".lock"));
  EXPECT_EQ(git(repo_, {"worktree", "list"}).find(name), std::string::npos);
  EXPECT_FALSE(fs::exists(repo_ / ".git" / "worktrees" / name));
  EXPECT_EQ(git(repo_, {"branch", "--list", "orch-land-*"}), "");
  // The user's repository is as it was: main not moved, its tree clean, the unit's branch kept.
  EXPECT_EQ(git(repo_, {"rev-parse", "main"}), main_before);
  EXPECT_EQ(git(repo_, {"status", "--porcelain"}), "");
  EXPECT_NE(git(repo_, {"rev-parse", "orch/pu"}), "");
  // And the unit still lands afterwards.
  OrchRun again = orch({"land", "pu"});
  EXPECT_EQ(again.code, 0) << again.out << again.err;
}

}  // namespace
}  // namespace orch::test
