// A session's log as `orch logs` shows it: its normalized events (session_events: text, tool
// calls, permission answers, errors, retries, nudges, ...) and its state changes (session_states)
// merged by time. Read from the registry only, so it is the same for every backend.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lib/json.h"
#include "lib/registry/types.h"
#include "orchestrator/deps.h"

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

/// Reads the log of session `id`, handing its entries to `on_entries` (possibly none), oldest
/// first. With `follow`, polls the registry every 200 ms and hands on new entries (one call per
/// poll) until the session ended (marking it lost if its supervisor died). The text of an entry
/// is cmd's (cmd/log_view.h). Errors: orch::Error (exit 7) for an unknown session.
void read_log(const Deps& f, const std::string& id, bool follow,
              const std::function<void(const std::vector<LogEntry>&)>& on_entries);

}  // namespace orch
