// What `orch sling` and `orch handoff` print about the session they started: once it is under
// way (without --wait), and once it ended (with --wait). Human lines, or session_json with --json.
#pragma once

#include "lib/io.h"
#include "lib/registry/registry.h"

namespace orch {

/// Prints a just-started session `s` (starting, running, queued, or already ended): its id, state,
/// unit, branch and agent on io.out; its queue place, worktree and how to follow it on io.err.
/// With `json`, session_json on io.out only. Returns 0 while the session is live, else
/// exit_code_for its end state (and prints `orch: error: session ID STATE: ERROR` unless json).
int report_started(IO& io, registry::Registry& reg, const registry::Session& s, bool json);

/// Prints an ended session `s`: "session ID STATE[: DIFFSTAT]" and its summary on io.out, its
/// error as `orch: error: ...` on io.err; or session_json with `json`. Returns exit_code_for the
/// state.
int report_ended(IO& io, const registry::Session& s, bool json);

}  // namespace orch
