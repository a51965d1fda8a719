// What commands print about one session: what `orch sling` and `orch handoff` print about the
// session they started, once it is under way (without --wait) and once it ended (with --wait), as
// human lines or session_json with --json; and `orch show`'s text of a session record.
#pragma once

#include <string>

#include "lib/io.h"
#include "lib/json.h"
#include "lib/registry/registry.h"

namespace orch::cmd {

/// Prints a just-started session `s` (starting, running, queued, or already ended): its id, state,
/// unit, branch and agent on io.out; its queue place, worktree and how to follow it on io.err.
/// With `json`, session_json on io.out only. Returns 0 while the session is live, else
/// exit_code_for its end state; unless `json`, an ended session with an error throws it as
/// orch::Error "session ID STATE: ERROR" with that exit code (cmd/orch.cpp prints it).
int report_started(IO& io, registry::Registry& reg, const registry::Session& s, bool json);

/// Prints an ended session `s`: "session ID STATE[: DIFFSTAT]" and its summary on io.out, and
/// its note (why it ended when that is no error) on io.err; or session_json with `json`. Returns
/// exit_code_for the state; unless `json`, throws its error as report_started does.
int report_ended(IO& io, const registry::Session& s, bool json);

/// The human form of a session_record() (orchestrator/session/record.h): one "label  value" line
/// per field, then the states (time, state, source, detail), the event counts, and last the prompt
/// (or brief), each of its lines indented by two spaces.
std::string format_record(const json::Json& record);

}  // namespace orch::cmd
