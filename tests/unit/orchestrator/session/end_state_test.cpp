// The supervisor's end rules (orchestrator/session/end_state.h): a stop is a note, not an error; a
// stop that `orch handoff` asked for is handed_off; a done session whose work cannot be committed
// fails; running out of space while recording the end fails the session with that cause.
#include "orchestrator/session/end_state.h"

#include <gtest/gtest.h>

namespace orch {
namespace {

RunResult done_with_summary() {
  RunResult r = run_result(State::kDone, "opencode:session.idle", "");
  r.summary = "wrote HELLO.md";
  r.usage.tokens_in = 120;
  r.usage.cost_usd = 0.5;
  return r;
}

TEST(SessionEnd, DoneAndFailedPassUnchanged) {
  SessionEnd done = settle_end(done_with_summary(), "");
  EXPECT_EQ(done.result.state, State::kDone);
  EXPECT_EQ(done.result.source, "opencode:session.idle");
  EXPECT_EQ(done.result.summary, "wrote HELLO.md");
  EXPECT_EQ(done.result.usage.tokens_in, 120);
  EXPECT_EQ(done.outcome.note, "");

  SessionEnd failed = settle_end(run_result(State::kFailed, "claude:result", "API Error: 500"), "");
  EXPECT_EQ(failed.result.state, State::kFailed);
  EXPECT_EQ(failed.result.error, "API Error: 500");
  EXPECT_EQ(failed.outcome.note, "");
}

TEST(SessionEnd, AStopIsANoteNotAnError) {
  SessionEnd end =
      settle_end(run_result(State::kStopped, "supervisor:stop", "stopped by SIGTERM"), "");
  EXPECT_EQ(end.result.state, State::kStopped);
  EXPECT_EQ(end.result.source, "supervisor:stop");
  EXPECT_EQ(end.result.error, "");
  EXPECT_EQ(end.outcome.note, "stopped by SIGTERM");
}

TEST(SessionEnd, AStopWithANamedSuccessorIsAHandoff) {
  SessionEnd end =
      settle_end(run_result(State::kStopped, "supervisor:stop", "stopped by SIGTERM"), "ab12cd34");
  EXPECT_EQ(end.result.state, State::kHandedOff);
  EXPECT_EQ(end.result.source, "cli:handoff");
  EXPECT_EQ(end.result.error, "");
  EXPECT_EQ(end.outcome.note, "handed off to session ab12cd34");
}

TEST(SessionEnd, ASuccessorNamedForARunThatEndedOtherwiseChangesNothing) {
  // The agent finished (or failed) before the handoff's SIGTERM arrived: its own end stands.
  SessionEnd done = settle_end(done_with_summary(), "ab12cd34");
  EXPECT_EQ(done.result.state, State::kDone);
  EXPECT_EQ(done.outcome.note, "");
  SessionEnd failed = settle_end(run_result(State::kFailed, "x", "boom"), "ab12cd34");
  EXPECT_EQ(failed.result.state, State::kFailed);
  EXPECT_EQ(failed.result.error, "boom");
}

TEST(SessionEnd, ADoneSessionWhoseWorkCannotBeCommittedFails) {
  RunResult r = done_with_summary();
  fail_for_commit(r, "index.lock exists");
  EXPECT_EQ(r.state, State::kFailed);
  EXPECT_EQ(r.source, "supervisor:commit");
  EXPECT_EQ(r.error, "committing the work failed: index.lock exists");
  EXPECT_EQ(r.summary, "wrote HELLO.md");  // what the agent said stays
}

TEST(SessionEnd, ACommitFailureKeepsEveryOtherEnd) {
  RunResult handed = run_result(State::kHandedOff, "cli:handoff", "");
  fail_for_commit(handed, "index.lock exists");
  EXPECT_EQ(handed.state, State::kHandedOff);
  EXPECT_EQ(handed.error, "");
  RunResult failed = run_result(State::kFailed, "claude:result", "API Error: 500");
  fail_for_commit(failed, "index.lock exists");
  EXPECT_EQ(failed.error, "API Error: 500");
  EXPECT_EQ(failed.source, "claude:result");
}

TEST(SessionEnd, ADoneWithNoChangeFailsOnlyWhenChangesAreRequired) {
  RunResult required = done_with_summary();
  fail_for_no_changes(required, false, true);
  EXPECT_EQ(required.state, State::kFailed);
  EXPECT_EQ(required.source, "supervisor:no-changes");
  EXPECT_EQ(required.error, "no changes: the agent ended its turn without changing anything");
  EXPECT_EQ(required.summary, "wrote HELLO.md");

  RunResult not_required = done_with_summary();
  fail_for_no_changes(not_required, false, false);
  EXPECT_EQ(not_required.state, State::kDone);
  RunResult changed = done_with_summary();
  fail_for_no_changes(changed, true, true);
  EXPECT_EQ(changed.state, State::kDone);
  EXPECT_EQ(changed.error, "");
  RunResult failed = run_result(State::kFailed, "claude:result", "API Error: 500");
  fail_for_no_changes(failed, false, true);
  EXPECT_EQ(failed.error, "API Error: 500");
}

TEST(SessionEnd, RunningOutOfSpaceFailsWithThatCauseFirst) {
  RunResult done = done_with_summary();
  fail_for_no_space(done, "database or disk is full");
  EXPECT_EQ(done.state, State::kFailed);
  EXPECT_EQ(done.source, "supervisor:disk-full");
  EXPECT_EQ(done.error, "no space left on device (database or disk is full)");
  EXPECT_EQ(done.summary, "wrote HELLO.md");

  // An earlier error is kept in the parentheses rather than the write's detail.
  RunResult commit =
      run_result(State::kFailed, "supervisor:commit", "committing the work failed: ENOSPC");
  fail_for_no_space(commit, "database or disk is full");
  EXPECT_EQ(commit.error, "no space left on device (committing the work failed: ENOSPC)");

  // Said once: a second failure while retrying does not wrap it again.
  fail_for_no_space(commit, "still full");
  EXPECT_EQ(commit.error, "no space left on device (committing the work failed: ENOSPC)");

  RunResult bare = run_result(State::kDone, "x", "");
  fail_for_no_space(bare, "");
  EXPECT_EQ(bare.error, "no space left on device");
}

TEST(SessionEnd, RunningOutOfSpaceFailsEvenAStop) {
  SessionEnd stop =
      settle_end(run_result(State::kStopped, "supervisor:stop", "stopped by SIGINT"), "");
  fail_for_no_space(stop.result, "database or disk is full");
  EXPECT_EQ(stop.result.state, State::kFailed);
  EXPECT_EQ(stop.result.error, "no space left on device (database or disk is full)");
  EXPECT_EQ(stop.outcome.note, "stopped by SIGINT");
}

}  // namespace
}  // namespace orch
