// The full record of one session, as `orch show` shows it (its text: cmd/session_view.h): the
// session (orchestrator/session/view.h) plus its state history, a summary of its events, its
// lineage, worktree and log folder.
#pragma once

#include <string>

#include "lib/home.h"
#include "lib/json.h"
#include "lib/registry/registry.h"

namespace orch {

/// The record `orch show --json` prints: every key of session_json(s), plus
/// - "states": [{"at", "state", "source", "detail"}], oldest first (detail null when empty);
/// - "events": {"total", "counts": {kind: n}, "last_error": {"at", "message"} or null};
/// - "lineage": {"parents": [ids, nearest first], "children": [ids],
///   "unit_sessions": [every session of the unit, newest first]};
/// - "prompt": the text the session was given (a sling's or convoy unit's work; for a session
///   started by `orch handoff`, the brief), and "prompt_kind": "brief" for such a session, else
///   "prompt";
/// - "checks": {"runs", "passed", "failed"} and "check_runs": [{"attempt", "name", "command",
///   "result" (passed | failed | running), "exit_code" (null while running), "timed_out",
///   "duration_ms", "output" (the file with its output), "started_at", "ended_at"}], oldest first;
/// - "log_dir" ($ORCH_HOME/sessions/<id>/), "worktree_exists" (false once `orch prune` or
///   anyone else removed the folder).
/// Times are ISO-8601 UTC strings.
json::Json session_record(registry::Registry& reg, const HomeLayout& home,
                          const registry::Session& s);

}  // namespace orch
