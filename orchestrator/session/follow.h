// Following a session from the registry alone (no connection to the agent): what `sling --wait`
// and `orch wait` do while they block. What a follower sees is reported as FollowEvents; cmd/
// turns them into text (cmd/log_view.h).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "lib/registry/types.h"
#include "orchestrator/deps.h"
#include "orchestrator/session/log.h"

namespace orch {

/// Something a follower (follow, follow_attempts, wait_sessions) sees while it waits.
struct FollowEvent {
  enum class Kind {
    kEntry,      ///< `entry` was recorded for `session`: a state change or an event
    kQueued,     ///< `session` is queued, at `place` in the queue (once per attempt)
    kHandedOff,  ///< `session` was handed off; session `next` took over
    kRetried,    ///< `session` failed; session `next` retries it as attempt `attempt`
  };
  Kind kind = Kind::kEntry;
  std::string session;  ///< the session the event is about
  LogEntry entry;       ///< kEntry
  int64_t place = 0;    ///< kQueued: 1 is the next to start
  std::string next;     ///< kHandedOff, kRetried
  int64_t attempt = 0;  ///< kRetried
};

/// Receives a follower's events as they happen; an empty function follows quietly (the registry
/// is then not read for log entries at all).
using FollowFn = std::function<void(const FollowEvent&)>;

/// Polls the registry (every 200 ms) until session `id` ends; reports each state change and event
/// recorded meanwhile (kEntry), merged by time as `orch logs` does. Marks the session lost if its
/// supervisor dies. `timeout_ms` <= 0 waits forever; on timeout throws orch::Error (exit 6).
/// Returns the ended session.
registry::Session follow(const Deps& f, const std::string& id, int64_t timeout_ms,
                         const FollowFn& on_event);

}  // namespace orch
