// orchestrator/session/liveness: the pure decisions behind telling a live session from a lost one
// and cleaning up after it: whether its supervisor is gone (pid and start time, the start-up
// grace), what a lost session records, whether its agent's process group is the session's, and
// whether a successor works in its worktree.
#include "orchestrator/session/liveness.h"

#include <gtest/gtest.h>

#include "lib/error.h"

namespace orch {
namespace {

using registry::State;

constexpr int64_t kNow = 1'700'000'000'000;

registry::Session session(State st, int64_t pid = 4242, int64_t start = 99) {
  registry::Session s;
  s.id = "s1";
  s.unit_name = "u1";
  s.state = st;
  s.supervisor_pid = pid;
  s.supervisor_start_time = start;
  s.started_at = kNow - 1000;
  s.worktree = "/tmp/orch-liveness-test/wt";
  return s;
}

// An `alive` that answers for one process only and records that it was asked.
struct Alive {
  int64_t pid, start;
  mutable int asked = 0;
  registry::AliveFn fn() const {
    return [this](int64_t p, int64_t s) {
      ++asked;
      return p == pid && s == start;
    };
  }
};

TEST(SupervisorGone, ALiveSessionWhoseSupervisorRunsIsNotGone) {
  Alive alive{4242, 99};
  for (State st : {State::kStarting, State::kRunning, State::kWaiting}) {
    EXPECT_FALSE(supervisor_gone(session(st), kNow, alive.fn())) << registry::to_string(st);
  }
}

TEST(SupervisorGone, APidReusedByAnotherProcessCountsAsGone) {
  Alive other_start{4242, 100};  // same pid, another start time
  EXPECT_TRUE(supervisor_gone(session(State::kRunning), kNow, other_start.fn()));
  Alive nobody{1, 1};
  EXPECT_TRUE(supervisor_gone(session(State::kRunning), kNow, nobody.fn()));
}

TEST(SupervisorGone, EndedAndQueuedSessionsAreNeverGoneAndNoProcessIsChecked) {
  Alive nobody{1, 1};
  for (State st : {State::kQueued, State::kDone, State::kFailed, State::kStopped, State::kLost,
                   State::kHandedOff}) {
    EXPECT_FALSE(supervisor_gone(session(st), kNow, nobody.fn())) << registry::to_string(st);
  }
  EXPECT_EQ(nobody.asked, 0);
}

TEST(SupervisorGone, WithoutARecordedSupervisorTheStartGraceDecides) {
  Alive nobody{1, 1};
  registry::Session s = session(State::kStarting, 0, 0);
  s.started_at = kNow - kSupervisorStartGraceMs;
  EXPECT_FALSE(supervisor_gone(s, kNow, nobody.fn()));  // exactly the grace: not yet
  s.started_at = kNow - kSupervisorStartGraceMs - 1;
  EXPECT_TRUE(supervisor_gone(s, kNow, nobody.fn()));
  EXPECT_EQ(nobody.asked, 0);
}

TEST(LostOutcome, NamesTheSupervisorAndWhatItLeft) {
  LostFacts none;
  EXPECT_EQ(lost_outcome(session(State::kRunning), none).error, "supervisor (pid 4242) is gone");
  EXPECT_EQ(lost_outcome(session(State::kStarting, 0, 0), none).error, "supervisor never started");

  LostFacts facts;
  facts.reserve_note = "no space left on device: writing the registry";
  facts.branch_commit = "abc123";
  facts.diffstat = "1 file changed";
  facts.worktree_dirty = true;
  registry::Outcome o = lost_outcome(session(State::kRunning), facts);
  EXPECT_EQ(o.error,
            "supervisor (pid 4242) is gone after: no space left on device: writing the registry; "
            "its worktree /tmp/orch-liveness-test/wt holds uncommitted changes (orch handoff u1 "
            "commits them and goes on)");
  EXPECT_EQ(o.commit_id, "abc123");
  EXPECT_EQ(o.diffstat, "1 file changed");
  EXPECT_TRUE(o.summary.empty());
}

TEST(AgentGroup, IsTheSessionsUnlessOnASharedServer) {
  BackendInfo own, sharing;
  sharing.shares_servers = true;
  registry::Session s = session(State::kRunning);
  s.agent_pid = 777;
  s.options = R"({"shared_server":true})";
  EXPECT_TRUE(agent_group_is_sessions(s, own));       // a backend without shared servers
  EXPECT_FALSE(agent_group_is_sessions(s, sharing));  // the group is the shared server's
  s.options = R"({"shared_server":false})";
  EXPECT_TRUE(agent_group_is_sessions(s, sharing));  // its own per-session server
  s.agent_pid = 0;
  EXPECT_FALSE(agent_group_is_sessions(s, own));  // no agent recorded
  s.agent_pid = 777;
  s.worktree.clear();
  EXPECT_FALSE(agent_group_is_sessions(s, own));  // nowhere to look for its members
}

TEST(WorktreeTakenOver, OnlyByAnotherStartedLiveSessionInTheSameFolder) {
  registry::Session mine = session(State::kStopped);
  registry::Session next = session(State::kRunning);
  next.id = "s2";
  next.worktree = "/tmp/orch-liveness-test/./wt";  // the same folder, spelled differently
  EXPECT_TRUE(worktree_taken_over(mine, {mine, next}));
  registry::Session queued = next;
  queued.state = State::kQueued;  // has no processes yet
  EXPECT_FALSE(worktree_taken_over(mine, {mine, queued}));
  registry::Session elsewhere = next;
  elsewhere.worktree = "/tmp/orch-liveness-test/other";
  EXPECT_FALSE(worktree_taken_over(mine, {mine, elsewhere}));
  EXPECT_FALSE(worktree_taken_over(mine, {mine}));  // itself does not count
}

TEST(ExitCodeFor, EachEndStateHasItsDocumentedCode) {
  EXPECT_EQ(exit_code_for(State::kDone), kExitOk);
  EXPECT_EQ(exit_code_for(State::kFailed), kExitUnitFailed);
  EXPECT_EQ(exit_code_for(State::kStopped), kExitStopped);
  EXPECT_EQ(exit_code_for(State::kHandedOff), kExitStopped);
  EXPECT_EQ(exit_code_for(State::kLost), kExitLost);
  EXPECT_EQ(exit_code_for(State::kRunning), kExitError);
}

}  // namespace
}  // namespace orch
