// The text of a session's log: `orch logs` lines (or NDJSON) and the progress lines that
// `sling --wait`, `handoff --wait` and `orch wait --progress` print on stderr while they follow
// a session (orchestrator/session/follow.h).
#pragma once

#include <string>

#include "lib/io.h"
#include "lib/json.h"
#include "orchestrator/session/follow.h"
#include "orchestrator/session/log.h"

namespace orch::cmd {

/// The human text of an entry without its time, e.g. "running (opencode:prompt_async)" for a state,
/// "write HELLO.md" for a tool call, "#3 from unit a (session 1a2b3c4d): TEXT" for a delivered
/// mail (" (in the prompt)" after the sender when it came with the prompt); for an error with a
/// `detail` (a stack trace below its one-line message), the whole detail.
std::string describe_entry(const LogEntry& e);

/// One human line: "<ISO-8601 UTC time>  <kind, padded to 10>  <describe_entry>", with newlines
/// and other control characters escaped (\n, \t, \xNN), so every entry is exactly one line.
std::string format_log_line(const LogEntry& e);

/// The JSON form (one NDJSON line): {"at": ISO-8601 UTC, "kind": ..., "data": {...}}.
json::Json log_json(const LogEntry& e);

/// The progress line (without the session id) for one log entry: "<state> (<detail>)" for a
/// state change, "tool <tool> <title>", "denied|allowed <permission>", "retry N: <message>",
/// "error: <message>", "nudge: <text>", "mail #ID from ...: <text>"; "" for entries progress does
/// not show (agent text, info).
std::string follow_line(const LogEntry& e);

/// A FollowFn that prints a follower's events on io.err, one line each, flushed: "<id>: " and
/// follow_line for an entry (control characters escaped; an end state whose detail repeats the
/// error just printed for that session leaves the detail out), "<id>: queued (place N in the
/// queue)", "<id>: handed off to session <next>", "<id>: failed; retried as session <next>
/// (attempt N)". `io` must outlive the function.
FollowFn progress_printer(IO& io);

}  // namespace orch::cmd
