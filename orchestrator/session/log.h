// A session's log as `orch logs` prints it: its normalized events (session_events: text, tool
// calls, permission answers, errors, retries, nudges, ...) and its state changes (session_states)
// merged by time. Read from the registry only, so it is the same for every backend.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lib/io.h"
#include "lib/json.h"
#include "lib/registry/types.h"
#include "orchestrator/factory.h"

namespace orch {

/// One entry of a session's log.
struct LogEntry {
  int64_t at = 0;    ///< UTC ms since the epoch
  std::string kind;  ///< "state", or the event's kind (text, tool, permission, error, ...)
  json::Json data;   ///< the event's data; for a state change {"state", "source", "detail"}
};

/// The entries of `states` and `events` in time order (a stable merge, each list keeping its own
/// order; at equal times a live state comes before the events, an end state after them). Event data
/// that is not valid JSON becomes
/// {"raw": <text>}.
std::vector<LogEntry> merge_log(const std::vector<registry::StateChange>& states,
                                const std::vector<registry::Event>& events);

/// The state changes and events of session `id` recorded after the ids `last_state` and
/// `last_event`, merged by time (merge_log); advances both ids past what it returns. For
/// followers that poll the registry (`orch logs -f`, `sling --wait`, `orch wait --progress`).
std::vector<LogEntry> new_log_entries(registry::Registry& reg, const std::string& id,
                                      int64_t& last_state, int64_t& last_event);

/// The human text of an entry without its time, e.g. "running (opencode:prompt_async)" for a state
/// or "write HELLO.md" for a tool call; for an error with a `detail` (a stack trace below its
/// one-line message), the whole detail.
std::string describe_entry(const LogEntry& e);

/// One human line: "<ISO-8601 UTC time>  <kind, padded to 10>  <describe_entry>", with newlines
/// and other control characters escaped (\n, \t, \xNN), so every entry is exactly one line.
std::string format_log_line(const LogEntry& e);

/// The JSON form (one NDJSON line): {"at": ISO-8601 UTC, "kind": ..., "data": {...}}.
json::Json log_json(const LogEntry& e);

/// Prints the log of session `id` to io.out, one line per entry (`as_json`: NDJSON). With
/// `follow`, polls the registry every 200 ms and prints new entries until the session ended
/// (marking it lost if its supervisor died). Errors: orch::Error (exit 7) for an unknown session.
void print_log(Factory& f, const std::string& id, IO& io, bool follow, bool as_json);

}  // namespace orch
