// The supervisor: one detached process per session (`orch __supervise SESSION`), started by
// `orch sling`. It outlives the CLI and its terminal, drives the backend, and writes every state
// change and event to the registry and to $ORCH_HOME/sessions/<id>/ (supervisor.log,
// events.jsonl). On `done` it commits what the agent left uncommitted to the unit's branch.
// SIGTERM/SIGINT stop the session gracefully (state `stopped`); that policy and the time-outs are
// the same for every backend (orchestrator/session/run_watch.h).
#pragma once

#include <string>

#include "orchestrator/deps.h"

namespace orch {

/// Runs session `session_id` to its end. Returns the process exit code (0 when the session
/// reached a terminal state and it was recorded, whatever that state is).
int run_supervisor(const Deps& deps, const std::string& session_id);

}  // namespace orch
