// Stopping sessions: SIGTERM to the supervisor (which stops the agent gracefully and records
// `stopped`), then, after a grace period or at once with force, SIGKILL.
#pragma once

#include <string>
#include <vector>

#include "orchestrator/deps.h"

namespace orch {

/// How a stop is recorded: `stopped` by orch stop, `handed_off` by orch handoff.
struct StopAs {
  registry::State state = registry::State::kStopped;
  std::string source = "cli:stop";              ///< state-change source; "-force"/"-grace" appended
  std::string reason = "stopped by orch stop";  ///< the session's note (not an error)
};

/// Stops session `id`. Returns the state it ended in. A session that already ended is returned
/// as it is. `grace_ms`: how long the supervisor gets to stop the agent before SIGKILL; `force`
/// skips the grace period (the session is recorded `as.state`, then its supervisor is killed and
/// its agent dies with it through PR_SET_PDEATHSIG; a shared agent server is detached from, and
/// stopped when this session was its last user). A supervisor that stops the agent itself records
/// the end (as `handed_off` when registry::handoff_to names a successor) and hands its pool slot
/// on; when this function records the end itself, it fills free slots (fill_slots).
/// For a unit of a repository by URL, the stop ends once the supervisor pushed the branch and
/// exited (within the grace period, at least 2 s); a supervisor killed (force, grace over) or
/// found dead has its committed work pushed from here (push_ended_session: an error says why not).
/// A live session of another host (runs_here false) is stopped by its worker: the request goes
/// through the registry (sessions.remote_request), the worker acts within a second, and this
/// waits for the end up to grace_ms + kRemoteActMs (exit 6 past it).
registry::State stop_session(const Deps& f, const std::string& id, int64_t grace_ms, bool force,
                             const StopAs& as = {});

/// How long a command waits, beyond a stop's grace period, for the worker of a session on another
/// host to carry out its request (the worker polls every second; a silent worker is judged lost
/// after registry::kWorkerSilentMs).
inline constexpr int64_t kRemoteActMs = 15000;

/// Waits for session `id` to end (a request left for its worker), up to `timeout_ms`; returns
/// its end state. Errors: orch::Error (kExitTimeout) when it is still live then.
registry::State wait_remote_end(registry::Registry& reg, const std::string& id, int64_t timeout_ms);

}  // namespace orch
