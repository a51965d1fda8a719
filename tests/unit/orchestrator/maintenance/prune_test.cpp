// orch prune's decisions: which worktrees and branches are removed, which are kept and why.
#include "orchestrator/maintenance/prune.h"

#include <gtest/gtest.h>

namespace orch {
namespace {

PruneFacts ended(const std::string& state = "done") {
  PruneFacts f;
  f.state = state;
  f.branch = "orch/u";
  return f;
}

TEST(PruneDecision, RemovesACleanEndedWorktree) {
  PruneDecision d = decide_prune(ended("failed"), false);
  EXPECT_TRUE(d.remove);
  EXPECT_EQ(d.reason, "session failed, nothing uncommitted");
}

TEST(PruneDecision, NeverTouchesALiveSessionsWorktree) {
  PruneFacts f = ended("running");
  f.live = true;
  f.dirty = true;
  EXPECT_FALSE(decide_prune(f, true).remove);
  EXPECT_EQ(decide_prune(f, false).reason, "in use by a live session (running)");
}

TEST(PruneDecision, KeepsUncommittedChangesUnlessForced) {
  PruneFacts f = ended();
  f.dirty = true;
  PruneDecision keep = decide_prune(f, false);
  EXPECT_FALSE(keep.remove);
  EXPECT_EQ(keep.reason, "uncommitted changes (--force discards them)");
  PruneDecision forced = decide_prune(f, true);
  EXPECT_TRUE(forced.remove);
  EXPECT_EQ(forced.reason, "session done; uncommitted changes discarded (--force)");
}

// Issue 11 item 17: removing the folder deletes ignored files (.env, build output) too.
TEST(PruneDecision, KeepsIgnoredFilesUnlessForcedAndNamesThem) {
  PruneFacts f = ended();
  f.ignored = {".env", "build/", "node_modules/", "x.log"};
  PruneDecision keep = decide_prune(f, false);
  EXPECT_FALSE(keep.remove);
  EXPECT_EQ(keep.reason, "ignored files (.env, build/, node_modules/, ...) (--force deletes them)");
  PruneDecision forced = decide_prune(f, true);
  EXPECT_TRUE(forced.remove);
  EXPECT_EQ(forced.reason,
            "session done; ignored files (.env, build/, node_modules/, ...) deleted (--force)");
  f.ignored = {".env"};
  f.dirty = true;
  EXPECT_EQ(decide_prune(f, false).reason,
            "uncommitted changes and ignored files (.env) (--force discards them)");
  EXPECT_EQ(decide_prune(f, true).reason,
            "session done; uncommitted changes discarded and ignored files (.env) deleted "
            "(--force)");
}

TEST(PruneDecision, KeepsCommitsThatAreOnNoBranchEvenWithForce) {
  PruneFacts f = ended();
  f.stray_commits = 2;
  for (bool force : {false, true}) {
    PruneDecision d = decide_prune(f, force);
    EXPECT_FALSE(d.remove);
    EXPECT_EQ(d.reason, "its HEAD has 2 commit(s) not on orch/u; put them on a branch first");
  }
}

TEST(PruneDecision, KeepsWhatCannotBeChecked) {
  PruneFacts f = ended();
  f.check_error = "repo: not a git repository";
  PruneDecision d = decide_prune(f, true);
  EXPECT_FALSE(d.remove);
  EXPECT_EQ(d.reason, "cannot check it: repo: not a git repository");
}

BranchFacts unused_branch(int64_t unmerged = 0) {
  BranchFacts f;
  f.branch = "orch/u";
  f.head = "abc1234def5678abc1234def5678abc1234def56";
  f.base = "main";
  f.unmerged = unmerged;
  return f;
}

TEST(PruneBranchDecision, DeletesABranchWhoseCommitsAreAllInItsBase) {
  for (bool force : {false, true}) {
    PruneDecision d = decide_branch(unused_branch(), force);
    EXPECT_TRUE(d.remove);
    EXPECT_EQ(d.reason, "merged into main (was abc1234)");
  }
}

// Issue 11 item 17: a branch that never got a commit is not "merged into main".
TEST(PruneBranchDecision, ABranchWithNoCommitsSaysSo) {
  BranchFacts f = unused_branch();
  f.no_commits = true;
  PruneDecision d = decide_branch(f, false);
  EXPECT_TRUE(d.remove);
  EXPECT_EQ(d.reason, "no commits of its own (was abc1234, where it started)");
}

TEST(PruneBranchDecision, KeepsUnmergedCommitsUnlessForced) {
  PruneDecision keep = decide_branch(unused_branch(3), false);
  EXPECT_FALSE(keep.remove);
  EXPECT_EQ(keep.reason, "3 commit(s) not in main (--force deletes it)");
  PruneDecision forced = decide_branch(unused_branch(3), true);
  EXPECT_TRUE(forced.remove);
  EXPECT_EQ(forced.reason, "3 commit(s) not in main; deleted (--force; was abc1234)");
}

TEST(PruneBranchDecision, NeverDeletesABranchInUseEvenWithForce) {
  BranchFacts live = unused_branch(2);
  live.live_state = "queued";
  BranchFacts checked_out = unused_branch();
  checked_out.checked_out_in = "worktree /wt/u-1";
  BranchFacts main_tree = unused_branch();
  main_tree.checked_out_in = "the main working tree /repo";
  for (bool force : {false, true}) {
    PruneDecision a = decide_branch(live, force);
    EXPECT_FALSE(a.remove);
    EXPECT_EQ(a.reason, "in use by a live session (queued)");
    PruneDecision b = decide_branch(checked_out, force);
    EXPECT_FALSE(b.remove);
    EXPECT_EQ(b.reason, "checked out in worktree /wt/u-1");
    PruneDecision c = decide_branch(main_tree, force);
    EXPECT_FALSE(c.remove);
    EXPECT_EQ(c.reason, "checked out in the main working tree /repo");
  }
}

TEST(PruneBranchDecision, ABaseThatNoLongerResolvesKeepsTheBranchUnlessForced) {
  BranchFacts f = unused_branch();
  f.base = "feature";
  f.base_error = "base 'feature' does not resolve to a commit in /repo";
  PruneDecision keep = decide_branch(f, false);
  EXPECT_FALSE(keep.remove);
  EXPECT_EQ(keep.reason,
            "base 'feature' does not resolve to a commit in /repo (--force deletes it)");
  PruneDecision forced = decide_branch(f, true);
  EXPECT_TRUE(forced.remove);
  EXPECT_EQ(forced.reason,
            "base 'feature' does not resolve to a commit in /repo; deleted (--force; was abc1234)");
}

TEST(PruneBranchDecision, KeepsWhatCannotBeCheckedEvenWithForce) {
  BranchFacts f = unused_branch();
  f.check_error = "/repo: not a git repository";
  for (bool force : {false, true}) {
    PruneDecision d = decide_branch(f, force);
    EXPECT_FALSE(d.remove);
    EXPECT_EQ(d.reason, "cannot check it: /repo: not a git repository");
  }
}

}  // namespace
}  // namespace orch
