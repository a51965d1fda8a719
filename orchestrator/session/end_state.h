// The supervisor's end rules: how what the backend returned, and what happened while recording it,
// becomes the end state, error and note the registry keeps. Pure functions, so each rule is
// unit-tested on its own (tests/unit/orchestrator/session/end_state_test.cpp); the registry's
// rule for which state may follow which is registry::transition (lib/registry/types.h).
#pragma once

#include <string>

#include "lib/registry/registry.h"
#include "orchestrator/orchestrator.h"

namespace orch {

/// The end the supervisor records: the state, source, error, summary and usage, and the note.
struct SessionEnd {
  RunResult result;
  registry::Outcome outcome;  ///< only its note is set here; the rest is filled when recorded
};

/// The end of a run the backend returned. A stop is no error: its reason moves from the error to
/// the note. A stopped session whose successor `orch handoff` named (`handoff_to`, the
/// sessions.handoff_to column read after the run; "" when none) ends handed_off, source
/// "cli:handoff", note "handed off to session <id>". Every other result passes unchanged.
SessionEnd settle_end(RunResult run, const std::string& handoff_to);

/// The work of a done session could not be committed or measured (`why`): it fails with
/// "committing the work failed: <why>", source "supervisor:commit". Any other state is kept (a
/// handed-off session stays handed off: its successor goes on in the same worktree).
void fail_for_commit(RunResult& result, const std::string& why);

/// The error of a session that ended `done` with no change while changes were required.
inline constexpr const char* kNoChangesError =
    "no changes: the agent ended its turn without changing anything";

/// A `done` session whose branch has no change against its base (`changed` false: an empty
/// diffstat, and nothing left uncommitted for a --no-commit session) fails with kNoChangesError,
/// source "supervisor:no-changes", when `require_changes` (--require-changes, [defaults]
/// require_changes). Any other result is kept.
void fail_for_no_changes(RunResult& result, bool changed, bool require_changes);

/// Something ran out of space while the end was recorded (`detail`, e.g. the SQLite or git
/// error): the session fails with kNoSpaceCause, keeping what it failed of before in
/// parentheses ("no space left on device (<earlier error or detail>)"), source
/// "supervisor:disk-full". A result already failed for that cause is left as it is.
void fail_for_no_space(RunResult& result, const std::string& detail);

}  // namespace orch
