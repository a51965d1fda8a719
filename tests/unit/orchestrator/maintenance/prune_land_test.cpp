// The owner lock of a land scratch worktree (orchestrator/fanin/scratch_lock.h) and how prune finds
// the repository of one without a lock file (orchestrator/maintenance/prune.h).
#include <gtest/gtest.h>

#include "orchestrator/fanin/scratch_lock.h"
#include "orchestrator/maintenance/prune.h"
#include "tests/support/tmp.h"

namespace orch {
namespace {

TEST(ScratchLock, AHeldLockCannotBeClaimedAFreedOneCanWithItsRepository) {
  test::TempDir tmp;
  const std::string path = (tmp.path() / "orch-land-ab12").string();
  {
    fanin::ScratchLock held = fanin::ScratchLock::create(path, "/src/repo");
    EXPECT_FALSE(fanin::ScratchLock::claim(path).has_value());  // a running land owns it
  }
  std::optional<fanin::ScratchLock> claimed = fanin::ScratchLock::claim(path);
  ASSERT_TRUE(claimed.has_value());
  EXPECT_EQ(claimed->repo(), "/src/repo");
  claimed->remove_file();
  EXPECT_FALSE(std::filesystem::exists(fanin::scratch_lock_path(path)));
  EXPECT_FALSE(fanin::ScratchLock::claim(path).has_value());  // no lock file: nothing to claim
}

TEST(PruneLand, TheRepositoryOfALinkedWorktreeComesFromItsGitFile) {
  EXPECT_EQ(scratch_repo_of_gitfile("gitdir: /src/repo/.git/worktrees/orch-land-ab12\n"),
            "/src/repo");
  EXPECT_EQ(scratch_repo_of_gitfile("gitdir: /srv/bare.git/worktrees/orch-land-ab12"),
            "/srv/bare.git");
  EXPECT_EQ(scratch_repo_of_gitfile("gitdir: /src/repo/.git"), "");
  EXPECT_EQ(scratch_repo_of_gitfile("not a git file"), "");
}

}  // namespace
}  // namespace orch
