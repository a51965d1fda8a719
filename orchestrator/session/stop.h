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
registry::State stop_session(const Deps& f, const std::string& id, int64_t grace_ms, bool force,
                             const StopAs& as = {});

}  // namespace orch
