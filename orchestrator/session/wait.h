// `orch wait`: block until sessions end, from the registry alone (orchestrator/session/follow.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lib/registry/types.h"
#include "orchestrator/deps.h"
#include "orchestrator/session/follow.h"

namespace orch {

/// The exit code for sessions that ended in `states`: the worst one, lost 5 > stopped or handed
/// off 4 > failed 3 > done 0 (each as exit_code_for). 0 for none.
int worst_exit_code(const std::vector<registry::State>& states);

/// Follows each session until it ended (follow_attempts(): polls the registry, marks sessions
/// whose supervisor died lost, goes on with a queued retry of a failed session and with the
/// session that took over a handed-off one; the returned session is the last of that chain),
/// all within one deadline of `timeout_ms` (<= 0: none), reporting what it sees to `on_event`
/// (empty: quietly). Returns the ended sessions, in order.
/// Errors: orch::Error (exit 6) naming the sessions still live at the deadline.
std::vector<registry::Session> wait_sessions(const Deps& f,
                                             const std::vector<registry::Session>& ss,
                                             int64_t timeout_ms, const FollowFn& on_event);

}  // namespace orch
