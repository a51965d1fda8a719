// The hook outbox (migrations/0015_hooks.sql): the events a session's hooks have still to get,
// in order. Filled by a trigger on session_states (sessions whose options say "hooks":true) and
// by add_hook_event; emptied by the session's hook courier (orchestrator/hooks/).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lib/registry/registry.h"

namespace orch::registry {

/// One event waiting for a session's hooks.
struct HookOutboxRow {
  int64_t id = 0;
  std::string session_id;
  std::string event;           ///< a state name, or "budget"
  std::string state;           ///< the session's state with the event
  std::string previous_state;  ///< "" for the first state
  int64_t at = 0;              ///< ms since the epoch
  std::string detail;          ///< the state change's detail, or the budget's text
};

/// The session's waiting events, oldest first (at most `limit`).
std::vector<HookOutboxRow> pending_hook_events(Registry& reg, const std::string& session_id,
                                               int limit = 100);

/// Removes a delivered event (nothing when it is gone already).
void delete_hook_event(Registry& reg, int64_t id);

/// Queues an `event` (e.g. "budget") with `detail` for the hooks of `session_id`, stamped with the
/// session's current state, in its own transaction (joining the caller's). Returns false, writing
/// nothing, when the session has no hooks (its options lack "hooks":true). Errors: kExitNotFound
/// for an unknown session; orch::Error when the write fails.
bool add_hook_event(Registry& reg, const std::string& session_id, const std::string& event,
                    const std::string& detail);

/// Sessions that have events waiting, oldest waiting event first.
std::vector<std::string> sessions_with_hook_events(Registry& reg);

}  // namespace orch::registry
