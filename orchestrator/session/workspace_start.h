// A session's [workspace] at its start (orchestrator/workspace/): its ports, the copied files and
// the setup commands, run by the supervisor after it made the worktree and before the agent,
// while the session is `starting`.
#pragma once

#include <map>
#include <string>

#include <spdlog/logger.h>

#include "lib/registry/types.h"
#include "orchestrator/deps.h"
#include "orchestrator/orchestrator.h"

namespace orch {

/// Prepares session `s` (of `unit`) for its agent as its options' [workspace] settings say:
/// allocates its block of ports (registry::allocate_ports over the port range, each checked
/// free with a bind on 127.0.0.1), and when `created` (the supervisor made the worktree just now,
/// not a handoff's successor that inherits it) copies the `copy` files from the repository's
/// working tree and runs `setup` in the worktree (output in sessions/<id>/setup.log, 0600).
/// Reports each step as an info event to `sink` and in `log`. Returns the environment the agent
/// (and checks) get: ORCH_PORT and ORCH_PORTS (ports_env), empty without ports. Errors:
/// orch::Error with one line: no free block of ports, a copy that failed, a setup command that
/// failed or timed out (its command, exit code and last lines of output).
std::map<std::string, std::string> prepare_workspace(const Deps& f, const registry::Session& s,
                                                     const registry::Unit& unit, bool created,
                                                     SessionSink& sink, spdlog::logger& log);

}  // namespace orch
