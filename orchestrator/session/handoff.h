// Handoff: pass a work unit, its worktree and branch, and what has been learned, from one session
// to a new one, also across backends. `orch handoff` (cmd/handoff.cpp) calls it;
// docs/ARCHITECTURE.md ("Handoff") describes the design.
#pragma once

#include <cstdint>
#include <string>

#include "lib/registry/types.h"
#include "orchestrator/deps.h"

namespace orch {

/// What `orch handoff` asks for.
struct HandoffRequest {
  std::string target;        ///< a session id, or a unit name (its live session, else its newest)
  std::string agent;         ///< preset of the new session; "" = the previous session's agent
  std::string note;          ///< the context note for the new session; may be empty
  int64_t grace_ms = 30000;  ///< how long a running session gets to stop before SIGKILL (ms)
  std::string next_id;       ///< the new session's id; "" = a fresh random one
};

/// The two sides of a handoff, as recorded when handoff() returns.
struct HandoffResult {
  registry::Session previous;  ///< ended: handed_off if it was live, else as it had ended
  registry::Session next;      ///< starting or queued; parent_session = previous.id
};

/// Hands the unit of `req.target` over to a new session in the same worktree and on the same
/// branch. Everything is validated first (the target is the unit's latest session, its worktree
/// exists, the agent preset and its binary are known). A live session is then asked to end
/// (registry::set_handoff_to names the successor; its supervisor stops the agent, commits and
/// records `handed_off`; after `grace_ms` it is killed). Uncommitted work left in the worktree
/// is committed to the branch (unless the session ran with --no-commit). The new session gets a
/// brief (orchestrator/session/handoff_brief.h) with the unit's original prompt, the previous
/// session's last assistant text, the commits and diffstat against the base and the note; on the
/// same backend it continues the previous agent conversation where the backend can resume
/// (BackendInfo::can_resume: Claude --resume --fork-session, OpenCode POST /session/{id}/fork).
/// It is admitted to the pool like a sling (admit_session). A live session of another host
/// (runs_here false) is handed off by its worker on its host: the request goes through the
/// registry and this waits for both sides up to grace_ms + kRemoteActMs (exit 6 past it).
/// Errors (nothing changed): no such session or unit (exit 7), a unit name with several live
/// sessions or a session that is not the unit's latest (exit 2), a gone worktree (exit 1), an
/// unknown agent or missing binary, another live session on the unit (exit 8). For a unit of a
/// repository by URL the previous session's branch is pushed before the successor is queued;
/// a refused push is an error (exit 1) after the previous session ended: no successor is
/// queued, the work stays in this host's mirror (remote_push.h).
HandoffResult handoff(const Deps& f, const HandoffRequest& req);

}  // namespace orch
