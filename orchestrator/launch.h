// Launching a session for a work unit: validate everything, create the branch and worktree,
// record the unit and session, start the detached supervisor, and wait until the agent has
// accepted the work. Used by `orch sling`.
#pragma once

#include <cstdint>
#include <string>

#include "lib/registry/types.h"
#include "orchestrator/factory.h"
#include "orchestrator/presets.h"

namespace orch {

struct LaunchRequest {
  std::string unit;     ///< unit id; branch orch/<unit>
  std::string repo;     ///< path to the repository (or inside it)
  std::string agent;    ///< preset name; "" = the config files' [defaults] agent, else opencode
  std::string backend;  ///< overrides the preset's backend when not empty
  std::string prompt;   ///< the work; may be empty when re-slinging a known unit
  std::string base;     ///< base ref; empty = the repository's HEAD commit
  std::string model;    ///< provider/model override
  bool no_commit = false;
  int64_t inactivity_timeout_ms = 0;  ///< 0 = the preset's
  int64_t startup_timeout_ms = 0;     ///< 0 = the preset's
  std::string policy;                 ///< "" = the preset's; deny | allow
  // Session pool (orchestrator/pool.h):
  std::string convoy;    ///< add the unit to this convoy (its agent, cap and retries are defaults)
  int max_sessions = 0;  ///< pool cap; 0 = the convoy's, else [defaults] max_sessions, else 4
  int retries = -1;      ///< re-runs of a failed attempt; -1 = the convoy's, else 0
  int priority = 0;      ///< queue order: higher takes a free slot first
};

/// Refuses a repository path that is not valid UTF-8 (orch::Error, exit 2): the registry, the
/// JSON output and the agents' requests hold paths as text.
void require_utf8_path(const std::string& path);

/// Where the worktree of `session_id` for `unit` of `repo` lives:
/// $ORCH_HOME/worktrees/<repo folder name>-<8 hex of FNV-1a(repo path)>/<unit>-<session_id>.
std::string worktree_path(const HomeLayout& home, const std::string& repo, const std::string& unit,
                          const std::string& session_id);

/// Validates the request, then creates the worktree, the registry rows and the supervisor.
/// In one BEGIN IMMEDIATE transaction it hands free pool slots to sessions already queued, then
/// records the new session `starting` when the pool has room under its cap, else `queued` (no
/// supervisor yet: one is started when the session gets a slot; its worktree exists already).
/// Returns the session as recorded right after that (state `starting` or `queued`).
/// Presets come from load_agent_config($ORCH_HOME, the repository's workdir).
/// Errors (nothing written in any of these cases): bad unit id or repository (exit 2 / 1), a
/// repository path or a prompt that is not valid UTF-8 (exit 2), a broken
/// config file (exit 1), a base that does not resolve, an unknown agent, a missing agent binary,
/// a live session on the unit (exit 8).
registry::Session launch(Factory& f, const LaunchRequest& req);

/// Waits until the agent accepted the work (agent session id recorded) or the session ended.
/// Returns the session as then recorded. `timeout_ms` bounds the wait (then the session as is).
/// A queued session is returned at once.
registry::Session wait_accepted(Factory& f, const std::string& session_id, int64_t timeout_ms);

}  // namespace orch
