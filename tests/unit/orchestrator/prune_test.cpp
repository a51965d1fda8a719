// orch prune's decisions: what is removed, what is kept and why.
#include "orchestrator/prune.h"

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

}  // namespace
}  // namespace orch
