// Following a session from the registry alone (no connection to the agent): what `sling --wait`
// and `orch wait` print while they block.
#pragma once

#include <cstdint>
#include <string>

#include "lib/io.h"
#include "lib/registry/types.h"
#include "orchestrator/factory.h"
#include "orchestrator/session/log.h"

namespace orch {

/// The progress line (without the session id) for one log entry: "<state> (<detail>)" for a
/// state change, "tool <tool> <title>", "denied|allowed <permission>", "retry N: <message>",
/// "error: <message>", "nudge: <text>"; "" for entries progress does not show (agent text, info).
std::string follow_line(const LogEntry& e);

/// Polls the registry (every 200 ms) until session `id` ends; prints each state change and one
/// line per tool call, permission answer, retry and error to io.err (unless `quiet`), merged by
/// time as `orch logs` does, "<id>: <progress_line>" with control characters escaped. Marks the
/// session lost if its supervisor dies. `timeout_ms` <= 0 waits forever; on timeout throws
/// orch::Error (exit 6). Returns the ended session.
registry::Session follow(Factory& f, const std::string& id, IO& io, int64_t timeout_ms, bool quiet);

}  // namespace orch
